"""The sign-in endpoints' rate limit: SIGN_IN_LIMIT attempts per client address in any SIGN_IN_WINDOW
seconds, then 429 `rate_limited` with Retry-After (JSON for the wallet's script, a page for the key's form);
other addresses are not affected, and the window slides."""

from __future__ import annotations

from typing import Any

import pytest
from eth_account import Account

from rwakit.web.limits import MAX_CLIENTS, SIGN_IN_LIMIT, RateLimited, RateLimiter
from tests.api.conftest import Api, TestClient, refused


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_window_slides_per_client() -> None:
    clock = Clock()
    limiter = RateLimiter(limit=3, window=60, clock=clock)
    for _ in range(3):
        limiter.hit("10.0.0.1")
    with pytest.raises(RateLimited) as refused_hit:
        limiter.hit("10.0.0.1")
    assert refused_hit.value.code == "rate_limited" and refused_hit.value.details["retry_after"] == 60
    limiter.hit("10.0.0.2")  # another address counts its own
    clock.now += 30
    with pytest.raises(RateLimited) as later:
        limiter.hit("10.0.0.1")  # refused attempts are not counted, so the wait only shrinks
    assert later.value.details["retry_after"] == 30
    clock.now += 30  # the first three leave the window
    for _ in range(3):
        limiter.hit("10.0.0.1")


def test_memory_stays_bounded_and_nonsense_limits_are_refused() -> None:
    clock = Clock()
    limiter = RateLimiter(limit=1, window=60, clock=clock)
    for i in range(MAX_CLIENTS + 5):
        limiter.hit(f"client-{i}")
    limiter.hit("client-0")  # the oldest addresses were forgotten: a fresh count
    with pytest.raises(RateLimited):
        limiter.hit(f"client-{MAX_CLIENTS + 4}")
    for limit, window in ((0, 60.0), (1, 0.0), (-1, -1.0)):
        with pytest.raises(ValueError, match="at least one attempt"):
            RateLimiter(limit=limit, window=window)


def test_sign_in_endpoints_answer_429_past_the_limit(app: Any, api: Api) -> None:
    chain_id = api.platform.deployment.chain_id
    wallet = Account.create().address
    for _ in range(SIGN_IN_LIMIT):
        assert api.client.post("/web/siwe/message", json={"address": wallet, "chain_id": chain_id}).status_code == 200
    answer = api.client.post("/web/siwe/message", json={"address": wallet, "chain_id": chain_id})
    body = refused(answer, 429, "rate_limited")
    assert int(answer.headers["retry-after"]) == body["retry_after"] > 0
    refused(api.client.post("/web/siwe/verify", json={"message": "x", "signature": "0x"}), 429, "rate_limited")
    page = api.client.post("/web/console/sign-in", data={"api_key": api.key("issuer")})
    assert page.status_code == 429 and "rate_limited" in page.text and page.text.startswith("<!doctype html>")
    assert "retry-after" in page.headers
    assert api.client.get("/web/sign-in").status_code == 200  # pages are not limited

    with TestClient(app, client=("192.0.2.7", 50000)) as elsewhere:  # another address: its own count
        signed_in = elsewhere.post("/web/console/sign-in", data={"api_key": api.key("issuer")}, follow_redirects=False)
        assert signed_in.status_code == 303


def test_failed_key_guesses_count_too(api: Api) -> None:
    for _ in range(SIGN_IN_LIMIT):
        assert api.client.post("/web/console/sign-in", data={"api_key": "rwk_00000000_" + "x" * 30}).status_code == 401
    assert api.client.post("/web/console/sign-in", data={"api_key": api.key("issuer")}).status_code == 429
