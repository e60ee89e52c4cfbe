"""Compliance rules over HTTP: each rule set by a compliance key and read back, and for each rule an
accepted and a refused move through the pre-check, the custodial transfer and issuance, refused
with 409 ``compliance_refused`` and the rule's reason code."""

from __future__ import annotations

from typing import Any

import pytest

from rwakit.contracts.restrictions import Restriction
from tests.api.conftest import YEAR, Api, Caller, iso, ok, refused


@pytest.fixture
def market(api: Api, wallets: list[str]) -> Api:
    """HVT (6 decimals, investor limits) with HK-0001 (professional, wallets 0 and 1) holding 1000;
    SG-0001 (professional) and US-0001 (institutional) registered; wallets 0-3 custodial."""
    api.create_asset("HVT", "1000000", 6, investor_limits=True)
    people = [("HK-0001", [wallets[0], wallets[1]], "HK", "professional"), ("SG-0001", [wallets[2]], "SG",
              "professional"), ("US-0001", [wallets[3]], "US", "institutional")]  # fmt: skip
    expiry = iso(api.now() + YEAR)
    investors = [{"investor_id": i, "wallets": w, "country": c, "investor_class": k, "kyc_expiry": expiry}
                 for i, w, c, k in people]  # fmt: skip
    ok(api.registrar.post("/investors/batch", json={"investors": investors}), 201)
    for wallet in wallets[:4]:
        ok(api.registrar.post("/custodial-wallets", json={"address": wallet}), 201)
    ok(api.issue("HVT", "HK-0001", "1000"), 201)
    return api


def move(wallets: list[str], to: str, amount: str = "1") -> dict[str, str]:
    return {"asset": "HVT", "from": wallets[0], "to": to, "amount": amount}


def accepted(caller: Caller, body: dict[str, str]) -> None:
    """Allowed by the pre-check, and done by the custodial transfer."""
    check = ok(caller.post("/transfers/check", json=body))
    assert (check["allowed"], check["reason_code"], check["reason"]) == (True, Restriction.SUCCESS, "success"), check
    ok(caller.post("/transfers", json=body), 201)


def refused_move(caller: Caller, body: dict[str, str], code: Restriction) -> None:
    """Refused by the pre-check (200, allowed false) and by the transfer (409), with the same reason."""
    check = ok(caller.post("/transfers/check", json=body))
    assert (check["allowed"], check["reason_code"], check["reason"]) == (False, int(code), code.reason), check
    assert_reason(refused(caller.post("/transfers", json=body), 409, "compliance_refused"), code)


def refused_issue(api: Api, to: str, amount: str, code: Restriction) -> None:
    before = api.total_supply("HVT")
    assert_reason(refused(api.issue("HVT", to, amount), 409, "compliance_refused"), code)
    assert api.total_supply("HVT") == before


def assert_reason(body: dict[str, Any], code: Restriction) -> None:
    assert (body["reason_code"], body["reason"]) == (int(code), code.reason), body


def test_each_rule_is_set_and_read_back(market: Api) -> None:
    api, officer = market, market.compliance
    rules = ok(officer.get("/assets/HVT/rules"))
    assert rules == {
        "asset": "HVT", "asset_address": rules["asset_address"], "paused": False, "allow_list_enabled": False,
        "allowed_countries": [], "blocked_countries": [], "allowed_classes": [], "lockup_until": None,
        "minimum_lot": "0", "investor_limits": True, "max_holders": None, "holders": 1, "max_balance": None,
        "as_of_block": rules["as_of_block"],
    }  # fmt: skip
    assert ok(api.investor("HK-0001").get("/assets/HVT/rules"))["asset"] == "HVT"  # any key reads the rules

    put = officer.request
    done = ok(put("PUT", "/assets/HVT/rules/allowed-countries", json={"countries": ["HK", "SGP", 840]}))
    assert done["allow_list_enabled"] and done["allowed_countries"] == ["HK", "SG", "US"]
    assert len(done["tx_hashes"]) == 2  # add the countries, then turn the list on
    done = ok(put("PUT", "/assets/HVT/rules/allowed-countries", json={"countries": ["HK", "GB"], "enabled": True}))
    assert done["allowed_countries"] == ["GB", "HK"] and len(done["tx_hashes"]) == 2  # add GB, remove SG and US
    again = ok(put("PUT", "/assets/HVT/rules/allowed-countries", json={"countries": ["GB", "HK"]}))
    assert again["tx_hashes"] == []  # a PUT replaces: repeating it sends nothing
    off = ok(put("PUT", "/assets/HVT/rules/allowed-countries", json={"countries": ["HK"], "enabled": False}))
    assert not off["allow_list_enabled"] and off["allowed_countries"] == ["HK"]

    assert ok(put("PUT", "/assets/HVT/rules/blocked-countries", json={"countries": ["KP", "IR"]}))[
        "blocked_countries"] == ["IR", "KP"]  # fmt: skip
    assert ok(put("PUT", "/assets/HVT/rules/blocked-countries", json={"countries": []}))["blocked_countries"] == []
    classes = ok(put("PUT", "/assets/HVT/rules/allowed-classes", json={"classes": ["institutional", "professional"]}))
    assert classes["allowed_classes"] == ["professional", "institutional"]
    lockup = ok(put("PUT", "/assets/HVT/rules/lockup", json={"until": "2031-06-30T12:00:00+08:00"}))
    assert lockup["lockup_until"] == "2031-06-30T04:00:00Z"
    assert ok(put("PUT", "/assets/HVT/rules/lockup", json={"until": None}))["lockup_until"] is None
    assert ok(put("PUT", "/assets/HVT/rules/minimum-lot", json={"amount": "2.5"}))["minimum_lot"] == "2.5"
    assert ok(put("PUT", "/assets/HVT/rules/max-holders", json={"max_holders": 250}))["max_holders"] == 250
    assert ok(put("PUT", "/assets/HVT/rules/max-balance", json={"amount": "50000.000001"}))["max_balance"] == (
        "50000.000001")  # fmt: skip
    final = ok(api.admin.get("/assets/HVT/rules"))
    assert (final["minimum_lot"], final["max_holders"], final["max_balance"]) == ("2.5", 250, "50000.000001")
    cleared = ok(put("PUT", "/assets/HVT/rules/max-balance", json={"amount": None, "reason": "cap lifted"}))
    assert cleared["max_balance"] is None and ok(put("PUT", "/assets/HVT/rules/max-holders",
                                                     json={"max_holders": None}))["max_holders"] is None  # fmt: skip


def test_rule_input_errors(market: Api) -> None:
    put = market.compliance.request
    refused(put("PUT", "/assets/HVT/rules/allowed-countries", json={"countries": ["XX"]}), 422, "invalid_country")
    refused(put("PUT", "/assets/HVT/rules/allowed-classes", json={"classes": ["vip"]}), 422, "invalid_request")
    refused(put("PUT", "/assets/HVT/rules/lockup", json={"until": "2031-01-01T10:00:00"}), 422, "invalid_request")
    refused(put("PUT", "/assets/HVT/rules/minimum-lot", json={"amount": "0.0000001"}), 422, "too_many_decimals")
    refused(put("PUT", "/assets/HVT/rules/minimum-lot", json={"amount": 5}), 422, "invalid_request")
    refused(put("PUT", "/assets/HVT/rules/max-holders", json={"max_holders": 0}), 422, "invalid_request")
    refused(put("PUT", "/assets/HVT/rules/max-balance", json={"amount": "0"}), 422, "invalid_limit")
    refused(put("PUT", "/assets/NOPE/rules/lockup", json={"until": None}), 404, "asset_not_found")
    refused(market.compliance.get("/assets/NOPE/rules"), 404, "asset_not_found")


def test_country_allow_list_and_block_list(market: Api, wallets: list[str]) -> None:
    api, hk = market, market.investor("HK-0001")
    ok(api.compliance.request("PUT", "/assets/HVT/rules/allowed-countries", json={"countries": ["HK", "US"]}))
    refused_move(hk, move(wallets, "SG-0001"), Restriction.COUNTRY_NOT_ALLOWED)
    refused_issue(api, "SG-0001", "5", Restriction.COUNTRY_NOT_ALLOWED)
    accepted(hk, move(wallets, "US-0001"))
    ok(api.issue("HVT", "US-0001", "5"), 201)

    ok(api.compliance.request("PUT", "/assets/HVT/rules/allowed-countries", json={"countries": [], "enabled": False}))
    ok(api.compliance.request("PUT", "/assets/HVT/rules/blocked-countries", json={"countries": ["SG"]}))
    refused_move(hk, move(wallets, "SG-0001"), Restriction.COUNTRY_BLOCKED)
    refused_issue(api, "SG-0001", "5", Restriction.COUNTRY_BLOCKED)
    accepted(hk, move(wallets, "US-0001"))
    ok(api.compliance.request("PUT", "/assets/HVT/rules/blocked-countries", json={"countries": []}))
    accepted(hk, move(wallets, "SG-0001"))


def test_allowed_investor_classes(market: Api, wallets: list[str]) -> None:
    api, hk = market, market.investor("HK-0001")
    ok(api.compliance.request("PUT", "/assets/HVT/rules/allowed-classes", json={"classes": ["institutional"]}))
    refused_move(hk, move(wallets, "SG-0001"), Restriction.CLASS_NOT_ALLOWED)
    refused_issue(api, "SG-0001", "1", Restriction.CLASS_NOT_ALLOWED)
    accepted(hk, move(wallets, "US-0001"))
    ok(api.issue("HVT", "US-0001", "1"), 201)


def test_lockup_refuses_transfers_not_issuance(market: Api, wallets: list[str]) -> None:
    api, hk = market, market.investor("HK-0001")
    ok(api.compliance.request("PUT", "/assets/HVT/rules/lockup", json={"until": iso(api.now() + YEAR)}))
    refused_move(hk, move(wallets, "SG-0001"), Restriction.LOCKED_UP)
    ok(api.issue("HVT", "SG-0001", "5"), 201)  # issuance is not a transfer: the lock-up does not apply
    ok(api.compliance.request("PUT", "/assets/HVT/rules/lockup", json={"until": iso(api.now() - 1)}))
    accepted(hk, move(wallets, "SG-0001"))


def test_minimum_lot(market: Api, wallets: list[str]) -> None:
    api, hk = market, market.investor("HK-0001")
    ok(api.compliance.request("PUT", "/assets/HVT/rules/minimum-lot", json={"amount": "10"}))
    refused_move(hk, move(wallets, "SG-0001", "9.999999"), Restriction.BELOW_MINIMUM_LOT)
    accepted(hk, move(wallets, "SG-0001", "10"))
    ok(api.issue("HVT", "SG-0001", "0.5"), 201)  # the lot applies to transfers between holders only


def test_maximum_number_of_holders(market: Api, wallets: list[str]) -> None:
    api, hk = market, market.investor("HK-0001")
    ok(api.compliance.request("PUT", "/assets/HVT/rules/max-holders", json={"max_holders": 2}))
    accepted(hk, move(wallets, "SG-0001"))  # the second investor
    refused_move(hk, move(wallets, "US-0001"), Restriction.MAX_HOLDERS_REACHED)
    refused_issue(api, "US-0001", "1", Restriction.MAX_HOLDERS_REACHED)
    accepted(hk, {**move(wallets, wallets[1])})  # the investor's own other wallet: still one holder
    ok(api.issue("HVT", "SG-0001", "1"), 201)  # an existing holder may receive more
    assert ok(api.compliance.get("/assets/HVT/rules"))["holders"] == 2
    body = refused(api.compliance.request("PUT", "/assets/HVT/rules/max-holders", json={"max_holders": 1}), 409,
                   "limit_below_current")  # fmt: skip
    assert body["error"] == "AssetLimitBelowCurrent" and body["args"] == {"limit": 1, "current": 2}


def test_maximum_balance_per_investor(market: Api, wallets: list[str]) -> None:
    api, hk = market, market.investor("HK-0001")
    ok(api.compliance.request("PUT", "/assets/HVT/rules/max-balance", json={"amount": "100"}))
    ok(api.issue("HVT", "SG-0001", "60"), 201)
    refused_move(hk, move(wallets, "SG-0001", "40.000001"), Restriction.MAX_BALANCE_EXCEEDED)
    refused_issue(api, "SG-0001", "41", Restriction.MAX_BALANCE_EXCEEDED)
    accepted(hk, move(wallets, "SG-0001", "40"))
    accepted(hk, move(wallets, wallets[1], "500"))  # HK-0001 is over the limit already; moving within stays allowed


def test_investor_limits_need_an_asset_that_keeps_investor_totals(market: Api) -> None:
    market.create_asset("PLAIN")
    put = market.compliance.request
    plain = ok(market.compliance.get("/assets/PLAIN/rules"))
    assert not plain["investor_limits"] and plain["holders"] is None
    for path, body in [("max-holders", {"max_holders": 10}), ("max-balance", {"amount": "10"})]:
        error = refused(put("PUT", f"/assets/PLAIN/rules/{path}", json=body), 409, "investor_limits_disabled")
        assert error["error"] == "AssetInvestorLimitsDisabled"


RULE_WRITES = [
    ("allowed-countries", {"countries": ["HK"]}),
    ("blocked-countries", {"countries": ["KP"]}),
    ("allowed-classes", {"classes": ["professional"]}),
    ("lockup", {"until": "2030-01-01"}),
    ("minimum-lot", {"amount": "1"}),
    ("max-holders", {"max_holders": 10}),
    ("max-balance", {"amount": "10"}),
]


def test_only_compliance_and_admin_keys_set_rules(api: Api, wallets: list[str]) -> None:
    api.create_asset("HVT", investor_limits=True)
    api.register("HK-0001", wallets[0])
    for path, body in RULE_WRITES:
        url = f"/assets/HVT/rules/{path}"
        refused(api.anonymous.request("PUT", url, json=body), 401, "unauthorized")
        for caller, role in [
            (api.issuer, "issuer"),
            (api.registrar, "registrar"),
            (api.investor("HK-0001"), "investor"),
        ]:
            assert refused(caller.request("PUT", url, json=body), 403, "forbidden")["role"] == role
    assert ok(api.admin.request("PUT", "/assets/HVT/rules/minimum-lot", json={"amount": "3"}))["minimum_lot"] == "3"
    assert ok(api.compliance.request("PUT", "/assets/HVT/rules/minimum-lot", json={"amount": "2"}))["tx_hashes"]
    assert ok(api.compliance.get("/assets/HVT/rules"))["minimum_lot"] == "2"


def test_rules_are_read_from_the_index_as_of_a_block(market: Api) -> None:
    """A GET answers from the index (as_of_block, ?block=, ?at=) what a PUT read back from the chain."""
    officer = market.compliance
    put = officer.request
    first = ok(put("PUT", "/assets/HVT/rules/blocked-countries", json={"countries": ["KP"]}))["block_number"]
    changed = ok(put("PUT", "/assets/HVT/rules/max-holders", json={"max_holders": 5}))
    chain = {k: v for k, v in changed.items() if k not in ("tx_hashes", "block_number", "as_of_block")}
    indexed = ok(officer.get(f"/assets/HVT/rules?min_block={changed['block_number']}"))
    assert indexed["as_of_block"] >= changed["block_number"]
    assert indexed == {**chain, "as_of_block": indexed["as_of_block"]}
    before = ok(officer.get(f"/assets/HVT/rules?block={first - 1}"))
    assert before["blocked_countries"] == [] and before["max_holders"] is None and before["holders"] == 1
    at_first = ok(officer.get(f"/assets/HVT/rules?block={first}"))
    assert at_first["blocked_countries"] == ["KP"] and at_first["max_holders"] is None
    refused(officer.get("/assets/HVT/rules?block=99999999"), 409, "block_not_indexed")
    refused(officer.get("/assets/HVT/rules?at=2026-13-01"), 422, "invalid_date")
    refused(officer.get("/assets/NOPE/rules"), 404, "asset_not_found")
    refused(market.anonymous.get("/assets/HVT/rules"), 401, "unauthorized")
