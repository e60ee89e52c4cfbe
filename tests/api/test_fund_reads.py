"""GET /funds...: funds' dealing read from the index (SQLite and PostgreSQL), with every role's key and
hostile parameters. The dealing itself is sent to the vault directly (tests/contracts/fund.py): these
routes only read, so each read names the head as `min_block` to wait for the index to reach it."""

from __future__ import annotations

from typing import Any

import pytest

from rwakit.indexer.queries import MAX_PAGE
from rwakit.tokenize import AssetSpec
from tests.api.conftest import Api, Caller, ok, refused
from tests.conftest import advance_time
from tests.contracts.fund import HKD, NAV_ONE, SHARE, Fund, fund

__all__ = ["fund"]

STAFF = ("admin", "issuer", "registrar", "compliance")


def get(api: Api, caller: Caller, url: str, status: int = 200, **params: Any) -> Any:
    head = api.platform.chain.w3.eth.block_number
    return ok(caller.get(url, params={"min_block": head, **params}), status)


def _callers(api: Api) -> list[Caller]:
    return [api.as_(role) for role in STAFF] + [api.investor("ALICE")]


def test_every_key_lists_the_funds_with_their_latest_nav(api: Api, fund: Fund) -> None:
    for caller in _callers(api):
        body = get(api, caller, "/funds")
        (listed,) = body["funds"]
        assert (listed["symbol"], listed["asset"], listed["vault"]) == ("HMMF", fund.token.address, fund.vault.address)
        assert (listed["share_decimals"], listed["currency_decimals"], listed["cutoff"]) == (4, 6, 9 * 3600)
        assert (listed["latest_nav"]["nav"], listed["latest_nav"]["status"]) == ("10", "accepted")
    refused(api.anonymous.get("/funds"), 401, "unauthorized")


def test_a_fund_with_its_terms_and_usable_nav(api: Api, fund: Fund) -> None:
    for ref, caller in zip(("HMMF", "hmmf", fund.token.address, fund.token.address.lower(), "HMMF"), _callers(api),
                           strict=True):  # fmt: skip
        body = get(api, caller, f"/funds/{ref}")
        assert body["vault"] == fund.vault.address and body["admin"] == fund.admin.address
        assert body["usable"] is True and body["as_of_block"] == api.platform.chain.w3.eth.block_number
    terms = body["terms"]
    assert (terms["min_subscription"], terms["min_redemption"]) == ("1000", "10")
    assert (terms["subscription_fee_bps"], terms["redemption_fee_bps"], terms["max_nav_age"]) == (50, 25, 3 * 86_400)
    fund.publish(11 * NAV_ONE)  # 10 % away: held, so the vault cannot deal until the admin confirms it
    body = get(api, api.issuer, "/funds/HMMF")
    assert (body["latest_nav"]["nav"], body["latest_nav"]["status"], body["usable"]) == ("11", "held", False)
    receipt = fund.send(fund.admin, fund.vault.functions.confirmNav(2))
    body = get(api, api.issuer, "/funds/HMMF")
    confirmed_at = api.platform.chain.w3.eth.get_block(receipt["blockNumber"])["timestamp"]
    assert body["usable"] is True and body["latest_nav"]["confirmed_at"] == confirmed_at
    advance_time(fund.chain, 3 * 86_400 + 1)  # max_nav_age after the confirmation: stale, as the vault says
    assert get(api, api.issuer, "/funds/HMMF")["usable"] is False is fund.vault.functions.navUsable().call()


def test_unknown_funds_and_bad_parameters_are_refused(api: Api, fund: Fund) -> None:
    property_asset = fund.platform.assets.create(AssetSpec("Tower", "TWR", 2, "property", "1000")).address
    get(api, api.admin, "/funds")  # the index has read the new asset
    for ref in ("NOPE", "TWR", property_asset, "0x" + "00" * 19 + "01", "X" * 300, "0xZZ", "%E2%82%AC"):
        for path in ("", "/nav", "/days", "/requests"):
            refused(api.admin.get(f"/funds/{ref}{path}"), 404, "fund_not_found")
    refused(api.admin.get("/funds/HMMF/nav", params={"limit": 0}), 422, "invalid_request")
    refused(api.admin.get("/funds/HMMF/nav", params={"limit": MAX_PAGE + 1}), 422, "invalid_request")
    refused(api.admin.get("/funds/HMMF/days", params={"offset": -1}), 422, "invalid_request")
    refused(api.admin.get("/funds/HMMF/days", params={"offset": "x"}), 422, "invalid_request")
    refused(api.admin.get("/funds/HMMF", params={"block": 2**62}), 409, "block_not_indexed")
    refused(api.admin.get("/funds", params={"block": 1, "at": "2026-01-01"}), 422, "block_and_date")
    refused(api.admin.get("/funds", params={"at": "2026-02-30"}), 422, "invalid_date")
    refused(api.admin.get("/funds/HMMF/nav", params={"at": "2000-01-01"}), 409, "date_before_index")
    today = get(api, api.investor("ALICE"), "/funds/HMMF/days", at="9999-12-31")  # a date not yet passed: the head
    assert today["as_of_block"] == api.platform.chain.w3.eth.block_number
    created = fund.platform.deployment.block_number
    refused(api.admin.get("/funds/HMMF", params={"block": created}), 404, "fund_not_found")  # before its vault
    assert get(api, api.admin, "/funds", block=created)["funds"] == []
    refused(api.anonymous.get("/funds/HMMF/nav"), 401, "unauthorized")


def test_nav_history_is_paginated_and_as_of_a_block(api: Api, fund: Fund) -> None:
    fund.publish(10 * NAV_ONE + NAV_ONE // 100)  # 10.01: accepted
    fund.publish(12 * NAV_ONE)  # held
    held_block = api.platform.chain.w3.eth.block_number
    fund.send(fund.admin, fund.vault.functions.confirmNav(3))
    for caller in _callers(api):
        navs = get(api, caller, "/funds/HMMF/nav")["navs"]
        assert [(n["nav_id"], n["nav"], n["status"]) for n in navs] == [
            (1, "10", "accepted"), (2, "10.01", "accepted"), (3, "12", "confirmed")]  # fmt: skip
    page = get(api, api.investor("ALICE"), "/funds/HMMF/nav", offset=1, limit=1)
    assert [n["nav_id"] for n in page["navs"]] == [2] and (page["offset"], page["limit"]) == (1, 1)
    assert get(api, api.admin, "/funds/HMMF/nav", offset=3)["navs"] == []
    before = get(api, api.admin, "/funds/HMMF/nav", block=held_block)
    assert before["as_of_block"] == held_block
    assert [(n["nav_id"], n["status"], n["confirmed_block"]) for n in before["navs"]][-1] == (3, "held", None)
    assert get(api, api.admin, "/funds/HMMF", block=held_block)["usable"] is False


@pytest.fixture
def dealt(api: Api, fund: Fund) -> dict[str, int]:
    """ALICE subscribed 10,000 HKD and BOB 5,000 on one day, settled at 10.01; CAROL asked to redeem and
    ALICE subscribes again (pending) the next day."""
    day = fund.today()
    fund.subscribe(fund.alice, 10_000 * HKD)
    fund.subscribe(fund.bob, 5_000 * HKD)
    settled = fund.settle(day, nav=10 * NAV_ONE + NAV_ONE // 100)
    fund.send(fund.bob, fund.vault.functions.deposit(5_000 * HKD, fund.bob.address, fund.bob.address))
    fund.subscribe(fund.alice, 2_000 * HKD)
    return {"day": day, "settled_block": int(settled["blockNumber"])}


def test_dealing_days_with_their_totals_and_nav(api: Api, fund: Fund, dealt: dict[str, int]) -> None:
    for caller in _callers(api):
        first, second = get(api, caller, "/funds/HMMF/days")["days"]
        assert (first["day"], first["settled"], first["nav"], first["nav_id"]) == (dealt["day"], True, "10.01", 2)
        assert (first["deposit_assets"], first["deposit_fees"], first["redeem_shares"]) == ("15000", "75", "0")
        assert first["settled_block"] == dealt["settled_block"]
        assert first["cutoff_time"] == dealt["day"] * 86_400 + 9 * 3600
        # 994.0059 + 497.0029 shares at 10.01 are worth 14,924.998088 of the 14,925 net: the dust is exact
        assert (first["deposit_shares"], first["deposit_refunded"], first["deposit_dust"]) == (
            "1491.0088", "0", "0.001912")  # fmt: skip
        assert (first["redeem_assets"], first["redeem_fees"], first["redeem_dust"]) == ("0", "0", "0")
        assert (second["deposit_shares"], second["deposit_dust"], second["redeem_dust"]) == (None, None, None)
        assert (second["day"], second["settled"], second["nav"], second["deposit_assets"]) == (
            dealt["day"] + 1,
            False,
            None,
            "2000",
        )
    page = get(api, api.admin, "/funds/HMMF/days", offset=1, limit=1)["days"]
    assert [d["day"] for d in page] == [dealt["day"] + 1]
    before = get(api, api.admin, "/funds/HMMF/days", block=dealt["settled_block"] - 1)["days"]
    assert [(d["day"], d["settled"]) for d in before] == [(dealt["day"], False)]


def test_requests_per_investor_with_the_holdings_role_rules(api: Api, fund: Fund, dealt: dict[str, int]) -> None:
    alice = get(api, api.investor("ALICE"), "/funds/HMMF/requests")  # an investor key: its own by default
    assert alice["investor_id"] == "ALICE"
    (request,) = alice["requests"]
    assert (request["controller"], request["investor_id"], request["side"]) == (fund.alice.address, "ALICE",
                                                                                "deposit")  # fmt: skip
    # the first day is dealt (claimable 994.0059 shares for 9,950 net), the second pending
    assert (request["status"], request["pending"], request["pending_fees"]) == ("pending", "2000", "10")
    assert (request["claimable_assets"], request["claimable_shares"]) == ("10000", "994.0059")
    assert request["day"] == dealt["day"] + 1
    assert get(api, api.investor("ALICE"), "/funds/HMMF/requests", investor_id="ALICE") == alice
    refused(api.investor("ALICE").get("/funds/HMMF/requests", params={"investor_id": "BOB"}), 403,
            "forbidden_investor")  # fmt: skip
    assert get(api, api.investor("BOB"), "/funds/HMMF/requests")["requests"] == []  # claimed: nothing open
    for role in STAFF:
        everyone = get(api, api.as_(role), "/funds/HMMF/requests")
        assert everyone["investor_id"] is None
        assert [(r["investor_id"], r["side"]) for r in everyone["requests"]] == [("ALICE", "deposit")]
        assert get(api, api.as_(role), "/funds/HMMF/requests", investor_id="ALICE")["requests"] == alice["requests"]
    refused(api.issuer.get("/funds/HMMF/requests", params={"investor_id": "NOBODY"}), 404, "investor_not_found")
    refused(api.issuer.get("/funds/HMMF/requests", params={"investor_id": "has space"}), 422, "invalid_investor_id")
    before = get(api, api.admin, "/funds/HMMF/requests", block=dealt["settled_block"] - 1)["requests"]
    assert sorted((r["investor_id"], r["status"], r["pending"]) for r in before) == [("ALICE", "pending", "10000"),
                                                                              ("BOB", "pending", "5000")]  # fmt: skip
    page = get(api, api.registrar, "/funds/HMMF/requests", block=dealt["settled_block"] - 1, offset=1, limit=1)
    assert (page["offset"], page["limit"], len(page["requests"])) == (1, 1, 1)
    assert page["requests"][0]["controller"] == max(fund.alice.address, fund.bob.address)  # by controller
    refused(api.admin.get("/funds/HMMF/requests", params={"limit": 0}), 422, "invalid_request")
    refused(api.investor("ALICE").get("/funds/HMMF/requests", params={"offset": -5}), 422, "invalid_request")
    refused(api.anonymous.get("/funds/HMMF/requests"), 401, "unauthorized")


def test_redemptions_and_cancellations_show_in_requests(api: Api, fund: Fund, dealt: dict[str, int]) -> None:
    fund.send(fund.alice, fund.vault.functions.cancelDepositRequest(0, fund.alice.address))
    fund.send(fund.bob, fund.vault.functions.requestRedeem(100 * SHARE, fund.bob.address, fund.bob.address))
    rows = {(r["investor_id"], r["side"]): r for r in get(api, api.compliance, "/funds/HMMF/requests")["requests"]}
    alice, bob = rows[("ALICE", "deposit")], rows[("BOB", "redeem")]
    assert (alice["status"], alice["pending"], alice["cancelled"]) == ("claimable", "0", "2000")
    assert (bob["status"], bob["pending"], bob["claimable_assets"]) == ("pending", "100", "0")
