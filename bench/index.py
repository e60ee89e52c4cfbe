"""Read-model benchmark: indexing throughput, catching up after a restart, and reads from the index
against a chain replay.

Run from the repository root with the virtualenv active:

    python bench/index.py [--holders 100,1000,2000,10000] [--logs 100000] [--postgres URL] [--json PATH]

One Anvil is started for the run (and stopped at the end, also on error). On it the platform is
deployed and populated through the Python services, in batches as an issuer would:

- max(--holders) investors registered; one asset per size in --holders, issued to that many of
  them (one Transfer each);
- 50 more assets, each issued to the first investor (the holdings read).

That is indexed from scratch into SQLite (a file). Then --logs more events are added (batch mints to
existing holders) and a new indexer over the same file catches up from its cursor, as after a
restart. Last, every event is indexed from scratch into PostgreSQL (a fresh database on --postgres;
skipped if empty). Each is timed: logs/s.

Then `rwakit serve` is started over the SQLite index and every read goes through HTTP with a staff
key, p50/p95 over --repeat requests: the cap table at each size against `platform.assets.cap_table`
(the chain replay, sizes up to 2,000: it takes seconds), and the holdings of the first investor
across every asset. Each read is timed on a standing index, and right after a new block that the
request asks for (`min_block`, so the time includes the index catching up that block): an empty
block, a transfer in the asset (a forced transfer between two holders) and an issuance in it (which
changes every holder's share of supply). The goals are printed with what was measured. Times vary
between runs on shared machines: compare the ratios of one run.
"""


from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session, text
from web3 import Web3
from web3.types import RPCEndpoint

from rwakit.chain.connection import connect_url
from rwakit.chain.node import free_port, start_node
from rwakit.chain.signer import DevKeySigner, Signer
from rwakit.config import DEV_MNEMONIC
from rwakit.db import make_engine, migrate
from rwakit.db.keys import Role, create_api_key
from rwakit.indexer.follower import Indexer
from rwakit.platform import Platform
from rwakit.registry.models import InvestorInput
from rwakit.tokenize.models import AssetSpec

HOLDERS = (100, 1_000, 2_000, 10_000)
LOGS = 100_000
REPLAY_MAX = 2_000  # the replay takes ~3 ms per holder: larger sizes only lengthen the run
HOLDINGS_ASSETS = 50
REGISTER_BATCH = 250  # investors per registration transaction (fits the block gas limit)
ISSUE_BATCH = 250  # new holders per batchMint
TOP_UP_BATCH = 500  # existing holders per batchMint (cheaper per row)
YEAR = 365 * 24 * 3600
AFTER = ("an empty block", "a transfer in it", "an issuance in it")  # what precedes a timed read


def wallet(i: int) -> str:
    """A deterministic address with realistic bytes; nobody needs its key."""
    return Web3.to_checksum_address(Web3.keccak(text=f"rwakit-index-bench-{i}")[12:])


def investor_id(i: int) -> str:
    return f"IB-{i:06d}"


def chunks(n: int, size: int) -> Iterator[range]:
    for start in range(0, n, size):
        yield range(start, min(n, start + size))


def populate(platform: Platform, holders: Sequence[int], say: Callable[[str], None]) -> None:
    """Register, create and issue as the module docstring says."""
    expiry = int(platform.chain.w3.eth.get_block("latest")["timestamp"]) + YEAR
    for rows in chunks(max(holders), REGISTER_BATCH):
        platform.registry.register_batch(
            [InvestorInput(investor_id(i), [wallet(i)], "HK", "professional", expiry) for i in rows]
        )
    say(f"registered {max(holders):,} investors")
    for size in holders:
        symbol = f"CT{size}"
        platform.assets.create(AssetSpec(f"Cap table {size}", symbol, 18, "fund", 10**9))
        for rows in chunks(size, ISSUE_BATCH):
            platform.assets.issue_batch(symbol, [(wallet(i), 10**18) for i in rows])
        say(f"{symbol}: {size:,} holders")
    for n in range(HOLDINGS_ASSETS):
        symbol = f"H{n:02d}"
        platform.assets.create(AssetSpec(f"Holding {n}", symbol, 6, "property", 10**9))
        platform.assets.issue(symbol, wallet(0), 10**6 * (n + 1))
    say(f"{HOLDINGS_ASSETS} assets held by {investor_id(0)}")


def top_up(platform: Platform, holders: Sequence[int], logs: int, say: Callable[[str], None]) -> None:
    """`logs` more Transfer events: batch mints to the largest asset's existing holders."""
    top, added = max(holders), 0
    while added < logs:
        rows = range(min(TOP_UP_BATCH, logs - added, top))
        platform.assets.issue_batch(f"CT{top}", [(wallet(i), 1) for i in rows])
        added += len(rows)
    say(f"{added:,} more events")


@contextmanager
def postgres_database(url: str, name: str) -> Iterator[str]:
    """A fresh database on the server at `url`, dropped afterwards."""
    admin = make_engine(url).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.engine.dispose()


def percentiles(samples: Sequence[float]) -> tuple[float, float]:
    """p50 and p95 in milliseconds."""
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered) * 1000, p95 * 1000


def timed_get(client: httpx.Client, path: str, repeat: int, new_block: Callable[[], int] | None = None
              ) -> tuple[float, float]:  # fmt: skip
    """p50/p95 of GET `path`, on a standing index, or with `new_block` making a block before each
    request, which asks for it (min_block): the time then includes the index catching it up."""
    client.get(path).raise_for_status()  # warm connections and the kept answer once
    samples = []
    for _ in range(repeat):
        params = {"min_block": new_block()} if new_block else {}
        start = time.perf_counter()
        client.get(path, params=params).raise_for_status()
        samples.append(time.perf_counter() - start)
    return percentiles(samples)


def block_makers(platform: Platform, symbol: str) -> dict[str, Callable[[], int]]:
    """For each of AFTER, a function that makes such a block and returns its number."""
    provider, w3 = platform.chain.w3.provider, platform.chain.w3
    turn = [0]

    def empty() -> int:
        provider.make_request(RPCEndpoint("evm_mine"), [])
        return int(w3.eth.block_number)

    def transfer() -> int:  # back and forth between the first two holders: no holder joins or leaves
        turn[0] += 1
        sender, to = (wallet(0), wallet(1)) if turn[0] % 2 else (wallet(1), wallet(0))
        return int(platform.controls.forced_transfer(symbol, sender, to, 1, reason="bench")["blockNumber"])

    def issuance() -> int:
        return int(platform.assets.issue(symbol, wallet(0), 1)["blockNumber"])

    return dict(zip(AFTER, (empty, transfer, issuance), strict=True))


@contextmanager
def api_server(data_dir: Path, rpc_url: str, db_url: str) -> Iterator[str]:
    """`rwakit serve` over the deployment in `data_dir` and the index in `db_url`; stopped by PID."""
    port = free_port()
    env = {**os.environ, "RWAKIT_DATA_DIR": str(data_dir), "RWAKIT_RPC_URL": rpc_url, "RWAKIT_DATABASE_URL": db_url}
    log = (data_dir / "api.log").open("w")
    process = subprocess.Popen([sys.executable, "-m", "rwakit.cli", "serve", "--port", str(port)], env=env,
                               stdout=log, stderr=subprocess.STDOUT)  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/health", timeout=2).status_code < 500:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"The API did not start: see {data_dir / 'api.log'}")
            time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


def staff_key(engine: Engine) -> str:
    with Session(engine) as session:
        return create_api_key(session, role=Role.ISSUER, name="bench")[1]


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]

    def line(cells: Sequence[str]) -> str:
        padded = (c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(zip(cells, widths, strict=True)))
        return "| " + " | ".join(padded) + " |"

    rule = "|" + "|".join("-" * (w + 1) + (":" if i else "-") for i, w in enumerate(widths)) + "|"
    return "\n".join([line(header), rule, *(line(r) for r in rows)])


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--holders", default=",".join(map(str, HOLDERS)), help="cap table sizes (%(default)s)")
    parser.add_argument("--logs", type=int, default=LOGS, help="events caught up after a restart (%(default)s)")
    parser.add_argument("--postgres", default=os.environ.get("RWAKIT_TEST_POSTGRES_URL", ""),
                        help="a PostgreSQL server URL (default RWAKIT_TEST_POSTGRES_URL; empty: skipped)")  # fmt: skip
    parser.add_argument("--repeat", type=int, default=30, help="requests per timed read (%(default)s)")
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write the measurements as JSON")
    args = parser.parse_args(argv)
    holders = sorted(int(h) for h in args.holders.split(","))
    say = lambda line: print(line, file=sys.stderr, flush=True)  # noqa: E731 - progress beside the table
    signers: list[Signer] = [DevKeySigner.from_mnemonic(DEV_MNEMONIC, i) for i in range(2)]
    results: dict[str, Any] = {"holders": holders}
    with start_node("anvil") as node, tempfile.TemporaryDirectory(prefix="rwakit-index-bench-") as tmp:
        data_dir = Path(tmp)
        chain = connect_url(node.url, signers)
        platform = Platform.deploy(chain)
        platform.deployment.save(data_dir / "deployment.json")
        started = time.perf_counter()
        populate(platform, holders, say)
        results["populate_seconds"] = time.perf_counter() - started
        results["indexing"] = index_runs(platform, holders, data_dir, args.logs, args.postgres, say)
        sqlite_url = results["indexing"][0]["url"]
        engine = make_engine(sqlite_url)
        key = staff_key(engine)
        reads: list[dict[str, Any]] = []
        with api_server(data_dir, node.url, sqlite_url) as url:
            client = httpx.Client(base_url=url, headers={"Authorization": f"Bearer {key}"}, timeout=120)
            for size in holders:
                path, what = f"/assets/CT{size}/cap-table", f"cap table, {size:,} holders"
                p50, p95 = timed_get(client, path, args.repeat)
                replay = None
                if size <= REPLAY_MAX:
                    start = time.perf_counter()
                    platform.assets.cap_table(f"CT{size}")
                    replay = (time.perf_counter() - start) * 1000
                reads.append({"read": f"{what}, standing index", "p50": p50, "p95": p95, "replay": replay})
                for after, make in block_makers(platform, f"CT{size}").items():
                    p50, p95 = timed_get(client, path, args.repeat, make)
                    reads.append({"read": f"{what}, after {after}", "p50": p50, "p95": p95, "replay": None})
            what = f"holdings across {HOLDINGS_ASSETS + len(holders)} assets"
            path = f"/investors/{investor_id(0)}/holdings"
            p50, p95 = timed_get(client, path, args.repeat)
            reads.append({"read": f"{what}, standing index", "p50": p50, "p95": p95, "replay": None})
            p50, p95 = timed_get(client, path, args.repeat, block_makers(platform, "H00")[AFTER[0]])
            reads.append({"read": f"{what}, after {AFTER[0]}", "p50": p50, "p95": p95, "replay": None})
        results["reads"] = reads
    print(report(results))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    return 0


def report(results: dict[str, Any]) -> str:
    indexing = table(
        ["indexing", "logs", "seconds", "logs/s"],
        [[run["database"], f"{run['logs']:,}", f"{run['seconds']:.1f}", f"{run['logs'] / run['seconds']:,.0f}"]
         for run in results["indexing"]],
    )  # fmt: skip
    reads = table(
        ["read (HTTP, staff key)", "p50 ms", "p95 ms", "chain replay ms", "replay / index p50"],
        [[r["read"], f"{r['p50']:.1f}", f"{r['p95']:.1f}", "—" if r["replay"] is None else f"{r['replay']:,.0f}",
          "—" if r["replay"] is None else f"{r['replay'] / r['p50']:,.0f}x"] for r in results["reads"]],
    )  # fmt: skip
    goals = table(["goal", "measured", "met"], [[g, m, "yes" if ok else "NO"] for g, m, ok in goal_rows(results)])
    return f"Indexing (Anvil, one run)\n\n{indexing}\n\nReads\n\n{reads}\n\nGoals\n\n{goals}\n"


def goal_rows(results: dict[str, Any]) -> list[tuple[str, str, bool]]:
    """Each goal, the worst figure measured against it, and whether it is met."""
    rows: list[tuple[str, str, bool]] = []
    reads = results["reads"]
    largest = f"cap table, {max(results['holders']):,} holders"
    worst = max((r for r in reads if r["read"].startswith(largest)), key=lambda r: r["p95"])
    rows.append((f"{largest}: p95 <= 50 ms", f"{worst['p95']:.1f} ms ({worst['read'][len(largest) + 2:]})",
                 worst["p95"] <= 50))  # fmt: skip
    held = max((r for r in reads if r["read"].startswith("holdings")), key=lambda r: r["p95"])
    rows.append(("holdings across 50 assets: p95 <= 20 ms", f"{held['p95']:.1f} ms ({held['read'].split(', ')[-1]})",
                 held["p95"] <= 20))  # fmt: skip
    replayed = [r for r in reads if r["replay"] is not None]
    if replayed:
        r = max(replayed, key=lambda r: int(r["read"].split()[2].replace(",", "")))
        rows.append((f"{r['read'].split(', standing')[0]}: >= 100x the replay", f"{r['replay'] / r['p50']:,.0f}x",
                     r["replay"] / r["p50"] >= 100))  # fmt: skip
    for run in results["indexing"]:
        if run["database"].startswith("PostgreSQL"):
            rate = run["logs"] / run["seconds"]
            rows.append(("PostgreSQL: >= 5,000 logs/s", f"{rate:,.0f} logs/s", rate >= 5_000))
    return rows


def chain_logs(platform: Platform) -> int:
    """Every log on the bench's chain is the platform's: count them in one raw eth_getLogs."""
    query = {"fromBlock": hex(platform.deployment.block_number), "toBlock": "latest"}
    return len(platform.chain.w3.provider.make_request(RPCEndpoint("eth_getLogs"), [query])["result"])


def catch_up(platform: Platform, url: str) -> float:
    """Seconds for a new indexer over the database at `url` to catch up from its cursor (none: the
    deployment block) to the node's head."""
    engine = make_engine(url)
    migrate(engine)
    indexer = Indexer(platform.chain.w3, engine, platform.deployment)
    try:
        start = time.perf_counter()
        indexer.catch_up()
        return time.perf_counter() - start
    finally:
        indexer.close()
        engine.dispose()


def index_runs(platform: Platform, holders: Sequence[int], data_dir: Path, logs: int, postgres: str,
               say: Callable[[str], None]) -> list[dict[str, Any]]:  # fmt: skip
    """SQLite from scratch; `logs` more events, caught up after a restart; PostgreSQL from scratch. The
    SQLite index is kept for the reads."""
    sqlite_url = f"sqlite:///{(data_dir / 'rwakit.db').as_posix()}"
    before = chain_logs(platform)
    runs = [{"database": "SQLite, from scratch", "url": sqlite_url, "logs": before,
             "seconds": catch_up(platform, sqlite_url)}]  # fmt: skip
    say(f"SQLite: {before:,} logs in {runs[-1]['seconds']:.1f} s")
    top_up(platform, holders, logs, say)
    total = chain_logs(platform)
    runs.append({"database": "SQLite, after a restart", "url": sqlite_url, "logs": total - before,
                 "seconds": catch_up(platform, sqlite_url)})  # fmt: skip
    say(f"SQLite, after a restart: {total - before:,} logs in {runs[-1]['seconds']:.1f} s")
    if postgres:
        with postgres_database(postgres, "rwakit_index_bench") as url:
            runs.append({"database": "PostgreSQL, from scratch", "url": url, "logs": total,
                         "seconds": catch_up(platform, url)})  # fmt: skip
        say(f"PostgreSQL: {total:,} logs in {runs[-1]['seconds']:.1f} s")
    return runs


if __name__ == "__main__":
    raise SystemExit(main())
