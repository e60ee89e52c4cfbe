"""A batch issuance checked as a whole before anything is sent (rwakit.tokenize.batch_checks): rows that
fit one by one but not together (the authorised shares, the maximum holders, an investor's maximum
balance over their wallets) are refused with the batch, 409 batch_ineligible, nothing written, queued
or minted; the same rows the console's preview refuses (tests/web/test_console_issue.py)."""

from __future__ import annotations

from typing import Any

import pytest
from eth_account import Account
from sqlmodel import Session, select

from rwakit.contracts.restrictions import Restriction
from rwakit.db.issuances import Issuance
from rwakit.db.journal import TxLog
from tests.api.conftest import Api, ok, refused
from tests.api.test_issuances import chunk_size

ASYNC = {"Prefer": "respond-async"}


def batch(api: Api, asset: str, rows: list[tuple[str, str]], key: str, headers: dict[str, str] | None = None) -> Any:
    body = {"asset": asset, "allocations": [{"to": to, "amount": amount} for to, amount in rows]}
    return api.issuer.post("/issuances/batch", json=body, headers={"Idempotency-Key": key, **(headers or {})})


def kept_and_sent(api: Api) -> tuple[int, int]:
    """Issuances kept (queued ones too) and issuance transactions journalled."""
    with Session(api.engine) as session:
        kept = session.exec(select(Issuance)).all()
        sent = [t for t in session.exec(select(TxLog)).all() if (t.ref or "").startswith("issuance:")]
    return len(kept), len(sent)


def refused_rows(body: dict[str, Any]) -> list[tuple[int, str]]:
    return [(row["index"], row["reason"]) for row in body["rows"]]


@pytest.fixture
def hvt(api: Api, wallets: list[str]) -> Api:
    """1,000,000 shares authorised, three investors, HK-0101 with two wallets."""
    api.create_asset("HVT", "1000000", 6)
    api.register("HK-0101", wallets[0], wallets[1])
    api.register("HK-0102", wallets[2])
    api.register("HK-0103", wallets[3])
    return api


@pytest.fixture
def hvl(hvt: Api) -> Api:
    """An asset that keeps investor totals: at most 2 holders, 100 shares each."""
    hvt.create_asset("HVL", investor_limits=True)
    assert hvt.compliance.request("PUT", "/assets/HVL/rules/max-holders", json={"max_holders": 2}).status_code == 200
    assert hvt.compliance.request("PUT", "/assets/HVL/rules/max-balance", json={"amount": "100"}).status_code == 200
    return hvt


def test_a_batch_that_fits_together_is_issued(hvl: Api, wallets: list[str]) -> None:
    api = hvl
    full = ok(batch(api, "HVT", [("HK-0101", "600000"), ("HK-0102", "400000")], "to-the-share"), 201)
    assert full["status"] == "completed" and api.total_supply("HVT") == 1_000_000 * 10**6
    # two holders, HK-0101's 100 over its two wallets: every limit met exactly
    rows = [(wallets[0], "60"), (wallets[1], "40"), ("HK-0102", "100")]
    assert ok(batch(api, "HVL", rows, "to-the-limits"), 201)["status"] == "completed"
    assert api.total_supply("HVL") == 200 * 10**6


def test_rows_that_together_pass_the_authorised_shares_are_refused_before_sending(hvt: Api) -> None:
    api = hvt
    rows = [("HK-0101", "600000"), ("HK-0102", "600000")]
    for key, size in (("over", 200), ("over-chunked", 1)):  # one batchMint, or two that would end partial
        with chunk_size(api, size):
            body = refused(batch(api, "HVT", rows, key), 409, "batch_ineligible")
        assert body["refused_rows"] == 1 and body["rows"] == [
            {"index": 1, "to": "HK-0102", "reason_code": Restriction.EXCEEDS_AUTHORISED, "reason": "exceeds_authorised",
             "message": "With the rows above, this row takes the batch past the asset's authorised shares "
                        "(400000 left for it)"}]  # fmt: skip
    assert kept_and_sent(api) == (0, 0) and api.total_supply("HVT") == 0
    # the refused key was never used: the batch put right issues under it
    fixed = [("HK-0101", "600000"), ("HK-0102", "400000")]
    assert ok(batch(api, "HVT", fixed, "over"), 201)["status"] == "completed"


def test_a_refused_row_adds_nothing_to_the_running_total(hvt: Api) -> None:
    """The stranger's row is refused by the rules, so the next row fits; the one after does not."""
    api = hvt
    stranger = Account.create().address
    rows = [(stranger, "600000"), ("HK-0101", "600000"), ("HK-0102", "500000"), ("HK-0103", "400000")]
    body = refused(batch(api, "HVT", rows, "mixed"), 409, "batch_ineligible")
    assert refused_rows(body) == [(0, "receiver_not_registered"), (2, "exceeds_authorised")]
    assert kept_and_sent(api) == (0, 0) and api.total_supply("HVT") == 0


def test_one_investor_over_the_maximum_balance_through_two_wallets_is_refused(hvl: Api, wallets: list[str]) -> None:
    api = hvl
    assert api.issue("HVL", "HK-0101", "30").status_code == 201
    rows = [(wallets[0], "40"), ("HK-0102", "100"), (wallets[1], "30.000001")]  # HK-0101: 30 + 40 + 30.000001
    body = refused(batch(api, "HVL", rows, "two-wallets"), 409, "batch_ineligible")
    assert refused_rows(body) == [(2, "max_balance_exceeded")]
    assert "maximum balance (100 per investor)" in body["rows"][0]["message"]
    assert kept_and_sent(api) == (1, 1) and api.total_supply("HVL") == 30 * 10**6  # the single issuance alone
    assert ok(batch(api, "HVL", rows[:2], "two-wallets"), 201)["status"] == "completed"


def test_new_holders_over_the_maximum_are_refused(hvl: Api) -> None:
    api = hvl
    assert api.issue("HVL", "HK-0101", "1").status_code == 201
    # HK-0101 holds already; HK-0102 is the one new holder that fits (twice: still one); HK-0103 is not
    rows = [("HK-0101", "5"), ("HK-0102", "1"), ("HK-0102", "1"), ("HK-0103", "1")]
    body = refused(batch(api, "HVL", rows, "holders", headers=ASYNC), 409, "batch_ineligible")
    assert refused_rows(body) == [(3, "max_holders_reached")] and "1 new holders fit" in body["rows"][0]["message"]
    assert kept_and_sent(api) == (1, 1) and api.total_supply("HVL") == 1 * 10**6


def test_a_long_batch_past_the_cap_at_row_1200_is_refused_before_it_is_queued(api: Api, wallets: list[str]) -> None:
    """1,500 rows of 1,000 shares (over RWAKIT_ISSUANCE_ASYNC_ROWS: it would be queued) against 1,199,500
    authorised: the 1,200th row and every one after it are refused, and nothing is queued or minted."""
    api.create_asset("HVT", "1199500", 6)
    api.register("HK-0101", wallets[0])
    api.register("HK-0102", wallets[1])
    rows = [(f"HK-010{1 + i % 2}", "1000") for i in range(1500)]
    body = refused(batch(api, "HVT", rows, "long"), 409, "batch_ineligible")
    assert body["refused_rows"] == 301 and len(body["rows"]) == 100 and "first 100" in body["message"]
    assert [row["index"] for row in body["rows"]] == list(range(1199, 1299))
    assert {row["reason"] for row in body["rows"]} == {"exceeds_authorised"}
    assert "(500 left for it)" in body["rows"][0]["message"]
    queue = api.client.app.state.runtime.issuance_queue()  # type: ignore[attr-defined]
    assert queue.work() is False and kept_and_sent(api) == (0, 0) and api.total_supply("HVT") == 0
    assert ok(batch(api, "HVT", rows[:1199], "long-fixed"), 202)["status"] == "queued"
