"""/funds/{fund}/...: a fund's vault, terms, NAVs and dealing days by its staff, and its investors'
subscriptions, redemptions, cancellations and claims from their custodial wallets; roles and wallets
checked, refusals with the funds' codes, every request once per idempotency key."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from rwakit.api import create_app
from rwakit.api.services.keyed_steps import StepFaults
from rwakit.chain.connection import Chain
from rwakit.config import Settings
from rwakit.contracts import load_artifact
from rwakit.custody.handover import hand_roles_to
from rwakit.custody.safe import SafeSpec, deploy_safe
from rwakit.db.journal import TxLog
from rwakit.db.settlement import SettlementRequest
from rwakit.funds.models import DAY, day_date
from rwakit.funds.services import Funds
from rwakit.platform import Platform
from rwakit.settlement.services import Settlement
from rwakit.tokenize import AssetSpec
from tests.api.conftest import Api, TestClient, clear_tables, ok, refused
from tests.conftest import advance_time, investor

HKD = 10**6
SUB, RED = "/funds/HMMF/subscriptions", "/funds/HMMF/redemptions"


def keyed(key: str | None = None) -> dict[str, str]:
    return {"Idempotency-Key": key or secrets.token_hex(8)}


def vault_body(wallets: list[str], **changes: Any) -> dict[str, Any]:
    """Cash account wallets[5] (a key the platform holds: it approves the vault), fees to wallets[6]."""
    return {"initial_nav": "10", "cash_account": wallets[5], "fee_account": wallets[6], "subscription_fee_bps": 50,
            "redemption_fee_bps": 25, "min_subscription": "1000", **changes}  # fmt: skip


@pytest.fixture
def seeded(api: Api, wallets: list[str], api_platform: Platform) -> Api:
    """HMMF, a fund with 4 decimals; HK-0001 (custodial wallet 0) and SG-0001 (wallet 2) hold HKD 100,000,
    and so does the cash account (wallet 5)."""
    api.create_asset("HMMF", "100000000", 4, kind="fund")
    api.register("HK-0001", wallets[0])
    api.register("SG-0001", wallets[2], country="SG")
    for wallet in (wallets[0], wallets[2]):
        ok(api.registrar.post("/custodial-wallets", json={"address": wallet}), 201)
    cash = Settlement.open(api_platform).cash
    for wallet in (wallets[0], wallets[2], wallets[5]):
        cash.mint(wallet, "100000")
    return api


@pytest.fixture
def opened(seeded: Api, wallets: list[str]) -> Api:
    ok(seeded.admin.post("/funds/HMMF/vault", json=vault_body(wallets), headers=keyed()), 201)
    return seeded


def requests(api: Api) -> list[SettlementRequest]:
    with Session(api.engine) as session:
        return list(session.exec(select(SettlementRequest).order_by(SettlementRequest.id)).all())  # type: ignore[arg-type]


def fund_txs(api: Api) -> list[TxLog]:
    with Session(api.engine) as session:
        return list(session.exec(select(TxLog).where(TxLog.ref.startswith("fund:"))).all())  # type: ignore[union-attr]


def past_cutoff(platform: Platform) -> str:
    """Mine a block just after the open dealing day's cut-off; that day's date."""
    fund = Funds.open(platform).vaults.get("HMMF")
    closes = fund.open_day * DAY + fund.cutoff
    advance_time(platform.chain, closes - int(platform.chain.w3.eth.get_block("latest")["timestamp"]) + 1)
    return day_date(fund.open_day).isoformat()


def deal(api: Api, platform: Platform, nav: str = "10") -> dict[str, Any]:
    """Close the open dealing day, publish `nav` after its cut-off and settle the day, as the issuer."""
    day = past_cutoff(platform)
    ok(api.issuer.post("/funds/HMMF/navs", json={"nav": nav}, headers=keyed()), 201)
    settled: dict[str, Any] = ok(api.issuer.post(f"/funds/HMMF/dealing-days/{day}/settle", headers=keyed()))
    return settled


# -- the fund's staff -------------------------------------------------------------------------------


def test_the_admin_opens_a_vault_once_and_nobody_else(seeded: Api, wallets: list[str], api_platform: Platform) -> None:
    api, body = seeded, vault_body(wallets)
    for caller in (api.issuer, api.investor("HK-0001")):
        refused(caller.post("/funds/HMMF/vault", json=body, headers=keyed()), 403, "forbidden")
    first = api.admin.post("/funds/HMMF/vault", json=body, headers=keyed("open-hmmf"))
    vault = ok(first, 201)
    assert (vault["fund"], vault["currency"], vault["cutoff"], vault["latest_nav"]["nav"]) == (
        "HMMF", "HKD", "09:00 UTC", "10")  # fmt: skip
    assert vault["terms"]["min_subscription"] == "1000" and vault["nav_usable"]
    token = api_platform.assets.token("HMMF")
    assert token.functions.hasRole(token.functions.ISSUER_ROLE().call(), vault["vault"]).call()
    coin = Settlement.open(api_platform).cash
    assert coin.token.functions.allowance(wallets[5], vault["vault"]).call() == 2**256 - 1
    again = api.admin.post("/funds/HMMF/vault", json=body, headers=keyed("open-hmmf"))
    assert ok(again, 201) == vault and again.headers["Idempotent-Replayed"] == "true"
    refused(api.admin.post("/funds/HMMF/vault", json={**body, "initial_nav": "11"}, headers=keyed("open-hmmf")), 422,
            "idempotency_key_reused")  # fmt: skip
    refused(api.admin.post("/funds/HMMF/vault", json=body, headers=keyed()), 409, "vault_exists")
    api.create_asset("HVT", "1000", 0)
    refused(api.admin.post("/funds/HVT/vault", json=body, headers=keyed()), 422, "not_a_fund")
    refused(api.admin.post("/funds/NOPE/vault", json=body, headers=keyed()), 404, "asset_not_found")
    assert len(fund_txs(api)) == 3  # the creation, the role, the cash approval: once
    assert [r.operation for r in requests(api)] == ["fund_open_vault"]


def test_an_opening_cut_short_after_the_creation_is_completed_by_opening_again(
    seeded: Api, wallets: list[str], api_platform: Platform
) -> None:
    api, token = seeded, api_platform.assets.token("HMMF")
    funds = Funds.open(api_platform)
    order = funds.vaults.opening(api_platform.chain.operator.address, "HMMF", funds.vaults.terms(
        cash_account=wallets[5], fee_account=wallets[6]), initial_nav="10")  # fmt: skip
    funds.vaults.send(api_platform.chain.operator, order)  # as if the process died before the grant
    vault = funds.vaults.get("HMMF").vault
    assert not token.functions.hasRole(token.functions.ISSUER_ROLE().call(), vault).call()
    ok(api.admin.post("/funds/HMMF/vault", json=vault_body(wallets), headers=keyed()), 201)
    assert token.functions.hasRole(token.functions.ISSUER_ROLE().call(), vault).call()
    refused(api.admin.post("/funds/HMMF/vault", json=vault_body(wallets), headers=keyed()), 409, "vault_exists")


def test_terms_are_the_admins(opened: Api, wallets: list[str]) -> None:
    api = opened
    body = {"cash_account": wallets[5], "fee_account": "SG-0001", "subscription_fee_bps": 0, "min_subscription": "5",
            "min_redemption": "0.5"}  # fmt: skip
    for caller in (api.issuer, api.investor("HK-0001")):
        refused(caller.post("/funds/HMMF/terms", json=body, headers=keyed()), 403, "forbidden")
    changed = ok(api.admin.post("/funds/HMMF/terms", json=body, headers=keyed("terms-1")))
    assert changed["terms"]["fee_account"] == wallets[2] and changed["terms"]["min_redemption"] == "0.5"
    replay = api.admin.post("/funds/HMMF/terms", json=body, headers=keyed("terms-1"))
    assert ok(replay) == changed and replay.headers["Idempotent-Replayed"] == "true"
    refused(api.admin.post("/funds/HMMF/terms", json={**body, "min_redemption": "0.00001"}, headers=keyed()), 422,
            "too_many_decimals")  # fmt: skip
    refused(api.admin.post("/funds/HMMF/terms", json={**body, "cash_account": "NOBODY"}, headers=keyed()), 404,
            "investor_not_found")  # fmt: skip
    refused(api.admin.post("/funds/XYZ/terms", json=body, headers=keyed()), 404, "asset_not_found")
    api.create_asset("PRMF", "1000", 2, kind="fund")
    refused(api.admin.post("/funds/PRMF/terms", json=body, headers=keyed()), 404, "no_vault")


def test_the_issuer_publishes_navs_the_admin_confirms_a_held_one_and_the_issuer_settles(
    opened: Api, api_platform: Platform
) -> None:
    api = opened
    for caller in (api.registrar, api.investor("HK-0001")):
        refused(caller.post("/funds/HMMF/navs", json={"nav": "10.01"}, headers=keyed()), 403, "forbidden")
    nav = ok(api.issuer.post("/funds/HMMF/navs", json={"nav": "10.01"}, headers=keyed("nav-2")), 201)
    assert (nav["id"], nav["nav"], nav["status"]) == (2, "10.01", "accepted")
    replay = api.issuer.post("/funds/HMMF/navs", json={"nav": "10.01"}, headers=keyed("nav-2"))
    assert ok(replay, 201) == nav and replay.headers["Idempotent-Replayed"] == "true"
    assert len(Funds.open(api_platform).vaults.navs("HMMF")) == 2  # published once
    day = past_cutoff(api_platform)
    refused(api.issuer.post(f"/funds/HMMF/dealing-days/{day}/settle", headers=keyed()), 409, "nav_before_cutoff")
    held = ok(api.issuer.post("/funds/HMMF/navs", json={"nav": "12"}, headers=keyed()), 201)
    assert held["status"] == "held"
    refused(api.issuer.post(f"/funds/HMMF/dealing-days/{day}/settle", headers=keyed()), 409, "nav_held")
    refused(api.issuer.post(f"/funds/HMMF/navs/{held['id']}/confirm", headers=keyed()), 403, "forbidden")
    refused(api.admin.post("/funds/HMMF/navs/2/confirm", headers=keyed()), 409, "nav_not_found")  # not the latest
    refused(api.admin.post("/funds/HMMF/navs/9/confirm", headers=keyed()), 404, "nav_not_found")
    confirmed = ok(api.admin.post(f"/funds/HMMF/navs/{held['id']}/confirm", headers=keyed("confirm-3")))
    assert confirmed["status"] == "confirmed"
    assert ok(api.admin.post(f"/funds/HMMF/navs/{held['id']}/confirm", headers=keyed("confirm-3"))) == confirmed
    refused(api.investor("HK-0001").post(f"/funds/HMMF/dealing-days/{day}/settle", headers=keyed()), 403, "forbidden")
    settled = ok(api.issuer.post(f"/funds/HMMF/dealing-days/{day}/settle", headers=keyed("settle-day")))
    assert (settled["day"], settled["nav"], settled["subscription_cash"]) == (day, "12", "0")
    replay = api.issuer.post(f"/funds/HMMF/dealing-days/{day}/settle", headers=keyed("settle-day"))
    assert ok(replay) == settled and replay.headers["Idempotent-Replayed"] == "true"
    refused(api.issuer.post(f"/funds/HMMF/dealing-days/{day}/settle", headers=keyed()), 409, "dealing_day_settled")
    open_day = Funds.open(api_platform).vaults.get("HMMF").open_day
    refused(api.issuer.post(f"/funds/HMMF/dealing-days/{open_day}/settle", headers=keyed()), 409, "dealing_day_open")


# -- investors --------------------------------------------------------------------------------------


def test_an_investor_subscribes_claims_redeems_and_is_paid_once_each(
    opened: Api, wallets: list[str], api_platform: Platform
) -> None:
    api, hk, cash = opened, opened.investor("HK-0001"), Settlement.open(api_platform).cash
    sub = {"wallet": wallets[0], "amount": "10000"}
    first = ok(hk.post(SUB, json=sub, headers=keyed("sub-1")))
    assert (first["action"], first["cash"], first["position"]["pending_subscription"]) == (
        "subscription request", "10000", "10000")  # fmt: skip
    replay = hk.post(SUB, json=sub, headers=keyed("sub-1"))
    assert ok(replay) == first and replay.headers["Idempotent-Replayed"] == "true"
    assert cash.balance(wallets[0]) == 90_000 * HKD  # taken once
    refused(hk.post(SUB, json={**sub, "amount": "1"}, headers=keyed("sub-1")), 422, "idempotency_key_reused")
    day = deal(api, api_platform)
    claim = {"wallet": wallets[0]}
    claimed = ok(hk.post("/funds/HMMF/subscriptions/claim", json=claim, headers=keyed("claim-sub")))
    assert (claimed["action"], claimed["shares"]) == ("subscription", "995")  # 10,000 less 0.5 % at 10
    assert ok(hk.post("/funds/HMMF/subscriptions/claim", json=claim, headers=keyed("claim-sub"))) == claimed
    assert api_platform.assets.token("HMMF").functions.balanceOf(wallets[0]).call() == 995 * 10**4
    refused(hk.post("/funds/HMMF/subscriptions/claim", json=claim, headers=keyed()), 409, "nothing_to_claim")
    red = {"wallet": wallets[0], "shares": "400"}
    requested = ok(hk.post(RED, json=red, headers=keyed("red-1")))
    assert requested["position"]["pending_redemption"] == "400" and requested["position"]["shares"] == "595"
    assert ok(hk.post(RED, json=red, headers=keyed("red-1")))["position"]["shares"] == "595"  # burnt once
    assert deal(api, api_platform)["redemption_shares"] == "400" and day["subscription_cash"] == "10000"
    # the cash account cannot pay: the claim is refused and stays claimable
    ok(api.admin.post("/funds/HMMF/terms", json={"cash_account": wallets[7], "fee_account": wallets[6]},
                      headers=keyed()))  # fmt: skip
    refused(hk.post("/funds/HMMF/redemptions/claim", json=claim, headers=keyed("pay")), 409, "cash_short")
    terms = {k: v for k, v in vault_body(wallets).items() if k != "initial_nav"}
    ok(api.admin.post("/funds/HMMF/terms", json=terms, headers=keyed()))
    paid = ok(hk.post("/funds/HMMF/redemptions/claim", json=claim, headers=keyed("pay")))  # the key was freed
    assert (paid["action"], paid["cash"]) == ("redemption", "3990")  # 4,000 less 0.25 %
    assert ok(hk.post("/funds/HMMF/redemptions/claim", json=claim, headers=keyed("pay"))) == paid
    assert cash.balance(wallets[0]) == (90_000 + 3_990) * HKD


def test_cancellations_and_their_claims(opened: Api, wallets: list[str], api_platform: Platform) -> None:
    api, hk, cash = opened, opened.investor("HK-0001"), Settlement.open(api_platform).cash
    me = {"wallet": wallets[0]}
    refused(hk.post("/funds/HMMF/subscriptions/cancel", json=me, headers=keyed()), 409, "nothing_pending")
    ok(hk.post(SUB, json={"wallet": wallets[0], "amount": "2000"}, headers=keyed()))
    cancelled = ok(hk.post("/funds/HMMF/subscriptions/cancel", json=me, headers=keyed("cancel")))
    assert cancelled["position"]["cancelled_subscription"] == "2000"
    assert ok(hk.post("/funds/HMMF/subscriptions/cancel", json=me, headers=keyed("cancel"))) == cancelled
    back = ok(hk.post("/funds/HMMF/subscriptions/cancelled/claim", json=me, headers=keyed("back")))
    assert (back["action"], back["cash"]) == ("cancelled subscription", "2000")
    assert ok(hk.post("/funds/HMMF/subscriptions/cancelled/claim", json=me, headers=keyed("back"))) == back
    assert cash.balance(wallets[0]) == 100_000 * HKD
    refused(hk.post("/funds/HMMF/subscriptions/cancelled/claim", json=me, headers=keyed()), 409, "nothing_to_claim")
    # after the cut-off a request deals: no cancelling, and no second request on a later day until it is settled
    ok(hk.post(SUB, json={"wallet": wallets[0], "amount": "2000"}, headers=keyed()))
    past_cutoff(api_platform)
    refused(hk.post("/funds/HMMF/subscriptions/cancel", json=me, headers=keyed()), 409, "cutoff_passed")
    refused(hk.post(SUB, json={"wallet": wallets[0], "amount": "2000"}, headers=keyed()), 409, "request_pending")
    refused(hk.post("/funds/HMMF/redemptions/cancel", json=me, headers=keyed()), 409, "nothing_pending")
    refused(hk.post("/funds/HMMF/redemptions/cancelled/claim", json=me, headers=keyed()), 409, "nothing_to_claim")
    done = ["fund_subscribe", "fund_cancel_subscription", "fund_claim_cancelled_subscription", "fund_subscribe"]
    assert [r.operation for r in requests(api)][1:] == done


def test_investors_act_for_their_own_wallets_only(opened: Api, wallets: list[str], api_platform: Platform) -> None:
    api, sg = opened, opened.investor("SG-0001")
    mine, theirs = {"wallet": wallets[2]}, {"wallet": wallets[0]}
    calls = [(SUB, {"amount": "1000"}), (RED, {"shares": "1"}), ("/funds/HMMF/subscriptions/cancel", {}),
             ("/funds/HMMF/redemptions/cancelled/claim", {}), ("/funds/HMMF/subscriptions/claim", {}),
             ("/funds/HMMF/redemptions/claim", {"amount": "1"})]  # fmt: skip
    for url, extra in calls:
        refused(sg.post(url, json=theirs | extra, headers=keyed()), 403, "forbidden_wallet")
        for staff in (api.issuer, api.registrar, api.compliance):
            refused(staff.post(url, json=theirs | extra, headers=keyed()), 403, "forbidden")
    refused(sg.post(SUB, json={"wallet": wallets[3], "amount": "1000"}, headers=keyed()), 403, "forbidden_wallet")
    assert requests(api)[1:] == [] and len(fund_txs(api)) == 3  # nothing sent
    refused(sg.post(SUB, json=mine | {"amount": "999"}, headers=keyed()), 409, "below_minimum")
    refused(sg.post(SUB, json=mine | {"amount": "100001"}, headers=keyed()), 422, "insufficient_cash")
    refused(sg.post(RED, json=mine | {"shares": "1"}, headers=keyed()), 409, "shares_unavailable")
    # the admin may act for an investor's custodial wallet, as for trades
    done = ok(api.admin.post(SUB, json=theirs | {"amount": "1000"}, headers=keyed("admin-sub")))
    assert done["position"]["wallet"] == wallets[0]
    # a key belongs to whom used it: an investor sending the admin's key and body gets no replay of its answer
    replayed = refused(sg.post(SUB, json=theirs | {"amount": "1000"}, headers=keyed("admin-sub")), 422,
                       "idempotency_key_reused")  # fmt: skip
    assert done["tx_hash"] not in str(replayed) and "settlement_id" not in replayed
    assert api.admin.post(SUB, json=theirs | {"amount": "1000"}, headers=keyed("admin-sub")).headers[
        "Idempotent-Replayed"] == "true"
    refused(api.admin.post("/funds/NOPE/subscriptions", json=mine | {"amount": "1000"}, headers=keyed()), 404,
            "asset_not_found")  # fmt: skip


def test_hostile_bodies_are_refused_before_anything_is_sent(opened: Api, wallets: list[str]) -> None:
    api, hk, me = opened, opened.investor("HK-0001"), {"wallet": wallets[0]}
    for amount, code in (("1" * 60, "amount_too_large"), ("-5", "invalid_amount"), ("1.0000001", "too_many_decimals"),
                         ("1e3", "invalid_amount"), (1000, "invalid_request"), (True, "invalid_request"),
                         (None, "invalid_request"), ("0", "invalid_amount"),
                         ("9" * 59, "invalid_amount")):  # fmt: skip
        refused(hk.post(SUB, json=me | {"amount": amount}, headers=keyed()), 422, code)
    for shares, code in (("0", "invalid_amount"), ("1.00001", "too_many_decimals"), ("9" * 59, "amount_too_large"),
                         (5, "invalid_request"), ("", "invalid_amount")):  # fmt: skip
        refused(hk.post(RED, json=me | {"shares": shares}, headers=keyed()), 422, code)
    refused(hk.post(SUB, json={"wallet": "0x1234", "amount": "1000"}, headers=keyed()), 422, "invalid_address")
    refused(hk.post(SUB, json=me | {"amount": "1000", "to": wallets[2]}, headers=keyed()), 422, "invalid_request")
    refused(hk.post("/funds/HMMF/redemptions/claim", json=me | {"amount": "0"}, headers=keyed()), 422,
            "invalid_amount")  # fmt: skip
    refused(hk.post("/funds/HMMF/both/claim", json=me, headers=keyed()), 422, "invalid_request")
    for nav, code in (("0", "invalid_nav"), ("-1", "invalid_nav"), ("1e3", "invalid_nav"),
                      ("1." + "1" * 19, "invalid_nav"), ("9" * 25, "invalid_nav"), (10, "invalid_request"),
                      ([], "invalid_request")):  # fmt: skip
        refused(api.issuer.post("/funds/HMMF/navs", json={"nav": nav}, headers=keyed()), 422, code)
    refused(api.issuer.post("/funds/HMMF/navs", json={"nav": "10", "valued_at": 1_700_000_000}, headers=keyed()), 422,
            "invalid_time")  # fmt: skip
    future = {"nav": "10", "valued_at": "2999-01-01"}  # the vault refuses a time it has not reached
    refused(api.issuer.post("/funds/HMMF/navs", json=future, headers=keyed()), 409, "invalid_nav")
    terms = {"cash_account": wallets[5], "fee_account": wallets[6]}
    for change in ({"subscription_fee_bps": 1001}, {"redemption_fee_bps": -1}, {"subscription_fee_bps": True},
                   {"max_nav_age_seconds": 0}, {"max_nav_age_seconds": 2**200}, {"max_nav_deviation_bps": 10_001},
                   {"subscription_fee_bps": "5"}, {"min_subscription": 5}):  # fmt: skip
        refused(api.admin.post("/funds/HMMF/terms", json=terms | change, headers=keyed()), 422, "invalid_request")
    for change, code in (({"cutoff": "25:00"}, "invalid_cutoff"), ({"zone": "Hong Kong"}, "invalid_time_zone"),
                         ({"initial_nav": "1.5.5"}, "invalid_nav")):  # fmt: skip
        refused(api.admin.post("/funds/HMMF/vault", json=vault_body(wallets) | change, headers=keyed()), 422, code)
    for day in ("2026-13-45", "tomorrow", "1234567"):
        response = api.issuer.post(f"/funds/HMMF/dealing-days/{day}/settle", headers=keyed())
        assert response.status_code == 422, response.text
    refused(api.admin.post("/funds/HMMF/navs/0/confirm", headers=keyed()), 422, "invalid_request")
    refused(api.admin.post(f"/funds/HMMF/navs/{2**70}/confirm", headers=keyed()), 422, "invalid_request")
    assert [r.operation for r in requests(api)] == ["fund_open_vault"] and len(fund_txs(api)) == 3


def test_every_fund_post_needs_an_idempotency_key(opened: Api, wallets: list[str]) -> None:
    api, hk, me = opened, opened.investor("HK-0001"), {"wallet": wallets[0]}
    calls = [(api.admin, "/funds/HMMF/vault", vault_body(wallets)),
             (api.admin, "/funds/HMMF/terms", {"cash_account": wallets[5], "fee_account": wallets[6]}),
             (api.issuer, "/funds/HMMF/navs", {"nav": "10"}), (api.admin, "/funds/HMMF/navs/1/confirm", None),
             (api.issuer, "/funds/HMMF/dealing-days/2026-12-07/settle", None),
             (hk, SUB, me | {"amount": "1000"}), (hk, RED, me | {"shares": "1"}),
             (hk, "/funds/HMMF/subscriptions/cancel", me), (hk, "/funds/HMMF/redemptions/cancelled/claim", me),
             (hk, "/funds/HMMF/subscriptions/claim", me)]  # fmt: skip
    for client, url, body in calls:
        refused(client.post(url, json=body), 422, "idempotency_key_required")
        refused(client.post(url, json=body, headers=keyed("x" * 256)), 422, "invalid_idempotency_key")
    assert [r.operation for r in requests(api)] == ["fund_open_vault"]
    paths = ok(api.anonymous.get("/openapi.json"))["paths"]
    fund_posts = [p for p, ops in paths.items() if p.startswith("/funds/") and "post" in ops]
    assert len(fund_posts) == 10
    for path in fund_posts:
        (header,) = [p for p in paths[path]["post"]["parameters"] if p["in"] == "header"]
        assert header["name"] == "Idempotency-Key" and header["required"] is True, path


# -- interruptions --------------------------------------------------------------------------------


@pytest.fixture
def short_lease(api: Api) -> Iterator[None]:
    settings = api.client.app.state.runtime.settings  # type: ignore[attr-defined]
    before, settings.issuance_lease_seconds = settings.issuance_lease_seconds, 0.001
    yield
    settings.issuance_lease_seconds = before


@pytest.fixture
def crash(api: Api) -> Iterator[Callable[[StepFaults | None], None]]:
    runtime = api.client.app.state.runtime  # type: ignore[attr-defined]

    def at(faults: StepFaults | None) -> None:
        runtime.faults = faults

    yield at
    runtime.faults = None


def test_a_subscription_that_crashed_after_sending_is_settled_from_the_journal(
    opened: Api, wallets: list[str], api_platform: Platform, short_lease: None,
    crash: Callable[[StepFaults | None], None],
) -> None:  # fmt: skip
    api, hk, cash = opened, opened.investor("HK-0001"), Settlement.open(api_platform).cash

    def died(_ref: str) -> None:
        raise RuntimeError("the process died after the subscription was mined, before it was saved")

    crash(StepFaults(before_save=died))
    body = {"wallet": wallets[0], "amount": "1500"}
    with pytest.raises(RuntimeError):
        hk.post(SUB, json=body, headers=keyed("crashed"))
    crash(None)
    row = requests(api)[-1]
    assert row.status == "pending" and cash.balance(wallets[0]) == 98_500 * HKD
    assert {t.ref for t in fund_txs(api)} >= {f"fund:{row.api_key_prefix}/{row.id}/0",
                                              f"fund:{row.api_key_prefix}/{row.id}/0/approve"}  # fmt: skip
    retry = hk.post(SUB, json=body, headers=keyed("crashed"))  # the lease has passed: reconciled
    assert ok(retry)["position"]["pending_subscription"] == "1500" and retry.headers["Idempotent-Replayed"] == "true"
    assert cash.balance(wallets[0]) == 98_500 * HKD and requests(api)[-1].status == "completed"


def test_a_nav_publication_that_crashed_is_settled_at_startup_and_one_not_sent_frees_its_key(
    opened: Api, api_platform: Platform, short_lease: None, crash: Callable[[StepFaults | None], None]
) -> None:
    api = opened

    def mined(_ref: str) -> None:
        raise RuntimeError("the process died after the NAV was mined")

    def early(_ref: str) -> None:
        raise RuntimeError("the process died before signing")

    crash(StepFaults(before_save=mined))
    with pytest.raises(RuntimeError):
        api.issuer.post("/funds/HMMF/navs", json={"nav": "10.2"}, headers=keyed("nav-crash"))
    crash(StepFaults(before_send=early))
    with pytest.raises(RuntimeError):
        api.issuer.post("/funds/HMMF/navs", json={"nav": "10.3"}, headers=keyed("nav-early"))
    crash(None)
    assert [r.status for r in requests(api)][1:] == ["pending", "pending"]
    with TestClient(api.client.app):  # a restart: the lifespan reconciles what was left pending
        pass
    assert [r.status for r in requests(api)][1:] == ["completed"]
    replay = api.issuer.post("/funds/HMMF/navs", json={"nav": "10.2"}, headers=keyed("nav-crash"))
    assert ok(replay, 201)["id"] == 2 and replay.headers["Idempotent-Replayed"] == "true"
    assert ok(api.issuer.post("/funds/HMMF/navs", json={"nav": "10.3"}, headers=keyed("nav-early")), 201)["id"] == 3
    assert len(Funds.open(api_platform).vaults.navs("HMMF")) == 3


def test_a_redemption_whose_receipt_was_lost_is_in_doubt_until_the_chain_answers_and_burns_once(
    opened: Api, wallets: list[str], api_platform: Platform
) -> None:
    api, hk = opened, opened.investor("HK-0001")
    ok(hk.post(SUB, json={"wallet": wallets[0], "amount": "10000"}, headers=keyed()))
    deal(api, api_platform)
    ok(hk.post("/funds/HMMF/subscriptions/claim", json={"wallet": wallets[0]}, headers=keyed()))
    token, w3, txm = api_platform.assets.token("HMMF"), api_platform.chain.w3, api_platform.txm
    body = {"wallet": wallets[0], "shares": "100"}
    timeout, txm._timeout = txm._timeout, 0.3
    w3.provider.make_request("evm_setAutomine", [False])  # type: ignore[arg-type]
    try:
        refused(hk.post(RED, json=body, headers=keyed("lost")), 504, "tx_pending")
        assert requests(api)[-1].status == "in_doubt"
        doubt = refused(hk.post(RED, json=body, headers=keyed("lost")), 409, "settlement_in_doubt")
        assert doubt["settlement_id"] == requests(api)[-1].id and len(doubt["tx_hashes"]) == 1
        refused(hk.post(RED, json=body | {"shares": "101"}, headers=keyed("lost")), 422, "idempotency_key_reused")
        w3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]
    finally:
        w3.provider.make_request("evm_setAutomine", [True])  # type: ignore[arg-type]
        txm._timeout = timeout
    settled = hk.post(RED, json=body, headers=keyed("lost"))
    assert ok(settled)["tx_hash"] == doubt["tx_hashes"][0] and settled.headers["Idempotent-Replayed"] == "true"
    assert ok(settled)["position"]["pending_redemption"] == "100"
    assert token.functions.balanceOf(wallets[0]).call() == 895 * 10**4  # burnt once
    assert requests(api)[-1].status == "completed"


# -- a Safe holds the platform's roles ------------------------------------------------------------


@pytest.fixture
def safe_fund_api(chain: Chain, platform: Platform, api_settings: Settings, db_engine: Engine) -> Iterator[Api]:
    """HMMF's vault opened by the operator, whose roles (the vault's admin and valuer included) then go to a
    2-of-2 Safe; HK-0001 (custodial wallet 1) holds HKD 100,000."""
    platform.registry.register(investor(chain, "HK-0001", chain.signers[1]))
    platform.assets.create(AssetSpec("Harbour Money Market Fund", "HMMF", 4, "fund", "100000000"))
    funds, operator = Funds.open(platform), chain.operator
    terms = funds.vaults.terms(cash_account=chain.signers[5].address, fee_account=chain.signers[6].address)
    funds.vaults.open(operator, "HMMF", terms, initial_nav="10")
    funds.cash.mint(chain.signers[1].address, "100000")
    safe = deploy_safe(chain, platform.txm, SafeSpec((chain.signers[7].address, chain.signers[8].address), 2))
    vault = load_artifact("FundVault").at(chain.w3, funds.vaults.get("HMMF").vault)
    for role in (vault.functions.DEFAULT_ADMIN_ROLE().call(), vault.functions.VALUER_ROLE().call()):
        platform.txm.transact(operator, vault.functions.grantRole(role, safe.address), label="grant a vault role")
    hand_roles_to(platform, safe.address, operator)
    held = Platform.open(chain, platform.deployment.held_by(safe.address))
    app: FastAPI = create_app(api_settings, platform=held, engine=db_engine)
    with TestClient(app) as client:
        api = Api(client=client, engine=db_engine, platform=held)
        ok(api.registrar.post("/custodial-wallets", json={"address": chain.signers[1].address}), 201)
        yield api
    clear_tables(db_engine)


def test_under_a_safe_the_staffs_requests_are_proposed_once_per_key_and_investors_still_deal(
    safe_fund_api: Api, chain: Chain
) -> None:
    api = safe_fund_api
    first = refused(api.issuer.post("/funds/HMMF/navs", json={"nav": "10.1"}, headers=keyed("nav-safe")), 202,
                    "approval_pending")  # fmt: skip
    again = refused(api.issuer.post("/funds/HMMF/navs", json={"nav": "10.1"}, headers=keyed("nav-safe")), 202,
                    "approval_pending")  # fmt: skip
    assert again["proposal_id"] == first["proposal_id"] and first["status"] == "pending"
    assert len(Funds.open(api.platform).vaults.navs("HMMF")) == 1 and requests(api) == []  # nothing sent
    body = {"wallet": chain.signers[1].address, "amount": "5000"}
    assert ok(api.investor("HK-0001").post(SUB, json=body, headers=keyed()))["cash"] == "5000"  # custody signs
