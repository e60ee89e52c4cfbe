"""Faults on real processes sharing one PostgreSQL: an API process or a sender killed with SIGKILL in the
middle of a batch, the node frozen, the database's connections dropped. Every accepted issuance ends
exactly once: each recipient holds its amount once, and each chunk has one mined transaction.

The node mines a block a second here, so a batch of one-row chunks is slow enough to interrupt."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psycopg2
import pytest
from sqlmodel import Session, select

from rwakit.chain.connection import connect_url, dev_signers
from rwakit.chain.node import LocalNode, free_port, start_node
from rwakit.config import Settings
from rwakit.db import make_engine
from rwakit.db.journal import TxLog
from rwakit.platform import Platform
from rwakit.registry import InvestorInput
from rwakit.tokenize import AssetSpec
from tests.postgres import fresh_database

RWAKIT = [sys.executable, "-m", "rwakit.cli"]
ROWS = 6  # one transaction each, a block a second


@dataclass
class Cluster:
    """A chain, a deployment, one PostgreSQL database, and the rwakit processes started on them."""

    node: LocalNode
    platform: Platform
    env: dict[str, str]
    tmp: Path
    database_url: str
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)
    base: str = ""
    key: str = ""

    def start(self, *args: str, extra: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
        log = self.tmp / f"{args[0]}-{len(self.processes)}.log"
        with open(log, "wb") as out:
            process = subprocess.Popen([*RWAKIT, *args], env={**self.env, **(extra or {})}, stdout=out,
                                       stderr=subprocess.STDOUT, start_new_session=True)  # fmt: skip
        self.processes.append(process)
        process.log = log  # type: ignore[attr-defined]
        return process

    def serve(self, extra: dict[str, str] | None = None, workers: int = 1) -> subprocess.Popen[bytes]:
        port = free_port()
        process = self.start("serve", "--port", str(port), "--workers", str(workers), extra=extra)
        started = f"(?s)(Application startup complete.*){{{workers}}}"
        text = wait_until(lambda: _log(process) if re.search(started, _log(process)) else None, process)
        if match := re.search(r"^  admin\s+(rwk_\S+)$", text, re.MULTILINE):
            self.key = match.group(1)
        self.base = f"http://127.0.0.1:{port}"
        return process

    def post_batch(self, key: str) -> dict[str, Any]:
        body = {"asset": "HVT", "allocations": [{"to": f"HK-{i:04d}", "amount": str(i)} for i in range(1, ROWS + 1)]}
        headers = {"Authorization": f"Bearer {self.key}", "Idempotency-Key": key, "Prefer": "respond-async"}
        answer = httpx.post(f"{self.base}/issuances/batch", json=body, headers=headers, timeout=30)
        assert answer.status_code == 202, answer.text
        return answer.json()  # type: ignore[no-any-return]

    def issuance(self, issuance_id: int) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {self.key}"}
        return httpx.get(f"{self.base}/issuances/{issuance_id}", headers=headers, timeout=30).json()  # type: ignore[no-any-return]

    def issued(self, issuance_id: int, rows: int, process: subprocess.Popen[bytes]) -> None:
        """Wait until at least `rows` rows of the issuance are issued."""
        wait_until(lambda: self.issuance(issuance_id)["issued_rows"] >= rows, process)

    def completed(self, issuance_id: int, process: subprocess.Popen[bytes]) -> dict[str, Any]:
        """The issuance once it is completed."""
        return wait_until(lambda: (r := self.issuance(issuance_id))["status"] == "completed" and r, process)  # type: ignore[no-any-return]

    def exactly_once(self, issuance_id: int) -> None:
        token = self.platform.assets.token("HVT")
        for i in range(1, ROWS + 1):
            assert token.functions.balanceOf(self.platform.chain.signers[i].address).call() == i * 10**6
        engine = make_engine(self.database_url)
        with Session(engine) as session:
            mined = session.exec(select(TxLog.ref).where(TxLog.status == "mined")).all()
        engine.dispose()
        chunks = [ref for ref in mined if ref and ref.startswith(f"issuance:{issuance_id}/")]
        assert sorted(chunks) == sorted(f"issuance:{issuance_id}/{i}" for i in range(ROWS))


def _log(process: subprocess.Popen[bytes]) -> str:
    return process.log.read_text()  # type: ignore[attr-defined, no-any-return]


def _worker_pids(process: subprocess.Popen[bytes]) -> list[int]:
    """The uvicorn workers the server's log says it started, in order."""
    return [int(pid) for pid in re.findall(r"Started server process \[(\d+)\]", _log(process))]


def wait_until(check: Callable[[], Any], process: subprocess.Popen[bytes] | None = None, timeout: float = 90) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if (found := check()) is not None and found is not False:
            return found
        if process is not None:
            assert process.poll() is None, f"exited early:\n{_log(process)}"
        time.sleep(0.2)
    raise AssertionError(f"not within {timeout} s" + (f":\n{_log(process)}" if process else ""))


def kill(process: subprocess.Popen[bytes]) -> None:
    os.killpg(process.pid, signal.SIGKILL)  # the process and anything it started, at once, as a crash would
    process.wait(10)


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[Cluster]:
    with fresh_database("rwakit_faults") as url, start_node("anvil") as node:
        chain = connect_url(node.url, dev_signers(Settings(_env_file=None)))
        platform = Platform.deploy(chain)
        platform.assets.create(AssetSpec("Harbour View Tower", "HVT", 6, "property", "1000000"))
        expiry = int(chain.w3.eth.get_block("latest")["timestamp"]) + 365 * 24 * 3600
        for i in range(1, ROWS + 1):
            platform.registry.register(InvestorInput(f"HK-{i:04d}", [chain.signers[i].address], "HK", "retail", expiry))
        platform.deployment.save(tmp_path / "data" / "deployment.json")
        chain.w3.provider.make_request("evm_setAutomine", [False])  # type: ignore[arg-type]
        chain.w3.provider.make_request("evm_setIntervalMining", [1])  # type: ignore[arg-type]
        clean = {k: v for k, v in os.environ.items() if not k.startswith("RWAKIT_")}
        env = {
            **clean, "PYTHONPATH": os.getcwd(), "RWAKIT_DATA_DIR": str(tmp_path / "data"), "RWAKIT_RPC_URL": node.url,
            "RWAKIT_DATABASE_URL": url, "RWAKIT_ISSUANCE_CHUNK_SIZE": "1", "RWAKIT_ISSUANCE_LEASE_SECONDS": "4",
            "RWAKIT_SENDER_RETRY_SECONDS": "0.5", "RWAKIT_API_INDEXER": "false", "RWAKIT_RPC_TIMEOUT": "2",
        }  # fmt: skip
        served = Cluster(node, platform, env, tmp_path, url)
        try:
            yield served
        finally:
            os.kill(node.pid, signal.SIGCONT)
            for process in served.processes:
                if process.poll() is None:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait(10)


def test_an_api_process_killed_mid_batch_is_finished_by_the_next_one_exactly_once(cluster: Cluster) -> None:
    first = cluster.serve()
    accepted = cluster.post_batch("kill-the-api")
    cluster.issued(accepted["id"], 2, first)
    kill(first)
    assert cluster.platform.assets.token("HVT").functions.totalSupply().call() < sum(range(1, ROWS + 1)) * 10**6
    second = cluster.serve()
    done = cluster.completed(accepted["id"], second)
    assert done["reconciled"] and done["issued_rows"] == ROWS
    cluster.exactly_once(accepted["id"])


def test_every_worker_of_a_server_killed_mid_batch_restarts_and_finishes_it_exactly_once(cluster: Cluster) -> None:
    """uvicorn's supervisor starts a worker again when one dies; the new workers' senders take the batch
    over once its lease has run out."""
    server = cluster.serve(workers=2)
    accepted = cluster.post_batch("kill-the-workers")
    cluster.issued(accepted["id"], 2, server)
    workers = _worker_pids(server)
    assert len(workers) == 2 and server.pid not in workers
    for pid in workers:
        os.kill(pid, signal.SIGKILL)
    done = cluster.completed(accepted["id"], server)
    assert done["reconciled"] and done["issued_rows"] == ROWS
    restarted = set(_worker_pids(server)) - set(workers)
    assert len(restarted) == 2
    cluster.exactly_once(accepted["id"])


def test_a_sender_process_killed_mid_batch_is_finished_by_another_exactly_once(cluster: Cluster) -> None:
    api = cluster.serve({"RWAKIT_SENDER": "false"})  # accepts only
    accepted = cluster.post_batch("kill-the-sender")
    time.sleep(1.5)
    assert cluster.issuance(accepted["id"])["status"] == "queued"  # nobody sends in the API process
    sender = cluster.start("sender")
    cluster.issued(accepted["id"], 2, sender)
    kill(sender)
    cluster.start("sender")
    done = cluster.completed(accepted["id"], api)
    assert done["issued_rows"] == ROWS
    cluster.exactly_once(accepted["id"])


def test_a_frozen_node_holds_the_batch_which_completes_when_it_is_back(cluster: Cluster) -> None:
    api = cluster.serve()
    accepted = cluster.post_batch("node-down")
    cluster.issued(accepted["id"], 1, api)
    os.kill(cluster.node.pid, signal.SIGSTOP)
    time.sleep(5)  # the sender's calls time out; it backs off and keeps the row
    assert cluster.issuance(accepted["id"])["status"] != "completed"
    os.kill(cluster.node.pid, signal.SIGCONT)
    done = cluster.completed(accepted["id"], api)
    assert done["issued_rows"] == ROWS
    cluster.exactly_once(accepted["id"])


def test_dropped_database_connections_lose_no_request(cluster: Cluster) -> None:
    """What a PostgreSQL restart does to the API's processes: every connection is cut."""
    api = cluster.serve()
    accepted = cluster.post_batch("db-restart")
    cluster.issued(accepted["id"], 1, api)
    name = cluster.database_url.rsplit("/", 1)[1]
    admin = psycopg2.connect(cluster.database_url)
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid()",
            (name,),
        )
        assert cursor.fetchone()[0] >= 1
    admin.close()
    done = cluster.completed(accepted["id"], api)
    assert done["issued_rows"] == ROWS
    cluster.exactly_once(accepted["id"])
