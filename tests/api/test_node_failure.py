"""A node that fails: frozen with SIGSTOP mid-request, the API answers 503 at once (every RPC call has
a timeout), and a retry with the same key once the node is back issues what is left, exactly once.

Each test deploys on a node of its own (the session's node is never frozen) and thaws it at the end."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session
from web3.types import TxReceipt

from rwakit.api import create_app
from rwakit.chain.connection import connect_url, dev_signers
from rwakit.chain.node import LocalNode, start_node
from rwakit.chain.transactions import TxRecord
from rwakit.config import Settings
from rwakit.db import make_engine, migrate
from rwakit.db.keys import Role, create_api_key
from rwakit.platform import Platform
from rwakit.registry import InvestorInput
from rwakit.tokenize import AssetSpec
from tests.api.conftest import TestClient, ok, refused

ROWS = [(f"HK-{i:04d}", str(i)) for i in range(1, 7)]  # 6 rows, chunks of 2
TOTAL = sum(int(amount) for _, amount in ROWS) * 10**6


@pytest.fixture(scope="module")
def node() -> Iterator[LocalNode]:
    with start_node("anvil") as started:
        yield started


@dataclass
class Served:
    client: TestClient
    platform: Platform
    node: LocalNode
    headers: dict[str, str]

    def freeze(self) -> None:
        os.kill(self.node.pid, signal.SIGSTOP)

    def thaw(self) -> None:
        os.kill(self.node.pid, signal.SIGCONT)

    @contextmanager
    def frozen(self) -> Iterator[None]:
        self.freeze()
        try:
            yield
        finally:
            self.thaw()

    def issue_batch(self, key: str) -> Any:
        body = {"asset": "HVT", "allocations": [{"to": to, "amount": amount} for to, amount in ROWS]}
        return self.client.post("/issuances/batch", json=body, headers={**self.headers, "Idempotency-Key": key})

    def total_supply(self) -> int:
        return int(self.platform.assets.token("HVT").functions.totalSupply().call())


@pytest.fixture
def served(node: LocalNode, tmp_path: Path) -> Iterator[Served]:
    settings = Settings(_env_file=None, data_dir=tmp_path, issuance_chunk_size=2, sender=False)
    chain = connect_url(node.url, dev_signers(settings), timeout=1.0)
    platform = Platform.deploy(chain)
    platform.assets.create(AssetSpec("Harbour View Tower", "HVT", 6, "property", "1000000"))
    expiry = int(chain.w3.eth.get_block("latest")["timestamp"]) + 365 * 24 * 3600
    for index, (investor_id, _) in enumerate(ROWS, start=1):
        platform.registry.register(InvestorInput(investor_id, [chain.signers[index].address], "HK", "retail", expiry))
    engine = make_engine(f"sqlite:///{tmp_path / 'api.db'}")
    migrate(engine)
    with Session(engine) as session:
        _, key = create_api_key(session, role=Role.ADMIN)
    try:
        with TestClient(create_app(settings, platform=platform, engine=engine)) as client:
            yield Served(client, platform, node, {"Authorization": f"Bearer {key}"})
    finally:
        os.kill(node.pid, signal.SIGCONT)  # whatever a failed test left frozen
        engine.dispose()


def test_a_frozen_node_is_503_at_once_and_health_says_so(served: Served) -> None:
    with served.frozen():
        body = refused(served.client.get("/assets", headers=served.headers), 503, "chain_unavailable")
        assert "did not answer in time" in body["message"]
        health = served.client.get("/health")
        assert health.status_code == 503 and health.json()["chain"]["error"] == (
            "The chain's node did not answer within 2 s"
        )
    assert ok(served.client.get("/health"))["status"] == "ok"


def test_a_batch_cut_short_by_the_node_is_incomplete_and_a_retry_sends_the_rest_once(
    served: Served, monkeypatch: pytest.MonkeyPatch
) -> None:
    issue_batch = served.platform.assets.issue_batch

    def freeze_after_the_first_chunk(asset: str, allocations: list[tuple[str, int]]) -> TxReceipt:
        receipt = issue_batch(asset, allocations)
        served.freeze()
        return receipt

    monkeypatch.setattr(served.platform.assets, "issue_batch", freeze_after_the_first_chunk)
    try:
        body = refused(served.issue_batch("cut"), 503, "issuance_incomplete")
    finally:
        served.thaw()
    monkeypatch.undo()
    assert (body["issued_rows"], body["remaining_rows"]) == (2, 4) and "same Idempotency-Key" in body["message"]
    stored = ok(served.client.get(f"/issuances/{body['issuance_id']}", headers=served.headers))
    assert stored["status"] == "incomplete"
    assert [c["status"] for c in stored["chunks"]] == ["issued", "not_sent", "not_sent"]
    assert [r["status"] for r in stored["rows"]] == ["issued"] * 2 + ["pending"] * 4
    assert served.total_supply() == 3 * 10**6

    done = ok(served.issue_batch("cut"), 201)
    assert done["status"] == "completed" and done["issued_rows"] == 6 and done["id"] == body["issuance_id"]
    assert all(r["error"] is None for r in done["rows"])
    assert served.total_supply() == TOTAL
    again = served.issue_batch("cut")
    assert ok(again, 201) == done and again.headers["Idempotent-Replayed"] == "true"
    assert served.total_supply() == TOTAL


def test_a_chunk_in_doubt_is_settled_then_the_rest_sent_once(served: Served) -> None:
    journal = served.platform.txm.journal
    sent: list[TxRecord] = []

    class FreezeAfterTheSecondBroadcast:
        def record(self, record: TxRecord) -> None:
            journal.record(record)
            if record.status == "sent":
                sent.append(record)
                if len(sent) == 2:
                    served.freeze()  # Anvil mined it on receipt: its outcome is known only to the node

    served.platform.txm.journal = FreezeAfterTheSecondBroadcast()
    try:
        refused(served.issue_batch("doubt"), 503, "chain_unavailable")
        refused(served.issue_batch("doubt"), 503, "chain_unavailable")  # the retry cannot settle it yet
    finally:
        served.thaw()
        served.platform.txm.journal = journal
    done = ok(served.issue_batch("doubt"), 201)
    assert done["status"] == "completed" and done["reconciled"] and done["issued_rows"] == 6
    assert [c["tx_hash"] for c in done["chunks"][:2]] == [r.tx_hash for r in sent]
    assert served.total_supply() == TOTAL
