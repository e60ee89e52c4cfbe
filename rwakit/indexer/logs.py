"""Raw JSON-RPC for the indexer: eth_getLogs over ranges that adapt to the node, and block headers.

Requests go through ``provider.make_request`` (and a JSON-RPC batch for headers) rather than
web3's formatted methods: the indexer needs the hex strings the node sends, not AttributeDicts.

Nodes limit eth_getLogs differently (a block span, a result count, a response size, or a
timeout); all of them answer with an error, so the range halves on an error that reads like a
limit and grows again after successes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

import requests
from web3 import Web3
from web3.exceptions import Web3RPCError
from web3.types import RPCEndpoint

from rwakit.errors import ChainError

LIMIT_HINTS = ("too many", "limit", "exceed", "range", "timeout", "timed out", "response size", "query returned more",
               "max results", "block range")  # fmt: skip
ADDRESSES_PER_QUERY = 1000  # nodes bound the size of one filter too
HEADER_BATCH = 200


class LogRangeTooLarge(ChainError):
    """The node refused an eth_getLogs range as too large (results, span, size or time)."""

    code = "log_range_too_large"


@dataclass(frozen=True, slots=True)
class Header:
    number: int
    hash: str
    parent_hash: str
    timestamp: int


class LogRange:
    """How many blocks the next eth_getLogs asks for: halves on a limit error, doubles after
    `grow_after` successes in a row, never above `maximum` nor below one block."""

    def __init__(self, initial: int, *, maximum: int = 100_000, grow_after: int = 3) -> None:
        if initial < 1:
            raise ValueError("a log range is at least one block")
        self.size = min(initial, maximum)
        self.maximum = maximum
        self._grow_after = grow_after
        self._successes = 0

    def shrink(self) -> bool:
        """Halve the range; False if it already was a single block (nothing left to shrink)."""
        self._successes = 0
        if self.size == 1:
            return False
        self.size = max(1, self.size // 2)
        return True

    def succeeded(self) -> None:
        self._successes += 1
        if self._successes >= self._grow_after:
            self._successes = 0
            self.size = min(self.maximum, self.size * 2)


def _request(w3: Web3, method: str, params: list[Any]) -> Any:
    try:
        answer = w3.provider.make_request(RPCEndpoint(method), params)
    except requests.Timeout as exc:
        raise LogRangeTooLarge(f"{method} timed out: {exc}") from exc
    except (requests.ConnectionError, OSError) as exc:
        raise ChainError(f"The node did not answer {method}: {exc}", code="chain_unavailable") from exc
    except Web3RPCError as exc:  # some providers raise the error response instead of returning it
        _raise(method, exc.rpc_response.get("error") if exc.rpc_response else str(exc))
    if "error" in answer:
        _raise(method, answer["error"])
    return answer["result"]


def _raise(method: str, error: Any) -> None:
    message = str(error.get("message", error)) if isinstance(error, dict) else str(error)
    if method == "eth_getLogs" and any(hint in message.lower() for hint in LIMIT_HINTS):
        raise LogRangeTooLarge(f"The node refused the log range: {message}")
    raise ChainError(f"The node refused {method}: {message}", code="chain_error")


def get_logs(w3: Web3, addresses: Sequence[str], topics: Sequence[str], start: int, end: int) -> list[dict[str, Any]]:
    """Raw logs of `addresses` whose first topic is one of `topics`, blocks start..end inclusive.
    Raises LogRangeTooLarge when the node refuses the range."""
    logs: list[dict[str, Any]] = []
    for first in range(0, len(addresses), ADDRESSES_PER_QUERY):
        query = {
            "fromBlock": hex(start),
            "toBlock": hex(end),
            "address": list(addresses[first : first + ADDRESSES_PER_QUERY]),
            "topics": [list(topics)],
        }
        logs.extend(cast(list[dict[str, Any]], _request(w3, "eth_getLogs", [query])))
    return logs


def _header(block: Any) -> Header | None:
    if block is None:
        return None
    return Header(int(block["number"], 16), str(block["hash"]), str(block["parentHash"]), int(block["timestamp"], 16))


def header(w3: Web3, block: int | str) -> Header | None:
    """The header of a block number or tag ('latest', 'finalized'); None if the node has no such block."""
    return _header(_request(w3, "eth_getBlockByNumber", [hex(block) if isinstance(block, int) else block, False]))


def headers(w3: Web3, numbers: Sequence[int]) -> dict[int, Header]:
    """Headers of many blocks, in JSON-RPC batches where the provider batches; blocks the node
    does not have (past its head) are left out."""
    found: dict[int, Header] = {}
    make_batch = getattr(w3.provider, "make_batch_request", None)
    for first in range(0, len(numbers), HEADER_BATCH):
        chunk = numbers[first : first + HEADER_BATCH]
        if make_batch is None or len(chunk) == 1:
            blocks = [header(w3, n) for n in chunk]
        else:
            requests_ = [(RPCEndpoint("eth_getBlockByNumber"), [hex(n), False]) for n in chunk]
            try:
                answer = make_batch(requests_)
            except (requests.ConnectionError, requests.Timeout, OSError) as exc:
                raise ChainError(f"The node did not answer for headers: {exc}", code="chain_unavailable") from exc
            if not isinstance(answer, list):
                _raise("eth_getBlockByNumber", cast(dict[str, Any], answer).get("error"))
            ordered = sorted(cast(list[dict[str, Any]], answer), key=lambda r: int(r.get("id", 0)))
            blocks = []
            for response in ordered:
                if "error" in response:
                    _raise("eth_getBlockByNumber", response["error"])
                blocks.append(_header(response.get("result")))
        for block in blocks:
            if block is not None:
                found[block.number] = block
    return found
