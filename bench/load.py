"""Load benchmark of the HTTP API's issuances with 1, 2 and 4 API worker processes on one PostgreSQL.

Run from the repository root with the virtualenv active (PostgreSQL on loopback, trust auth):

    python bench/load.py [--postgres URL] [--clients 8] [--requests 150] [--seconds 60] [--workers 1,2,4]

Everything is on loopback. One Anvil is started (and stopped at the end); a fresh PostgreSQL database
is created on the server of --postgres (and dropped at the end); the platform is deployed and seeded as
`rwakit serve --demo` does (rwakit.demo: investors, HVT and PRIF; an issuer key). Then, for each worker
count, `rwakit serve --workers N` runs over that deployment and database, and --clients threads, each
with its own keep-alive connection, POST /issuances (one mint of HVT to a demo investor, a fresh
Idempotency-Key each, the issuer's key) until --requests answers or --seconds have passed; a warm-up
request per client comes first and is not timed. Every mint is signed by the one issuer key, so every
worker's sender takes the same PostgreSQL advisory lock (rwakit.db.send_gate).

Per worker count: throughput (201 answers per second), p50 and p95 latency, 5xx and other non-201
answers (no answer at all counts there too), and the duplicate check: issuance transaction references
(tx_log.ref) mined twice (must be 0), and how far the token's totalSupply rose beyond the sum of the 201
answers' amounts, warm-ups included (base units: a request answered 5xx after its mint was sent). Where
the time goes: CPU seconds per issuance of the API processes, of Anvil and of PostgreSQL (from /proc),
of this bench's client threads, the cores busy on the whole machine and how much of that was other
processes', and the share of the time a sender held the issuer key's advisory lock with the mean number
of senders waiting for it (pg_locks, sampled every 20 ms).
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from statistics import quantiles
from typing import TYPE_CHECKING

import httpx
import psycopg2
from gas import table

from rwakit.api.server import seed_demo
from rwakit.chain.connection import connect_url, dev_signers
from rwakit.chain.node import free_port, start_node
from rwakit.config import Settings
from rwakit.contracts import load_artifact
from rwakit.db import SqlJournal, make_engine, migrate
from rwakit.db.audit import SqlAuditLog
from rwakit.db.send_gate import PostgresGate
from rwakit.demo import run_demo
from rwakit.platform import Platform

if TYPE_CHECKING:
    from eth_typing import ChecksumAddress

    from rwakit.chain.transactions import SharedCount

ROOT = Path(__file__).resolve().parents[1]
RECIPIENTS = ("HK-0001", "HK-0002", "SG-0001")  # HVT holders of the demo
DECIMALS = 6  # HVT's
TICK = os.sysconf("SC_CLK_TCK")
ALONE = 20  # mints sent one at a time to time the sender lock uncontended


@dataclass
class Seeded:
    hvt: str
    issuer: str  # the issuer's API key
    lock_key: int  # the advisory-lock key of the issuer's signer
    held_alone: float  # seconds a mint holds the lock when it is the only one


@dataclass
class Run:
    workers: int
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)
    minted: int = 0  # base units of every 201, warm-ups included
    supply_rise: int = 0
    twice_mined: int = 0
    cpu: dict[str, float] = field(default_factory=dict)  # CPU seconds in the timed window
    cores: float = 0.0  # cores busy in the timed window, every process of the machine
    held: float = 0.0  # share of the window a sender held the issuer key's lock
    waiting: float = 0.0  # mean senders waiting on it
    errors: dict[str, str] = field(default_factory=dict)  # an answer of each error code seen

    @property
    def created(self) -> int:
        return self.statuses.count(201)


# -- the database, the chain, the servers ---------------------------------------------------------


@contextmanager
def fresh_database(server: str) -> Iterator[str]:
    admin = psycopg2.connect(server, connect_timeout=3)
    admin.autocommit = True
    name = f"bench_load_{secrets.token_hex(3)}"
    with admin.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    try:
        yield server.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


class TimedGate:
    """The PostgreSQL sender gate, timing how long each send holds the lock."""

    def __init__(self, gate: PostgresGate) -> None:
        self.gate = gate
        self.held: list[float] = []

    @contextmanager
    def hold(self, address: ChecksumAddress) -> Iterator[SharedCount | None]:
        with self.gate.hold(address) as shared:
            started = time.perf_counter()
            yield shared
        self.held.append(time.perf_counter() - started)

    def forget(self) -> None:
        self.gate.forget()


def seed(data_dir: Path, database: str, node_url: str) -> Seeded:
    """The demo deployed and seeded, then mints sent one at a time through the sender gate the API uses."""
    settings = Settings(data_dir=data_dir, database_url=database, rpc_url=node_url)
    engine = make_engine(database)
    migrate(engine)
    chain = connect_url(node_url, dev_signers(settings))
    platform = Platform.deploy(chain, journal=SqlJournal(engine), audit=SqlAuditLog(engine))
    platform.deployment.save(settings.deployment_file)
    addresses = run_demo(platform, lambda _line: None)
    keys = seed_demo(engine, platform)
    gate = TimedGate(PostgresGate(engine, chain.w3))
    platform.txm.gate = gate
    for _ in range(ALONE):
        platform.assets.issue("HVT", RECIPIENTS[0], "0.000001")
    engine.dispose()
    lock_key = gate.gate.key(chain.operator.address)  # the operator signs the mints
    return Seeded(addresses["HVT"], keys["issuer"], lock_key, sum(gate.held) / len(gate.held))


@contextmanager
def serving(workers: int, env: dict[str, str], log: Path) -> Iterator[tuple[str, list[int]]]:
    """`rwakit serve --workers N` on a free port until every worker has started: its URL and the API pids."""
    port = free_port()
    with open(log, "wb") as out:
        process = subprocess.Popen([sys.executable, "-m", "rwakit.cli", "serve", "--workers", str(workers),
                                    "--port", str(port)], env=env, stdout=out, stderr=subprocess.STDOUT,
                                   start_new_session=True)  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        while len(re.findall("Application startup complete", log.read_text())) < workers:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"rwakit serve --workers {workers} did not start:\n{log.read_text()}")
            time.sleep(0.2)
        pids = [int(pid) for pid in re.findall(r"Started server process \[(\d+)\]", log.read_text())]
        yield f"http://127.0.0.1:{port}", pids
    finally:
        process.terminate()  # uvicorn stops its workers on SIGTERM
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, 9)
            process.wait()


# -- measurements ---------------------------------------------------------------------------------


def cpu_seconds(pids: Sequence[int]) -> dict[int, float]:
    """Each live process's CPU seconds so far (user and system)."""
    seconds = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        seconds[pid] = (int(fields[11]) + int(fields[12])) / TICK  # utime, stime
    return seconds


def postgres_pids() -> list[int]:
    return [int(p.name) for p in Path("/proc").iterdir() if p.name.isdigit() and _comm(p) == "postgres"]


def _comm(proc: Path) -> str:
    try:
        return (proc / "comm").read_text().strip()
    except OSError:
        return ""


def machine_ticks() -> tuple[int, int]:
    """(busy, total) jiffies of every core since boot."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]  # idle, iowait
    return sum(values) - idle, sum(values)


class SenderLock(threading.Thread):
    """Samples the issuer key's sender lock (rwakit.db.send_gate) in pg_locks every 20 ms: whether a sender
    holds it, and how many wait for it."""

    def __init__(self, database: str, key: int) -> None:
        super().__init__(daemon=True)
        unsigned = key & (2**64 - 1)  # pg_locks shows a bigint advisory key as two unsigned 32-bit halves
        self.database, self.halves = database, (unsigned >> 32, unsigned & (2**32 - 1))
        self.samples: list[tuple[int, int]] = []
        self.stopping = threading.Event()

    def run(self) -> None:
        connection = psycopg2.connect(self.database)
        connection.autocommit = True
        with connection.cursor() as cursor:
            while not self.stopping.wait(0.02):
                cursor.execute(
                    "SELECT count(*) FILTER (WHERE granted), count(*) FILTER (WHERE NOT granted) FROM pg_locks "
                    "WHERE locktype = 'advisory' AND classid = %s AND objid = %s AND objsubid = 1",
                    self.halves,
                )
                self.samples.append(cursor.fetchone())
        connection.close()

    def stop(self) -> tuple[float, float]:
        """The share of samples in which a sender held the lock, and the mean number waiting."""
        self.stopping.set()
        self.join()
        count = max(len(self.samples), 1)
        return sum(1 for held, _ in self.samples if held) / count, sum(w for _, w in self.samples) / count


def load(base: str, issuer: str, run: Run, clients: int, requests: int, seconds: float, pids: list[int],
         others: dict[str, Callable[[], list[int]]], database: str, lock_key: int) -> None:  # fmt: skip
    headers = {"Authorization": f"Bearer {issuer}"}
    lock = threading.Lock()
    issued = [0]

    def issue(client: httpx.Client, n: int) -> tuple[int, float]:
        amount = Decimal(n % 7 + 1) / 10**DECIMALS
        body = {"asset": "HVT", "to": RECIPIENTS[n % len(RECIPIENTS)], "amount": str(amount)}
        started = time.perf_counter()
        try:
            answer = client.post("/issuances", json=body, headers={**headers, "Idempotency-Key": str(uuid.uuid4())})
        except httpx.TransportError as exc:  # no answer: counted with the other non-201s
            with lock:
                run.errors.setdefault(type(exc).__name__, f"no answer: {exc!r}")
            return 0, time.perf_counter() - started
        took = time.perf_counter() - started
        with lock:
            if answer.status_code == 201:
                run.minted += int(amount * 10**DECIMALS)
            else:
                code = answer.json().get("code", "") if "json" in answer.headers.get("content-type", "") else ""
                run.errors.setdefault(code or str(answer.status_code), answer.text[:300])
        return answer.status_code, took

    def client_loop(client: httpx.Client, deadline: float) -> None:
        while time.monotonic() < deadline:
            with lock:
                if issued[0] >= requests:
                    return
                issued[0] += 1
                n = issued[0]
            status, took = issue(client, n)
            with lock:
                run.statuses.append(status)
                run.latencies.append(took)

    connections = [httpx.Client(base_url=base, timeout=120) for _ in range(clients)]
    try:
        warm = [threading.Thread(target=issue, args=(c, i)) for i, c in enumerate(connections)]
        for thread in warm:
            thread.start()
        for thread in warm:
            thread.join()
        sender_lock = SenderLock(database, lock_key)
        groups = {"api": lambda: pids, "postgres": postgres_pids, **others}
        before = {name: cpu_seconds(group()) for name, group in groups.items()}
        busy0, total0 = machine_ticks()
        sender_lock.start()
        started = time.monotonic()
        deadline = started + seconds
        threads = [threading.Thread(target=client_loop, args=(c, deadline)) for c in connections]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        run.seconds = time.monotonic() - started
        run.held, run.waiting = sender_lock.stop()
        busy1, total1 = machine_ticks()
        run.cores = (busy1 - busy0) / max(total1 - total0, 1) * (os.cpu_count() or 1)
        for name, group in groups.items():  # a backend that started meanwhile: all of its time is in the window
            after = cpu_seconds(group())
            run.cpu[name] = sum(after.values()) - sum(before[name].get(pid, 0.0) for pid in after)
    finally:
        for client in connections:
            client.close()


def mined_twice(database: str) -> int:
    with psycopg2.connect(database) as connection, connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM (SELECT ref FROM tx_log WHERE ref LIKE 'issuance:%%' AND status = 'mined' "
            "GROUP BY ref HAVING count(*) > 1) AS twice"
        )
        return int(cursor.fetchone()[0])


# -- the report -----------------------------------------------------------------------------------


def report(runs: list[Run], clients: int, held_alone: float) -> str:
    rows = []
    for r in runs:
        p50, p95 = (quantiles(r.latencies, n=100)[i] * 1000 for i in (49, 94)) if len(r.latencies) > 1 else (0, 0)
        server_errors = sum(1 for s in r.statuses if s >= 500)
        other = sum(1 for s in r.statuses if s != 201 and s < 500)
        unanswered = r.supply_rise - r.minted  # base units minted by requests answered otherwise (a 5xx after sending)
        per = max(r.created, 1)
        rows.append([
            str(r.workers), f"{r.created / r.seconds:.1f}", f"{p50:.0f}", f"{p95:.0f}", str(server_errors), str(other),
            str(r.twice_mined), str(unanswered),
            *(f"{r.cpu[group] / per * 1000:.0f}" for group in ("api", "anvil", "postgres", "clients")),
            f"{r.cores:.2f}", f"{r.cores - sum(r.cpu.values()) / r.seconds:.2f}", f"{r.held:.0%}",
            f"{r.held * r.seconds / per * 1000:.0f}", f"{r.waiting:.1f}",
        ])  # fmt: skip
    first, last = runs[0], runs[-1]
    ratio = (last.created / last.seconds) / (first.created / first.seconds)
    headers = ["workers", "issuances/s", "p50 ms", "p95 ms", "5xx", "other non-201", "keys minted twice",
               "minted without 201", "API CPU ms/iss.", "Anvil CPU ms/iss.", "PostgreSQL CPU ms/iss.",
               "clients CPU ms/iss.", "cores busy", "of which other processes", "sender lock held", "lock ms/iss.",
               "senders waiting"]  # fmt: skip
    title = f"Single issuances over HTTP, {clients} clients, one issuer key; {os.cpu_count()} cores"
    ratio_line = f"{last.workers} workers / {first.workers} worker: {ratio:.2f}x the throughput"
    alone = f"One mint at a time holds the sender lock {held_alone * 1000:.0f} ms (mean of {ALONE}, in-process)"
    return "\n".join([title, "", table(headers, rows), "", ratio_line, alone])


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/test",
                        help="a PostgreSQL server (any database on it): a fresh database is made there")  # fmt: skip
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients")
    parser.add_argument("--requests", type=int, default=150, help="timed issuances per worker count")
    parser.add_argument("--seconds", type=float, default=60, help="time cap per worker count")
    parser.add_argument("--workers", default="1,2,4", help="worker counts, comma-separated")
    args = parser.parse_args(argv)
    counts = [int(w) for w in args.workers.split(",")]
    runs: list[Run] = []
    with start_node("anvil") as node, fresh_database(args.postgres) as database, tempfile.TemporaryDirectory() as tmp:
        seeded = seed(Path(tmp) / "data", database, node.url)
        token = load_artifact("AssetToken").at(connect_url(node.url, []).w3, seeded.hvt)
        clean = {k: v for k, v in os.environ.items() if not k.startswith("RWAKIT_")}
        env = {**clean, "PYTHONPATH": str(ROOT), "RWAKIT_DATA_DIR": str(Path(tmp) / "data"),
               "RWAKIT_DATABASE_URL": database, "RWAKIT_RPC_URL": node.url}  # fmt: skip
        for workers in counts:
            run = Run(workers)
            supply = token.functions.totalSupply().call()
            twice = mined_twice(database)
            with serving(workers, env, Path(tmp) / f"serve-{workers}.log") as (base, pids):
                others = {"anvil": lambda: [node.pid], "clients": lambda: [os.getpid()]}
                load(base, seeded.issuer, run, args.clients, args.requests, args.seconds, pids, others, database,
                     seeded.lock_key)  # fmt: skip
            run.supply_rise = token.functions.totalSupply().call() - supply
            run.twice_mined = mined_twice(database) - twice
            runs.append(run)
            print(f"{workers} worker(s): {run.created} issued in {run.seconds:.1f} s", file=sys.stderr)
            for answer in run.errors.values():
                print(f"  {answer}", file=sys.stderr)
    print(report(runs, args.clients, seeded.held_alone))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
