"""Hostile input: bodies too large, too deep or not UTF-8 are refused before any parser sees them,
and the server lives on (over a real server: tests/api/test_serve.py)."""

from __future__ import annotations

from collections.abc import Iterator

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
