"""The revert data inside whatever web3 raised for a reverted call or gas estimate, on every supported chain.

Each chain reports a revert its own way:

- Anvil: ``ContractLogicError`` (or its Custom and Panic subclasses) with the hex data as ``data``.
- Ganache 7.9: the same from ``eth_call``, except that an ``Error(string)`` or empty revert comes
  as a ``Web3RPCError`` with the hex under the JSON-RPC error's ``data``; and from gas estimation a
  ``ContractLogicError`` whose ``data`` is a dict with the hex under ``result``.
- eth-tester (in process): its own ``TransactionFailed("execution reverted: ...")``. web3 decodes
  as ``Error(string)`` any data that reads as one (a custom error whose first argument is a string
  does), so the raw bytes are taken from the py-evm ``Revert`` it was raised from when it was;
  else the text is the repr of the bytes, or the message of an ``Error(string)``.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from typing import Any

from eth_abi.abi import encode
from web3.exceptions import ContractLogicError, Web3RPCError

_ERROR_STRING = bytes.fromhex("08c379a0")
_IN_PROCESS = ("eth_tester", "eth")  # eth-tester and the py-evm it runs


def revert_data(exc: BaseException) -> bytes | None:
    """The data `exc` reverted with (b"" if none came back), or None if `exc` is not a revert."""
    if isinstance(exc, ContractLogicError):
        payload = exc.data.get("result") if isinstance(exc.data, dict) else exc.data
        return _hex(payload)
    if isinstance(exc, Web3RPCError):
        error = (exc.rpc_response or {}).get("error")
        if not isinstance(error, dict) or "revert" not in str(error.get("message", "")).lower():
            return None  # a refused block, nonce, fee...: not the contract's answer
        return _hex(error.get("data"))
    if _module(exc) == "eth_tester" and type(exc).__name__ == "TransactionFailed":  # not its ValidationError
        return _in_process(exc)
    return None


def _hex(payload: Any) -> bytes:
    """Revert data from a node's hex string; b"" when there is none or it is not hex."""
    if not isinstance(payload, str):
        return b""
    try:
        return bytes.fromhex(payload.removeprefix("0x"))
    except ValueError:
        return b""


def _module(exc: BaseException) -> str:
    return type(exc).__module__.split(".")[0]


def _causes(exc: BaseException) -> Iterator[BaseException]:
    """`exc` and the in-process exceptions it was raised while handling."""
    link: BaseException | None = exc
    while link is not None and _module(link) in _IN_PROCESS:
        yield link
        link = link.__cause__ or link.__context__


def _in_process(exc: BaseException) -> bytes:
    for link in _causes(exc):
        if link.args and isinstance(link.args[0], bytes):
            return link.args[0]  # py-evm's Revert(data)
    text = str(exc).removeprefix("execution reverted: ")
    try:
        literal = ast.literal_eval(text)
    except (ValueError, SyntaxError):
        literal = None
    if isinstance(literal, bytes):
        return literal
    return _ERROR_STRING + encode(["string"], [text])  # web3 kept only the Error(string)'s message
