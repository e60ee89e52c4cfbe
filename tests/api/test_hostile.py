"""Hostile input: bodies too large, too deep or not UTF-8 are refused before any parser sees them,
and the server lives on (over a real server: tests/api/test_serve.py)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from rwakit.api.guard import MAX_JSON_DEPTH, json_depth
from tests.api.conftest import Api, ok, refused

JSON = {"Content-Type": "application/json"}
ADDRESS = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"


def test_json_depth_counts_brackets_outside_strings() -> None:
    assert json_depth(b'{"a": [1, {"b": []}]}') == 4
    assert json_depth(b'{"a": "[[[[\\"[[[{{{"}') == 1
    assert json_depth(b"[" * 100_000) == 100_000


def test_nesting_past_the_limit_is_refused_and_brackets_in_strings_are_not(api: Api) -> None:
    deep = b'{"asset": "HVT", "from": ' + b"[" * MAX_JSON_DEPTH + b"1" + b"]" * MAX_JSON_DEPTH + b"}"
    body = refused(api.anonymous.post("/transfers/check", content=deep, headers=JSON), 422, "json_too_deep")
    assert str(MAX_JSON_DEPTH) in body["message"]
    brackets = b'{"asset": "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[", "from": "X-1", "to": "X-2", "amount": "1"}'
    refused(api.anonymous.post("/transfers/check", content=brackets, headers=JSON), 401, "unauthorized")


def test_a_body_over_the_limit_is_413_declared_or_streamed(api: Api) -> None:
    rows = b",".join([b'{"to": "%s", "amount": "1"}' % ADDRESS.encode()] * 40_000)
    batch = b'{"asset": "HVT", "allocations": [' + rows + b"]}"
    assert len(batch) > 2_000_000
    headers = {**JSON, "Idempotency-Key": "big"}
    body = refused(api.issuer.post("/issuances/batch", content=batch, headers=headers), 413, "body_too_large")
    assert body["limit"] == 2_000_000

    def chunks() -> Iterator[bytes]:
        for start in range(0, len(batch), 65_536):
            yield batch[start : start + 65_536]

    streamed = api.issuer.post("/issuances/batch", content=chunks(), headers=headers)  # no Content-Length
    refused(streamed, 413, "body_too_large")
    assert ok(api.issuer.get("/issuances")) == []


def test_a_body_that_is_not_utf8_is_422(api: Api) -> None:
    latin1 = '{"investor_id": "X-1", "name": "Zoë"}'.encode("latin-1")
    refused(api.registrar.post("/investors", content=latin1, headers=JSON), 422, "invalid_utf8")


def field_refused(response: httpx.Response, field: str, code: str = "invalid_request") -> dict[str, Any]:
    """422 with `code`, naming `field` among the errors."""
    body = refused(response, 422, code)
    assert field in [e["field"] for e in body["errors"]], body
    return body


@pytest.mark.parametrize("amount", [" 1", "1 ", "1\n", "+1", "\u0661", "\uff11", "1\u00a0", "0x10"])
def test_an_amount_is_ascii_digits_and_one_dot_nothing_else(api: Api, wallets: list[str], amount: str) -> None:
    field_refused(api.issue("HVT", wallets[0], amount), "body.amount", "invalid_amount")
    check = {"asset": "HVT", "from": wallets[0], "to": wallets[1], "amount": amount}
    field_refused(api.investor("HK-0001").post("/transfers/check", json=check), "body.amount", "invalid_amount")


@pytest.mark.parametrize(
    ("amount", "code"),
    [(str(2**256), "amount_too_large"), ("1" + "0" * 72, "amount_too_large"), ("1" + "0" * 59, "amount_too_large"),
     ("0" * 60 + "1", "amount_too_large"), ("9" * 5000, "amount_too_large"), ("1." + "0" * 19, "too_many_decimals")],
)  # fmt: skip
def test_an_oversized_amount_is_422_with_the_field_named(api: Api, wallets: list[str], amount: str, code: str) -> None:
    body = field_refused(api.issue("HVT", wallets[0], amount), "body.amount", code)
    assert len(body["message"]) < 500
    batch = {"asset": "HVT", "allocations": [{"to": wallets[0], "amount": amount}]}
    field_refused(api.issuer.post("/issuances/batch", json=batch, headers={"Idempotency-Key": "k"}),
                  "body.allocations.0.amount", code)  # fmt: skip
    rule = api.compliance.request("PUT", "/assets/HVT/rules/max-balance", json={"amount": amount})
    field_refused(rule, "body.amount", code)


def test_trailing_zeros_past_the_assets_decimals_are_too_many(api: Api, wallets: list[str]) -> None:
    api.create_asset("HVT", "1000000", 6)
    api.register("HK-0001", wallets[0])
    refused(api.issue("HVT", "HK-0001", "1.0000000"), 422, "too_many_decimals")
    assert ok(api.issue("HVT", "HK-0001", "1.000000"), 201)["rows"][0]["amount"] == "1"
    assert api.total_supply("HVT") == 10**6


def test_shares_authorised_and_decimals_are_bounded_and_strict(api: Api) -> None:
    asset = {"name": "Tower", "symbol": "TWR", "shares_authorised": "1000"}
    for shares in (str(10**80), "9" * 5000, "\uff11", " 1"):
        field_refused(api.issuer.post("/assets", json={**asset, "shares_authorised": shares}), "body.shares_authorised")
    too_many = api.issuer.post("/assets", json={**asset, "shares_authorised": str(10**58)})
    refused(too_many, 422, "invalid_authorised")  # fits the schema; the contract's uint96 supply does not
    for decimals in ("6", True, 6.5, 19):
        field_refused(api.issuer.post("/assets", json={**asset, "decimals": decimals}), "body.decimals")
    field_refused(api.issuer.post("/assets", json={**asset, "investor_limits": 1}), "body.investor_limits")


@pytest.mark.parametrize("moment", ["0001-01-01", "1969-12-31T23:59:59Z", -1, 0, 2_000_000_000, True])
def test_times_are_iso_strings_from_1970(api: Api, wallets: list[str], moment: object) -> None:
    investor = {"investor_id": "X-1", "wallets": [wallets[0]], "country": "HK", "kyc_expiry": moment}
    field_refused(api.registrar.post("/investors", json=investor), "body.kyc_expiry", "invalid_time")
    field_refused(api.registrar.patch("/investors/X-1", json={"kyc_expiry": moment}), "body.kyc_expiry", "invalid_time")
    lockup = api.compliance.request("PUT", "/assets/HVT/rules/lockup", json={"until": moment})
    field_refused(lockup, "body.until", "invalid_time")


def test_booleans_and_counts_are_strict(api: Api) -> None:
    put = api.compliance.request
    for enabled in (0, 1, "true", None):
        body = {"countries": ["HK"], "enabled": enabled}
        field_refused(put("PUT", "/assets/HVT/rules/allowed-countries", json=body), "body.enabled")
    for countries in ([True], [3.5], ["\u00b2"], ["\u0663\u0664\u0664"], ["9" * 5000]):
        response = put("PUT", "/assets/HVT/rules/blocked-countries", json={"countries": countries})
        assert response.status_code == 422 and response.json()["errors"][0]["field"].startswith("body.countries.0")
    for count in ("5", True, 2**32, 0):
        field_refused(put("PUT", "/assets/HVT/rules/max-holders", json={"max_holders": count}), "body.max_holders")


@pytest.mark.parametrize("big", [2**31, 53548623121988517888])
def test_integer_query_and_path_parameters_are_bounded(api: Api, big: int) -> None:
    for path in ("/issuances", "/audit", "/investors", "/assets/HVT/audit"):
        field_refused(api.issuer.get(path, params={"offset": big}), "query.offset")
    field_refused(api.issuer.get(f"/issuances/{big}"), "path.issuance_id")
    refused(api.issuer.get(f"/issuances/{2**31 - 1}"), 404, "issuance_not_found")


def test_like_wildcards_in_a_reference_prefix_match_only_themselves(api: Api, wallets: list[str]) -> None:
    api.create_asset("HVT", "1000000", 6)
    api.register("HK-0001", wallets[0])
    issued = ok(api.issue("HVT", "HK-0001", "1"), 201)
    refs = [t["ref"] for t in ok(api.admin.get("/transactions", params={"ref": "issuance:"}))]
    assert refs == [f"issuance:{issued['id']}/0"]
    for wildcard in ("%", "_", "issuance:_/0", "issuance%"):
        assert ok(api.admin.get("/transactions", params={"ref": wildcard})) == [], wildcard


def test_a_whole_number_written_as_2_0_is_an_integer(api: Api) -> None:
    """JSON Schema counts 2.0 an integer, so the schema's `integer` admits it: so does the API."""
    asset = {"name": "Tower", "symbol": "TWR", "shares_authorised": "1000", "decimals": 2.0}
    assert ok(api.issuer.post("/assets", json=asset), 201)["decimals"] == 2
    ok(api.compliance.request("PUT", "/assets/TWR/rules/allowed-countries", json={"countries": [344.0]}))


def test_a_query_parameter_given_twice_is_422_not_one_of_its_values(api: Api) -> None:
    """Found by the schema fuzz: GET /audit?tx_hash=a&tx_hash=b answered 200 for the last value."""
    body = refused(api.admin.get("/audit?tx_hash=0x01&tx_hash=0x02"), 422, "repeated_query_parameter")
    assert "tx_hash" in body["message"]
    refused(api.admin.get("/issuances?limit=1&limit=500&asset=HVT"), 422, "repeated_query_parameter")
    assert api.admin.get("/audit?tx_hash=0x01&limit=5").status_code == 200
    assert api.admin.get("/audit?tx_hash=").status_code == 200  # blank is a value, given once
