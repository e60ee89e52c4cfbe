"""Chain reads: many view calls in one JSON-RPC batch, all at one block.

Dozens of ``eth_call``s (the indexer's reads of a new asset, ``rwakit index verify``). Through
web3's contract objects each costs a round trip and ~3 ms of ABI work (and building the contract
object ~20 ms); here the calldata is encoded once from a precomputed selector, every call goes in
one JSON-RPC batch, and the results are decoded with eth_abi. Pinning the calls to one block
number makes them consistent. A node that keeps no history (Anvil with ``--prune-history``)
refuses a block that is no longer the latest: ``StaleBlock``, and the caller reads again.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any, cast

from eth_abi.abi import decode, encode
from eth_typing import HexStr
from web3 import Web3
from web3.providers.rpc import HTTPProvider
from web3.types import BlockIdentifier, RPCEndpoint

from rwakit.errors import ChainError

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
