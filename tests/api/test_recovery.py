"""Crashes and lost receipts: the transaction log lets an interrupted issuance, forced transfer or
redemption be settled without acting twice; every signed transaction is in the log before it is
broadcast."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlmodel import Session, select

from rwakit.api.services.keyed_steps import StepFaults
from rwakit.chain.transactions import TxRecord
from rwakit.db import SqlJournal, make_engine
from rwakit.db.controls import ControlRequest
from rwakit.db.issuances import Issuance
from rwakit.db.journal import TxLog
from rwakit.errors import RwakitError
from tests.api.conftest import Api, TestClient, ok, refused
from tests.api.test_issuances import chunk_size


@pytest.fixture
def hvt(api: Api, wallets: list[str]) -> Api:
    api.create_asset("HVT", "1000000", 6)
    api.register("HK-0001", wallets[0])
    return api


@pytest.fixture
def short_lease(api: Api) -> Iterator[None]:
    settings = api.client.app.state.runtime.settings  # type: ignore[attr-defined]
    before, settings.issuance_lease_seconds = settings.issuance_lease_seconds, 0.001
    yield
    settings.issuance_lease_seconds = before


Crash = Callable[[StepFaults | None], None]


@pytest.fixture
def crash(api: Api) -> Iterator[Crash]:
    """Makes the API's keyed requests crash where the given faults say, until the test calls it with
    no faults or ends."""
    runtime = api.client.app.state.runtime  # type: ignore[attr-defined]

    def at(faults: StepFaults | None) -> None:
        runtime.faults = faults

    yield at
    runtime.faults = None


def died(message: str) -> Callable[[str], None]:
    def fault(_ref: str) -> None:
        raise RuntimeError(message)

    return fault


def stored(api: Api) -> list[Issuance]:
    with Session(api.engine) as session:
        return list(session.exec(select(Issuance)).all())


def test_a_crash_after_the_mint_is_settled_at_startup_from_the_journal(
    hvt: Api, short_lease: None, crash: Crash
) -> None:
    api = hvt
    crash(StepFaults(before_save=died("the process died here")))
    with pytest.raises(RuntimeError):
        api.issue("HVT", "HK-0001", "5", key="crashed")
    crash(None)
    (row,) = stored(api)
    assert row.status == "pending" and api.total_supply("HVT") == 5 * 10**6  # minted, but the row does not say so

    with TestClient(api.client.app):  # a restart: the lifespan reconciles what was left pending
        pass
    (row,) = stored(api)
    assert row.status == "completed" and row.tx_hash is not None
    replay = api.issue("HVT", "HK-0001", "5", key="crashed")
    assert ok(replay, 201)["reconciled"] is True and replay.headers["Idempotent-Replayed"] == "true"
    assert replay.json()["rows"][0]["status"] == "issued"
    assert api.total_supply("HVT") == 5 * 10**6


def test_an_error_before_signing_leaves_no_row(hvt: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    api = hvt

    def broken(*_: Any, **__: Any) -> None:
        raise RuntimeError("a bug before signing")

    monkeypatch.setattr(api.platform.assets, "issue", broken)
    with pytest.raises(RuntimeError):
        api.issue("HVT", "HK-0001", "5", key="bug")
    assert stored(api) == []


def test_a_crash_before_anything_was_sent_frees_the_key(hvt: Api, short_lease: None, crash: Crash) -> None:
    api = hvt
    crash(StepFaults(before_send=died("the process died after claiming the key, before signing")))
    with pytest.raises(RuntimeError):
        api.issue("HVT", "HK-0001", "5", key="early")
    crash(None)
    assert [r.status for r in stored(api)] == ["pending"]
    assert ok(api.issue("HVT", "HK-0001", "5", key="early"), 201)["reconciled"] is False  # settled, then run afresh
    assert api.total_supply("HVT") == 5 * 10**6 and len(stored(api)) == 1


def test_a_failure_after_the_mint_was_mined_leaves_the_issuance_in_doubt_and_it_never_mints_twice(
    hvt: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    api = hvt
    issue = api.platform.assets.issue

    def mined_then_failed(*args: Any) -> Any:
        issue(*args)
        raise RuntimeError("the database went away after the mint was mined")

    monkeypatch.setattr(api.platform.assets, "issue", mined_then_failed)
    with pytest.raises(RuntimeError):
        api.issue("HVT", "HK-0001", "5", key="mined")
    monkeypatch.undo()
    assert [r.status for r in stored(api)] == ["in_doubt"]
    replay = api.issue("HVT", "HK-0001", "5", key="mined")
    assert ok(replay, 201)["status"] == "completed" and replay.headers["Idempotent-Replayed"] == "true"
    assert api.total_supply("HVT") == 5 * 10**6  # minted once


def test_a_batch_that_died_between_chunks_is_reconciled_then_only_the_rest_is_sent(
    hvt: Api, wallets: list[str], short_lease: None, crash: Crash
) -> None:
    api = hvt
    api.register("HK-0002", wallets[1])
    refs: list[str] = []

    def before_send(ref: str) -> None:
        refs.append(ref)
        if ref.endswith("/1"):
            raise RuntimeError("the process died between two chunks")

    batch = {"asset": "HVT", "allocations": [{"to": "HK-0001", "amount": "1"}, {"to": "HK-0002", "amount": "2"}]}
    with chunk_size(api, 1):
        crash(StepFaults(before_send=before_send))
        with pytest.raises(RuntimeError):
            api.issuer.post("/issuances/batch", json=batch, headers={"Idempotency-Key": "cut"})
        crash(None)
        (row,) = stored(api)
        assert refs == [f"issuance:{row.id}/0", f"issuance:{row.id}/1"] and row.status == "pending"
        assert api.total_supply("HVT") == 1 * 10**6
        done = ok(api.issuer.post("/issuances/batch", json=batch, headers={"Idempotency-Key": "cut"}), 201)
    assert done["status"] == "completed" and done["reconciled"] and done["issued_rows"] == 2
    assert [c["status"] for c in done["chunks"]] == ["issued", "issued"]
    assert api.total_supply("HVT") == 3 * 10**6  # the first chunk once, the second once


def test_a_lost_receipt_leaves_the_issuance_in_doubt_until_the_chain_answers(hvt: Api) -> None:
    api = hvt
    w3 = api.platform.chain.w3
    txm = api.platform.txm
    timeout, txm._timeout = txm._timeout, 0.3
    w3.provider.make_request("evm_setAutomine", [False])  # type: ignore[arg-type]
    try:
        refused(api.issue("HVT", "HK-0001", "3", key="lost"), 504, "tx_pending")
        (row,) = stored(api)
        assert row.status == "in_doubt"
        body = refused(api.issue("HVT", "HK-0001", "3", key="lost"), 409, "issuance_in_doubt")
        assert len(body["tx_hashes"]) == 1
        w3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]
    finally:
        w3.provider.make_request("evm_setAutomine", [True])  # type: ignore[arg-type]
        txm._timeout = timeout
    settled = ok(api.issue("HVT", "HK-0001", "3", key="lost"), 201)
    assert settled["status"] == "completed" and settled["reconciled"] and settled["tx_hash"] == body["tx_hashes"][0]
    assert api.total_supply("HVT") == 3 * 10**6


def test_every_signed_transaction_is_logged_before_it_is_broadcast(hvt: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    api = hvt
    eth = api.platform.chain.w3.eth
    send = eth.send_raw_transaction
    seen: list[tuple[str, int]] = []

    def checked_send(raw: bytes) -> Any:
        with Session(api.engine) as session:
            latest = session.exec(select(TxLog).order_by(TxLog.id.desc())).first()  # type: ignore[union-attr]
        assert latest is not None and latest.status == "signed"
        seen.append((latest.status, latest.nonce))
        return send(raw)

    monkeypatch.setattr(eth, "send_raw_transaction", checked_send)
    ok(api.issue("HVT", "HK-0001", "1", key="watched"), 201)
    assert len(seen) == 1
    with Session(api.engine) as session:
        (row,) = session.exec(select(TxLog).where(TxLog.ref.startswith("issuance:"))).all()  # type: ignore[union-attr]
    assert row.status == "mined" and row.nonce == seen[0][1] and row.tx_hash and row.gas_used and row.block_number
    log = ok(api.admin.get("/transactions", params={"ref": "issuance:"}))
    assert [(t["status"], t["tx_hash"]) for t in log] == [("mined", row.tx_hash)]
    refused(api.issuer.get("/transactions"), 403, "forbidden")


def test_a_journal_that_cannot_record_a_signed_transaction_forgets_the_nonce() -> None:
    """Nothing is broadcast without its log row, so the next transaction must reuse the nonce."""
    journal = SqlJournal(make_engine("postgresql://nobody@127.0.0.1:1/none"))
    forgotten: list[str | None] = []

    class Nonces:
        def reset_nonce(self, address: str | None = None) -> None:
            forgotten.append(address)

    journal.attach(Nonces())
    with pytest.raises(Exception) as failed:
        journal.record(TxRecord(label="x", sender="0xabc", nonce=7, to=None, data="0x"))
    assert not isinstance(failed.value, RwakitError) and forgotten == ["0xabc"]


# -- value-moving controls: the same machinery, the same guarantees ------------------------------


@pytest.fixture
def held(hvt: Api, wallets: list[str]) -> Api:
    """HK-0001 (wallet 0) holds 100 HVT; SG-0001 (wallet 2) is registered and holds nothing."""
    hvt.register("SG-0001", wallets[2], country="SG")
    ok(hvt.issue("HVT", "HK-0001", "100"), 201)
    return hvt


def controls_stored(api: Api) -> list[ControlRequest]:
    with Session(api.engine) as session:
        return list(session.exec(select(ControlRequest)).all())


def balance(api: Api, wallet: str) -> int:
    return api.platform.assets.balance("HVT", wallet)


def forced(api: Api, wallets: list[str], key: str, amount: str = "10") -> Any:
    order = {"from": wallets[0], "to": "SG-0001", "amount": amount, "reason": "HCMP 1234/2026"}
    return api.issuer.post("/assets/HVT/forced-transfers", json=order, headers={"Idempotency-Key": key})


def audit_actions(api: Api) -> list[str]:
    return [e["action"] for e in ok(api.issuer.get("/audit"))]


def test_a_lost_receipt_leaves_a_forced_transfer_in_doubt_and_it_is_never_sent_again(
    held: Api, wallets: list[str]
) -> None:
    api = held
    w3 = api.platform.chain.w3
    txm = api.platform.txm
    timeout, txm._timeout = txm._timeout, 0.3
    w3.provider.make_request("evm_setAutomine", [False])  # type: ignore[arg-type]
    try:
        refused(forced(api, wallets, "lost"), 504, "tx_pending")
        (row,) = controls_stored(api)
        assert row.status == "in_doubt" and row.steps[0]["status"] == "in_doubt"
        body = refused(forced(api, wallets, "lost"), 409, "control_in_doubt")
        assert body["control_id"] == row.id and len(body["tx_hashes"]) == 1
        refused(forced(api, wallets, "lost", amount="11"), 422, "idempotency_key_reused")
        w3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]
    finally:
        w3.provider.make_request("evm_setAutomine", [True])  # type: ignore[arg-type]
        txm._timeout = timeout
    settled = forced(api, wallets, "lost")
    assert ok(settled)["tx_hash"] == body["tx_hashes"][0] and settled.headers["Idempotent-Replayed"] == "true"
    assert ok(forced(api, wallets, "lost")) == settled.json()
    assert (balance(api, wallets[0]), balance(api, wallets[2])) == (90 * 10**6, 10 * 10**6)  # moved once
    assert audit_actions(api) == ["forced_transfer"] and [r.status for r in controls_stored(api)] == ["completed"]
    journalled = ok(api.admin.get("/transactions", params={"ref": "control:"}))
    assert [t["status"] for t in journalled] == ["mined"]


def test_a_crash_between_the_receipt_and_the_audit_entry_is_completed_on_retry(
    held: Api, wallets: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    api = held

    def crash(*_: Any) -> None:
        raise RuntimeError("the database went away after the transaction was mined")

    monkeypatch.setattr(api.platform.controls, "record", crash)
    redemption = {"wallet": wallets[0], "amount": "4", "reason": "buy-back"}
    with pytest.raises(RuntimeError):
        api.issuer.post("/assets/HVT/redeem", json=redemption, headers={"Idempotency-Key": "burn-4"})
    monkeypatch.undo()
    (row,) = controls_stored(api)
    assert row.status == "in_doubt" and api.total_supply("HVT") == 96 * 10**6 and audit_actions(api) == []
    replay = api.issuer.post("/assets/HVT/redeem", json=redemption, headers={"Idempotency-Key": "burn-4"})
    entry = ok(replay)
    assert replay.headers["Idempotent-Replayed"] == "true" and entry["action"] == "redeem"
    assert entry["details"] == {"wallet": wallets[0], "amount": "4"} and entry["actor"].startswith("api-key:")
    assert api.total_supply("HVT") == 96 * 10**6 and audit_actions(api) == ["redeem"]  # burnt once, recorded once


def test_a_crash_after_a_forced_transfer_is_settled_at_startup(
    held: Api, wallets: list[str], short_lease: None, crash: Crash
) -> None:
    api = held
    crash(StepFaults(before_save=died("the process died here")))
    with pytest.raises(RuntimeError):
        forced(api, wallets, "crashed")
    crash(None)
    (row,) = controls_stored(api)
    assert row.status == "pending" and balance(api, wallets[2]) == 10 * 10**6  # moved, but the row does not say so

    with TestClient(api.client.app):  # a restart: the lifespan reconciles what was left pending
        pass
    (row,) = controls_stored(api)
    assert row.status == "completed" and row.response is not None
    replay = forced(api, wallets, "crashed")
    assert ok(replay) == row.response["body"] and replay.headers["Idempotent-Replayed"] == "true"
    assert balance(api, wallets[2]) == 10 * 10**6 and audit_actions(api) == ["forced_transfer"]


def test_an_error_before_signing_a_control_leaves_no_row_and_frees_the_key(
    held: Api,
    wallets: list[str],
    short_lease: None,
    monkeypatch: pytest.MonkeyPatch,
    crash: Crash,
) -> None:
    api = held

    def broken(*_: Any) -> None:
        raise RuntimeError("a bug before signing")

    monkeypatch.setattr(api.platform.controls, "perform", broken)
    with pytest.raises(RuntimeError):
        forced(api, wallets, "bug")
    assert controls_stored(api) == []

    monkeypatch.undo()
    crash(StepFaults(before_send=died("the process died after claiming the key, before signing")))
    with pytest.raises(RuntimeError):
        forced(api, wallets, "early")
    crash(None)
    assert [r.status for r in controls_stored(api)] == ["pending"]
    assert ok(forced(api, wallets, "early"))["action"] == "forced_transfer"  # settled as not sent, then run afresh
    assert balance(api, wallets[2]) == 10 * 10**6 and len(controls_stored(api)) == 1


def test_a_recovery_everywhere_that_died_between_assets_settles_as_partial_and_is_not_resumed(
    held: Api, wallets: list[str], short_lease: None, crash: Crash
) -> None:
    """Controls run in order: a step left unsent by a crash is not sent by a retry (unlike an
    issuance's chunk); the retry answers what was done, 409 control_partial."""
    api = held
    api.create_asset("PRIF", "1000", 2)
    ok(api.issue("PRIF", wallets[0], "12.34"), 201)
    new = wallets[3]
    ok(api.registrar.post("/investors/HK-0001/wallets", json={"address": new}), 201)
    ok(api.registrar.delete(f"/investors/HK-0001/wallets/{wallets[0]}"))

    def second_asset(ref: str) -> None:
        if ref.endswith("/1"):
            raise RuntimeError("the process died between two assets")

    crash(StepFaults(before_send=second_asset))
    everywhere = {"lost": wallets[0], "new": new, "reason": "ticket 89"}
    with pytest.raises(RuntimeError):
        api.issuer.post("/investors/HK-0001/recover-wallet", json=everywhere, headers={"Idempotency-Key": "t89"})
    crash(None)
    assert [r.status for r in controls_stored(api)] == ["pending"]
    again = api.issuer.post("/investors/HK-0001/recover-wallet", json=everywhere, headers={"Idempotency-Key": "t89"})
    body = refused(again, 409, "control_partial")
    assert [e["action"] for e in body["done"]] == ["recover_wallet"]
    assert [n["error"]["code"] for n in body["not_done"]] == ["not_done"]
    assert [r.status for r in controls_stored(api)] == ["partial"] and audit_actions(api) == ["recover_wallet"]
    assert refused(api.issuer.post("/investors/HK-0001/recover-wallet", json=everywhere,
                                   headers={"Idempotency-Key": "t89"}), 409, "control_partial") == body  # fmt: skip
