"""`rwakit serve --demo --workers 2` on PostgreSQL: two uvicorn processes on one socket issue at once with the
operator's key, every mint lands once; and several workers on SQLite are refused before anything starts."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from pathlib import Path

import httpx
import pytest

from rwakit.chain.connection import http_web3
from rwakit.chain.node import LocalNode, free_port
from rwakit.contracts import load_artifact
from rwakit.platform import Platform
from tests.api.test_serve import RWAKIT, env, pid_alive, wait_for  # noqa: F401 (env: a fixture)
from tests.postgres import fresh_database

RWAKIT_SERVE = [*RWAKIT, "serve"]
TREE = str(Path(__file__).resolve().parents[2])  # subprocesses run this tree, not the editable install's
KEYS = 16  # issuances at once, 8 per worker (a worker's 30 pooled database connections hold ~12 waiting senders)
AMOUNTS = ["1.5", "2", "0.25", "10", "3.000001", "7", "0.5", "4"]  # HVT has 6 decimals


def connection_owners(port: int, pids: list[int]) -> dict[int, int]:
    """Which process holds each established connection to `port`: client port -> pid (from /proc)."""
    inodes: dict[str, int] = {}
    for pid in pids:
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            target = fd.readlink().as_posix() if fd.is_symlink() else ""
            if target.startswith("socket:["):
                inodes[target[8:-1]] = pid
    owners: dict[int, int] = {}
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            local, remote, state, inode = fields[1], fields[2], fields[3], fields[9]
            if state == "01" and int(local.rsplit(":", 1)[1], 16) == port and inode in inodes:
                owners[int(remote.rsplit(":", 1)[1], 16)] = inodes[inode]
    return owners


def clients_on_each_worker(base: str, port: int, pids: list[int], each: int, tries: int = 100) -> list[httpx.Client]:
    """`each` clients per worker, alternating, each holding one keep-alive connection that worker accepted
    (connect until every worker has `each`; the kernel gives a new connection to whichever accepts first)."""
    kept: dict[int, list[httpx.Client]] = {pid: [] for pid in pids}
    seen: set[int] = set()
    for _ in range(tries):
        client = httpx.Client(base_url=base, timeout=60)
        assert client.get("/health").status_code == 200
        owners = connection_owners(port, pids)
        (new,) = set(owners) - seen  # the client port of the connection just opened
        seen.add(new)
        if len(kept[owners[new]]) < each:
            kept[owners[new]].append(client)
        else:
            client.close()
        if all(len(clients) == each for clients in kept.values()):
            return [client for row in zip(*kept.values(), strict=True) for client in row]
    raise AssertionError(f"after {tries} connections the workers accepted {[len(c) for c in kept.values()]}")


@contextmanager
def serving(args: list[str], environment: dict[str, str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    """`rwakit serve` in its own process group: whatever is left of it (the workers too) is killed at the end."""
    with open(log, "wb") as out:
        process = subprocess.Popen([*RWAKIT_SERVE, *args], env=environment, stdout=out, stderr=subprocess.STDOUT,
                                   start_new_session=True)  # fmt: skip
    try:
        yield process
    finally:
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def started_workers(log: Path, process: subprocess.Popen[bytes], count: int) -> tuple[str, list[int]]:
    """The log once `count` workers have started, and their pids (none of them the parent)."""
    text = wait_for(log, rf"(?s)(Application startup complete.*){{{count}}}", process, timeout=120)
    pids = [int(pid) for pid in re.findall(r"Started server process \[(\d+)\]", text)]
    assert len(set(pids)) == count and process.pid not in pids and all(map(pid_alive, pids)), text
    return text, pids


def test_two_workers_on_postgresql_issue_at_once_and_every_mint_lands_once(
    env: dict[str, str],  # noqa: F811
    tmp_path: Path,
) -> None:
    with fresh_database("serve_workers") as url:
        env = {**env, "RWAKIT_DATABASE_URL": url, "PYTHONPATH": TREE}
        port, log = free_port(), tmp_path / "serve.log"
        with serving(["--demo", "--workers", "2", "--port", str(port)], env, log) as process:
            text, pids = started_workers(log, process, 2)
            issuer = dict(re.findall(r"^  (issuer)\s+(rwk_\S+)$", text, re.MULTILINE))["issuer"]
            node_url = re.search(r"Chain: anvil JSON-RPC on (\S+),", text).group(1)  # type: ignore[union-attr]
            base = f"http://127.0.0.1:{port}"
            assert httpx.get(f"{base}/health").json()["database"]["backend"] == "postgresql"

            clients = clients_on_each_worker(base, port, pids, each=KEYS // 2)
            w3 = http_web3(node_url, 30)
            hvt = httpx.get(f"{base}/assets/HVT", headers={"Authorization": f"Bearer {issuer}"}).json()
            token = load_artifact("AssetToken").at(w3, hvt["address"])
            supply = token.functions.totalSupply().call()

            def issue(n: int, key: str, amount: str | None = None) -> httpx.Response:
                """Through client n (they alternate between the workers)."""
                return clients[n].post(
                    "/issuances",
                    json={"asset": "HVT", "to": "HK-0001", "amount": amount or AMOUNTS[n % len(AMOUNTS)]},
                    headers={"Authorization": f"Bearer {issuer}", "Idempotency-Key": key},
                )

            keys = [str(uuid.uuid4()) for _ in range(KEYS)]
            with ThreadPoolExecutor(len(keys)) as pool:
                answers = list(pool.map(issue, range(len(keys)), keys))
            assert [a.status_code for a in answers] == [201] * len(keys), [a.text for a in answers if a.is_error]
            assert len({a.json()["tx_hash"] for a in answers}) == len(keys)
            minted = sum(round(float(AMOUNTS[n % len(AMOUNTS)]) * 10**6) for n in range(len(keys)))
            assert token.functions.totalSupply().call() == supply + minted

            # Hostile: one key sent through both workers at once mints once, and every 201 is that issuance.
            key = str(uuid.uuid4())
            with ThreadPoolExecutor(6) as pool:
                same = list(pool.map(lambda n: issue(n, key, "1.5"), range(6)))
            assert {a.status_code for a in same} <= {201, 409}, "\n".join(a.text for a in same)
            created = {a.json()["id"] for a in same if a.status_code == 201}
            assert len(created) <= 1
            for _ in range(20):  # a 409 (in progress) answer: the one issuance finishes in the other worker
                retried = issue(0, key, "1.5")
                if retried.status_code == 201:
                    break
                time.sleep(0.5)
            assert retried.status_code == 201 and (not created or retried.json()["id"] in created), retried.text
            assert token.functions.totalSupply().call() == supply + minted + 1_500_000
            for client in clients:
                client.close()

            process.send_signal(signal.SIGINT)
            assert process.wait(30) == 0, log.read_text()
            assert not any(map(pid_alive, pids)), "a worker outlived Ctrl-C"
            assert "anvil" in log.read_text().splitlines()[-1] and "stopped" in log.read_text().splitlines()[-1]


def test_two_workers_over_an_existing_deployment_serve_with_the_first_admin_key(
    env: dict[str, str],  # noqa: F811
    tmp_path: Path,
    anvil: LocalNode,
    platform: Platform,
) -> None:
    platform.deployment.save(tmp_path / "data" / "deployment.json")
    with fresh_database("serve_workers") as url:
        env = {**env, "RWAKIT_RPC_URL": anvil.url, "RWAKIT_DATABASE_URL": url, "PYTHONPATH": TREE}
        port, log = free_port(), tmp_path / "serve.log"
        with serving(["--workers", "2", "--port", str(port)], env, log) as process:
            text, pids = started_workers(log, process, 2)
            admin = re.search(r"^  admin\s+(rwk_\S+)$", text, re.MULTILINE).group(1)  # type: ignore[union-attr]
            for client in clients_on_each_worker(f"http://127.0.0.1:{port}", port, pids, each=1):
                assert client.get("/health").json()["contracts"]["deployed"] is True
                assert client.get("/assets", headers={"X-API-Key": admin}).status_code == 200
                client.close()
            process.send_signal(signal.SIGTERM)
            assert process.wait(30) in (0, 143), log.read_text()
            assert not any(map(pid_alive, pids)), "a worker outlived SIGTERM"


@pytest.mark.parametrize("demo", [["--demo"], []], ids=["demo", "deployment"])
def test_several_workers_on_sqlite_are_refused_before_anything_starts(
    env: dict[str, str],  # noqa: F811
    tmp_path: Path,
    demo: list[str],
) -> None:
    done = subprocess.run(
        [*RWAKIT_SERVE, *demo, "--workers", "2", "--port", str(free_port())],
        env={**env, "PYTHONPATH": TREE},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert done.stderr.startswith("error [workers_need_postgresql]:") and "RWAKIT_DATABASE_URL" in done.stderr
    assert "PostgreSQL" in done.stderr and done.stdout == ""  # no chain started, nothing seeded or served
    assert not (tmp_path / "data").exists()


def test_zero_workers_is_a_usage_error(env: dict[str, str]) -> None:  # noqa: F811
    serve = [*RWAKIT_SERVE, "--workers", "0"]
    done = subprocess.run(serve, env={**env, "PYTHONPATH": TREE}, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "--workers" in done.stderr
