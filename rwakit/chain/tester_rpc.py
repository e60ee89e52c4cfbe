"""The in-process eth-tester chain (``chain = "tester"``) spoken to as a JSON-RPC node.

The indexer sends raw JSON-RPC (``provider.make_request``: hex quantities, camelCase filters) and
reads raw answers. A node does that natively; eth-tester's provider only through web3's tester
middleware, which the raw path skips. This provider sends every request through the tester chain's
own web3 request pipeline (its middleware translates the request) and hands the answer back as a
node would: quantities as hex strings, plain dicts and lists.
"""

from __future__ import annotations

from typing import Any

from web3 import Web3
from web3.datastructures import AttributeDict
from web3.providers import BaseProvider
from web3.providers.eth_tester import EthereumTesterProvider
from web3.types import RPCEndpoint, RPCResponse


class TesterRpc(BaseProvider):
    def __init__(self, tester: Web3) -> None:
        super().__init__()
        self._tester = tester

    def make_request(self, method: RPCEndpoint, params: Any) -> RPCResponse:
        answer = self._tester.manager._make_request(method, params)  # the tester middleware, no result formatting
        return {**answer, "result": _wire(answer["result"])} if "result" in answer else answer

    def is_connected(self, show_traceback: bool = False) -> bool:
        return True


def _wire(value: Any) -> Any:
    """A value as JSON-RPC carries it: every integer a hex quantity."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int):
        return hex(value)
    if isinstance(value, dict | AttributeDict):
        return {key: _wire(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_wire(item) for item in value]
    if isinstance(value, bytes):
        return "0x" + value.hex()
    return value


def node_like(w3: Web3) -> Web3:
    """A Web3 that answers raw JSON-RPC as a node does: itself, or a node-like view of eth-tester."""
    if isinstance(w3.provider, EthereumTesterProvider):
        return Web3(TesterRpc(w3))
    return w3
