"""FundVault on a real node: NAV, dealing days, subscriptions and redemptions at the dealing NAV, claims,
cancellations, and every hostile call refused with its error."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

import pytest
from web3 import Web3

from rwakit.contracts.restrictions import Restriction
from rwakit.errors import AccessDenied, ComplianceError, ContractRevert
from rwakit.tokenize import AssetSpec
from tests.conftest import advance_time, call_revert, investor, now
from tests.contracts.fund import CASH, CUTOFF, DAY, HKD, MAX_FEE_BPS, NAV_ONE, SHARE, Fund, fund, terms
from tests.contracts.rwa import assert_compliance_error

__all__ = ["fund"]

ZERO = "0x" + "00" * 20
NAV = 10 * NAV_ONE
HELD, ACCEPTED, CONFIRMED = 2, 1, 3  # NavStatus


def refused(error: str, action: Callable[[], object]) -> dict[str, Any]:
    """The action reverts with the vault's (or factory's) custom error `error`; its arguments by name."""
    with pytest.raises(ContractRevert) as caught:
        action()
    assert caught.value.error == error, caught.value
    return caught.value.args_by_name


def view_refused(error: str, call: Any) -> None:
    decoded = call_revert(call)
    assert decoded is not None and decoded.name == error, decoded


def shares_for(net: int, nav: int) -> int:
    return net * SHARE * 10**18 // (nav * HKD)


def cash_for(shares: int, nav: int) -> int:
    return shares * nav * HKD // (SHARE * 10**18)


def fee(amount: int, bps: int) -> int:
    return -(-amount * bps // 10_000)


def mul_div(a: int, b: int, c: int, up: bool = False) -> int:
    return -(-a * b // c) if up else a * b // c


def selector_xor(*signatures: str) -> bytes:
    value = 0
    for signature in signatures:
        value ^= int.from_bytes(Web3.keccak(text=signature)[:4], "big")
    return value.to_bytes(4, "big")


def subscribed(f: Fund, who: Any, assets: int, nav: int = NAV) -> int:
    """`who` subscribed `assets` on a dealing day now settled at `nav`; returns the day."""
    day = f.open_day()
    f.subscribe(who, assets)
    f.settle(day, nav=nav)
    return day


def redeemed(f: Fund, who: Any, shares: int, nav: int = NAV) -> int:
    """`who`, issued `shares`, redeemed them on a dealing day now settled at `nav`; returns the day."""
    f.issue(who, shares)
    day = f.open_day()
    f.redeem_request(who, shares)
    f.settle(day, nav=nav)
    return day


def test_a_subscription_deals_at_the_days_nav_and_is_claimed(fund: Fund) -> None:
    day = fund.today()
    cash_before = fund.cash(fund.cash_account)
    fund.subscribe(fund.alice, 10_000 * HKD)
    assert fund.vault.functions.pendingDepositRequest(0, fund.alice.address).call() == 10_000 * HKD
    receipt = fund.settle(day, nav=10 * NAV_ONE + NAV_ONE // 100)  # 10.01
    settled = fund.events(fund.vault, "DealingDaySettled", receipt)[0]
    assert settled["depositAssets"] == 10_000 * HKD and settled["depositFees"] == 50 * HKD
    assert fund.vault.functions.pendingDepositRequest(0, fund.alice.address).call() == 0
    assert fund.vault.functions.claimableDepositRequest(0, fund.alice.address).call() == 10_000 * HKD
    fund.send(fund.alice, fund.vault.functions.deposit(10_000 * HKD, fund.alice.address, fund.alice.address))
    # 9,950 HKD net at 10.01 a share: 994.0059... shares, rounded down to the fund's 4 decimals
    assert fund.shares(fund.alice) == 9_940_059
    assert fund.cash(fund.cash_account) - cash_before == 9_950 * HKD
    assert fund.cash(fund.fee_account) == 50 * HKD
    # a redemption of 100 shares at 10.01: 1,001 HKD less 25 bps
    day = fund.today()
    fund.redeem_request(fund.alice, 100 * SHARE)
    fund.settle(day, nav=10 * NAV_ONE + NAV_ONE // 100)
    before = fund.cash(fund.alice)
    fund.send(fund.alice, fund.vault.functions.redeem(100 * SHARE, fund.alice.address, fund.alice.address))
    fee = (1_001 * HKD * 25 + 9_999) // 10_000
    assert fund.cash(fund.alice) - before == 1_001 * HKD - fee


# ---------------------------------------------------------------------------------------------- NAV


def test_only_the_valuer_publishes_a_nav_valued_between_the_latest_and_now(fund: Fund) -> None:
    f, v = fund, fund.vault.functions
    launch = v.nav(1).call()
    assert (launch[0], launch[3]) == (NAV, ACCEPTED) and v.navCount().call() == 1 == v.baselineNavId().call()
    for stranger in (f.manager, f.alice, f.admin):
        with pytest.raises(AccessDenied):
            f.send(stranger, v.publishNav(NAV, now(f.chain)))
    assert refused("FundInvalidNav", lambda: f.send(f.valuer, v.publishNav(NAV, now(f.chain) + 3_600))) == {
        "value": NAV, "valuationTime": now(f.chain) + 3_600,
    }  # fmt: skip
    refused("FundInvalidNav", lambda: f.send(f.valuer, v.publishNav(NAV, launch[1] - 1)))  # before the latest
    receipt = f.send(f.valuer, v.publishNav(NAV + 1, launch[1]))  # the same time: a correction
    assert f.events(f.vault, "NavPublished", receipt) == [
        {"navId": 2, "nav": NAV + 1, "valuationTime": launch[1], "held": False}
    ]
    valued = now(f.chain)
    f.send(f.valuer, v.publishNav(NAV, valued))
    refused("FundInvalidNav", lambda: f.send(f.valuer, v.publishNav(NAV, valued - 1)))
    assert v.navCount().call() == 3 == v.baselineNavId().call() and v.navUsable().call()
    view_refused("FundUnknownNav", v.nav(0))
    view_refused("FundUnknownNav", v.nav(4))


@pytest.mark.parametrize("value", [0, 2**128, 2**200, 2**256 - 1])
def test_a_zero_or_huge_nav_is_refused(fund: Fund, value: int) -> None:
    f = fund
    refused("FundInvalidNav", lambda: f.send(f.valuer, f.vault.functions.publishNav(value, now(f.chain))))
    assert f.vault.functions.navCount().call() == 1


def test_the_largest_nav_is_held_and_dealt_exactly_once_confirmed(fund: Fund) -> None:
    f, v = fund, fund.vault.functions
    top = 2**128 - 1
    f.issue(f.alice, 10 * SHARE)
    day = f.open_day()
    f.redeem_request(f.alice, 10 * SHARE)
    f.past_cutoff(day)
    receipt = f.publish(top)
    assert f.events(f.vault, "NavPublished", receipt)[0]["held"]
    f.send(f.admin, v.confirmNav(2))
    f.send(f.manager, v.settleDealingDay(day))
    gross = cash_for(10 * SHARE, top)
    assert v.maxWithdraw(f.alice.address).call() == gross - fee(gross, 25)
    assert v.claimableRedeemFees(f.alice.address).call() == fee(gross, 25)


def test_a_nav_beyond_the_deviation_is_held_until_the_admin_confirms_it(fund: Fund) -> None:
    f, v = fund, fund.vault.functions
    day = f.open_day()
    f.subscribe(f.alice, 10_000 * HKD)
    f.past_cutoff(day)
    edge = NAV * 105 // 100  # exactly 5 % up: accepted, the new baseline
    assert not f.events(f.vault, "NavPublished", f.publish(edge))[0]["held"]
    assert v.baselineNavId().call() == 2
    down = edge - edge * 5 // 100 - 1  # 5 % and a wei down from 10.50: held
    assert f.events(f.vault, "NavPublished", f.publish(down))[0]["held"]
    assert v.nav(3).call()[3] == HELD and v.baselineNavId().call() == 2 and not v.navUsable().call()
    assert refused("FundNavUnconfirmed", lambda: f.send(f.manager, v.settleDealingDay(day))) == {
        "navId": 3, "status": HELD, "stale": False,
    }  # fmt: skip
    for stranger in (f.valuer, f.manager, f.alice):
        with pytest.raises(AccessDenied):
            f.send(stranger, v.confirmNav(3))
    for wrong in (0, 2, 4):  # only the latest NAV is confirmed
        assert refused("FundUnknownNav", partial(f.send, f.admin, v.confirmNav(wrong))) == {"navId": wrong}
    receipt = f.send(f.admin, v.confirmNav(3))
    assert f.events(f.vault, "NavConfirmed", receipt) == [{"navId": 3, "admin": f.admin.address}]
    assert v.nav(3).call()[3] == CONFIRMED and v.baselineNavId().call() == 3 and v.navUsable().call()
    settled = f.events(f.vault, "DealingDaySettled", f.send(f.manager, v.settleDealingDay(day)))[0]
    assert (settled["navId"], settled["nav"]) == (3, down) and v.dealingDayTotals(day).call()[3] == down


def test_a_held_nav_superseded_by_a_later_one_cannot_be_confirmed(fund: Fund) -> None:
    f, v = fund, fund.vault.functions
    day = f.open_day()
    f.subscribe(f.alice, 10_000 * HKD)
    f.past_cutoff(day)
    f.publish(2 * NAV)  # held: 100 % from the baseline
    f.publish(NAV + NAV // 100)  # 1 % from the baseline (the launch NAV): accepted
    refused("FundUnknownNav", lambda: f.send(f.admin, v.confirmNav(2)))
    assert v.nav(2).call()[3] == HELD
    f.send(f.manager, v.settleDealingDay(day))
    assert v.dealingDayTotals(day).call()[3] == NAV + NAV // 100


def test_a_stale_nav_is_refused_at_settlement_until_confirmed(fund: Fund) -> None:
    f, v = fund, fund.vault.functions
    day = f.open_day()
    f.subscribe(f.alice, 10_000 * HKD)
    f.past_cutoff(day)
    f.publish(NAV)
    advance_time(f.chain, 3 * DAY + 1)  # maxNavAge is 3 days
    assert not v.navUsable().call()
    assert refused("FundNavUnconfirmed", lambda: f.send(f.manager, v.settleDealingDay(day))) == {
        "navId": 2, "status": ACCEPTED, "stale": True,
    }  # fmt: skip
    f.send(f.admin, v.confirmNav(2))
    assert v.navUsable().call()
    f.send(f.manager, v.settleDealingDay(day))
    assert v.claimableDepositRequest(0, f.alice.address).call() == 10_000 * HKD


def test_a_confirmation_lasts_max_nav_age_then_the_nav_is_stale_again(fund: Fund) -> None:
    f, v = fund, fund.vault.functions
    day = f.open_day()
    f.subscribe(f.alice, 10_000 * HKD)
    f.past_cutoff(day)
    f.publish(2 * NAV)  # 100 % from the baseline: held
    f.send(f.admin, v.confirmNav(2))
    assert tuple(v.nav(2).call())[3:] == (CONFIRMED, now(f.chain)) and v.navUsable().call()
    advance_time(f.chain, 30 * DAY)  # maxNavAge is 3 days: a confirmation is no exception
    assert not v.navUsable().call()
    assert refused("FundNavUnconfirmed", lambda: f.send(f.manager, v.settleDealingDay(day))) == {
        "navId": 2, "status": CONFIRMED, "stale": True,
    }  # fmt: skip
    assert v.dealingDayTotals(day).call()[3] == 0
    f.send(f.admin, v.confirmNav(2))  # confirmed again: usable for 3 days from now, though valued 30 days ago
    advance_time(f.chain, 3 * DAY - 60)
    assert v.navUsable().call()
    f.send(f.manager, v.settleDealingDay(day))
    assert v.dealingDayTotals(day).call()[3] == 2 * NAV


def test_a_nav_valued_before_the_cutoff_does_not_deal_that_day(fund: Fund) -> None:
    f, v = fund, fund.vault.functions
    day = f.open_day()
    f.subscribe(f.alice, 10_000 * HKD)
    closes = v.cutoffTime(day).call()
    f.publish(NAV)  # valued before the cut-off
    f.past_cutoff(day)
    valued = v.nav(2).call()[1]
    assert refused("FundNavBeforeCutoff", lambda: f.send(f.manager, v.settleDealingDay(day))) == {
        "day": day, "valuationTime": valued, "cutoffTime": closes,
    }  # fmt: skip
    f.send(f.valuer, v.publishNav(NAV, closes))  # valued at the cut-off: deals
    f.send(f.manager, v.settleDealingDay(day))


# ---------------------------------------------------------------------------------------------- dealing days


def test_a_request_before_the_cutoff_deals_that_day_and_one_after_the_next(fund: Fund) -> None:
    f, v = fund, fund.vault.functions
    assert v.cutoff().call() == CUTOFF and v.cutoffTime(5).call() == 5 * DAY + CUTOFF
    for timestamp, day in [(5 * DAY, 5), (5 * DAY + CUTOFF - 1, 5), (5 * DAY + CUTOFF, 6), (6 * DAY - 1, 6)]:
        assert v.dealingDay(timestamp).call() == day
    day = f.open_day()
    f.subscribe(f.alice, 1_000 * HKD)
    f.issue(f.carol, 100 * SHARE)
    f.redeem_request(f.carol, 10 * SHARE)
    f.past_cutoff(day)
    f.subscribe(f.bob, 2_000 * HKD)
    assert v.pendingDepositDay(f.alice.address).call() == day and v.pendingDepositDay(f.bob.address).call() == day + 1
    assert v.pendingRedeemDay(f.carol.address).call() == day
    assert v.dealingDayTotals(day).call() == (1_000 * HKD, 5 * HKD, 10 * SHARE, 0)
    assert v.dealingDayTotals(day + 1).call() == (2_000 * HKD, 10 * HKD, 0, 0)


def test_a_day_beyond_32_bits_is_refused_not_a_panic(fund: Fund) -> None:
    for day in (2**32, 2**200, 2**256 - 1):
        view_refused("FundInvalidDay", fund.vault.functions.cutoffTime(day))
        settle = partial(fund.send, fund.manager, fund.vault.functions.settleDealingDay(day))
        assert refused("FundInvalidDay", settle) == {"day": day}


def test_settlement_waits_for_the_cutoff_needs_the_manager_and_happens_once(fund: Fund) -> None:
    f, v = fund, fund.vault.functions
    day = f.open_day()
    f.subscribe(f.alice, 1_000 * HKD)
    closes = v.cutoffTime(day).call()
    assert refused("FundDayOpen", lambda: f.send(f.manager, v.settleDealingDay(day))) == {
        "day": day, "cutoffTime": closes,
    }  # fmt: skip
    f.past_cutoff(day)
    f.publish(NAV)
    refused("FundDayOpen", lambda: f.send(f.manager, v.settleDealingDay(day + 1)))
    for stranger in (f.valuer, f.admin, f.alice):
        with pytest.raises(AccessDenied):
            f.send(stranger, v.settleDealingDay(day))
    f.send(f.manager, v.settleDealingDay(day))
    assert refused("FundDaySettled", lambda: f.send(f.manager, v.settleDealingDay(day))) == {"day": day}
    f.settle(day + 1, nav=NAV)  # an empty day settles and moves nothing
    assert f.cash(f.vault.address) == 0 and v.dealingDayTotals(day + 1).call() == (0, 0, 0, NAV)


def test_a_day_before_the_vaults_first_dealing_day_is_refused(fund: Fund) -> None:
    f, v = fund, fund.vault.functions
    first = v.firstDealingDay().call()
    assert first == v.dealingDay(v.nav(1).call()[2]).call() <= f.today()  # the launch NAV's block: the opening
    f.settle(f.open_day(), nav=NAV)
    for day in (0, 1, first - 1):  # 1970-01-01, and the day before the vault opened
        assert refused("FundInvalidDay", partial(f.send, f.manager, v.settleDealingDay(day))) == {"day": day}
        assert v.dealingDayTotals(day).call() == (0, 0, 0, 0)
    if v.dealingDayTotals(first).call()[3] == 0:  # the first day itself is a dealing day
        f.send(f.manager, v.settleDealingDay(first))
    assert v.dealingDayTotals(first).call()[3] == NAV


# ---------------------------------------------------------------------------------------------- subscriptions


def test_a_subscription_below_the_minimum_zero_or_for_nobody_is_refused(fund: Fund) -> None:
    f, v = fund, fund.vault.functions
    f.send(f.alice, f.coin.functions.approve(f.vault.address, CASH))
    for assets in (0, 1_000 * HKD - 1):
        request = v.requestDeposit(assets, f.alice.address, f.alice.address)
        assert refused("FundBelowMinimum", partial(f.send, f.alice, request)) == {
            "amount": assets, "minimum": 1_000 * HKD,
        }  # fmt: skip
    refused("FundZeroAddress", lambda: f.send(f.alice, v.requestDeposit(1_000 * HKD, ZERO, f.alice.address)))
    view_refused("FundUnknownRequest", v.pendingDepositRequest(1, f.alice.address))
    view_refused("FundUnknownRequest", v.claimableDepositRequest(1, f.alice.address))
    assert f.cash(f.alice) == CASH


def test_the_subscription_fee_rounds_up_and_is_fixed_at_the_request(fund: Fund) -> None:
    f, v = fund, fund.vault.functions
    assets = 1_000 * HKD + 1
    charged = fee(assets, 50)
    assert charged == 5_000_001  # 5,000,000.005 rounded up
    day = f.open_day()
    receipt = f.subscribe(f.alice, assets)
    assert f.events(f.vault, "DepositRequest", receipt) == [{
        "controller": f.alice.address, "owner": f.alice.address, "requestId": 0, "sender": f.alice.address,
        "assets": assets,
    }]  # fmt: skip
    f.send(f.admin, v.setTerms(terms(f.cash_account.address, f.fee_account.address, subscriptionFeeBps=0)))
    cash = f.cash(f.cash_account)
    settled = f.events(f.vault, "DealingDaySettled", f.settle(day, nav=NAV))[0]
    assert (settled["depositAssets"], settled["depositFees"]) == (assets, charged)
    assert f.cash(f.fee_account) == charged and f.cash(f.cash_account) - cash == assets - charged
    assert v.maxMint(f.alice.address).call() == shares_for(assets - charged, NAV)
    receipt = f.send(f.alice, v.deposit(assets, f.alice.address))
    assert f.events(f.vault, "Deposit", receipt) == [{
        "sender": f.alice.address, "owner": f.alice.address, "assets": assets,
        "shares": shares_for(assets - charged, NAV),
    }]  # fmt: skip
    assert f.shares(f.alice) == shares_for(assets - charged, NAV)
    refused("FundNothingToClaim", lambda: f.send(f.alice, v.deposit(0, f.alice.address)))
    refused("FundNothingToClaim", lambda: f.send(f.alice, v.mint(0, f.alice.address)))


def test_requests_on_the_same_day_add_up_whoever_pays(fund: Fund) -> None:
    f, v = fund, fund.vault.functions
    day = f.open_day()
    f.subscribe(f.alice, 1_000 * HKD)
    f.subscribe(f.alice, 2_500 * HKD)
    f.send(f.bob, f.coin.functions.approve(f.vault.address, 1_500 * HKD))  # bob pays for alice's request ...
    f.send(f.alice, v.setOperator(f.bob.address, True))  # ... which alice agreed to
    receipt = f.send(f.bob, v.requestDeposit(1_500 * HKD, f.alice.address, f.bob.address))
    assert f.events(f.vault, "DepositRequest", receipt)[0]["owner"] == f.bob.address
    total, fees = 5_000 * HKD, fee(1_000 * HKD, 50) + fee(2_500 * HKD, 50) + fee(1_500 * HKD, 50)
    assert v.pendingDepositRequest(0, f.alice.address).call() == total
    assert v.dealingDayTotals(day).call()[:2] == (total, fees)
    assert f.cash(f.vault.address) == total
    f.settle(day, nav=NAV + 7)
    assert v.claimableDepositRequest(0, f.alice.address).call() == total == v.maxDeposit(f.alice.address).call()
    assert v.maxMint(f.alice.address).call() == shares_for(total - fees, NAV + 7)
    assert f.cash(f.vault.address) == 0


def test_an_operator_requests_and_claims_for_its_controller_and_a_stranger_cannot(fund: Fund) -> None:
    f, v = fund, fund.vault.functions
    f.send(f.alice, f.coin.functions.approve(f.vault.address, CASH))
    request = v.requestDeposit(1_000 * HKD, f.alice.address, f.alice.address)
    assert refused("FundUnauthorized", lambda: f.send(f.bob, request)) == {
        "caller": f.bob.address, "controller": f.alice.address,
    }  # fmt: skip
    receipt = f.send(f.alice, v.setOperator(f.bob.address, True))
    assert f.events(f.vault, "OperatorSet", receipt) == [
        {"controller": f.alice.address, "operator": f.bob.address, "approved": True}
    ]
    assert (
        v.isOperator(f.alice.address, f.bob.address).call() and not v.isOperator(f.bob.address, f.alice.address).call()
    )
    day = f.open_day()
    f.send(f.bob, request)
    assert f.events(f.vault, "DepositRequest", f.send(f.bob, request))[0]["sender"] == f.bob.address
    f.settle(day, nav=NAV)
    claim = v.deposit(2_000 * HKD, f.bob.address, f.alice.address)
    refused("FundUnauthorized", lambda: f.send(f.carol, claim))
    refused("FundUnauthorized", lambda: f.send(f.carol, v.mint(1, f.carol.address, f.alice.address)))
    f.send(f.bob, claim)  # the operator may send the shares to another eligible wallet
    assert f.shares(f.bob) == shares_for(2_000 * HKD - 2 * fee(1_000 * HKD, 50), NAV)
    refused("FundZeroAddress", lambda: f.send(f.alice, v.setOperator(ZERO, True)))
    f.send(f.alice, v.setOperator(f.bob.address, False))
    assert not v.isOperator(f.alice.address, f.bob.address).call()
    refused("FundUnauthorized", lambda: f.send(f.bob, request))


@pytest.mark.parametrize("case", ["unregistered", "frozen", "revoked", "class", "blocked country", "allow-list"])
def test_an_ineligible_controller_is_refused_with_the_assets_code(fund: Fund, case: str) -> None:
    f, p = fund, fund.platform
    controller, code = f.alice, Restriction.RECEIVER_NOT_REGISTERED
    symbol = f.token.address
    if case == "unregistered":
        controller = f.outsider
    elif case == "frozen":
        p.controls.freeze_wallet(symbol, f.alice.address, reason="court order")
        code = Restriction.RECEIVER_FROZEN
    elif case == "revoked":
        p.registry.revoke("ALICE")
        code = Restriction.RECEIVER_REVOKED
    elif case == "class":
        p.compliance.allow_classes(symbol, ["institutional"])
        code = Restriction.CLASS_NOT_ALLOWED
    elif case == "blocked country":
        p.compliance.block_countries(symbol, ["HK"])
        code = Restriction.COUNTRY_BLOCKED
    else:
        p.compliance.allow_countries(symbol, ["SG", "GB"])
        p.compliance.enable_allow_list(symbol)
        code = Restriction.COUNTRY_NOT_ALLOWED
    f.send(f.bob, f.coin.functions.approve(f.vault.address, CASH))
    for who in (controller, f.carol):  # bob pays for their requests, with their consent
        f.send(who, f.vault.functions.setOperator(f.bob.address, True))
    request = f.vault.functions.requestDeposit(1_000 * HKD, controller.address, f.bob.address)
    assert refused("FundIneligible", lambda: f.send(f.bob, request)) == {"account": controller.address, "code": code}
    assert f.cash(f.bob) == CASH
    if case in ("class", "blocked country", "allow-list"):  # carol (GB, institutional) is admitted
        f.send(f.bob, f.vault.functions.requestDeposit(1_000 * HKD, f.carol.address, f.bob.address))


def test_a_pending_request_on_an_earlier_day_blocks_a_new_one_until_that_day_settles(fund: Fund) -> None:
    f, v = fund, fund.vault.functions
    f.issue(f.alice, 100 * SHARE)
    day = f.open_day()
    f.subscribe(f.alice, 1_000 * HKD)
    f.redeem_request(f.alice, 10 * SHARE)
    f.past_cutoff(day)
    assert refused("FundRequestPending", lambda: f.subscribe(f.alice, 1_000 * HKD)) == {
        "controller": f.alice.address, "day": day,
    }  # fmt: skip
    refused("FundRequestPending", lambda: f.redeem_request(f.alice, 10 * SHARE))
    f.publish(NAV)
    f.send(f.manager, v.settleDealingDay(day))
    f.subscribe(f.alice, 2_000 * HKD)  # the settled request became claimable; the new one deals tomorrow
    f.redeem_request(f.alice, 20 * SHARE)
    assert v.claimableDepositRequest(0, f.alice.address).call() == 1_000 * HKD
    assert v.pendingDepositRequest(0, f.alice.address).call() == 2_000 * HKD
    assert v.pendingDepositDay(f.alice.address).call() == day + 1
    assert v.claimableRedeemRequest(0, f.alice.address).call() == 10 * SHARE
    assert v.pendingRedeemRequest(0, f.alice.address).call() == 20 * SHARE


def test_nobody_places_a_request_on_an_investor_who_did_not_ask_for_it(fund: Fund) -> None:
    f, v = fund, fund.vault.functions
    a, b = f.alice.address, f.bob.address
    f.issue(f.bob, 100 * SHARE)
    f.send(f.bob, f.coin.functions.approve(f.vault.address, CASH))
    day = f.open_day()
    # bob, owner of the cash and the shares, names alice as controller without her consent
    assert refused("FundUnauthorized", lambda: f.send(f.bob, v.requestDeposit(1_000 * HKD, a, b))) == {
        "caller": b, "controller": a,
    }  # fmt: skip
    refused("FundUnauthorized", lambda: f.send(f.bob, v.requestRedeem(10 * SHARE, a, b)))
    assert (v.pendingDepositRequest(0, a).call(), v.pendingRedeemRequest(0, a).call()) == (0, 0)
    assert f.cash(f.bob) == CASH and f.shares(f.bob) == 100 * SHARE
    f.past_cutoff(day)
    f.subscribe(f.alice, 1_000 * HKD)  # nothing pending on alice's name: she deals on the next day
    assert v.pendingDepositDay(a).call() == day + 1
    f.send(f.alice, v.setOperator(b, True))  # with her consent, bob may
    f.send(f.bob, v.requestRedeem(10 * SHARE, a, b))
    assert v.pendingRedeemRequest(0, a).call() == 10 * SHARE


def test_a_subscription_that_buys_no_share_is_paid_back_not_lost(fund: Fund) -> None:
    f, v = fund, fund.vault.functions
    a = f.alice.address
    f.send(f.admin, v.setTerms(terms(f.cash_account.address, f.fee_account.address, subscriptionFeeBps=0,
                                     minSubscription=0)))  # fmt: skip
    cash_before, account_before = f.cash(f.alice), f.cash(f.cash_account)
    day = f.open_day()
    f.subscribe(f.alice, 999)  # at NAV 10 the smallest share unit (0.0001) is worth 1,000 base units
    f.subscribe(f.bob, 1_000)
    f.settle(day, nav=NAV)
    assert f.cash(f.cash_account) == account_before + 1_999
    assert (v.claimableDepositRequest(0, a).call(), v.maxMint(a).call()) == (0, 0)
    assert v.claimableCancelDepositRequest(0, a).call() == 999 == v.refundedDepositAssets(a).call()
    assert v.maxMint(f.bob.address).call() == 1 and v.refundedDepositAssets(f.bob.address).call() == 0
    assert refused("FundNothingToClaim", lambda: f.send(f.alice, v.deposit(0, a, a))) == {"controller": a}
    day = f.open_day()  # a later request is not blocked, and its cancellation is taken back with the refund
    f.subscribe(f.alice, 5_000 * HKD)
    f.send(f.alice, v.cancelDepositRequest(0, a))
    assert v.claimableCancelDepositRequest(0, a).call() == 5_000 * HKD + 999
    receipt = f.send(f.alice, v.claimCancelDepositRequest(0, a, a))
    assert f.events(f.vault, "CancelDepositClaim", receipt)[0]["assets"] == 5_000 * HKD + 999
    assert f.cash(f.alice) == cash_before and f.cash(f.cash_account) == account_before + 1_000
    assert v.claimableCancelDepositRequest(0, a).call() == 0 and f.cash(f.vault.address) == 0


def test_a_refund_the_cash_account_cannot_pay_stays_claimable_and_the_fee_is_kept(fund: Fund) -> None:
    f, v = fund, fund.vault.functions
    a = f.alice.address
    f.send(f.admin, v.setTerms(terms(f.cash_account.address, f.fee_account.address, minSubscription=0)))
    fees_before = f.cash(f.fee_account)
    day = f.open_day()
    f.subscribe(f.alice, 1_004)  # a fee of 5.02 rounds up to 6: the 998 left buys no share at NAV 10
    f.settle(day, nav=NAV)
    assert v.refundedDepositAssets(a).call() == 998 and f.cash(f.fee_account) == fees_before + 6
    f.send(f.cash_account, f.coin.functions.approve(f.vault.address, 997))
    assert refused("FundCashShort", lambda: f.send(f.alice, v.claimCancelDepositRequest(0, a, a))) == {
        "cashAccount": f.cash_account.address, "needed": 998, "available": 997,
    }  # fmt: skip
    assert v.claimableCancelDepositRequest(0, a).call() == 998
    f.send(f.cash_account, f.coin.functions.approve(f.vault.address, 2**256 - 1))
    before = f.cash(f.alice)
    f.send(f.alice, v.claimCancelDepositRequest(0, a, a))
    assert f.cash(f.alice) - before == 998 and v.claimableCancelDepositRequest(0, a).call() == 0


# ---------------------------------------------------------------------------------------------- cancellation


def test_a_subscription_cancelled_before_the_cutoff_pays_back_in_full(fund: Fund) -> None:
    f, v = fund, fund.vault.functions
    day = f.open_day()
    f.subscribe(f.alice, 10_000 * HKD)
    f.subscribe(f.bob, 1_000 * HKD)
    cancel = v.cancelDepositRequest(0, f.alice.address)
    refused("FundUnauthorized", lambda: f.send(f.carol, cancel))
    refused("FundUnknownRequest", lambda: f.send(f.alice, v.cancelDepositRequest(1, f.alice.address)))
    receipt = f.send(f.alice, cancel)
    assert f.events(f.vault, "CancelDepositRequest", receipt) == [
        {"controller": f.alice.address, "requestId": 0, "sender": f.alice.address}
    ]
    assert v.pendingDepositRequest(0, f.alice.address).call() == 0
    assert v.claimableCancelDepositRequest(0, f.alice.address).call() == 10_000 * HKD
    assert not v.pendingCancelDepositRequest(0, f.alice.address).call()
    assert v.dealingDayTotals(day).call()[:2] == (1_000 * HKD, 5 * HKD)
    refused("FundNothingPending", lambda: f.send(f.alice, cancel))
    claim = v.claimCancelDepositRequest(0, f.alice.address, f.alice.address)
    refused("FundUnauthorized", lambda: f.send(f.carol, claim))
    refused("FundZeroAddress", lambda: f.send(f.alice, v.claimCancelDepositRequest(0, ZERO, f.alice.address)))
    receipt = f.send(f.alice, claim)
    assert f.events(f.vault, "CancelDepositClaim", receipt)[0]["assets"] == 10_000 * HKD
    assert f.cash(f.alice) == CASH  # the fee too
    refused("FundNothingToClaim", lambda: f.send(f.alice, claim))
    f.settle(day, nav=NAV)
    assert f.cash(f.vault.address) == 0 and f.cash(f.fee_account) == 5 * HKD


def test_a_redemption_cancelled_before_the_cutoff_reissues_the_shares(fund: Fund) -> None:
    f, v = fund, fund.vault.functions
    f.issue(f.alice, 100 * SHARE)
    supply = f.token.functions.totalSupply().call()
    day = f.open_day()
    f.redeem_request(f.alice, 40 * SHARE)
    assert f.token.functions.totalSupply().call() == supply - 40 * SHARE
    refused("FundUnauthorized", lambda: f.send(f.bob, v.cancelRedeemRequest(0, f.alice.address)))
    receipt = f.send(f.alice, v.cancelRedeemRequest(0, f.alice.address))
    assert f.events(f.vault, "CancelRedeemRequest", receipt)[0]["controller"] == f.alice.address
    assert v.claimableCancelRedeemRequest(0, f.alice.address).call() == 40 * SHARE
    assert not v.pendingCancelRedeemRequest(0, f.alice.address).call()
    assert v.pendingRedeemRequest(0, f.alice.address).call() == 0 == v.dealingDayTotals(day).call()[2]
    refused("FundNothingPending", lambda: f.send(f.alice, v.cancelRedeemRequest(0, f.alice.address)))
    with pytest.raises(ComplianceError) as caught:  # the asset refuses an unregistered receiver: still claimable
        f.send(f.alice, v.claimCancelRedeemRequest(0, f.outsider.address, f.alice.address))
    assert_compliance_error(caught, Restriction.RECEIVER_NOT_REGISTERED)
    refused("FundUnauthorized", lambda: f.send(f.bob, v.claimCancelRedeemRequest(0, f.bob.address, f.alice.address)))
    receipt = f.send(f.alice, v.claimCancelRedeemRequest(0, f.alice.address, f.alice.address))
    assert f.events(f.vault, "CancelRedeemClaim", receipt)[0]["shares"] == 40 * SHARE
    assert f.shares(f.alice) == 100 * SHARE and f.token.functions.totalSupply().call() == supply
    refused(
        "FundNothingToClaim", lambda: f.send(f.alice, v.claimCancelRedeemRequest(0, f.alice.address, f.alice.address))
    )


def test_a_cancellation_after_the_cutoff_or_the_settlement_is_refused(fund: Fund) -> None:
    f, v = fund, fund.vault.functions
    f.issue(f.alice, 100 * SHARE)
    day = f.open_day()
    f.subscribe(f.alice, 1_000 * HKD)
    f.redeem_request(f.alice, 10 * SHARE)
    f.past_cutoff(day)
    closes = {"day": day, "cutoffTime": v.cutoffTime(day).call()}
    assert refused("FundCutoffPassed", lambda: f.send(f.alice, v.cancelDepositRequest(0, f.alice.address))) == closes
    assert refused("FundCutoffPassed", lambda: f.send(f.alice, v.cancelRedeemRequest(0, f.alice.address))) == closes
    f.settle(day, nav=NAV)
    refused("FundNothingPending", lambda: f.send(f.alice, v.cancelDepositRequest(0, f.alice.address)))
    refused("FundNothingPending", lambda: f.send(f.alice, v.cancelRedeemRequest(0, f.alice.address)))
    refused("FundNothingPending", lambda: f.send(f.bob, v.cancelDepositRequest(0, f.bob.address)))


# ---------------------------------------------------------------------------------------------- redemptions


def test_a_redemption_burns_at_the_request_and_pays_net_and_fee_at_the_claim(fund: Fund) -> None:
    f, v = fund, fund.vault.functions
    f.issue(f.alice, 1_000 * SHARE)
    supply = f.token.functions.totalSupply().call()
    day = f.open_day()
    receipt = f.redeem_request(f.alice, 100 * SHARE)
    assert f.events(f.vault, "RedeemRequest", receipt)[0]["shares"] == 100 * SHARE
    assert f.token.functions.totalSupply().call() == supply - 100 * SHARE and f.shares(f.alice) == 900 * SHARE
    assert v.pendingRedeemRequest(0, f.alice.address).call() == 100 * SHARE
    f.send(f.admin, v.setTerms(terms(f.cash_account.address, f.fee_account.address, redemptionFeeBps=100)))
    f.settle(day, nav=NAV)
    gross = cash_for(100 * SHARE, NAV)
    charged = fee(gross, 25)  # the rate at the request
    assert (v.claimableRedeemRequest(0, f.alice.address).call(), v.maxRedeem(f.alice.address).call()) == (
        100 * SHARE, 100 * SHARE)  # fmt: skip
    assert v.maxWithdraw(f.alice.address).call() == gross - charged
    assert v.claimableRedeemFees(f.alice.address).call() == charged
    cash, account = f.cash(f.alice), f.cash(f.cash_account)
    refused("FundZeroAddress", lambda: f.send(f.alice, v.redeem(100 * SHARE, ZERO, f.alice.address)))
    refused("FundUnauthorized", lambda: f.send(f.bob, v.redeem(100 * SHARE, f.bob.address, f.alice.address)))
    receipt = f.send(f.alice, v.redeem(100 * SHARE, f.alice.address, f.alice.address))
    assert f.events(f.vault, "Withdraw", receipt) == [{
        "sender": f.alice.address, "receiver": f.alice.address, "owner": f.alice.address,
        "assets": gross - charged, "shares": 100 * SHARE,
    }]  # fmt: skip
    assert f.events(f.vault, "RedemptionFeePaid", receipt) == [{"controller": f.alice.address, "fee": charged}]
    assert f.cash(f.alice) - cash == gross - charged and f.cash(f.fee_account) == charged
    assert account - f.cash(f.cash_account) == gross
    refused("FundNothingToClaim", lambda: f.send(f.alice, v.redeem(0, f.alice.address, f.alice.address)))
    refused("FundNothingToClaim", lambda: f.send(f.alice, v.withdraw(0, f.alice.address, f.alice.address)))


def test_a_redemption_below_the_minimum_or_beyond_the_unfrozen_balance_is_refused(fund: Fund) -> None:
    f, v = fund, fund.vault.functions
    f.issue(f.alice, 100 * SHARE)
    for shares in (0, 10 * SHARE - 1):
        assert refused("FundBelowMinimum", partial(f.redeem_request, f.alice, shares)) == {
            "amount": shares, "minimum": 10 * SHARE,
        }  # fmt: skip
    assert refused("FundSharesUnavailable", lambda: f.redeem_request(f.alice, 100 * SHARE + 1)) == {
        "owner": f.alice.address, "shares": 100 * SHARE + 1, "available": 100 * SHARE,
    }  # fmt: skip
    f.platform.controls.freeze_tokens(f.token.address, f.alice.address, 60 * SHARE, reason="court order")
    assert refused("FundSharesUnavailable", lambda: f.redeem_request(f.alice, 50 * SHARE))["available"] == 40 * SHARE
    refused("FundUnauthorized", lambda: f.send(f.bob, v.requestRedeem(40 * SHARE, f.bob.address, f.alice.address)))
    refused("FundZeroAddress", lambda: f.send(f.alice, v.requestRedeem(40 * SHARE, ZERO, f.alice.address)))
    f.redeem_request(f.alice, 40 * SHARE)
    assert f.shares(f.alice) == 60 * SHARE and f.token.functions.getFrozenTokens(f.alice.address).call() == 60 * SHARE


@pytest.mark.parametrize("case", ["frozen wallet", "paused", "locked up", "revoked", "unregistered controller"])
def test_a_redemption_is_refused_while_the_shares_could_not_move(fund: Fund, case: str) -> None:
    f, p, symbol = fund, fund.platform, fund.token.address
    f.issue(f.alice, 100 * SHARE)
    account, code = f.alice, Restriction.SENDER_FROZEN
    controller = f.alice
    if case == "frozen wallet":
        p.controls.freeze_wallet(symbol, f.alice.address, reason="court order")
    elif case == "paused":
        p.controls.pause(symbol, reason="incident")
        code = Restriction.PAUSED
    elif case == "locked up":
        p.compliance.set_lockup(symbol, now(f.chain) + DAY)
        code = Restriction.LOCKED_UP
    elif case == "revoked":
        p.registry.revoke("ALICE")
        code = Restriction.SENDER_REVOKED
    else:
        account = controller = f.outsider
        code = Restriction.SENDER_NOT_REGISTERED
        f.send(f.outsider, f.vault.functions.setOperator(f.alice.address, True))
    request = f.vault.functions.requestRedeem(10 * SHARE, controller.address, f.alice.address)
    assert refused("FundIneligible", lambda: f.send(f.alice, request)) == {"account": account.address, "code": code}
    assert f.shares(f.alice) == 100 * SHARE


def test_a_redemption_the_cash_account_cannot_pay_stays_claimable_until_funded(fund: Fund) -> None:
    f, v = fund, fund.vault.functions
    redeemed(f, f.alice, 100 * SHARE)
    gross = cash_for(100 * SHARE, NAV)
    claim = v.redeem(100 * SHARE, f.alice.address, f.alice.address)
    f.send(f.cash_account, f.coin.functions.transfer(f.admin.address, f.cash(f.cash_account) - gross + 1))
    assert refused("FundCashShort", lambda: f.send(f.alice, claim)) == {
        "cashAccount": f.cash_account.address, "needed": gross, "available": gross - 1,
    }  # fmt: skip
    f.send(f.admin, f.coin.functions.transfer(f.cash_account.address, 1))
    f.send(f.cash_account, f.coin.functions.approve(f.vault.address, gross - 1))
    assert refused("FundCashShort", lambda: f.send(f.alice, claim))["available"] == gross - 1
    assert v.maxRedeem(f.alice.address).call() == 100 * SHARE
    f.send(f.cash_account, f.coin.functions.approve(f.vault.address, gross))
    f.send(f.alice, claim)
    assert f.cash(f.cash_account) == 0 and f.cash(f.alice) == CASH + gross - fee(gross, 25)


# ---------------------------------------------------------------------------------------------- claims


def test_partial_claims_sum_exactly_to_the_whole(fund: Fund) -> None:
    f, v = fund, fund.vault.functions
    nav = NAV + NAV // 100 + 3  # 10.01 and a little: nothing divides evenly
    subscribed(f, f.alice, 10_000 * HKD + 7, nav)
    assets, shares = v.maxDeposit(f.alice.address).call(), v.maxMint(f.alice.address).call()
    assert shares == shares_for(assets - fee(assets, 50), nav)
    got, paid = 0, 0
    part = assets // 3
    got += mul_div(shares, part, assets)
    paid += part
    f.send(f.alice, v.deposit(part, f.alice.address))
    left_assets, left_shares = assets - paid, shares - got
    assert v.maxMint(f.alice.address).call() == left_shares
    part = left_shares // 3
    receipt = f.send(f.alice, v.mint(part, f.alice.address))
    assert f.events(f.vault, "Deposit", receipt)[0]["assets"] == mul_div(left_assets, part, left_shares, up=True)
    got, paid = got + part, paid + mul_div(left_assets, part, left_shares, up=True)
    f.send(f.alice, v.deposit(assets - paid, f.alice.address))
    assert (
        f.shares(f.alice) == shares and v.maxDeposit(f.alice.address).call() == 0 == v.maxMint(f.alice.address).call()
    )
    # and back: redeem a third, withdraw a third of the rest, redeem what is left
    day = f.open_day()
    f.redeem_request(f.alice, shares)
    f.settle(day, nav=nav)
    gross = cash_for(shares, nav)
    net, charged = gross - fee(gross, 25), fee(gross, 25)
    account, cash = f.cash(f.cash_account), f.cash(f.alice)
    f.send(f.alice, v.redeem(shares // 3, f.alice.address, f.alice.address))
    f.send(f.alice, v.withdraw(v.maxWithdraw(f.alice.address).call() // 3, f.alice.address, f.alice.address))
    f.send(f.alice, v.redeem(v.maxRedeem(f.alice.address).call(), f.alice.address, f.alice.address))
    assert f.cash(f.alice) - cash == net and f.cash(f.fee_account) - fee(10_000 * HKD + 7, 50) == charged
    assert account - f.cash(f.cash_account) == gross and v.maxWithdraw(f.alice.address).call() == 0


def test_a_withdrawal_that_uses_the_last_share_leaves_the_rest_of_the_cash_claimable(fund: Fund) -> None:
    f, v = fund, fund.vault.functions
    redeemed(f, f.alice, 10 * SHARE)
    gross = cash_for(10 * SHARE, NAV)
    net = gross - fee(gross, 25)
    cash = f.cash(f.alice)
    f.send(f.alice, v.redeem(10 * SHARE - 1, f.alice.address, f.alice.address))  # one share unit left
    f.send(f.alice, v.withdraw(1, f.alice.address, f.alice.address))  # rounds up to that last unit
    assert v.maxRedeem(f.alice.address).call() == 0
    rest = v.maxWithdraw(f.alice.address).call()
    assert rest > 0
    f.send(f.alice, v.withdraw(rest, f.alice.address, f.alice.address))
    assert f.cash(f.alice) - cash == net and f.cash(f.fee_account) == fee(gross, 25)
    assert v.maxWithdraw(f.alice.address).call() == 0 == v.claimableRedeemFees(f.alice.address).call()


def test_a_mint_that_uses_the_last_cash_leaves_the_rest_of_the_shares_claimable(fund: Fund) -> None:
    f, v = fund, fund.vault.functions
    cheap = NAV_ONE // 1_000  # 0.001 a share: ten share units for each cent's ten-thousandth
    day = f.open_day()
    f.subscribe(f.alice, 1_000 * HKD)
    f.past_cutoff(day)
    f.publish(cheap)
    f.send(f.admin, v.confirmNav(2))
    f.send(f.manager, v.settleDealingDay(day))
    shares = v.maxMint(f.alice.address).call()
    assert shares == shares_for(1_000 * HKD - 5 * HKD, cheap) > v.maxDeposit(f.alice.address).call()
    f.send(f.alice, v.mint(shares - 1, f.alice.address))  # uses all the cash, rounded up
    assert v.maxDeposit(f.alice.address).call() == 0 and v.maxMint(f.alice.address).call() == 1
    f.send(f.alice, v.mint(1, f.alice.address))
    assert f.shares(f.alice) == shares


def test_claims_beyond_the_claimable_are_refused(fund: Fund) -> None:
    f, v = fund, fund.vault.functions
    subscribed(f, f.alice, 1_000 * HKD)
    redeemed(f, f.bob, 10 * SHARE)
    assets, shares = v.maxDeposit(f.alice.address).call(), v.maxMint(f.alice.address).call()
    for huge in (assets + 1, 2**128, 2**256 - 1):
        assert refused("FundExceedsClaimable", partial(f.send, f.alice, v.deposit(huge, f.alice.address))) == {
            "amount": huge, "claimable": assets,
        }  # fmt: skip
    refused("FundExceedsClaimable", lambda: f.send(f.alice, v.mint(shares + 1, f.alice.address)))
    refused("FundExceedsClaimable", lambda: f.send(f.alice, v.mint(2**256 - 1, f.alice.address)))
    refused("FundExceedsClaimable", lambda: f.send(f.bob, v.redeem(2**256 - 1, f.bob.address, f.bob.address)))
    refused("FundExceedsClaimable", lambda: f.send(f.bob, v.withdraw(2**256 - 1, f.bob.address, f.bob.address)))
    refused("FundNothingToClaim", lambda: f.send(f.carol, v.deposit(0, f.carol.address)))
    refused("FundNothingToClaim", lambda: f.send(f.carol, v.redeem(0, f.carol.address, f.carol.address)))


def test_a_claim_refused_for_eligibility_stays_claimable(fund: Fund) -> None:
    f, v, p = fund, fund.vault.functions, fund.platform
    subscribed(f, f.alice, 1_000 * HKD)
    redeemed(f, f.bob, 10 * SHARE)
    shares = v.maxMint(f.alice.address).call()
    p.controls.freeze_wallet(f.token.address, f.alice.address, reason="court order")
    with pytest.raises(ComplianceError) as caught:  # the asset refuses the mint
        f.send(f.alice, v.deposit(1_000 * HKD, f.alice.address))
    assert_compliance_error(caught, Restriction.RECEIVER_FROZEN)
    with pytest.raises(ComplianceError):
        f.send(f.alice, v.mint(shares, f.outsider.address, f.alice.address))
    p.registry.revoke("BOB")  # after the request: the cash claim waits
    assert refused("FundIneligible", lambda: f.send(f.bob, v.redeem(10 * SHARE, f.bob.address, f.bob.address))) == {
        "account": f.bob.address, "code": Restriction.SENDER_REVOKED,
    }  # fmt: skip
    assert v.maxMint(f.alice.address).call() == shares and v.maxRedeem(f.bob.address).call() == 10 * SHARE
    p.controls.freeze_wallet(f.token.address, f.alice.address, reason="lifted", frozen=False)
    p.registry.reinstate("BOB")
    f.send(f.alice, v.deposit(1_000 * HKD, f.alice.address))
    f.send(f.bob, v.withdraw(v.maxWithdraw(f.bob.address).call(), f.bob.address, f.bob.address))
    assert f.shares(f.alice) == shares and v.maxRedeem(f.bob.address).call() == 0


# ---------------------------------------------------------------------------------------------- views and terms


@pytest.mark.parametrize("name", ["previewDeposit", "previewMint", "previewWithdraw", "previewRedeem"])
def test_previews_revert_for_an_asynchronous_vault(fund: Fund, name: str) -> None:
    decoded = call_revert(fund.vault.functions[name](10**6))
    assert decoded is not None and decoded.name == "FundAsyncFlow"


def test_supports_the_erc7540_erc7575_and_erc7887_interfaces(fund: Fund) -> None:
    erc4626 = [
        "asset()", "totalAssets()", "convertToShares(uint256)", "convertToAssets(uint256)", "maxDeposit(address)",
        "previewDeposit(uint256)", "deposit(uint256,address)", "maxMint(address)", "previewMint(uint256)",
        "mint(uint256,address)", "maxWithdraw(address)", "previewWithdraw(uint256)",
        "withdraw(uint256,address,address)", "maxRedeem(address)", "previewRedeem(uint256)",
        "redeem(uint256,address,address)",
    ]  # fmt: skip
    ids = {
        "operator": selector_xor("setOperator(address,bool)", "isOperator(address,address)"),
        "erc7575": selector_xor(*erc4626, "share()"),
        "deposit": selector_xor(
            "requestDeposit(uint256,address,address)", "pendingDepositRequest(uint256,address)",
            "claimableDepositRequest(uint256,address)", "deposit(uint256,address,address)",
            "mint(uint256,address,address)",
        ),
        "redeem": selector_xor(
            "requestRedeem(uint256,address,address)", "pendingRedeemRequest(uint256,address)",
            "claimableRedeemRequest(uint256,address)",
        ),
        "cancel deposit": selector_xor(
            "cancelDepositRequest(uint256,address)", "pendingCancelDepositRequest(uint256,address)",
            "claimableCancelDepositRequest(uint256,address)", "claimCancelDepositRequest(uint256,address,address)",
        ),
        "cancel redeem": selector_xor(
            "cancelRedeemRequest(uint256,address)", "pendingCancelRedeemRequest(uint256,address)",
            "claimableCancelRedeemRequest(uint256,address)", "claimCancelRedeemRequest(uint256,address,address)",
        ),
    }  # fmt: skip
    # the ERC texts' constants
    assert [i.hex() for i in ids.values()] == ["e3bc4e65", "2f0a18c5", "ce3bbe50", "620ee8e4", "8bf840e3", "e76cffc7"]
    supports = fund.vault.functions.supportsInterface
    for interface_id in [*ids.values(), bytes.fromhex("01ffc9a7"), bytes.fromhex("7965db0b")]:  # ERC-165, roles
        assert supports(interface_id).call(), interface_id.hex()
    for interface_id in (bytes.fromhex("ffffffff"), selector_xor(*erc4626), bytes.fromhex("36372b07")):
        assert not supports(interface_id).call(), interface_id.hex()


def test_the_erc4626_views_value_shares_at_the_baseline_nav(fund: Fund) -> None:
    f, v = fund, fund.vault.functions
    assert (v.asset().call(), v.share().call()) == (f.coin.address, f.token.address)
    assert v.NAV_DECIMALS().call() == 18 and v.MAX_FEE_BPS().call() == MAX_FEE_BPS
    assert v.dealingTerms().call() == terms(f.cash_account.address, f.fee_account.address)
    assert v.convertToShares(10 * HKD).call() == SHARE and v.convertToAssets(SHARE).call() == 10 * HKD
    assert v.convertToShares(10 * HKD - 1).call() == SHARE - 1  # rounded down
    f.issue(f.alice, 123 * SHARE)
    assert v.totalAssets().call() == 1_230 * HKD
    f.publish(2 * NAV)  # held: not the baseline
    assert v.convertToAssets(SHARE).call() == 10 * HKD
    for view in (v.maxDeposit, v.maxMint, v.maxWithdraw, v.maxRedeem, v.claimableRedeemFees):
        assert view(f.carol.address).call() == 0
    view_refused("FundUnknownRequest", v.pendingRedeemRequest(1, f.alice.address))
    view_refused("FundUnknownRequest", v.claimableCancelRedeemRequest(2**256 - 1, f.alice.address))


def test_only_the_admin_sets_valid_terms(fund: Fund) -> None:
    f, v = fund, fund.vault.functions
    cash, fees = f.cash_account.address, f.fee_account.address
    for stranger in (f.manager, f.valuer, f.alice):
        with pytest.raises(AccessDenied):
            f.send(stranger, v.setTerms(terms(cash, fees)))
    for bad in ({"subscriptionFeeBps": MAX_FEE_BPS + 1}, {"redemptionFeeBps": 65_535}):
        refused("FundInvalidTerms", partial(f.send, f.admin, v.setTerms(terms(cash, fees, **bad))))
    refused("FundZeroAddress", lambda: f.send(f.admin, v.setTerms(terms(ZERO, fees))))
    refused("FundZeroAddress", lambda: f.send(f.admin, v.setTerms(terms(cash, ZERO))))
    changed = terms(f.carol.address, fees, subscriptionFeeBps=MAX_FEE_BPS, minSubscription=1)
    receipt = f.send(f.admin, v.setTerms(changed))
    assert f.events(f.vault, "TermsSet", receipt)[0]["terms"]["cashAccount"] == f.carol.address
    assert v.dealingTerms().call() == changed


# ---------------------------------------------------------------------------------------------- huge amounts


def test_huge_requests_revert_cleanly(fund: Fund) -> None:
    f, v = fund, fund.vault.functions
    f.send(f.admin, f.coin.functions.mint(f.alice.address, 2**200))
    f.send(f.alice, f.coin.functions.approve(f.vault.address, 2**256 - 1))
    for assets in (2**112, 2**128, 2**256 - 1):  # more shares than the fund may issue
        request = v.requestDeposit(assets, f.alice.address, f.alice.address)
        assert refused("FundIneligible", partial(f.send, f.alice, request))["code"] == Restriction.EXCEEDS_AUTHORISED
    f.publish(NAV * 105 // 100)
    huge_nav = 2**127
    f.publish(huge_nav)  # held, confirmed: now 2^112 of cash buys few shares
    f.send(f.admin, v.confirmNav(3))
    with pytest.raises(ContractRevert) as caught:
        f.send(f.alice, v.requestDeposit(2**112, f.alice.address, f.alice.address))
    assert caught.value.error == "SafeCastOverflowedUintDowncast"
    for shares in (2**96, 2**128, 2**256 - 1):
        refused("FundSharesUnavailable", partial(f.redeem_request, f.alice, shares))
    assert f.cash(f.vault.address) == 0


# ---------------------------------------------------------------------------------------------- factory


def test_the_factory_opens_one_vault_per_fund_for_its_admin_only(fund: Fund) -> None:
    f = fund
    factory = f.vault_factory.functions
    t = terms(f.cash_account.address, f.fee_account.address)

    def create(asset: str, by: Any = None, cutoff: int = CUTOFF, nav: int = NAV, terms_: Any = t) -> Any:
        call = factory.createVault(asset, cutoff, nav, terms_, f.valuer.address, f.manager.address)
        return f.send(by or f.admin, call)

    prop = f.platform.assets.create(AssetSpec("Harbour View Tower", "HVT", 2, "property", "1000000")).address
    for asset in (f.outsider.address, f.coin.address, f.vault.address, prop):
        assert refused("VaultFactoryNotAFund", partial(create, asset)) == {"asset": asset}
    assert refused("VaultFactoryVaultExists", lambda: create(f.token.address)) == {
        "asset": f.token.address, "vault": f.vault.address,
    }  # fmt: skip
    second = f.platform.assets.create(AssetSpec("Harbour Bond Fund", "HBF", 2, "fund", "1000000")).address
    assert refused("VaultFactoryUnauthorized", lambda: create(second, by=f.alice)) == {"caller": f.alice.address}
    refused("FundInvalidTerms", lambda: create(second, cutoff=DAY))
    refused("FundInvalidNav", lambda: create(second, nav=0))
    refused("FundInvalidNav", lambda: create(second, nav=2**128))
    refused(
        "FundInvalidTerms",
        lambda: create(
            second, terms_=terms(f.cash_account.address, f.fee_account.address, redemptionFeeBps=MAX_FEE_BPS + 1)
        ),
    )
    refused("FundZeroAddress", lambda: create(second, terms_=terms(ZERO, f.fee_account.address)))
    receipt = create(second, cutoff=0)
    vault = factory.vaultOf(second).call()
    assert f.events(f.vault_factory, "FundVaultCreated", receipt) == [
        {"asset": second, "vault": vault, "admin": f.admin.address, "cutoff": 0}
    ]
    assert factory.vaults().call() == [f.vault.address, vault]
    opened = f.chain.w3.eth.contract(address=vault, abi=f.vault.abi).functions
    assert opened.hasRole(b"\0" * 32, f.admin.address).call()
    assert not opened.hasRole(b"\0" * 32, f.vault_factory.address).call()
    assert opened.hasRole(opened.VALUER_ROLE().call(), f.valuer.address).call()
    assert opened.hasRole(opened.MANAGER_ROLE().call(), f.manager.address).call()
    assert opened.cutoff().call() == 0 and opened.dealingDay(5 * DAY).call() == 6


def test_an_operator_redeems_cancels_and_claims_for_its_controller(fund: Fund) -> None:
    f, v = fund, fund.vault.functions
    a = f.alice.address
    f.issue(f.alice, 100 * SHARE)
    f.send(f.alice, v.setOperator(f.bob.address, True))
    day = f.open_day()
    f.send(f.bob, v.requestRedeem(30 * SHARE, a, a))
    f.send(f.bob, v.cancelRedeemRequest(0, a))
    f.send(f.bob, v.claimCancelRedeemRequest(0, a, a))
    assert f.shares(f.alice) == 100 * SHARE
    f.send(f.bob, v.requestRedeem(30 * SHARE, a, a))
    refused("FundUnauthorized", lambda: f.send(f.carol, v.cancelRedeemRequest(0, a)))
    f.settle(day, nav=NAV)
    gross = cash_for(30 * SHARE, NAV)
    cash = f.cash(f.bob)
    receipt = f.send(f.bob, v.withdraw(gross - fee(gross, 25), f.bob.address, a))  # paid to the operator's choice
    assert f.events(f.vault, "Withdraw", receipt)[0]["sender"] == f.bob.address
    assert f.cash(f.bob) - cash == gross - fee(gross, 25) and v.maxRedeem(a).call() == 0


def test_a_deposit_claim_to_the_zero_address_is_refused_by_the_asset(fund: Fund) -> None:
    f, v = fund, fund.vault.functions
    subscribed(f, f.alice, 1_000 * HKD)
    refused("ERC20InvalidReceiver", lambda: f.send(f.alice, v.deposit(1_000 * HKD, ZERO, f.alice.address)))
    assert v.maxDeposit(f.alice.address).call() == 1_000 * HKD


def test_a_redemption_added_the_same_day_keeps_its_own_fee_rate(fund: Fund) -> None:
    f, v = fund, fund.vault.functions
    f.issue(f.alice, 100 * SHARE)
    day = f.open_day()
    f.redeem_request(f.alice, 30 * SHARE)  # at 25 bps
    f.send(f.admin, v.setTerms(terms(f.cash_account.address, f.fee_account.address, redemptionFeeBps=MAX_FEE_BPS)))
    f.redeem_request(f.alice, 10 * SHARE)  # at 10 %
    f.send(f.admin, v.setTerms(terms(f.cash_account.address, f.fee_account.address, redemptionFeeBps=0)))
    nav = NAV + 13
    f.settle(day, nav=nav)
    gross = cash_for(40 * SHARE, nav)
    charged = -(-gross * (30 * SHARE * 25 + 10 * SHARE * MAX_FEE_BPS) // (40 * SHARE * 10_000))
    assert v.claimableRedeemFees(f.alice.address).call() == charged
    assert v.maxWithdraw(f.alice.address).call() == gross - charged


def test_settlement_costs_the_same_for_one_and_forty_pending_requests(fund: Fund) -> None:
    """The manager's transaction must not grow with the number of investors (bench/funds.py: 1,000)."""
    f, v = fund, fund.vault.functions
    wallets = [Web3.to_checksum_address(Web3.keccak(text=f"fund-gas-{i}")[12:]) for i in range(41)]
    f.platform.registry.register_batch([investor(f.chain, f"G-{i:02d}", w) for i, w in enumerate(wallets)])
    f.consent(wallets, f.bob)  # bob pays for each controller's request
    f.send(f.bob, f.coin.functions.approve(f.vault.address, 2**256 - 1))

    def settle_with(controllers: Sequence[str]) -> int:
        day = f.open_day()
        for controller in controllers:
            f.send(f.bob, v.requestDeposit(1_000 * HKD, controller, f.bob.address))
        assert v.dealingDayTotals(day).call()[0] == len(controllers) * 1_000 * HKD
        return int(f.settle(day, nav=NAV)["gasUsed"])

    settle_with(wallets[:1])  # warm-up: the cash and fee accounts hold cash from now on
    one, forty = settle_with(wallets[:1]), settle_with(wallets[1:])
    assert abs(forty - one) <= one * 0.05, (one, forty)
