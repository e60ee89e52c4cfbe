"""The issuance queue (rwakit.api.services.issuance_queue): requests answered 202 and sent by a sender,
and a sender that completes what an interrupted one left, exactly once. The sender is driven here with
``work()`` (one row per call); the thread and the separate process are in tests/api/test_sender_faults.py."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import update
from sqlmodel import Session, select

from rwakit.api.services.issuance_queue import IssuanceQueue
from rwakit.api.services.keyed_steps import StepFaults
from rwakit.config import Settings
from rwakit.db.clock import utcnow
from rwakit.db.issuances import Issuance
from tests.api.conftest import Api, ok, refused

ASYNC = {"Prefer": "respond-async"}


@pytest.fixture
def hvt(api: Api, wallets: list[str]) -> Api:
    api.create_asset("HVT", "1000000", 6)
    for index, wallet in enumerate(wallets[:4], start=1):
        api.register(f"HK-{index:04d}", wallet)
    return api


@pytest.fixture
def settings(api: Api) -> Iterator[Settings]:
    """The app's settings, changed by a test and put back after it."""
    settings: Settings = api.client.app.state.runtime.settings  # type: ignore[attr-defined]
    before = settings.model_copy()
    yield settings
    for name in ("issuance_chunk_size", "issuance_async_rows", "issuance_lease_seconds", "sender_retry_seconds"):
        setattr(settings, name, getattr(before, name))


def sender(api: Api) -> IssuanceQueue:
    return api.client.app.state.runtime.issuance_queue()  # type: ignore[attr-defined, no-any-return]


def batch(api: Api, key: str, rows: int = 4, headers: dict[str, str] | None = None) -> Any:
    body = {"asset": "HVT", "allocations": [{"to": f"HK-{i:04d}", "amount": str(i)} for i in range(1, rows + 1)]}
    return api.issuer.post("/issuances/batch", json=body, headers={"Idempotency-Key": key, **(headers or {})})


def stored(api: Api) -> list[Issuance]:
    with Session(api.engine) as session:
        return list(session.exec(select(Issuance)).all())


def test_respond_async_answers_202_and_the_sender_issues_once(hvt: Api) -> None:
    api = hvt
    accepted = api.issuer.post("/issuances", json={"asset": "HVT", "to": "HK-0001", "amount": "5"},
                               headers={"Idempotency-Key": "later", **ASYNC})  # fmt: skip
    body = ok(accepted, 202)
    assert (
        body["status"] == "queued"
        and body["asynchronous"]
        and accepted.headers["Location"] == f"/issuances/{body['id']}"
    )
    assert api.total_supply("HVT") == 0
    again = api.issuer.post("/issuances", json={"asset": "HVT", "to": "HK-0001", "amount": "5"},
                            headers={"Idempotency-Key": "later", **ASYNC})  # fmt: skip
    assert ok(again, 202)["status"] == "queued" and again.headers["Idempotent-Replayed"] == "true"

    queue = sender(api)
    assert queue.work() is True and queue.work() is False  # one row, taken once
    done = ok(api.issuer.get(accepted.headers["Location"]))
    assert done["status"] == "completed" and done["tx_hash"] and api.total_supply("HVT") == 5 * 10**6
    replay = api.issuer.post("/issuances", json={"asset": "HVT", "to": "HK-0001", "amount": "5"},
                             headers={"Idempotency-Key": "later"})  # fmt: skip
    assert ok(replay, 201)["status"] == "completed" and api.total_supply("HVT") == 5 * 10**6


def test_a_batch_longer_than_the_async_limit_is_queued_without_asking(hvt: Api, settings: Settings) -> None:
    settings.issuance_async_rows, settings.issuance_chunk_size = 3, 2
    assert ok(batch(hvt, "short", rows=3), 201)["status"] == "completed"
    long = ok(batch(hvt, "long", rows=4), 202)
    assert long["status"] == "queued" and [r["status"] for r in long["rows"]] == ["pending"] * 4
    sender(hvt).work()
    assert ok(hvt.issuer.get(f"/issuances/{long['id']}"))["status"] == "completed"
    assert hvt.total_supply("HVT") == (1 + 2 + 3 + 1 + 2 + 3 + 4) * 10**6


def test_an_invalid_request_is_refused_before_it_is_queued(hvt: Api) -> None:
    refused(hvt.issuer.post("/issuances", json={"asset": "HVT", "to": "HK-0404", "amount": "5"},
                            headers={"Idempotency-Key": "bad", **ASYNC}), 404, "investor_not_found")  # fmt: skip
    refused(hvt.issuer.post("/issuances", json={"asset": "HVT", "to": "HK-0001", "amount": "0.0000001"},
                            headers={"Idempotency-Key": "bad2", **ASYNC}), 422, "too_many_decimals")  # fmt: skip
    assert stored(hvt) == [] and sender(hvt).work() is False


def test_a_queued_batch_the_rules_then_refuse_is_kept_as_refused(hvt: Api, wallets: list[str]) -> None:
    api = hvt
    accepted = ok(batch(api, "revoked", rows=2, headers=ASYNC), 202)
    for investor_id in ("HK-0001", "HK-0002"):
        ok(api.registrar.post(f"/investors/{investor_id}/revoke"), 200)
    sender(api).work()
    row = ok(api.issuer.get(f"/issuances/{accepted['id']}"))
    assert row["status"] == "refused" and row["refused_rows"] == 2 and api.total_supply("HVT") == 0
    assert row["rows"][0]["error"]["code"] in ("compliance_refused", "chunk_refused")
    assert ok(batch(api, "revoked", rows=2, headers=ASYNC), 200)["status"] == "refused"  # final: not 202 again


def test_a_sender_that_died_mid_batch_is_completed_by_another_exactly_once(hvt: Api, settings: Settings) -> None:
    api = hvt
    settings.issuance_chunk_size = 1
    accepted = ok(batch(api, "killed", headers=ASYNC), 202)
    runtime = api.client.app.state.runtime  # type: ignore[attr-defined]

    def die_at_the_third_chunk(ref: str) -> None:
        if ref.endswith("/2"):
            raise RuntimeError("kill -9")

    runtime.faults = StepFaults(before_send=die_at_the_third_chunk)
    try:
        with pytest.raises(RuntimeError):
            sender(api).work()
    finally:
        runtime.faults = None
    (row,) = stored(api)
    assert row.status == "pending" and api.total_supply("HVT") == 3 * 10**6  # chunks 0 and 1 went through
    assert sender(api).work() is False  # its lease is not over: nobody takes it
    settings.issuance_lease_seconds = 0.001
    assert sender(api).work() is True
    done = ok(api.issuer.get(f"/issuances/{accepted['id']}"))
    assert done["status"] == "completed" and done["reconciled"] and done["issued_rows"] == 4
    assert api.total_supply("HVT") == 10 * 10**6  # 1 + 2 + 3 + 4, each once


def test_a_sender_whose_lease_was_taken_over_stops_without_sending_or_overwriting(
    hvt: Api, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    """Sender A stalls after its first chunk past the lease; B takes the row over and finishes it; A wakes
    up and must neither send the second chunk again nor save its stale view over B's."""
    api = hvt
    settings.issuance_chunk_size = 2
    accepted = ok(batch(api, "stalled", headers=ASYNC), 202)
    runtime = api.client.app.state.runtime  # type: ignore[attr-defined]
    finished: list[bool] = []

    def b_takes_over(ref: str) -> None:
        if ref.endswith("/0") and not finished:
            runtime.faults = None
            settings.issuance_lease_seconds = 0.001
            finished.append(sender(api).work())  # B: settles chunk 0 from the journal, sends chunk 1

    runtime.faults = StepFaults(before_save=b_takes_over)
    try:
        with caplog.at_level(logging.INFO, logger="rwakit.sender"):
            assert sender(api).work() is True  # A
    finally:
        runtime.faults = None
    assert finished == [True] and "request_taken_over" in caplog.text
    done = ok(api.issuer.get(f"/issuances/{accepted['id']}"))
    assert done["status"] == "completed" and done["issued_rows"] == 4
    assert api.total_supply("HVT") == 10 * 10**6


def test_an_incomplete_issuance_is_finished_by_the_sender_when_the_chain_is_back(
    hvt: Api, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What a synchronous request left incomplete (its answer was 503) needs no retry from the client."""
    from rwakit.errors import ChainUnavailable

    api = hvt
    settings.issuance_chunk_size, settings.sender_retry_seconds = 2, 0.001
    issue_batch = api.platform.assets.issue_batch
    calls: list[int] = []

    def node_gone_after_the_first_chunk(asset: str, allocations: list[tuple[str, int]]) -> Any:
        calls.append(1)
        if len(calls) > 1:
            raise ChainUnavailable("the node is down")
        return issue_batch(asset, allocations)

    monkeypatch.setattr(api.platform.assets, "issue_batch", node_gone_after_the_first_chunk)
    body = refused(batch(api, "cut"), 503, "issuance_incomplete")
    assert sender(api).work() is True  # still down: left incomplete, tried again later
    assert [r.status for r in stored(api)] == ["incomplete"]
    monkeypatch.undo()
    with Session(api.engine) as session:  # the retry delay has passed
        session.execute(update(Issuance).values(updated_at=utcnow().replace(year=2000)))
        session.commit()
    assert sender(api).work() is True
    assert ok(api.issuer.get(f"/issuances/{body['issuance_id']}"))["status"] == "completed"
    assert api.total_supply("HVT") == 10 * 10**6


@pytest.mark.parametrize("reached", [False, True], ids=["lost", "reached the node"])
def test_a_broadcast_that_failed_is_settled_by_asking_the_node_for_its_hash(
    hvt: Api, settings: Settings, monkeypatch: pytest.MonkeyPatch, reached: bool
) -> None:
    """The node stopped answering while a chunk was being broadcast: the chunk is in doubt until the node
    says whether it has that transaction, then sent once (lost) or taken as issued (it got there)."""
    api = hvt
    settings.issuance_chunk_size, settings.sender_retry_seconds = 2, 0.001
    w3 = api.platform.chain.w3
    send_raw = w3.eth.send_raw_transaction

    def cut(raw: bytes) -> Any:
        monkeypatch.setattr(w3.eth, "send_raw_transaction", send_raw)  # once
        if reached:
            send_raw(raw)
        raise ConnectionError("the node went away mid-broadcast")

    accepted = ok(batch(api, "cut-broadcast", headers=ASYNC), 202)
    monkeypatch.setattr(w3.eth, "send_raw_transaction", cut)
    sender(api).work()
    assert [r.status for r in stored(api)] == ["in_doubt"]
    api.platform.txm.reset_nonce(api.platform.signer.address)
    assert sender(api).work() is True  # settled from the node (lost: not sent), then the rest sent
    done = ok(api.issuer.get(f"/issuances/{accepted['id']}"))
    assert done["status"] == "completed" and done["issued_rows"] == 4
    assert api.total_supply("HVT") == 10 * 10**6  # each chunk once
