"""The funds' read model on a real Anvil, on SQLite and PostgreSQL: a vault opened by the platform's
FundVaultFactory is followed from its creation; its NAVs, dealing days and each controller's requests are
indexed exactly (the vault's own views agree, through `verify`), and a reorg rolls them back."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from rwakit.indexer.events import Event
from rwakit.indexer.follower import Indexer, IndexerOptions
from rwakit.indexer.fund_projection import FundIndexInconsistent, FundProjection
from rwakit.indexer.verify import verify
from rwakit.platform import Platform
from rwakit.tokenize import AssetSpec
from tests.contracts.fund import CUTOFF, HKD, NAV_ONE, SHARE, Fund, fund, terms
from tests.indexer.conftest import rows

__all__ = ["fund"]


def _rpc(platform: Platform, method: str, *params: Any) -> Any:
    return platform.chain.w3.provider.make_request(method, list(params))["result"]  # type: ignore[arg-type]


def _requests(engine: Engine) -> dict[tuple[str, str], dict[str, Any]]:
    return {(r["controller"], r["side"]): r for r in rows(engine, "index_fund_request", "controller", "side")}


def _clean(fund: Fund, engine: Engine) -> None:
    report = verify(fund.chain.w3, engine, fund.platform.deployment)
    assert report.differences == []


def test_a_vault_is_followed_from_its_creation(fund: Fund, indexer: Indexer, engine: Engine) -> None:
    indexer.catch_up()
    (row,) = rows(engine, "index_fund", "vault")
    assert (row["vault"], row["asset"], row["admin"]) == (fund.vault.address, fund.token.address, fund.admin.address)
    assert (row["cutoff"], row["share_decimals"], row["coin_decimals"]) == (CUTOFF, 4, 6)
    assert (row["subscription_fee_bps"], row["redemption_fee_bps"], row["min_subscription"]) == (50, 25, 1_000 * HKD)
    assert row["cash_account"] == fund.cash_account.address and row["fee_account"] == fund.fee_account.address
    (nav,) = rows(engine, "index_fund_nav", "nav_id")
    assert (nav["nav_id"], nav["value"], nav["status"]) == (1, 10 * NAV_ONE, "accepted")
    kinds = {r["address"]: r["kind"] for r in rows(engine, "index_contract", "address")}
    assert kinds[fund.vault.address] == "fund_vault" and kinds[fund.vault_factory.address] == "fund_factory"
    settings = {(r["contract"], r["name"]) for r in rows(engine, "index_setting", "contract", "name", "key")}
    assert (fund.vault.address, "role") in settings  # the vault's roles, like an asset's
    _clean(fund, engine)


def test_dealing_is_indexed_exactly(fund: Fund, indexer: Indexer, engine: Engine) -> None:
    alice, bob, carol = fund.alice.address, fund.bob.address, fund.carol.address
    day = fund.today()
    fund.subscribe(fund.alice, 10_000 * HKD)
    fund.subscribe(fund.bob, 5_000 * HKD + 1)  # a fee of 25.0000005 rounds up to 25.000001
    fund.subscribe(fund.carol, 2_000 * HKD)
    fund.send(fund.carol, fund.vault.functions.cancelDepositRequest(0, carol))
    indexer.catch_up()
    requests = _requests(engine)
    assert requests[(alice, "deposit")]["pending"] == 10_000 * HKD
    assert requests[(bob, "deposit")]["pending_fees"] == 25 * HKD + 1
    assert (requests[(carol, "deposit")]["status"], requests[(carol, "deposit")]["cancelled"]) == (
        "cancelled",
        2_000 * HKD,
    )
    (totals,) = rows(engine, "index_fund_day", "day")
    assert (totals["day"], totals["deposit_assets"], totals["deposit_fees"]) == (day, 15_000 * HKD + 1, 75 * HKD + 1)
    assert totals["settled_block"] is None
    _clean(fund, engine)

    fund.send(fund.carol, fund.vault.functions.claimCancelDepositRequest(0, carol, carol))
    fund.settle(day, nav=10 * NAV_ONE + NAV_ONE // 100)  # 10.01
    indexer.catch_up()
    requests = _requests(engine)
    assert requests[(alice, "deposit")]["claimable_shares"] == 9_940_059  # as the vault computes it
    assert (requests[(alice, "deposit")]["status"], requests[(alice, "deposit")]["pending"]) == ("claimable", 0)
    assert requests[(carol, "deposit")]["cancelled"] == 0
    (totals,) = rows(engine, "index_fund_day", "day")
    assert (totals["nav_id"], totals["nav"]) == (2, 10 * NAV_ONE + NAV_ONE // 100)
    assert totals["settled_block"] is not None
    _clean(fund, engine)

    fund.send(fund.alice, fund.vault.functions.deposit(4_000 * HKD, alice, alice))  # a part first
    fund.send(fund.alice, fund.vault.functions.deposit(6_000 * HKD, alice, alice))
    fund.send(fund.bob, fund.vault.functions.mint(300 * SHARE, bob, bob))
    redeem_day = fund.today()
    fund.redeem_request(fund.alice, 100 * SHARE)
    fund.settle(redeem_day, nav=10 * NAV_ONE + NAV_ONE // 100)
    indexer.catch_up()
    requests = _requests(engine)
    deposit, redeem = requests[(alice, "deposit")], requests[(alice, "redeem")]
    assert (deposit["status"], deposit["claimed_shares"], deposit["claimed_assets"]) == (
        "claimed",
        9_940_059,
        10_000 * HKD,
    )
    fee = (1_001 * HKD * 25 + 9_999) // 10_000
    assert (redeem["claimable_assets"], redeem["claimable_fees"], redeem["pending_fees"]) == (1_001 * HKD - fee, fee, 0)
    assert requests[(bob, "deposit")]["status"] == "claimable"  # the rest of bob's cash is still to claim
    _clean(fund, engine)

    fund.send(fund.alice, fund.vault.functions.redeem(100 * SHARE, alice, alice))
    indexer.catch_up()
    redeem = _requests(engine)[(alice, "redeem")]
    assert (redeem["status"], redeem["claimable_fees"], redeem["claimed_assets"]) == ("claimed", 0, 1_001 * HKD - fee)
    _clean(fund, engine)


def test_a_settled_days_cash_balances_exactly_with_its_dust(fund: Fund, indexer: Indexer, engine: Engine) -> None:
    """Against the chain: cash in = shares x NAV + fees + refunded + dust, and a redemption's shares x NAV =
    what it pays (fees included) + dust, exactly."""
    f, v = fund, fund.vault.functions
    f.send(f.admin, v.setTerms(terms(f.cash_account.address, f.fee_account.address, minSubscription=0)))
    f.issue(f.carol, 1_000 * SHARE)
    people = (f.alice, f.bob, f.carol)
    day = f.open_day()
    f.subscribe(f.alice, 10_000 * HKD)
    f.subscribe(f.bob, 5_000 * HKD + 1)
    f.subscribe(f.carol, 1_004)  # 998 after its fee: less than one share unit (1,001.23 at 10.0123): refunded
    f.redeem_request(f.carol, 333 * SHARE + 7)  # worth 3,334.10290861: 0.00000061 is dust
    f.settle(day, nav=10 * NAV_ONE + 123 * NAV_ONE // 10_000)
    indexer.catch_up()
    (row,) = [r for r in rows(engine, "index_fund_day", "day") if r["day"] == day]
    assets, fees, redeemed, nav = v.dealingDayTotals(day).call()
    shares = sum(v.maxMint(p.address).call() for p in people)
    refunded = sum(v.refundedDepositAssets(p.address).call() for p in people)
    paid = sum(v.maxWithdraw(p.address).call() + v.claimableRedeemFees(p.address).call() for p in people)
    scale = SHARE * 10**18  # dust is in 10**-(18 + share decimals) of a base unit

    def worth(units: int) -> Fraction:
        return Fraction(units * nav * HKD, scale)

    assert (row["deposit_shares"], row["deposit_refunded"], row["redeem_assets"]) == (shares, refunded, paid)
    assert refunded == 998 and row["deposit_dust"] > 0 and row["redeem_dust"] > 0
    assert assets == worth(shares) + fees + refunded + Fraction(row["deposit_dust"], scale)
    assert worth(redeemed) == paid + Fraction(row["redeem_dust"], scale)
    assert row["redeem_fees"] == v.claimableRedeemFees(f.carol.address).call()
    carol = _requests(engine)[(f.carol.address, "deposit")]
    assert (carol["status"], carol["cancelled"], carol["claimable_assets"]) == ("cancelled", 998, 0)
    _clean(f, engine)
    f.send(f.carol, v.claimCancelDepositRequest(0, f.carol.address, f.carol.address))
    indexer.catch_up()
    assert _requests(engine)[(f.carol.address, "deposit")]["cancelled"] == 0
    _clean(f, engine)


def test_nav_statuses_and_terms(fund: Fund, indexer: Indexer, engine: Engine) -> None:
    fund.publish(12 * NAV_ONE)  # 20 % from the baseline: held
    indexer.catch_up()
    navs = {r["nav_id"]: r for r in rows(engine, "index_fund_nav", "nav_id")}
    assert (navs[2]["status"], navs[2]["confirmed_block"]) == ("held", None)
    receipt = fund.send(fund.admin, fund.vault.functions.confirmNav(2))
    changed = terms(fund.cash_account.address, fund.fee_account.address, subscriptionFeeBps=0,
                    minSubscription=2**128 - 1)  # fmt: skip
    fund.send(fund.admin, fund.vault.functions.setTerms(changed))
    fund.send(fund.alice, fund.vault.functions.setOperator(fund.bob.address, True))
    indexer.catch_up()
    navs = {r["nav_id"]: r for r in rows(engine, "index_fund_nav", "nav_id")}
    assert (navs[2]["status"], navs[2]["confirmed_block"]) == ("confirmed", receipt["blockNumber"])
    assert navs[2]["confirmed_at"] == fund.chain.w3.eth.get_block(receipt["blockNumber"])["timestamp"]
    assert navs[2]["published_at"] >= navs[2]["valuation_time"]
    (row,) = rows(engine, "index_fund", "vault")
    assert (row["subscription_fee_bps"], row["min_subscription"]) == (0, 2**128 - 1)
    assert len(rows(engine, "index_fund_history", "vault", "block_number")) == 2
    operator = [r for r in rows(engine, "index_setting", "contract") if r["name"] == "operator"]
    assert [(r["key"], r["value"]) for r in operator] == [(f"{fund.alice.address}:{fund.bob.address}", "true")]
    _clean(fund, engine)


def test_a_reorg_rolls_back_requests_settlements_and_a_new_vault(fund: Fund, indexer: Indexer,
                                                                 engine: Engine) -> None:  # fmt: skip
    platform = fund.platform
    day = fund.today()
    fund.subscribe(fund.alice, 10_000 * HKD)
    indexer.catch_up()
    before = {name: rows(engine, name, *keys) for name, keys in (
        ("index_fund", ("vault",)), ("index_fund_nav", ("vault", "nav_id")), ("index_fund_day", ("vault", "day")),
        ("index_fund_request", ("vault", "controller", "side")))}  # fmt: skip

    snapshot = _rpc(platform, "evm_snapshot")
    fund.subscribe(fund.bob, 3_000 * HKD)
    fund.settle(day, nav=10 * NAV_ONE)
    spec = AssetSpec("Second Fund", "SECF", 2, "fund", "1000000")
    second = platform.assets.create(spec).address
    call = fund.vault_factory.functions.createVault(second, 0, NAV_ONE, terms(fund.cash_account.address,
                                                    fund.fee_account.address), fund.valuer.address,
                                                    fund.manager.address)  # fmt: skip
    fund.send(fund.admin, call)
    indexer.catch_up()
    assert len(rows(engine, "index_fund", "vault")) == 2
    assert _requests(engine)[(fund.alice.address, "deposit")]["status"] == "claimable"

    _rpc(platform, "evm_revert", snapshot)
    platform.txm.reset_nonce()
    fund.subscribe(fund.carol, 2_000 * HKD)  # other blocks at the same heights
    indexer.catch_up()
    requests = _requests(engine)
    assert (fund.bob.address, "deposit") not in requests
    assert requests[(fund.alice.address, "deposit")]["status"] == "pending"
    assert requests[(fund.carol.address, "deposit")]["pending"] == 2_000 * HKD
    assert rows(engine, "index_fund", "vault") == before["index_fund"]
    assert rows(engine, "index_fund_nav", "vault", "nav_id") == before["index_fund_nav"]
    (totals,) = rows(engine, "index_fund_day", "vault", "day")
    assert (totals["deposit_assets"], totals["nav"], totals["settled_block"]) == (12_000 * HKD, 0, None)
    kinds = [r["kind"] for r in rows(engine, "index_contract", "address")]
    assert kinds.count("fund_vault") == 1
    _clean(fund, engine)


def test_a_rebuild_gives_the_same_fund_rows(fund: Fund, indexer: Indexer, engine: Engine) -> None:
    day = fund.today()
    fund.subscribe(fund.alice, 10_000 * HKD)
    fund.settle(day, nav=10 * NAV_ONE)
    indexer.catch_up()
    names = ("index_fund_request_history", "index_fund_day_history", "index_fund_nav_history")
    first = {name: rows(engine, name, "block_number", "log_index") for name in names}
    from rwakit.indexer.store import drop

    drop(engine, fund.platform.deployment.chain_id)
    indexer.catch_up()
    assert {name: rows(engine, name, "block_number", "log_index") for name in names} == first


def test_redemptions_cancellations_and_operators_one_block_per_batch(fund: Fund, engine: Engine) -> None:
    """Every block its own batch: each event builds on rows an earlier batch stored."""
    indexer = Indexer(fund.chain.w3, engine, fund.platform.deployment, IndexerOptions(log_range=1))
    alice, bob = fund.alice.address, fund.bob.address
    day = fund.today()
    fund.subscribe(fund.alice, 100_000 * HKD)
    fund.settle(day, nav=10 * NAV_ONE)
    fund.send(fund.alice, fund.vault.functions.deposit(100_000 * HKD, alice, alice))
    fund.send(fund.alice, fund.vault.functions.setOperator(bob, True))
    day = fund.today()
    # bob, alice's operator, asks for alice's redemption with bob as controller; then cancels and re-asks
    fund.send(fund.bob, fund.vault.functions.requestRedeem(300 * SHARE, bob, alice))
    fund.send(fund.bob, fund.vault.functions.cancelRedeemRequest(0, bob))
    fund.send(fund.bob, fund.vault.functions.claimCancelRedeemRequest(0, bob, bob))
    fund.send(fund.bob, fund.vault.functions.requestRedeem(200 * SHARE, bob, bob))
    fund.send(fund.alice, fund.vault.functions.requestRedeem(11 * SHARE, alice, alice))
    indexer.catch_up()
    requests = _requests(engine)
    assert (requests[(bob, "redeem")]["pending"], requests[(bob, "redeem")]["cancelled"]) == (200 * SHARE, 0)
    _clean(fund, engine)
    fund.settle(day, nav=10 * NAV_ONE + 3)  # a NAV whose cash rounds down
    fund.send(fund.bob, fund.vault.functions.withdraw(777 * HKD + 1, bob, bob))  # a part, by cash
    fund.send(fund.alice, fund.vault.functions.redeem(11 * SHARE, alice, alice))
    indexer.catch_up()
    requests = _requests(engine)
    assert requests[(bob, "redeem")]["status"] == "claimable"
    assert requests[(bob, "redeem")]["claimed_assets"] == 777 * HKD + 1
    assert requests[(alice, "redeem")]["status"] == "claimed"
    _, second = rows(engine, "index_fund_day", "day")
    assert (second["redeem_shares"], second["nav"]) == (211 * SHARE, 10 * NAV_ONE + 3)
    _clean(fund, engine)
    indexer.close()


def _event(name: str, *args: Any, contract: str = "0x" + "11" * 20) -> Event:
    return Event(name, contract, 1, "0x" + "00" * 32, "0x" + "22" * 32, 0, args)


def test_events_of_a_vault_the_index_never_saw_are_refused() -> None:
    """A vault event before its FundVaultCreated means the index missed something: refused, not guessed."""
    funds = FundProjection(1, timestamps={1: 1_000})
    wallet = "0x" + "33" * 20
    for event in (_event("DepositRequest", wallet, wallet, wallet, 1), _event("DealingDaySettled", 1, 1, 1, 0, 0, 0),
                  _event("NavConfirmed", 7, wallet)):  # fmt: skip
        with pytest.raises(FundIndexInconsistent):
            funds.apply(event)
    with pytest.raises(FundIndexInconsistent, match="without its TermsSet"):
        funds.apply(_event("FundVaultCreated", wallet, "0x" + "44" * 20, wallet, 0))


def test_a_claim_beyond_the_claimable_is_refused() -> None:
    funds = FundProjection(1, timestamps={1: 1_000})
    wallet = "0x" + "33" * 20
    with pytest.raises(FundIndexInconsistent, match="missed an event"):
        funds.apply(_event("Deposit", wallet, wallet, 1, 1))
    with pytest.raises(FundIndexInconsistent, match="missed an event"):
        funds.apply(_event("CancelRedeemClaim", wallet, wallet, 2**255))
