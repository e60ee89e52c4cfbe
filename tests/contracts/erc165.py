"""ERC-165 interface ids computed from our Solidity interfaces and the token's shipped ABI, so a test
never hand-maintains a list of signatures: the function names come from the interface's source,
their parameter types from the ABI."""

from __future__ import annotations

import re
from functools import reduce
from pathlib import Path
from typing import Any

from web3 import Web3

INTERFACES = Path(__file__).parents[2] / "contracts" / "interfaces"


def _type(param: dict[str, Any]) -> str:
    kind = str(param["type"])
    if kind.startswith("tuple"):
        return "(" + ",".join(_type(c) for c in param["components"]) + ")" + kind[5:]
    return kind


def declared_functions(source: str, interface: str) -> list[str]:
    """Names of the functions `interface` declares itself (inherited ones excluded, as in ERC-165)."""
    text = (INTERFACES / source).read_text()
    body = re.search(rf"interface {interface}\b[^{{]*{{(.*?)\n}}", text, re.S)
    assert body is not None, f"interface {interface} not found in {source}"
    return re.findall(r"function (\w+)\(", body.group(1))


def interface_id(abi: list[dict[str, Any]], source: str, interface: str) -> str:
    """type(interface).interfaceId: the XOR of the selectors of the functions it declares."""
    functions = {e["name"]: e for e in abi if e["type"] == "function"}
    selectors = []
    for name in declared_functions(source, interface):
        signature = f"{name}({','.join(_type(p) for p in functions[name]['inputs'])})"
        selectors.append(int.from_bytes(Web3.keccak(text=signature)[:4], "big"))
    return f"0x{reduce(lambda a, b: a ^ b, selectors):08x}"
