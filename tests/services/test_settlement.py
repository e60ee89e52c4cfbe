"""The money leg's Python services on Anvil: cash, trades and distributions through the platform's
transaction manager, amounts as decimal strings, refusals as typed errors with codes."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
from web3.types import BlockIdentifier

from rwakit.contracts.restrictions import Restriction
from rwakit.errors import ComplianceError, ConfigError, ContractRevert, InvalidInput, NotFound
from rwakit.settlement.distributions import TREES, RegisterMismatch
from rwakit.settlement.register import ChainRegister
from rwakit.settlement.services import Settlement
from rwakit.settlement.trades import TradeStatus
from tests.conftest import advance_time
from tests.contracts.money import ALICE_HOLDS, BOB_HOLDS, HKD, SHARE, Money, money
from tests.contracts.rwa import assert_compliance_error

__all__ = ["money"]

HOUR = 3600


@pytest.fixture
def s(money: Money) -> Settlement:
    return Settlement.open(money.platform)


def test_cash_mints_and_reads_decimal_amounts_only_on_the_test_coin(money: Money, s: Settlement) -> None:
    before = s.cash.balance(money.carol.address)
    s.cash.mint(money.carol.address, "12.345678")
    assert s.cash.balance(money.carol.address) == before + 12_345_678
    assert (s.cash.symbol, s.cash.decimals, s.cash.display(12_345_678)) == ("HKD", 6, "12.345678")
    with pytest.raises(InvalidInput) as caught:
        s.cash.mint(money.carol.address, "0.0000001")
    assert caught.value.code == "too_many_decimals"
    elsewhere = replace(money.platform, deployment=replace(money.platform.deployment, test_coin=False))
    with pytest.raises(ConfigError) as refused:
        Settlement.open(elsewhere).cash.mint(money.carol.address, "1")
    assert refused.value.code == "not_test_coin"
    bare = replace(money.platform, deployment=replace(money.platform.deployment, dvp=None, settlement_token=None))
    with pytest.raises(ConfigError) as missing:
        Settlement.open(bare).trades.count()
    assert missing.value.code == "settlement_not_deployed"


def test_a_trade_proposed_accepted_and_settled_through_the_service(money: Money, s: Settlement) -> None:
    m = money
    trade = s.trades.propose(m.alice, asset="HVT", counterparty="BOB", quantity="25.5", price="3187.5",
                             expires_in=HOUR, as_seller=True)  # fmt: skip
    assert (trade.seller, trade.buyer, trade.quantity, trade.price) == (
        m.alice.address,
        m.bob.address,
        2550,
        3_187_500_000,
    )
    assert s.trades.accept(m.bob, trade.id).status is TradeStatus.ACCEPTED
    before = m.shares(m.bob), m.cash(m.alice)
    assert s.trades.settle(m.alice, trade.id).status is TradeStatus.SETTLED
    assert (m.shares(m.bob), m.cash(m.alice)) == (before[0] + 2550, before[1] + 3_187_500_000)
    assert [t.id for t in s.trades.list(TradeStatus.SETTLED)] == [trade.id]


def test_a_refused_settlement_raises_the_assets_reason_after_refunding(money: Money, s: Settlement) -> None:
    m = money
    trade = s.trades.propose(m.bob, asset="HVT", counterparty="ALICE", quantity="1", price="100",
                             expires_in=HOUR, as_seller=False)  # fmt: skip
    s.trades.accept(m.alice, trade.id)
    m.platform.registry.revoke("BOB")
    cash = m.cash(m.bob)
    with pytest.raises(ComplianceError) as caught:
        s.trades.settle(m.alice, trade.id)
    assert_compliance_error(caught, Restriction.RECEIVER_REVOKED)
    assert caught.value.details["trade_status"] == "failed"
    assert s.trades.get(trade.id).status is TradeStatus.FAILED and m.cash(m.bob) == cash + 100 * HKD


def test_trade_inputs_are_checked_before_anything_is_sent(money: Money, s: Settlement) -> None:
    m = money
    with pytest.raises(InvalidInput):
        s.trades.propose(
            m.alice, asset="HVT", counterparty="BOB", quantity="1", price="1", expires_in=0, as_seller=True
        )
    with pytest.raises(NotFound):
        s.trades.propose(
            m.alice, asset="NOPE", counterparty="BOB", quantity="1", price="1", expires_in=60, as_seller=True
        )
    with pytest.raises(NotFound) as caught:
        s.trades.get(42)
    assert caught.value.code == "trade_not_found"
    with pytest.raises(InvalidInput):
        s.trades.set_fee(m.issuer, 10_001)
    proposed = s.trades.propose(m.alice, asset="HVT", counterparty=None, quantity="1", price="1", expires_in=60,
                                as_seller=True)  # fmt: skip
    assert s.trades.cancel(m.alice, proposed.id).status is TradeStatus.CANCELLED
    late = s.trades.propose(
        m.alice, asset="HVT", counterparty="BOB", quantity="1", price="1", expires_in=60, as_seller=True
    )
    advance_time(m.chain, 61)
    assert s.trades.unwind(m.carol, late.id).status is TradeStatus.EXPIRED


def test_a_distribution_created_claimed_and_reclaimed_through_the_service(money: Money, s: Settlement) -> None:
    m = money
    d = s.distributions.create(m.issuer, "HVT", "1000.000001", deadline_in=HOUR, uri="https://example.com/tree.json")
    supply = ALICE_HOLDS + BOB_HOLDS
    amount = 1_000_000_001
    assert (d.amount, d.allocated + d.remainder, d.uri) == (amount, amount, "https://example.com/tree.json")
    assert d.allocated == amount * ALICE_HOLDS // supply + amount * BOB_HOLDS // supply
    claimable = s.distributions.claimable(d.id, m.alice.address)
    assert claimable.amount == amount * ALICE_HOLDS // supply and not claimable.claimed
    before = m.cash(m.alice)
    s.distributions.claim(m.carol, d.id, m.alice.address)
    assert m.cash(m.alice) == before + claimable.amount
    assert s.distributions.claimable(d.id, m.alice.address).claimed
    with pytest.raises(NotFound) as caught:
        s.distributions.claimable(d.id, m.carol.address)
    assert caught.value.code == "not_a_holder_of_record"
    advance_time(m.chain, HOUR)
    s.distributions.reclaim(m.issuer, d.id)
    assert s.distributions.get(d.id).claimed == d.allocated
    assert [x.id for x in s.distributions.list()] == [d.id]


def test_distribution_inputs_and_a_register_that_changed(money: Money, s: Settlement) -> None:
    m = money
    latest = m.chain.w3.eth.block_number
    with pytest.raises(InvalidInput):
        s.distributions.create(m.issuer, "HVT", "1", deadline_in=HOUR, record_block=latest)
    with pytest.raises(InvalidInput):
        s.distributions.create(m.issuer, "HVT", "1", deadline_in=0)
    with pytest.raises(InvalidInput) as caught:
        s.distributions.create(m.issuer, "HVT", "0", deadline_in=HOUR)
    assert caught.value.code == "invalid_amount"
    d = s.distributions.create(m.issuer, "HVT", "10", deadline_in=HOUR)

    class Other(ChainRegister):  # a register that disagrees with the one the root was built from
        def holders_at(self, asset: str, block: int) -> dict[str, int]:
            return {m.carol.address: 1 * SHARE}

    with pytest.raises(RegisterMismatch):
        Settlement.open(m.platform, Other(m.chain.w3, 0)).distributions.claimable(d.id, m.alice.address)


def test_accepting_without_the_cash_or_against_compliance_sends_nothing(money: Money, s: Settlement) -> None:
    m = money
    trade = s.trades.propose(m.alice, asset="HVT", counterparty="BOB", quantity="1", price="2000000",
                             expires_in=HOUR, as_seller=True)  # fmt: skip
    nonce = m.chain.w3.eth.get_transaction_count(m.bob.address)
    with pytest.raises(InvalidInput) as poor:
        s.trades.accept(m.bob, trade.id)  # bob holds HKD 1,000,000
    assert poor.value.code == "insufficient_cash"
    m.platform.registry.revoke("BOB")
    s.cash.mint(m.bob.address, "1000000")
    with pytest.raises(ComplianceError) as caught:
        s.trades.accept(m.bob, trade.id)
    assert_compliance_error(caught, Restriction.RECEIVER_REVOKED)
    assert m.chain.w3.eth.get_transaction_count(m.bob.address) == nonce  # no approval was sent either


def test_the_issuer_pushes_a_distribution_in_batches(money: Money, s: Settlement) -> None:
    m = money
    d = s.distributions.create(m.issuer, "HVT", "300", deadline_in=HOUR)
    s.distributions.claim(m.carol, d.id, m.alice.address)
    with pytest.raises(InvalidInput):
        s.distributions.push(m.issuer, d.id, batch=0)
    assert len(s.distributions.push(m.issuer, d.id, batch=1)) == 1  # only bob is left
    assert s.distributions.get(d.id).claimed == d.allocated
    assert s.distributions.push(m.issuer, d.id) == []


def test_a_sellers_two_open_trades_both_settle_and_a_buyers_two_proposals_both_escrow(
    money: Money, s: Settlement
) -> None:
    m = money
    first = s.trades.propose(m.alice, asset="HVT", counterparty="BOB", quantity="10", price="100", expires_in=HOUR,
                             as_seller=True)  # fmt: skip
    second = s.trades.propose(m.alice, asset="HVT", counterparty="CAROL", quantity="10", price="100",
                              expires_in=HOUR, as_seller=True)  # fmt: skip
    assert s.trades.allowance(m.alice.address, "HVT") == 20 * SHARE  # both legs, not the last one only
    s.trades.accept(m.bob, first.id), s.trades.accept(m.carol, second.id)
    assert s.trades.settle(m.alice, first.id).status is TradeStatus.SETTLED
    assert s.trades.settle(m.alice, second.id).status is TradeStatus.SETTLED
    assert m.shares(m.carol) == 10 * SHARE and s.trades.allowance(m.alice.address, "HVT") == 0
    buys = [s.trades.propose(m.bob, asset="HVT", counterparty="ALICE", quantity="1", price=price, expires_in=HOUR,
                             as_seller=False) for price in ("300", "200")]  # fmt: skip
    assert s.trades.allowance(m.bob.address, None) == 500 * HKD
    for trade in buys:
        assert s.trades.accept(m.alice, trade.id).status is TradeStatus.ACCEPTED  # each payment pulled
    assert s.trades.allowance(m.bob.address, None) == 0


def test_a_cancel_a_failed_settlement_and_an_unwind_lower_the_allowance_to_what_is_still_live(
    money: Money, s: Settlement
) -> None:
    m = money
    keep = s.trades.propose(m.alice, asset="HVT", counterparty="BOB", quantity="5", price="1", expires_in=HOUR,
                            as_seller=True)  # fmt: skip
    dropped = s.trades.propose(m.alice, asset="HVT", counterparty="BOB", quantity="7", price="1", expires_in=HOUR,
                               as_seller=True)  # fmt: skip
    assert s.trades.cancel(m.alice, dropped.id).status is TradeStatus.CANCELLED
    assert s.trades.allowance(m.alice.address, "HVT") == 5 * SHARE  # not below what `keep` needs
    s.trades.accept(m.bob, keep.id)
    m.platform.registry.revoke("BOB")
    with pytest.raises(ComplianceError):
        s.trades.settle(m.alice, keep.id)
    assert s.trades.allowance(m.alice.address, "HVT") == 0
    m.platform.registry.reinstate("BOB")
    buy = s.trades.propose(m.bob, asset="HVT", counterparty="ALICE", quantity="1", price="9", expires_in=60,
                           as_seller=False)  # fmt: skip
    advance_time(m.chain, 61)
    s.trades.unwind(m.carol, buy.id)  # not bob's allowance to lower: it stays ...
    assert s.trades.allowance(m.bob.address, None) == 9 * HKD
    again = s.trades.propose(m.bob, asset="HVT", counterparty="ALICE", quantity="1", price="4", expires_in=HOUR,
                             as_seller=False)  # fmt: skip
    assert s.trades.allowance(m.bob.address, None) == 4 * HKD  # ... until bob's next approval sets it right
    s.trades.cancel(m.alice, again.id)  # the counterparty cancels: bob's allowance is not alice's to lower
    assert s.trades.allowance(m.bob.address, None) == 4 * HKD


def test_the_desk_matches_an_open_sell_with_a_buy_proposal_and_only_on_the_same_terms(
    money: Money, s: Settlement
) -> None:
    m = money
    sell = s.trades.propose(m.alice, asset="HVT", counterparty=None, quantity="2", price="50", expires_in=HOUR,
                            as_seller=True)  # fmt: skip
    buy = s.trades.propose(m.bob, asset="HVT", counterparty=None, quantity="2", price="50", expires_in=HOUR,
                           as_seller=False)  # fmt: skip
    cheap = s.trades.propose(m.carol, asset="HVT", counterparty=None, quantity="2", price="49", expires_in=HOUR,
                             as_seller=False)  # fmt: skip
    with pytest.raises(ContractRevert) as mismatch:
        s.trades.match(m.issuer, sell.id, cheap.id)
    assert mismatch.value.error == "DvPMismatch"
    with pytest.raises(ContractRevert):  # only an OTC_DESK_ROLE holder matches
        s.trades.match(m.carol, sell.id, buy.id)
    with pytest.raises(NotFound):
        s.trades.match(m.issuer, sell.id, 99)
    matched = s.trades.match(m.issuer, sell.id, buy.id)
    assert (matched.status, matched.buyer) == (TradeStatus.ACCEPTED, m.bob.address)
    assert s.trades.get(buy.id).status is TradeStatus.CANCELLED
    assert s.trades.settle(m.issuer, sell.id).status is TradeStatus.SETTLED


def test_an_investors_claim_covers_every_wallet_each_leaf_floored(money: Money, s: Settlement) -> None:
    m = money
    second, carols = m.chain.signers[4], m.chain.signers[5]
    m.platform.registry.add_wallet("ALICE", second.address)
    m.platform.registry.add_wallet("CAROL", carols.address)
    m.platform.assets.transfer("HVT", m.alice, second.address, 300 * SHARE)
    m.platform.assets.transfer("HVT", m.bob, carols.address, 100 * SHARE)  # carol holds through her second wallet only
    advance_time(m.chain, 1)  # the record block (the one before the latest) has the transfers
    d = s.distributions.create(m.issuer, "HVT", "1000.000001", deadline_in=HOUR)
    amount, supply = 1_000_000_001, ALICE_HOLDS + BOB_HOLDS
    leaves = s.distributions.holdings(d.id, s.distributions.wallets("ALICE"))
    assert {c.wallet: c.amount for c in leaves} == {  # two leaves, each floored on its own wallet's holding
        m.alice.address: amount * 700 * SHARE // supply, second.address: amount * 300 * SHARE // supply
    }
    assert [c.index for c in leaves] == sorted(c.index for c in leaves)
    paid = s.distributions.claim_all(m.outsider, d.id, "CAROL")
    assert [(c.wallet, c.amount) for c, _ in paid] == [(carols.address, amount * 100 * SHARE // supply)]
    before = m.cash(second)
    assert len(s.distributions.claim_all(m.outsider, d.id, "ALICE")) == 2
    assert m.cash(second) == before + amount * 300 * SHARE // supply
    assert all(c.claimed for c in s.distributions.holdings(d.id, s.distributions.wallets("ALICE")))
    with pytest.raises(ContractRevert) as again:  # everything paid: the contract refuses the first leaf again
        s.distributions.claim_all(m.outsider, d.id, "ALICE")
    assert again.value.error == "DistributionAlreadyClaimed"
    with pytest.raises(NotFound) as stranger:
        s.distributions.holdings(d.id, s.distributions.wallets(m.outsider.address))
    assert stranger.value.code == "not_a_holder_of_record"
    with pytest.raises(NotFound) as unknown:
        s.distributions.wallets("NOBODY")
    assert unknown.value.code == "investor_not_found"


def test_a_distributions_tree_is_built_once_and_never_served_for_another_root(money: Money, s: Settlement) -> None:
    m = money
    snap = m.chain.w3.provider.make_request("evm_snapshot", [])["result"]  # type: ignore[arg-type]
    d = s.distributions.create(m.issuer, "HVT", "123", deadline_in=HOUR)
    builds = TREES.builds
    first = s.distributions.claimable(d.id, m.alice.address)
    assert TREES.builds == builds + 1
    again = Settlement.open(m.platform).distributions  # another request's services: the same process's trees
    assert again.claimable(d.id, m.alice.address) == first and TREES.builds == builds + 1
    s.distributions.push(m.issuer, d.id)
    assert TREES.builds == builds + 1 and s.distributions.claimable(d.id, m.alice.address).claimed
    m.chain.w3.provider.make_request("evm_revert", [snap])  # type: ignore[arg-type]
    m.platform.txm.reset_nonce()
    other = s.distributions.create(m.issuer, "HVT", "456", deadline_in=HOUR)  # the same id, another root
    assert other.id == d.id and other.root != d.root and other.amount == 456 * HKD
    fresh = s.distributions.claimable(other.id, m.alice.address)
    assert TREES.builds == builds + 2 and fresh.amount != first.amount and not fresh.claimed


def day_of(m: Money, block: BlockIdentifier) -> date:
    return datetime.fromtimestamp(int(m.chain.w3.eth.get_block(block)["timestamp"]), UTC).date()


def test_a_record_date_is_the_last_block_of_that_utc_day(money: Money, s: Settlement) -> None:
    m = money
    day = day_of(m, "latest")
    advance_time(m.chain, 2 * 24 * HOUR)  # the next block is two days later: the day has ended on chain
    next_day = m.chain.w3.eth.block_number
    m.platform.assets.transfer("HVT", m.alice, m.carol.address, 1 * SHARE)  # after the record date
    assert ChainRegister(m.chain.w3, m.platform.deployment.block_number).last_block_of(day) == next_day - 1
    d = s.distributions.create(m.issuer, "HVT", "10", deadline_in=HOUR, record_date=day)
    assert d.record_block == next_day - 1
    with pytest.raises(NotFound):
        s.distributions.claimable(d.id, m.carol.address)
    for when, code in ((day_of(m, "latest"), "record_date_in_future"), (date(2000, 1, 1), "record_date_too_early"),
                       (date.max, "record_date_in_future")):  # fmt: skip
        with pytest.raises(InvalidInput) as refused:
            s.distributions.create(m.issuer, "HVT", "10", deadline_in=HOUR, record_date=when)
        assert refused.value.code == code
    with pytest.raises(InvalidInput) as both:
        s.distributions.create(m.issuer, "HVT", "10", deadline_in=HOUR, record_block=1, record_date=day)
    assert both.value.code == "record_block_and_date"
