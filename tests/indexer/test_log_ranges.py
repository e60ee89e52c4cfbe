"""eth_getLogs ranges that adapt to a node's limits. Anvil has none, so the limits are injected at
the transport: a real HTTPProvider subclass that answers some eth_getLogs with the errors
nodes send (a block span limit, a result limit, a timeout), everything else from Anvil."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import pytest
import requests
from sqlalchemy.engine import Engine
from web3 import Web3
from web3.providers.rpc import HTTPProvider
from web3.types import RPCEndpoint, RPCResponse

from rwakit.chain.node import LocalNode
from rwakit.chain.signer import Signer
from rwakit.errors import ChainError
from rwakit.indexer import store
from rwakit.indexer.follower import Indexer, IndexerOptions
from rwakit.indexer.logs import LogRange, LogRangeTooLarge
from rwakit.platform import Platform
from tests.indexer.conftest import FAST, cap_tables_hash, create_asset, register, rows


class LimitedNode(HTTPProvider):
    """Anvil behind a limit: an eth_getLogs over more than `max_span` blocks gets `refusal`."""

    def __init__(self, url: str, max_span: int, refusal: str = "query exceeds max block range") -> None:
        super().__init__(url)
        self.max_span = max_span
        self.refusal = refusal
        self.spans: list[tuple[int, int]] = []

    def make_request(self, method: RPCEndpoint, params: Any) -> RPCResponse:
        if method == "eth_getLogs":
            start, end = int(params[0]["fromBlock"], 16), int(params[0]["toBlock"], 16)
            self.spans.append((start, end))
            if end - start + 1 > self.max_span:
                return self.refuse()
        return super().make_request(method, params)

    def refuse(self) -> RPCResponse:
        return {"jsonrpc": "2.0", "id": 1, "error": {"code": -32005, "message": self.refusal}}


class SlowNode(LimitedNode):
    def refuse(self) -> RPCResponse:
        raise requests.ReadTimeout("HTTPConnectionPool(host='127.0.0.1'): Read timed out. (read timeout=5)")


def _events_over_many_blocks(platform: Platform, signers: list[Signer]) -> None:
    register(platform, "HK-0001", signers[1].address)
    asset = create_asset(platform)
    for amount in (1, 2, 3):
        platform.assets.issue(asset, signers[1].address, amount)
        platform.chain.w3.provider.make_request("anvil_mine", ["0x14"])  # type: ignore[arg-type]


@pytest.mark.parametrize("node_class", [LimitedNode, SlowNode])
def test_ranges_shrink_to_the_node_limit_and_index_everything(
    platform: Platform, signers: list[Signer], anvil: LocalNode, engine: Engine, node_class: type[LimitedNode]
) -> None:
    _events_over_many_blocks(platform, signers)
    node = node_class(anvil.url, max_span=6)
    limited = Indexer(Web3(node), engine, platform.deployment, IndexerOptions(log_range=64))

    assert limited.catch_up() == platform.chain.w3.eth.block_number
    limited.close()

    refused = [s for s in node.spans if s[1] - s[0] + 1 > 6]
    assert refused and refused[0][1] - refused[0][0] + 1 == 64  # the first ask, then halves
    assert max(end - start + 1 for start, end in node.spans if (start, end) not in refused) <= 6
    covered = sorted({s for s in node.spans if s not in refused})
    assert covered[0][0] == platform.deployment.block_number
    assert all(a[1] + 1 == b[0] for a, b in itertools.pairwise(covered))  # no gap, no overlap
    assert [t["amount"] for t in rows(engine, "index_transfer", "block_number")] == [1, 2, 3]
    limited_hash = cap_tables_hash(engine)
    store.drop(engine, platform.chain.chain_id)
    unlimited = Indexer(platform.chain.w3, engine, platform.deployment, FAST)
    unlimited.catch_up()
    unlimited.close()
    assert cap_tables_hash(engine) == limited_hash


def test_a_node_that_refuses_even_one_block_is_reported(
    platform: Platform, signers: list[Signer], anvil: LocalNode, engine: Engine
) -> None:
    _events_over_many_blocks(platform, signers)
    node = LimitedNode(anvil.url, max_span=0, refusal="query returned more than 10000 results")
    indexer = Indexer(Web3(node), engine, platform.deployment, IndexerOptions(log_range=8))
    with pytest.raises(LogRangeTooLarge) as refused:
        indexer.catch_up()
    indexer.close()
    assert refused.value.code == "log_range_too_large"
    assert [end - start + 1 for start, end in node.spans] == [8, 4, 2, 1]
    assert indexer.indexed_block() is None


def test_an_error_that_is_no_limit_is_not_retried_smaller(platform: Platform, anvil: LocalNode, engine: Engine) -> None:
    node = LimitedNode(anvil.url, max_span=0, refusal="internal error: database corrupted")
    indexer = Indexer(Web3(node), engine, platform.deployment, IndexerOptions(log_range=8))
    with pytest.raises(ChainError) as refused:
        indexer.catch_up()
    indexer.close()
    assert not isinstance(refused.value, LogRangeTooLarge)
    assert "database corrupted" in refused.value.message
    assert len(node.spans) == 1


class ReorgingNode(HTTPProvider):
    """Runs `during` once, right after answering the second eth_getLogs (the assets' logs of the
    first batch): the chain changes between the logs and the headers the indexer reads."""

    def __init__(self, url: str, during: Callable[[], None]) -> None:
        super().__init__(url)
        self.during = during
        self.get_logs = 0

    def make_request(self, method: RPCEndpoint, params: Any) -> RPCResponse:
        answer = super().make_request(method, params)
        if method == "eth_getLogs":
            self.get_logs += 1
            if self.get_logs == 2:
                self.during()
        return answer


def test_a_reorg_while_a_batch_is_read_is_read_again(
    platform: Platform, signers: list[Signer], anvil: LocalNode, engine: Engine
) -> None:
    alice, bob = signers[1].address, signers[2].address
    register(platform, "HK-0001", alice)
    register(platform, "HK-0002", bob)
    asset = create_asset(platform)
    provider = platform.chain.w3.provider
    snapshot = provider.make_request(RPCEndpoint("evm_snapshot"), [])["result"]
    platform.assets.issue(asset, alice, 5)

    def reorg() -> None:
        provider.make_request(RPCEndpoint("evm_revert"), [snapshot])
        platform.txm.reset_nonce()
        platform.assets.issue(asset, bob, 9)  # the same block number, another block

    node = ReorgingNode(anvil.url, reorg)
    indexer = Indexer(Web3(node), engine, platform.deployment, FAST)
    indexer.catch_up()
    indexer.close()
    assert node.get_logs == 4  # the batch was read twice
    assert {r["wallet"]: r["amount"] for r in rows(engine, "index_balance", "wallet")} == {bob: 9}


def test_log_range_bounds() -> None:
    sizes = LogRange(5, maximum=16, grow_after=2)
    assert [sizes.shrink(), sizes.size, sizes.shrink(), sizes.size, sizes.shrink(), sizes.size] == [
        True, 2, True, 1, False, 1,
    ]  # fmt: skip
    for _ in range(20):
        sizes.succeeded()
    assert sizes.size == 16
    with pytest.raises(ValueError):
        LogRange(0)


def test_a_restarted_indexer_resumes_after_the_cursor(
    platform: Platform, signers: list[Signer], anvil: LocalNode, engine: Engine
) -> None:
    _events_over_many_blocks(platform, signers)
    first = Indexer(platform.chain.w3, engine, platform.deployment, FAST)
    reached = first.catch_up()
    first.close()
    platform.assets.issue(platform.assets.resolve("HVT"), signers[1].address, 4)
    node = LimitedNode(anvil.url, max_span=10**6)
    restarted = Indexer(Web3(node), engine, platform.deployment, FAST)
    restarted.catch_up()
    restarted.close()
    assert {start for start, _ in node.spans} == {reached + 1}  # nothing read twice
    assert [t["amount"] for t in rows(engine, "index_transfer", "block_number")] == [1, 2, 3, 4]
