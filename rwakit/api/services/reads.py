"""Chain reads for the API: many contract calls in one JSON-RPC batch, all at one block.

A holdings page is a few dozen ``eth_call``s; sent one by one they cost a round trip each, sent
as one batch they cost one. Pinning them all to one block number makes the page consistent: every
balance reflects the same block, which the response names. A node that keeps no history (Anvil
with ``--prune-history``) refuses a block that is no longer the latest: the read is then retried
at the new latest block.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from web3 import Web3
from web3.contract.contract import ContractFunction
from web3.exceptions import Web3RPCError
from web3.providers.rpc import HTTPProvider
from web3.types import BlockIdentifier

from rwakit.errors import ChainError

T = TypeVar("T")
BATCH_SIZE = 500
_STALE_BLOCK = (
    "blockoutofrange",
    "missing trie node",
    "header not found",
    "pruned",
    "state is not available",
    "unknown block",
    "state histories",
)


def call_all(w3: Web3, calls: Sequence[ContractFunction], *, block: BlockIdentifier = "latest") -> list[Any]:
    """The results of `calls`, in order, read at `block`; batched when the provider allows it."""
    if not calls:
        return []
    if not isinstance(w3.provider, HTTPProvider):
        return [call.call(block_identifier=block) for call in calls]
    results: list[Any] = []
    for start in range(0, len(calls), BATCH_SIZE):
        with w3.batch_requests() as batch:
            for call in calls[start : start + BATCH_SIZE]:
                batch.add(call.call(block_identifier=block))
            results.extend(batch.execute())
    return results


def at_latest_block(w3: Web3, read: Callable[[int, str], T], *, attempts: int = 5) -> T:
    """Run ``read(block_number, block_hash)`` pinned to the latest block, retrying if it moves on."""
    for attempt in range(attempts):
        latest = w3.eth.get_block("latest")
        try:
            return read(int(latest["number"]), latest["hash"].to_0x_hex())
        except Web3RPCError as exc:
            if attempt + 1 == attempts or not any(s in str(exc).lower() for s in _STALE_BLOCK):
                raise
    raise ChainError("The chain kept moving: no consistent read after several attempts", code="read_unstable")
