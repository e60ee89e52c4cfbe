"""The funds' Python services on Anvil: opening a vault, NAV, terms, requests, settlement and claims through
the platform's transaction manager; every refusal a typed error with its code, nothing half-done."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

import pytest

from rwakit.errors import AccessDenied, ComplianceError, NotFound, RwakitError
from rwakit.funds.dealing import Side
from rwakit.funds.models import DAY, NavStatus, Terms
from rwakit.funds.services import Funds
from rwakit.tokenize import AssetSpec
from tests.conftest import advance_time, now
from tests.contracts.fund import CASH, HKD, NAV_ONE, SHARE, Fund, fund

__all__ = ["fund"]


@pytest.fixture
def f(fund: Fund) -> Funds:
    return Funds.open(fund.platform)


def refused(code: str, action: Callable[[], object]) -> RwakitError:
    with pytest.raises(RwakitError) as caught:
        action()
    assert caught.value.code == code, caught.value.message
    return caught.value


def new_fund(fund: Fund, symbol: str = "PRMF", kind: str = "fund") -> str:
    fund.platform.assets.create(AssetSpec(f"{symbol} Fund", symbol, 2, kind, "1000000"))
    return symbol


def terms(f: Funds, fx: Fund, **changes: Any) -> Terms:
    values: dict[str, Any] = {"cash_account": fx.cash_account.address, "fee_account": fx.fee_account.address,
                              "subscription_fee_bps": 50, "redemption_fee_bps": 25, "min_subscription": "1000"}
    return f.vaults.terms(**values | changes)


def settle_today(fund: Fund, f: Funds, nav: str = "10") -> int:
    day = fund.today()
    fund.past_cutoff(day)
    f.vaults.publish_nav(fund.valuer, "HMMF", nav)
    f.vaults.settle(fund.manager, "HMMF")
    return day


# ---------------------------------------------------------------- opening a vault


def test_the_admin_opens_a_vault_with_the_issuer_role_and_the_cash_approved(fund: Fund, f: Funds) -> None:
    symbol = new_fund(fund)
    opened = f.vaults.open(fund.admin, symbol, terms(f, fund, min_redemption="0.5", fund=symbol), initial_nav="1.25",
                           cutoff="16:30", valuer=fund.valuer.address, manager="BOB")  # fmt: skip
    assert opened.cash_approved and opened.fund.cutoff == 8 * 3600 + 1800
    assert opened.fund.latest_nav.display == "1.25" and opened.fund.latest_nav.status is NavStatus.ACCEPTED
    assert opened.fund.terms.min_subscription == 1000 * HKD and opened.fund.terms.min_redemption == 50
    token = fund.platform.assets.token(symbol)
    assert token.functions.hasRole(token.functions.ISSUER_ROLE().call(), opened.fund.vault).call()
    vault = f.vaults.contract(symbol)
    assert vault.functions.hasRole(vault.functions.MANAGER_ROLE().call(), fund.bob.address).call()
    assert fund.coin.functions.allowance(fund.cash_account.address, opened.fund.vault).call() == 2**256 - 1
    refused("vault_exists", lambda: f.vaults.open(fund.admin, symbol, terms(f, fund), initial_nav="1"))
    assert [x.symbol for x in f.vaults.list()] == ["HMMF", symbol]


def test_a_vault_is_refused_for_a_property_a_stranger_an_unknown_asset_and_bad_terms(fund: Fund, f: Funds) -> None:
    t = terms(f, fund)
    refused("not_a_fund", lambda: f.vaults.open(fund.admin, new_fund(fund, "PROP", "property"), t, initial_nav="1"))
    refused("asset_not_found", lambda: f.vaults.open(fund.admin, "NOPE", t, initial_nav="1"))
    symbol = new_fund(fund)
    error = refused("access_denied", lambda: f.vaults.open(fund.alice, symbol, t, initial_nav="1"))
    assert isinstance(error, AccessDenied)
    refused("no_vault", lambda: f.vaults.get(symbol))
    refused("invalid_nav", lambda: f.vaults.open(fund.admin, symbol, t, initial_nav="0"))
    refused("invalid_cutoff", lambda: f.vaults.open(fund.admin, symbol, t, initial_nav="1", cutoff="25:00"))
    refused("invalid_time_zone", lambda: f.vaults.open(fund.admin, symbol, t, initial_nav="1", zone="Hong Kong"))
    refused("no_vault", lambda: f.vaults.get(symbol))  # nothing was sent
    refused("invalid_fee", lambda: terms(f, fund, subscription_fee_bps=1_001))
    refused("invalid_fee", lambda: terms(f, fund, redemption_fee_bps=-1))
    refused("invalid_fee", lambda: terms(f, fund, max_nav_deviation_bps=10_001))
    refused("invalid_terms", lambda: terms(f, fund, max_nav_age=0))
    refused("invalid_terms", lambda: terms(f, fund, min_redemption="1"))  # shares need their fund
    refused("invalid_amount", lambda: terms(f, fund, min_subscription="-5"))
    refused("investor_not_found", lambda: terms(f, fund, cash_account="NOBODY"))


def test_a_cash_account_rwakit_holds_no_key_for_is_left_to_approve_itself(fund: Fund, f: Funds) -> None:
    symbol = new_fund(fund)
    stranger = "0x" + "42" * 20
    opened = f.vaults.open(fund.admin, symbol, terms(f, fund, cash_account=stranger), initial_nav="1")
    assert not opened.cash_approved and opened.fund.terms.cash_account.lower() == stranger


def test_the_admin_sets_terms_and_nobody_else(fund: Fund, f: Funds) -> None:
    changed = f.vaults.set_terms(fund.admin, "HMMF", terms(f, fund, subscription_fee_bps=0, min_subscription="5"))
    assert changed.terms.subscription_fee_bps == 0 and changed.terms.min_subscription == 5 * HKD
    refused("access_denied", lambda: f.vaults.set_terms(fund.alice, "HMMF", terms(f, fund)))
    refused("not_a_fund", lambda: f.vaults.set_terms(fund.admin, new_fund(fund, "PROP", "property"), terms(f, fund)))


# ---------------------------------------------------------------- NAV


def test_the_valuer_publishes_a_nav_and_one_too_far_is_held_until_the_admin_confirms(fund: Fund, f: Funds) -> None:
    nav = f.vaults.publish_nav(fund.valuer, "HMMF", "10.0523")
    assert (nav.id, nav.value, nav.status) == (2, 100_523 * 10**14, NavStatus.ACCEPTED)
    assert f.vaults.get("HMMF").nav_usable
    day = fund.today()
    fund.subscribe(fund.alice, 10_000 * HKD)
    fund.past_cutoff(day)
    held = f.vaults.publish_nav(fund.valuer, "HMMF", "11")  # 9.4 % from 10.0523
    assert held.status is NavStatus.HELD and not f.vaults.get("HMMF").nav_usable
    refused("nav_held", lambda: f.vaults.settle(fund.manager, "HMMF"))
    refused("access_denied", lambda: f.vaults.confirm_nav(fund.valuer, "HMMF"))
    refused("nav_not_found", lambda: f.vaults.confirm_nav(fund.admin, "HMMF", 2))  # not the latest
    assert f.vaults.confirm_nav(fund.admin, "HMMF").status is NavStatus.CONFIRMED
    assert f.vaults.settle(fund.manager, "HMMF").nav == 11 * NAV_ONE
    assert [n.id for n in f.vaults.navs("HMMF")] == [1, 2, 3]


def test_a_nav_is_refused_from_strangers_in_the_future_and_as_a_bad_string(fund: Fund, f: Funds) -> None:
    refused("access_denied", lambda: f.vaults.publish_nav(fund.alice, "HMMF", "10"))
    refused("invalid_nav", lambda: f.vaults.publish_nav(fund.valuer, "HMMF", "10", valued_at=now(fund.chain) + DAY))
    refused("invalid_nav", lambda: f.vaults.publish_nav(fund.valuer, "HMMF", "10", valued_at=0))  # before the last
    for bad in ("0", "-10", "10.0000000000000000001", "1e1", "ten"):
        refused("invalid_nav", partial(f.vaults.publish_nav, fund.valuer, "HMMF", bad))
    refused("nav_not_found", lambda: f.vaults.nav("HMMF", 2))
    refused("nav_not_found", lambda: f.vaults.nav("HMMF", 0))
    assert len(f.vaults.navs("HMMF")) == 1  # nothing was published


def test_a_stale_nav_waits_for_the_admin(fund: Fund, f: Funds) -> None:
    day = fund.today()
    fund.subscribe(fund.alice, 10_000 * HKD)
    fund.past_cutoff(day)
    f.vaults.publish_nav(fund.valuer, "HMMF", "10")
    advance_time(fund.chain, 3 * DAY + 60)  # the fixture's terms: stale after 3 days
    refused("nav_stale", lambda: f.vaults.settle(fund.manager, "HMMF", day))
    nav = f.vaults.confirm_nav(fund.admin, "HMMF")
    assert nav.status is NavStatus.CONFIRMED and nav.confirmed_at == now(fund.chain)
    assert f.vaults.settle(fund.manager, "HMMF", day).settled


def test_a_confirmed_nav_goes_stale_too(fund: Fund, f: Funds) -> None:
    day = fund.today()
    fund.subscribe(fund.alice, 10_000 * HKD)
    fund.past_cutoff(day)
    f.vaults.publish_nav(fund.valuer, "HMMF", "20")  # held
    f.vaults.confirm_nav(fund.admin, "HMMF")
    assert f.vaults.get("HMMF").nav_usable
    advance_time(fund.chain, 30 * DAY)
    assert not f.vaults.get("HMMF").nav_usable
    refused("nav_stale", lambda: f.vaults.settle(fund.manager, "HMMF", day))
    f.vaults.confirm_nav(fund.admin, "HMMF")  # again, knowingly
    assert f.vaults.settle(fund.manager, "HMMF", day).nav == 20 * NAV_ONE


# ---------------------------------------------------------------- settlement


def test_the_manager_settles_the_last_closed_day_once_after_its_cutoff(fund: Fund, f: Funds) -> None:
    day = fund.today()
    fund.subscribe(fund.alice, 10_000 * HKD)
    refused("dealing_day_open", lambda: f.vaults.settle(fund.manager, "HMMF", day))
    fund.past_cutoff(day)
    refused("nav_before_cutoff", lambda: f.vaults.settle(fund.manager, "HMMF"))
    f.vaults.publish_nav(fund.valuer, "HMMF", "10.01")
    refused("access_denied", lambda: f.vaults.settle(fund.alice, "HMMF"))
    refused("access_denied", lambda: f.vaults.settle(fund.valuer, "HMMF"))
    totals = f.vaults.settle(fund.manager, "HMMF")
    assert (totals.day, totals.subscription_cash, totals.subscription_fees) == (day, 10_000 * HKD, 50 * HKD)
    assert totals.nav == 1_001 * NAV_ONE // 100
    refused("dealing_day_settled", lambda: f.vaults.settle(fund.manager, "HMMF", day))
    refused("invalid_day", lambda: f.vaults.settle(fund.manager, "HMMF", -1))
    first = f.vaults.get("HMMF").first_day
    for before in (0, first - 1):  # 1970-01-01, the day before the vault opened: never its dealing days
        error = refused("invalid_day", partial(f.vaults.settle, fund.manager, "HMMF", before))
        assert "from the day the vault opened on" in error.message
        assert not f.vaults.day("HMMF", before).settled
    refused("not_a_fund", lambda: f.vaults.settle(fund.manager, new_fund(fund, "PROP", "property")))


# ---------------------------------------------------------------- subscriptions and redemptions


def test_subscriptions_deal_at_the_days_nav_and_are_claimed_once(fund: Fund, f: Funds) -> None:
    position = f.dealing.subscribe(fund.alice, "HMMF", "10000")
    assert position.pending_subscription == 10_000 * HKD and position.subscription_day == fund.today()
    f.dealing.subscribe(fund.bob, "HMMF", "2500.5")
    settle_today(fund, f, "10.01")
    alice = f.dealing.position("HMMF", "ALICE")
    assert alice.pending_subscription == 0 and alice.claimable_subscription == 10_000 * HKD
    assert alice.claimable_shares == 9_940_059  # 9,950 HKD net at 10.01, rounded down
    [claimed] = f.dealing.claim_all(fund.alice, "HMMF")
    assert claimed.shares == 9_940_059 and fund.shares(fund.alice) == 9_940_059
    refused("nothing_to_claim", lambda: f.dealing.claim(fund.alice, "HMMF", Side.SUBSCRIPTION))
    assert f.dealing.claim_all(fund.alice, "HMMF") == []
    part = f.dealing.claim(fund.bob, "HMMF", Side.SUBSCRIPTION, "100")  # part of it, in shares
    assert part.shares == 100 * SHARE and fund.shares(fund.bob) == 100 * SHARE
    refused("exceeds_claimable", lambda: f.dealing.claim(fund.bob, "HMMF", Side.SUBSCRIPTION, "1000"))
    refused("nothing_to_claim", lambda: f.dealing.claim(fund.carol, "HMMF", Side.REDEMPTION))


def test_a_subscription_is_refused_before_anything_is_sent(fund: Fund, f: Funds) -> None:
    vault = f.vaults.get("HMMF").vault
    refused("below_minimum", lambda: f.dealing.subscribe(fund.alice, "HMMF", "999.99"))
    refused("invalid_amount", lambda: f.dealing.subscribe(fund.alice, "HMMF", "0"))
    refused("invalid_amount", lambda: f.dealing.subscribe(fund.alice, "HMMF", "-5"))
    refused("invalid_amount", lambda: f.dealing.subscribe(fund.alice, "HMMF", str(2**112)))
    refused("insufficient_cash", lambda: f.dealing.subscribe(fund.alice, "HMMF", str(CASH // HKD + 1)))
    error = refused("fund_ineligible", lambda: f.dealing.subscribe(fund.outsider, "HMMF", "5000"))
    assert isinstance(error, ComplianceError) and error.reason == "receiver_not_registered"
    assert fund.coin.functions.allowance(fund.outsider.address, vault).call() == 0  # no approval left behind
    refused("asset_not_found", lambda: f.dealing.subscribe(fund.alice, "NOPE", "5000"))
    refused("not_a_fund", lambda: f.dealing.subscribe(fund.alice, new_fund(fund, "PROP", "property"), "5000"))
    refused("no_vault", lambda: f.dealing.subscribe(fund.alice, new_fund(fund), "5000"))
    # a request pending on a day not yet settled blocks one on a later day
    f.dealing.subscribe(fund.alice, "HMMF", "5000")
    fund.past_cutoff(fund.today())
    refused("request_pending", lambda: f.dealing.subscribe(fund.alice, "HMMF", "5000"))
    assert fund.coin.functions.allowance(fund.alice.address, vault).call() == 0


def test_a_subscription_that_buys_no_share_is_paid_back_by_claim_all(fund: Fund, f: Funds) -> None:
    f.vaults.set_terms(fund.admin, "HMMF", terms(f, fund, subscription_fee_bps=0, min_subscription=0))
    before = fund.cash(fund.alice)
    f.dealing.subscribe(fund.alice, "HMMF", "0.000999")  # less than one share unit (0.0001) at NAV 10
    settle_today(fund, f)
    position = f.dealing.position("HMMF", fund.alice.address)
    assert (position.claimable_subscription, position.claimable_shares) == (0, 0)
    assert position.cancelled_subscription == 999 == position.refunded_subscription
    refused("nothing_to_claim", lambda: f.dealing.claim(fund.alice, "HMMF", Side.SUBSCRIPTION))
    fund.send(fund.cash_account, fund.coin.functions.approve(fund.vault.address, 0))
    refused("cash_short", lambda: f.dealing.claim_all(fund.alice, "HMMF"))  # stays claimable
    assert f.dealing.position("HMMF", fund.alice.address).refunded_subscription == 999
    f.vaults.approve_cash("HMMF")
    [claimed] = f.dealing.claim_all(fund.alice, "HMMF")
    assert (claimed.what, claimed.cash) == ("cancelled subscription", 999) and fund.cash(fund.alice) == before
    assert f.dealing.position("HMMF", fund.alice.address).empty


def test_a_subscription_cancelled_before_the_cutoff_gives_the_cash_back(fund: Fund, f: Funds) -> None:
    before = fund.cash(fund.alice)
    f.dealing.subscribe(fund.alice, "HMMF", "5000")
    refused("nothing_pending", lambda: f.dealing.cancel(fund.bob, "HMMF", Side.SUBSCRIPTION))  # bob cancels his own
    assert f.dealing.position("HMMF", "ALICE").pending_subscription == 5_000 * HKD
    position = f.dealing.cancel(fund.alice, "HMMF", Side.SUBSCRIPTION)
    assert position.pending_subscription == 0 and position.cancelled_subscription == 5_000 * HKD
    refused("nothing_pending", lambda: f.dealing.cancel(fund.alice, "HMMF", Side.SUBSCRIPTION))
    [back] = f.dealing.claim_all(fund.alice, "HMMF")
    assert back.what == "cancelled subscription" and fund.cash(fund.alice) == before
    refused("nothing_to_claim", lambda: f.dealing.claim_cancelled(fund.alice, "HMMF", Side.SUBSCRIPTION))
    f.dealing.subscribe(fund.alice, "HMMF", "5000")
    fund.past_cutoff(fund.today())
    refused("cutoff_passed", lambda: f.dealing.cancel(fund.alice, "HMMF", Side.SUBSCRIPTION))


def test_redemptions_burn_at_the_request_and_wait_for_cash_first_claimed_first_paid(fund: Fund, f: Funds) -> None:
    f.dealing.subscribe(fund.alice, "HMMF", "10000")
    f.dealing.subscribe(fund.bob, "HMMF", "10000")
    settle_today(fund, f)
    f.dealing.claim_all(fund.alice, "HMMF"), f.dealing.claim_all(fund.bob, "HMMF")
    held = fund.shares(fund.alice)
    refused("shares_unavailable", lambda: f.dealing.redeem(fund.alice, "HMMF", str(held // SHARE + 1)))
    refused("below_minimum", lambda: f.dealing.redeem(fund.alice, "HMMF", "9"))
    refused("invalid_amount", lambda: f.dealing.redeem(fund.alice, "HMMF", "0"))
    refused("amount_too_large", lambda: f.dealing.redeem(fund.alice, "HMMF", str(2**128)))
    refused("shares_unavailable", lambda: f.dealing.redeem(fund.alice, "HMMF", str(2**100)))
    refused("fund_ineligible", lambda: f.dealing.redeem(fund.outsider, "HMMF", "10"))
    assert f.dealing.redeem(fund.alice, "HMMF", "100").pending_redemption == 100 * SHARE
    assert fund.shares(fund.alice) == held - 100 * SHARE  # burnt at the request
    f.dealing.cancel(fund.alice, "HMMF", Side.REDEMPTION)
    f.dealing.claim_cancelled(fund.alice, "HMMF", Side.REDEMPTION)
    assert fund.shares(fund.alice) == held  # re-issued
    f.dealing.redeem(fund.alice, "HMMF", "500")
    f.dealing.redeem(fund.bob, "HMMF", "500")
    settle_today(fund, f)
    assert f.dealing.position("HMMF", "ALICE").claimable_cash == 4_987_500_000  # 5,000 HKD less 25 bps
    # the cash account can pay one redemption only: the first claim is paid, the second waits
    account = fund.cash_account
    fund.send(account, fund.coin.functions.transfer(fund.admin.address, fund.cash(account) - 5_000 * HKD))
    paid = f.dealing.claim(fund.alice, "HMMF", Side.REDEMPTION)
    assert paid.cash == 4_987_500_000
    refused("cash_short", lambda: f.dealing.claim(fund.bob, "HMMF", Side.REDEMPTION))
    assert f.dealing.position("HMMF", "BOB").claimable_cash == 4_987_500_000  # still claimable
    fund.send(fund.admin, fund.coin.functions.transfer(account.address, 5_000 * HKD))
    assert f.dealing.claim(fund.bob, "HMMF", Side.REDEMPTION).cash == 4_987_500_000
    refused("nothing_to_claim", lambda: f.dealing.claim(fund.bob, "HMMF", Side.REDEMPTION))


def test_a_redemption_claim_is_refused_while_the_investor_is_ineligible_and_stays_claimable(
    fund: Fund, f: Funds
) -> None:
    f.dealing.subscribe(fund.alice, "HMMF", "10000")
    settle_today(fund, f)
    f.dealing.claim_all(fund.alice, "HMMF")
    f.dealing.redeem(fund.alice, "HMMF", "100")
    settle_today(fund, f)
    kept = fund.platform.registry.get("ALICE").kyc_expiry
    fund.platform.registry.update("ALICE", kyc_expiry=now(fund.chain) + 60)
    advance_time(fund.chain, 120)
    error = refused("fund_ineligible", lambda: f.dealing.claim(fund.alice, "HMMF", Side.REDEMPTION))
    assert isinstance(error, ComplianceError) and error.reason == "sender_kyc_expired"
    fund.platform.registry.update("ALICE", kyc_expiry=kept)
    assert f.dealing.claim(fund.alice, "HMMF", Side.REDEMPTION).cash > 0


def test_positions_are_read_by_investor_id_or_wallet(fund: Fund, f: Funds) -> None:
    assert f.dealing.position("HMMF", "CAROL") == f.dealing.position("HMMF", fund.carol.address)
    assert f.dealing.position("HMMF", "CAROL").empty
    refused("investor_not_found", lambda: f.dealing.position("HMMF", "NOBODY"))
    with pytest.raises(NotFound):
        f.dealing.position("NOPE", "CAROL")
