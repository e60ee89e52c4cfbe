"""`rwakit index` as processes: a kill -9 mid-way loses and duplicates nothing; one indexer per
database, and another takes over when it dies (an API process too); --rebuild gives the same content;
verify reports a planted difference."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import update
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from rwakit.api.reads import ReadModel
from rwakit.chain.node import LocalNode, free_port
from rwakit.chain.signer import Signer
from rwakit.cli import app
from rwakit.config import Settings, get_settings
from rwakit.indexer import store
from rwakit.indexer.follower import Indexer
from rwakit.indexer.lock import index_lock
from rwakit.indexer.projection import table
from rwakit.platform import Platform
from tests.indexer.conftest import FAST, cap_tables_hash, create_asset, register, rows

RWAKIT = [sys.executable, "-m", "rwakit.cli"]


@pytest.fixture
def env(tmp_path: Path, platform: Platform, anvil: LocalNode, database_url: str, engine: Engine) -> dict[str, str]:
    """What `rwakit index` needs: the deployment record, the node, the database, small batches."""
    platform.deployment.save(tmp_path / "data" / "deployment.json")
    clean = {k: v for k, v in os.environ.items() if not k.startswith("RWAKIT_")}
    settings = {"DATA_DIR": str(tmp_path / "data"), "RPC_URL": anvil.url, "DATABASE_URL": database_url,
                "INDEX_LOG_RANGE": "1", "INDEX_POLL_INTERVAL": "0.1"}  # fmt: skip
    return {**clean, **{f"RWAKIT_{name}": value for name, value in settings.items()}}


@pytest.fixture
def in_process_env(env: dict[str, str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    for name, value in env.items():
        if name.startswith("RWAKIT_"):
            monkeypatch.setenv(name, value)
    monkeypatch.chdir(tmp_path)  # away from the repository's .env
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def _follow(env: dict[str, str]) -> subprocess.Popen[str]:
    """`rwakit index --follow`, its output in a file beside the data dir (a pipe could fill up)."""
    cwd = Path(env["RWAKIT_DATA_DIR"]).parent
    with open(cwd / "follow.log", "a") as log:
        return subprocess.Popen([*RWAKIT, "index", "--follow"], env=env, cwd=cwd, text=True,
                                stdout=log, stderr=subprocess.STDOUT)  # fmt: skip


def _wait(condition: Callable[[], bool], what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)


def _history(platform: Platform, signers: list[Signer], issues: int, gap: int) -> str:
    """`issues` issuances, each followed by `gap` empty blocks: many batches at one block per batch."""
    register(platform, "HK-0001", signers[1].address)
    register(platform, "HK-0002", signers[2].address)
    asset = create_asset(platform)
    for i in range(issues):
        platform.assets.issue(asset, signers[1 + i % 2].address, 1 + i)
        platform.chain.w3.provider.make_request("anvil_mine", [hex(gap)])  # type: ignore[arg-type]
    return asset


def test_kill_9_between_batches_loses_and_duplicates_nothing(
    platform: Platform, signers: list[Signer], env: dict[str, str], engine: Engine
) -> None:
    _history(platform, signers, issues=30, gap=8)
    head = platform.chain.w3.eth.block_number
    follower = _follow(env)
    try:
        _wait(lambda: (store.read_cursor(engine, platform.chain.chain_id) or store.Cursor(0, "")).number
              > platform.deployment.block_number + 80, "the indexer to get going")  # fmt: skip
    finally:
        follower.send_signal(signal.SIGKILL)
        follower.wait(10)
    reached = store.read_cursor(engine, platform.chain.chain_id)
    assert reached is not None and reached.number < head, "the indexer finished before it was killed"

    resume = {**env, "RWAKIT_INDEX_LOG_RANGE": "64"}
    done = subprocess.run([*RWAKIT, "index"], env=resume, cwd=Path(env["RWAKIT_DATA_DIR"]).parent, text=True,
                          capture_output=True, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"indexed to block {head}" in done.stdout

    transfers = rows(engine, "index_transfer", "block_number", "log_index")
    assert [t["amount"] for t in transfers] == list(range(1, 31))
    resumed = cap_tables_hash(engine)
    rebuilt = Indexer(platform.chain.w3, engine, platform.deployment, FAST)
    store.drop(engine, platform.chain.chain_id)
    rebuilt.catch_up()
    rebuilt.close()
    assert cap_tables_hash(engine) == resumed


def test_one_indexer_per_database_and_a_takeover(
    platform: Platform, signers: list[Signer], env: dict[str, str], engine: Engine
) -> None:
    asset = _history(platform, signers, issues=2, gap=1)
    first = _follow(env)
    second = Indexer(platform.chain.w3, engine, platform.deployment, FAST)
    try:
        head = platform.chain.w3.eth.block_number
        _wait(lambda: second.indexed_block() == head, "the first indexer to catch up")
        platform.assets.issue(asset, signers[2].address, 50)
        assert second.reach_head() == head + 1  # reached by the first one, which holds the lock
        second.start()
        assert not second.acquire(timeout=0.3)
        assert not index_lock(engine, platform.chain.chain_id).try_acquire()

        platform.assets.issue(asset, signers[1].address, 100)  # the first one indexes it
        assert second.wait_for(platform.chain.w3.eth.block_number, timeout=20)
        first.send_signal(signal.SIGKILL)
        first.wait(10)

        platform.assets.issue(asset, signers[2].address, 200)  # the second takes over
        assert second.wait_for(platform.chain.w3.eth.block_number, timeout=20), second.last_error
        assert second.last_error is None
        assert [t["amount"] for t in rows(engine, "index_transfer", "block_number")] == [1, 2, 50, 100, 200]
    finally:
        first.kill()
        first.wait(10)
        second.stop()


def test_rebuild_gives_the_same_content_and_verify_finds_a_planted_difference(
    platform: Platform, signers: list[Signer], in_process_env: None, engine: Engine
) -> None:
    asset = _history(platform, signers, issues=4, gap=0)
    platform.controls.freeze_tokens(asset, signers[1].address, 2, reason="dispute")
    runner = CliRunner()
    indexed = runner.invoke(app, ["index"])
    assert indexed.exit_code == 0, indexed.output
    before = cap_tables_hash(engine)

    rebuilt = runner.invoke(app, ["index", "--rebuild"])
    assert rebuilt.exit_code == 0, rebuilt.output
    assert "rebuilding from block" in rebuilt.output
    assert cap_tables_hash(engine) == before
    clean = runner.invoke(app, ["index", "verify"])
    assert clean.exit_code == 0, clean.output
    assert "index matches the chain" in clean.output

    balances, investors = table("index_balance"), table("index_investor")
    with engine.begin() as connection:
        connection.execute(update(balances).where(balances.c.wallet == signers[1].address).values(amount=12345))
        connection.execute(update(investors).where(investors.c.investor_id == "HK-0002").values(country=840))
    planted = runner.invoke(app, ["index", "verify"])
    assert planted.exit_code == 1
    assert f"balance of {signers[1].address} in {asset}: index 12345, chain 4" in planted.output
    assert "investor HK-0002" in planted.output
    assert f"holders of {asset}" not in planted.output  # the counts still agree


def test_verify_before_any_indexing_says_what_to_do(in_process_env: None) -> None:
    result = CliRunner().invoke(app, ["index", "verify"])
    assert result.exit_code == 1
    assert "error [index_empty]" in result.output and "rwakit index" in result.output


def test_index_without_a_deployment_says_to_deploy(
    anvil: LocalNode, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RWAKIT_DATA_DIR", str(tmp_path / "nothing"))
    monkeypatch.setenv("RWAKIT_RPC_URL", anvil.url)
    monkeypatch.chdir(tmp_path)
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(app, ["index"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 1
    assert "error [deployment_missing]" in result.output and "rwakit deploy" in result.output


def test_an_api_killed_mid_follow_hands_the_index_to_another_api(
    platform: Platform, signers: list[Signer], env: dict[str, str], engine: Engine, tmp_path: Path
) -> None:
    """Two API processes on one database: `rwakit serve` indexes (it holds the lock), another API's
    ReadModel waits for the lock; kill -9 the first and the second takes over and indexes new blocks."""
    asset = _history(platform, signers, issues=2, gap=1)
    port, log = free_port(), tmp_path / "serve.log"
    with open(log, "wb") as out:
        served = subprocess.Popen([*RWAKIT, "serve", "--port", str(port)], env=env, cwd=tmp_path,
                                  stdout=out, stderr=subprocess.STDOUT)  # fmt: skip
    settings = Settings(_env_file=None, data_dir=tmp_path / "other", index_poll_interval=0.1,
                        api_read_wait_seconds=30, index_log_range=64)  # fmt: skip
    reads = ReadModel(engine, settings)
    chain_id = platform.chain.chain_id
    try:
        head = platform.chain.w3.eth.block_number
        _wait(lambda: (store.read_cursor(engine, chain_id) or store.Cursor(0, "")).number == head,
              "the served API to index", timeout=90)  # fmt: skip
        assert served.poll() is None, log.read_text()
        reads.start(platform)  # the second API's indexer: it retries the lock every poll
        platform.assets.issue(asset, signers[2].address, 50)
        reads.ready(platform, platform.chain.w3.eth.block_number)  # indexed by the served API
        assert not index_lock(engine, chain_id).try_acquire()

        served.send_signal(signal.SIGKILL)
        served.wait(10)
        platform.assets.issue(asset, signers[1].address, 200)
        reads.ready(platform, platform.chain.w3.eth.block_number)  # the second took the lock and indexed it
        assert [t["amount"] for t in rows(engine, "index_transfer", "block_number")] == [1, 2, 50, 200]
        assert not index_lock(engine, chain_id).try_acquire()  # held by the second now
        reads.stop()
        taken = index_lock(engine, chain_id)
        assert taken.try_acquire()  # stop() let it go
        taken.release()
    finally:
        served.kill()
        served.wait(10)
        reads.stop()
