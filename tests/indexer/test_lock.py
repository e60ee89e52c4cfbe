"""One indexer per database: the lock on SQLite (flock) and PostgreSQL (advisory), and the
background thread's start, stop and waits."""

from __future__ import annotations

from sqlalchemy.engine import Engine

from rwakit.chain.signer import Signer
from rwakit.db import make_engine
from rwakit.indexer.follower import Indexer
from rwakit.indexer.lock import index_lock
from rwakit.platform import Platform
from tests.indexer.conftest import FAST, create_asset, register, rows


def test_two_locks_on_one_database_exclude_each_other(engine: Engine) -> None:
    first, second = index_lock(engine, 31337), index_lock(engine, 31337)
    other_chain = index_lock(engine, 1)
    assert first.try_acquire()
    assert first.try_acquire()  # held already: still true, nothing taken twice
    assert not second.try_acquire()
    assert other_chain.try_acquire()  # one lock per chain in the database
    first.release()
    first.release()  # releasing twice is harmless
    assert second.try_acquire()
    assert not first.try_acquire()
    second.release()
    other_chain.release()


def test_an_in_memory_database_locks_within_the_process() -> None:
    engine = make_engine("sqlite://")
    first, second = index_lock(engine, 31337), index_lock(engine, 31337)
    assert first.try_acquire() and not second.try_acquire()
    first.release()
    assert second.try_acquire()
    second.release()


def test_the_background_thread_follows_and_waits(platform: Platform, signers: list[Signer], engine: Engine) -> None:
    indexer = Indexer(platform.chain.w3, engine, platform.deployment, FAST)
    indexer.start()
    indexer.start()  # a second start is a no-op
    try:
        register(platform, "HK-0001", signers[1].address)
        asset = create_asset(platform)
        platform.assets.issue(asset, signers[1].address, 10)
        head = platform.chain.w3.eth.block_number
        assert indexer.wait_for(head, timeout=20), indexer.last_error
        assert not indexer.wait_for(head + 1000, timeout=0.2)  # a block that never comes
        assert [t["amount"] for t in rows(engine, "index_transfer", "block_number")] == [10]
    finally:
        indexer.stop()
    probe = index_lock(engine, platform.chain.chain_id)
    assert probe.try_acquire()  # released by stop()
    probe.release()
    platform.assets.issue(asset, signers[1].address, 5)
    assert indexer.catch_up() == platform.chain.w3.eth.block_number  # usable directly after stop()
    indexer.close()


def test_an_indexer_that_hands_over_and_comes_back_sees_the_assets_added_meanwhile(
    platform: Platform, signers: list[Signer], engine: Engine
) -> None:
    register(platform, "HK-0001", signers[1].address)
    first, second = (Indexer(platform.chain.w3, engine, platform.deployment, FAST) for _ in range(2))
    first.catch_up()
    first.close()
    asset = create_asset(platform)  # indexed by the second
    second.catch_up()
    second.close()
    platform.assets.issue(asset, signers[1].address, 7)
    first.catch_up()  # back with the lock: it must follow the asset it has not seen created
    first.close()
    assert [t["amount"] for t in rows(engine, "index_transfer", "block_number")] == [7]
