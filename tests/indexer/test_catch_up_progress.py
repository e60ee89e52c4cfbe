"""The indexer's progress callback: (blocks indexed by this catch-up, blocks it has to index) after each
batch of blocks, increasing to the total; nothing when there is nothing to index."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.engine import Engine

from rwakit.chain.signer import Signer
from rwakit.indexer.follower import Indexer, IndexerOptions
from rwakit.platform import Platform
from tests.indexer.conftest import create_asset, register


@pytest.fixture
def small_batches(platform: Platform, engine: Engine) -> Iterator[Indexer]:
    made = Indexer(platform.chain.w3, engine, platform.deployment, IndexerOptions(log_range=2, poll_interval=0.1))
    yield made
    made.stop()


def test_catch_up_reports_blocks_indexed_of_the_total(
    platform: Platform, signers: list[Signer], small_batches: Indexer
) -> None:
    register(platform, "HK-0001", signers[1].address)
    create_asset(platform)
    head = platform.chain.w3.eth.block_number
    total = head - platform.deployment.block_number + 1
    calls: list[tuple[int, int]] = []

    assert small_batches.catch_up(lambda done, of: calls.append((done, of))) == head

    done = [d for d, _ in calls]
    assert len(calls) > 1 and done == sorted(set(done)) and calls[-1] == (total, total)
    assert {of for _, of in calls} == {total}
    register(platform, "HK-0002", signers[2].address)  # one more block: the next run counts only that one
    later: list[tuple[int, int]] = []
    assert small_batches.catch_up(lambda done, of: later.append((done, of))) == head + 1
    assert later == [(1, 1)]
    nothing: list[tuple[int, int]] = []
    small_batches.catch_up(lambda done, of: nothing.append((done, of)))
    assert nothing == []


def test_reach_head_passes_the_callback_and_catch_up_needs_none(platform: Platform, small_batches: Indexer) -> None:
    calls: list[tuple[int, int]] = []
    head = small_batches.reach_head(lambda done, of: calls.append((done, of)))
    assert calls[-1][0] == calls[-1][1] == head - platform.deployment.block_number + 1
    create_asset(platform)
    assert small_batches.catch_up() == head + 1  # the default: no callback, as before
