"""Chain reads: many view calls in one JSON-RPC batch, all at one block.

A holdings page is a few dozen ``eth_call``s. Through web3's contract objects each costs a
round trip and ~3 ms of ABI work (and building the contract object ~20 ms); here the calldata
is encoded once from a precomputed selector, every call goes in one JSON-RPC batch, and the
results are decoded with eth_abi. Pinning the calls to one block number makes a page
consistent: every balance reflects the block the response names. A node that keeps no history
(Anvil with ``--prune-history``) refuses a block that is no longer the latest: the read is then
retried at the new latest block.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any, TypeVar, cast

from eth_abi.abi import decode, encode
from eth_typing import HexStr
from web3 import Web3
from web3.exceptions import Web3RPCError
from web3.providers.rpc import HTTPProvider
from web3.types import BlockIdentifier, RPCEndpoint

from rwakit.errors import ChainError

T = TypeVar("T")
BATCH_SIZE = 500
_STALE = ("blockoutofrange", "missing trie node", "header not found", "pruned", "state is not available",
          "unknown block", "state histories")  # fmt: skip
_SIGNATURE = re.compile(r"^\w+\((.*)\)$")


class StaleBlock(ChainError):
    """The node no longer has the state of the block a read was pinned to."""

    code = "stale_block"


@dataclass(frozen=True)
class Call:
    """One view call: ``Call(token, "balanceOf(address)", (wallet,), "uint256")``."""

    to: str
    signature: str
    args: tuple[Any, ...] = ()
    returns: str = "uint256"

    @property
    def data(self) -> str:
        selector, types = _parsed(self.signature)
        return "0x" + (selector + encode(list(types), list(self.args))).hex()


@cache
def _parsed(signature: str) -> tuple[bytes, tuple[str, ...]]:
    match = _SIGNATURE.match(signature)
    if match is None:
        raise ValueError(f"not a function signature: {signature}")
    types = tuple(t for t in match.group(1).split(",") if t)
    return bytes(Web3.keccak(text=signature)[:4]), types


def read(w3: Web3, calls: Sequence[Call], *, block: int | str = "latest") -> list[Any]:
    """The decoded results of `calls`, in order, all read at `block`."""
    if not calls:
        return []
    responses: list[Any] = []
    provider = w3.provider
    if isinstance(provider, HTTPProvider):
        tag = hex(block) if isinstance(block, int) else block
        requests = [(RPCEndpoint("eth_call"), [{"to": c.to, "data": c.data}, tag]) for c in calls]
        for start in range(0, len(requests), BATCH_SIZE):
            answer = provider.make_batch_request(requests[start : start + BATCH_SIZE])
            if not isinstance(answer, list):  # one error for the whole batch
                _raise(cast(dict[str, Any], answer).get("error"))
            responses.extend(sorted(cast(list[dict[str, Any]], answer), key=lambda r: int(r.get("id", 0))))
    else:  # the in-process chain, one call at a time: web3 adds the sender eth-tester requires
        at = cast(BlockIdentifier, block)
        responses = [{"result": w3.eth.call({"to": c.to, "data": HexStr(c.data)}, at).to_0x_hex()} for c in calls]
    return [_decode(call, response) for call, response in zip(calls, responses, strict=True)]


def _decode(call: Call, response: Any) -> Any:
    if "error" in response:
        _raise(response["error"])
    value = decode([call.returns], bytes.fromhex(str(response["result"]).removeprefix("0x")))[0]
    if call.returns == "address":
        return Web3.to_checksum_address(value)
    if call.returns == "address[]":
        return [Web3.to_checksum_address(a) for a in value]
    return value


def _raise(error: Any) -> None:
    message = str(error.get("message", error)) if isinstance(error, dict) else str(error)
    if any(s in message.lower() for s in _STALE):
        raise StaleBlock(f"The node no longer has that block's state: {message}")
    raise ChainError(f"The node refused a read: {message}", code="chain_error")


def at_latest_block(w3: Web3, reader: Callable[[int, str], T], *, attempts: int = 5) -> T:
    """Run ``reader(block_number, block_hash)`` pinned to the latest block, retrying if it moves on."""
    for attempt in range(attempts):
        latest = w3.eth.get_block("latest")
        try:
            return reader(int(latest["number"]), latest["hash"].to_0x_hex())
        except (StaleBlock, Web3RPCError) as exc:
            stale = isinstance(exc, StaleBlock) or any(s in str(exc).lower() for s in _STALE)
            if attempt + 1 == attempts or not stale:
                raise
    raise ChainError("The chain kept moving: no consistent read after several attempts", code="read_unstable")
