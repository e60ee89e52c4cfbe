"""DeliveryVersusPayment on Anvil: the trade's life (propose, accept or match, settle, cancel, unwind),
compliance at acceptance and at settlement, fees, and every hostile call refused with its error."""

from __future__ import annotations

import pytest

from rwakit.contracts import decode_revert
from rwakit.contracts.restrictions import Restriction
from rwakit.errors import AccessDenied, ComplianceError, ContractRevert
from tests.conftest import advance_time, now
from tests.contracts.money import HKD, SHARE, Money, money
from tests.contracts.rwa import assert_compliance_error

__all__ = ["money"]

QTY = 100 * SHARE
PRICE = 12_500 * HKD
PROPOSED, ACCEPTED, SETTLED, CANCELLED, FAILED, EXPIRED = 1, 2, 3, 4, 5, 6


def status(m: Money, trade_id: int) -> int:
    return int(m.dvp.functions.trade(trade_id).call()[3])


def propose(m: Money, *, seller_side: bool = True, quantity: int = QTY, price: int = PRICE,
            ttl: int = 3600, counterparty: str | None = None) -> int:  # fmt: skip
    proposer, other = (m.alice, m.bob) if seller_side else (m.bob, m.alice)
    call = m.dvp.functions.propose(
        other.address if counterparty is None else counterparty, seller_side, m.token.address, quantity, price,
        now(m.chain) + ttl,
    )  # fmt: skip
    receipt = m.send(proposer, call)
    return int(m.events(m.dvp, "TransferIncepted", receipt)[0]["id"])


def approve_both(m: Money, quantity: int = QTY, price: int = PRICE) -> None:
    m.send(m.alice, m.token.functions.approve(m.dvp.address, quantity))
    m.send(m.bob, m.coin.functions.approve(m.dvp.address, price))


def accepted(m: Money) -> int:
    trade_id = propose(m)
    approve_both(m)
    m.send(m.bob, m.dvp.functions.accept(trade_id))
    return trade_id


def refused(error: str, action: object) -> ContractRevert:
    with pytest.raises(ContractRevert) as caught:
        action() if callable(action) else None
    assert caught.value.error == error, caught.value
    return caught.value


def test_seller_proposes_buyer_accepts_and_settlement_moves_both_legs(money: Money) -> None:
    m = money
    before = m.shares(m.alice), m.shares(m.bob), m.cash(m.alice), m.cash(m.bob)
    trade_id = accepted(m)
    assert status(m, trade_id) == ACCEPTED
    assert m.cash(m.dvp.address) == PRICE  # the payment is escrowed
    receipt = m.send(m.alice, m.dvp.functions.settle(trade_id))
    assert m.events(m.dvp, "TransferSettled", receipt) == [{"id": trade_id, "fee": 0}]
    after = m.shares(m.alice), m.shares(m.bob), m.cash(m.alice), m.cash(m.bob)
    assert after == (before[0] - QTY, before[1] + QTY, before[2] + PRICE, before[3] - PRICE)
    assert status(m, trade_id) == SETTLED
    assert m.cash(m.dvp.address) == 0 and m.token.functions.allowance(m.alice.address, m.dvp.address).call() == 0


def test_buyer_proposes_seller_accepts(money: Money) -> None:
    m = money
    trade_id = propose(m, seller_side=False)
    approve_both(m)
    refused("DvPUnauthorized", lambda: m.send(m.bob, m.dvp.functions.accept(trade_id)))  # not the proposer
    m.send(m.alice, m.dvp.functions.accept(trade_id))
    m.send(m.bob, m.dvp.functions.settle(trade_id))
    assert status(m, trade_id) == SETTLED


def test_the_fee_is_fixed_at_proposal_and_accrues_to_the_platform(money: Money) -> None:
    m = money
    m.send(m.issuer, m.dvp.functions.setFee(25))  # 0.25%
    trade_id = accepted(m)
    m.send(m.issuer, m.dvp.functions.setFee(0))  # later changes leave the trade's fee alone
    seller_cash = m.cash(m.alice)
    m.send(m.alice, m.dvp.functions.settle(trade_id))
    fee = PRICE * 25 // 10_000
    assert m.cash(m.alice) == seller_cash + PRICE - fee
    assert m.dvp.functions.feesAccrued().call() == fee == m.cash(m.dvp.address)
    treasury = m.carol.address
    before = m.cash(treasury)
    m.send(m.issuer, m.dvp.functions.withdrawFees(treasury))
    assert m.cash(treasury) == before + fee and m.cash(m.dvp.address) == 0


def test_a_fee_above_100_percent_or_set_by_a_stranger_is_refused(money: Money) -> None:
    m = money
    assert refused("DvPInvalidFee", lambda: m.send(m.issuer, m.dvp.functions.setFee(10_001))).args_by_name == {
        "feeBps": 10_001
    }
    with pytest.raises(AccessDenied):
        m.send(m.alice, m.dvp.functions.setFee(1))
    with pytest.raises(AccessDenied):
        m.send(m.alice, m.dvp.functions.withdrawFees(m.alice.address))


@pytest.mark.parametrize(
    ("quantity", "price", "error"),
    [
        (0, PRICE, "DvPInvalidAmount"),
        (QTY, 0, "DvPInvalidAmount"),  # shares for nothing
        (2**96, PRICE, "DvPInvalidAmount"),
        (QTY, 2**128, "DvPInvalidAmount"),
        (2**256 - 1, 2**256 - 1, "DvPInvalidAmount"),
    ],
)
def test_zero_or_huge_amounts_are_refused(money: Money, quantity: int, price: int, error: str) -> None:
    refused(error, lambda: propose(money, quantity=quantity, price=price))


def test_a_huge_but_valid_trade_settles_exactly(money: Money) -> None:
    m = money
    price = 2**128 - 1  # the most a trade may cost: the fee's product stays exact
    m.send(m.issuer, m.coin.functions.mint(m.bob.address, price))
    m.send(m.issuer, m.dvp.functions.setFee(10_000))  # all of it (the edge a fee may reach)
    trade_id = propose(m, price=price)
    approve_both(m, price=price)
    m.send(m.bob, m.dvp.functions.accept(trade_id))
    seller_cash = m.cash(m.alice)
    m.send(m.bob, m.dvp.functions.settle(trade_id))
    assert m.cash(m.alice) == seller_cash and m.dvp.functions.feesAccrued().call() == price


def test_the_largest_quantity_is_kept_exactly_and_the_asset_judges_the_holding(money: Money) -> None:
    m = money
    quantity = 2**96 - 1  # the most a trade may carry (asset balances are 96-bit)
    trade_id = propose(m, quantity=quantity, price=1)  # and the least it may cost
    assert tuple(m.dvp.functions.trade(trade_id).call()[7:]) == (quantity, 1)
    approve_both(m, quantity=quantity, price=1)
    cash = m.cash(m.bob)
    with pytest.raises(ComplianceError) as caught:  # alice holds far less: refused at acceptance, nothing moves
        m.send(m.bob, m.dvp.functions.accept(trade_id))
    assert_compliance_error(caught, Restriction.INSUFFICIENT_BALANCE)
    assert status(m, trade_id) == PROPOSED and m.cash(m.bob) == cash


def test_self_trades_past_expiries_and_unknown_assets_are_refused(money: Money) -> None:
    m = money
    refused("DvPSelfTrade", lambda: propose(m, counterparty=m.alice.address))
    refused("DvPInvalidExpiry", lambda: propose(m, ttl=-1))
    refused("DvPInvalidExpiry", lambda: propose(m, ttl=2**41))
    call = m.dvp.functions.propose(m.bob.address, True, m.coin.address, QTY, PRICE, now(m.chain) + 60)
    assert refused("DvPUnknownAsset", lambda: m.send(m.alice, call)).args_by_name == {"asset": m.coin.address}


def test_accepting_twice_by_a_stranger_or_without_approvals_is_refused(money: Money) -> None:
    m = money
    trade_id = propose(m)
    refused("DvPUnauthorized", lambda: m.send(m.carol, m.dvp.functions.accept(trade_id)))
    refused("DvPSharesNotApproved", lambda: m.send(m.bob, m.dvp.functions.accept(trade_id)))
    m.send(m.alice, m.token.functions.approve(m.dvp.address, QTY))
    with pytest.raises(ContractRevert):  # the buyer's payment is not approved (OpenZeppelin's ERC-20 error)
        m.send(m.bob, m.dvp.functions.accept(trade_id))
    m.send(m.bob, m.coin.functions.approve(m.dvp.address, PRICE))
    m.send(m.bob, m.dvp.functions.accept(trade_id))
    refused("DvPWrongStatus", lambda: m.send(m.bob, m.dvp.functions.accept(trade_id)))
    refused("DvPWrongStatus", lambda: m.send(m.bob, m.dvp.functions.accept(999)))


def test_compliance_is_checked_at_acceptance_with_the_assets_reason(money: Money) -> None:
    m = money
    trade_id = propose(m, counterparty=m.outsider.address)  # an unregistered buyer
    m.send(m.alice, m.token.functions.approve(m.dvp.address, QTY))
    m.send(m.outsider, m.coin.functions.approve(m.dvp.address, PRICE))
    cash = m.cash(m.outsider)
    with pytest.raises(ComplianceError) as caught:
        m.send(m.outsider, m.dvp.functions.accept(trade_id))
    assert_compliance_error(caught, Restriction.RECEIVER_NOT_REGISTERED)
    assert status(m, trade_id) == PROPOSED and m.cash(m.outsider) == cash


def test_a_leg_refused_at_settlement_unwinds_both_and_says_why(money: Money) -> None:
    m = money
    trade_id = accepted(m)
    m.platform.registry.revoke("BOB")  # the buyer's KYC is revoked after acceptance
    shares, cash = m.shares(m.alice), m.cash(m.bob)
    receipt = m.send(m.alice, m.dvp.functions.settle(trade_id))
    [failed] = m.events(m.dvp, "TransferFailed", receipt)
    reason = decode_revert(failed["reason"])
    assert reason is not None and reason.name == "AssetTransferRestricted"
    assert reason.args["code"] == Restriction.RECEIVER_REVOKED
    assert status(m, trade_id) == FAILED
    assert (m.shares(m.alice), m.cash(m.bob)) == (shares, cash + PRICE)  # the payment went back
    assert m.cash(m.dvp.address) == 0


def test_a_stranger_cannot_settle_and_the_desk_can(money: Money) -> None:
    m = money
    trade_id = accepted(m)
    refused("DvPUnauthorized", lambda: m.send(m.carol, m.dvp.functions.settle(trade_id)))
    m.send(m.issuer, m.dvp.functions.settle(trade_id))  # the operator holds OTC_DESK_ROLE
    refused("DvPWrongStatus", lambda: m.send(m.alice, m.dvp.functions.settle(trade_id)))


def test_either_side_cancels_before_acceptance_and_nobody_after(money: Money) -> None:
    m = money
    first, second = propose(m), propose(m)
    refused("DvPUnauthorized", lambda: m.send(m.carol, m.dvp.functions.cancel(first)))
    m.send(m.bob, m.dvp.functions.cancel(first))
    m.send(m.alice, m.dvp.functions.cancel(second))
    assert (status(m, first), status(m, second)) == (CANCELLED, CANCELLED)
    refused("DvPWrongStatus", lambda: m.send(m.bob, m.dvp.functions.accept(first)))
    third = accepted(m)
    refused("DvPWrongStatus", lambda: m.send(m.alice, m.dvp.functions.cancel(third)))


def test_after_expiry_anyone_unwinds_and_the_payment_goes_back(money: Money) -> None:
    m = money
    proposed, locked = propose(m, ttl=600), accepted(m)
    refused("DvPNotExpired", lambda: m.send(m.carol, m.dvp.functions.unwind(locked)))
    cash = m.cash(m.bob)
    advance_time(m.chain, 3601)
    refused("DvPExpired", lambda: m.send(m.alice, m.dvp.functions.settle(locked)))
    refused("DvPExpired", lambda: m.send(m.bob, m.dvp.functions.accept(proposed)))
    m.send(m.carol, m.dvp.functions.unwind(locked))
    m.send(m.outsider, m.dvp.functions.unwind(proposed))
    assert (status(m, proposed), status(m, locked)) == (EXPIRED, EXPIRED)
    assert m.cash(m.bob) == cash + PRICE and m.cash(m.dvp.address) == 0
    refused("DvPWrongStatus", lambda: m.send(m.carol, m.dvp.functions.unwind(locked)))


def test_the_desk_matches_open_proposals_on_the_same_terms(money: Money) -> None:
    m = money
    zero = "0x" + "00" * 20
    sell = propose(m, counterparty=zero)
    buy = propose(m, seller_side=False, counterparty=zero)
    other = propose(m, seller_side=False, counterparty=zero, price=PRICE + 1)
    refused("DvPUnauthorized", lambda: m.send(m.bob, m.dvp.functions.accept(sell)))  # open: only the desk
    with pytest.raises(AccessDenied):
        m.send(m.alice, m.dvp.functions.matchTrades(sell, buy))
    refused("DvPMismatch", lambda: m.send(m.issuer, m.dvp.functions.matchTrades(sell, other)))
    refused("DvPMismatch", lambda: m.send(m.issuer, m.dvp.functions.matchTrades(buy, sell)))
    approve_both(m)
    receipt = m.send(m.issuer, m.dvp.functions.matchTrades(sell, buy))
    assert m.events(m.dvp, "TransferMatched", receipt)[0]["buyId"] == buy
    assert (status(m, sell), status(m, buy)) == (ACCEPTED, CANCELLED)
    assert m.dvp.functions.trade(sell).call()[5] == m.bob.address
    m.send(m.bob, m.dvp.functions.settle(sell))
    assert status(m, sell) == SETTLED
