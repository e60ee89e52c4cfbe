"""Reorgs: Anvil's anvil_reorg (on a node of this module that keeps every block's state, which
anvil_reorg needs) and evm_snapshot/evm_revert (on the session's node), including reorgs that drop
an issuance and the asset itself; a reorg below finality is refused with a clear error."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from rwakit.chain.connection import connect_url, dev_signers
from rwakit.chain.node import start_node
from rwakit.chain.signer import Signer
from rwakit.config import Settings
from rwakit.indexer.follower import Indexer, IndexerOptions, ReorgBeyondFinality
from rwakit.indexer.lock import index_lock
from rwakit.indexer.verify import verify
from rwakit.platform import Platform
from tests.indexer.conftest import FAST, create_asset, register, rows


def _rpc(platform: Platform, method: str, *params: Any) -> Any:
    answer = platform.chain.w3.provider.make_request(method, list(params))  # type: ignore[arg-type]
    assert "error" not in answer, answer
    return answer["result"]


@pytest.fixture(scope="module")
def deep_platform() -> Iterator[Platform]:
    """A platform on an Anvil that keeps history (the session's prunes it, and anvil_reorg needs it)."""
    node = start_node("anvil", keep_history=True)
    try:
        yield Platform.deploy(connect_url(node.url, dev_signers(Settings(_env_file=None))))
    finally:
        node.stop()


@pytest.fixture
def history_platform(deep_platform: Platform) -> Iterator[Platform]:
    snapshot = _rpc(deep_platform, "evm_snapshot")
    yield deep_platform
    _rpc(deep_platform, "evm_revert", snapshot)
    deep_platform.txm.reset_nonce()


def _balances(engine: Engine) -> dict[str, int]:
    return {r["wallet"]: r["amount"] for r in rows(engine, "index_balance", "wallet")}


def test_anvil_reorg_drops_an_issuance_then_the_asset(history_platform: Platform, engine: Engine) -> None:
    platform = history_platform
    alice = platform.chain.signers[1].address
    indexer = Indexer(platform.chain.w3, engine, platform.deployment, FAST)
    register(platform, "HK-0001", alice)
    asset = create_asset(platform)
    platform.assets.issue(asset, alice, 1000)
    indexer.catch_up()
    platform.assets.issue(asset, alice, 500)
    platform.controls.pause(asset, reason="audit")
    platform.registry.update("HK-0001", country="SG")
    indexer.catch_up()
    assert _balances(engine) == {alice: 1500}

    _rpc(platform, "anvil_reorg", 3, [])  # the second issuance, the pause and the update are gone
    platform.txm.reset_nonce()
    head = indexer.catch_up()
    assert head == platform.chain.w3.eth.block_number  # anvil_reorg replaces blocks with as many empty ones

    assert _balances(engine) == {alice: 1000}
    assert [t["amount"] for t in rows(engine, "index_transfer", "block_number")] == [1000]
    paused = [r for r in rows(engine, "index_setting", "name") if r["name"] == "paused"]
    assert [json.loads(r["value"]) for r in paused] == [False]
    assert [r["country"] for r in rows(engine, "index_investor", "investor_id")] == [344]
    newest = rows(engine, "index_block", "number")[-1]
    assert newest["hash"] == platform.chain.w3.eth.get_block(head)["hash"].to_0x_hex()
    assert verify(platform.chain.w3, engine, platform.deployment).differences == []

    created = next(c["block_number"] for c in rows(engine, "index_contract", "address") if c["address"] == asset)
    _rpc(platform, "anvil_reorg", head - created + 1, [])  # now the first issuance and the asset's creation too
    platform.txm.reset_nonce()
    indexer.catch_up()
    assert _balances(engine) == {}
    assert rows(engine, "index_transfer", "log_index") == []
    assert [c["kind"] for c in rows(engine, "index_contract", "kind")] == ["factory", "fund_factory", "registry"]
    assert [s for s in rows(engine, "index_setting", "name") if s["contract"] == asset] == []
    assert verify(platform.chain.w3, engine, platform.deployment).differences == []
    indexer.close()


def test_evm_revert_then_other_blocks(platform: Platform, signers: list[Signer], indexer: Indexer,
                                      engine: Engine) -> None:  # fmt: skip
    alice, bob = signers[1].address, signers[2].address
    register(platform, "HK-0001", alice)
    register(platform, "HK-0002", bob)
    asset = create_asset(platform)
    indexer.catch_up()
    snapshot = _rpc(platform, "evm_snapshot")
    platform.assets.issue(asset, alice, 1000)
    platform.assets.issue(asset, alice, 1)
    indexer.catch_up()
    assert _balances(engine) == {alice: 1001}

    _rpc(platform, "evm_revert", snapshot)  # the head is now below the cursor
    platform.txm.reset_nonce()
    indexer.catch_up()
    assert _balances(engine) == {}

    snapshot = _rpc(platform, "evm_snapshot")
    platform.assets.issue(asset, alice, 1000)
    indexer.catch_up()
    _rpc(platform, "evm_revert", snapshot)
    platform.txm.reset_nonce()
    platform.assets.issue(asset, bob, 7)  # the same block number, another block
    platform.assets.issue(asset, bob, 8)
    indexer.catch_up()
    assert _balances(engine) == {bob: 15}
    assert verify(platform.chain.w3, engine, platform.deployment).differences == []


def test_a_reorg_below_finality_is_refused(platform: Platform, signers: list[Signer], engine: Engine) -> None:
    options = IndexerOptions(log_range=2000, confirmations=0, use_finalized_tag=False, poll_interval=0.1)
    indexer = Indexer(platform.chain.w3, engine, platform.deployment, options)
    register(platform, "HK-0001", signers[1].address)
    snapshot = _rpc(platform, "evm_snapshot")
    asset = create_asset(platform)
    indexer.catch_up()
    _rpc(platform, "evm_revert", snapshot)
    platform.txm.reset_nonce()
    for _ in range(3):
        _rpc(platform, "evm_mine")
    cursor_before = indexer.indexed_block()

    with pytest.raises(ReorgBeyondFinality) as refused:
        indexer.catch_up()

    assert refused.value.code == "reorg_beyond_finality"
    assert "rwakit index --rebuild" in refused.value.message
    assert indexer.indexed_block() == cursor_before  # nothing was rolled back
    assert any(c["address"] == asset for c in rows(engine, "index_contract", "address"))
    indexer.close()

    indexer.start()  # the background thread stops on it, says why, and frees the lock
    deadline = time.monotonic() + 20
    while indexer.running and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not indexer.running
    assert isinstance(indexer.last_error, ReorgBeyondFinality)
    probe = index_lock(engine, platform.chain.chain_id)
    assert probe.try_acquire()
    probe.release()
    indexer.stop()
