"""Read the compiled artifacts shipped in rwakit/contracts/artifacts/ (no compiler needed)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from typing import Any

from eth_typing import ChecksumAddress
from web3 import Web3
from web3.contract import Contract

from rwakit.contracts.compiler import ARTIFACTS_DIR
from rwakit.errors import NotFound


@dataclass(frozen=True)
class Artifact:
    name: str
    abi: list[dict[str, Any]]
    bytecode: str
    compiler_version: str

    def at(self, w3: Web3, address: ChecksumAddress | str) -> Contract:
        """A web3 contract handle for a deployed instance."""
        return w3.eth.contract(address=Web3.to_checksum_address(address), abi=self.abi)

    def factory(self, w3: Web3) -> type[Contract]:
        return w3.eth.contract(abi=self.abi, bytecode=self.bytecode)


@cache
def load_artifact(name: str) -> Artifact:
    path = ARTIFACTS_DIR / f"{name}.json"
    if not path.exists():
        raise NotFound(
            f"No compiled artifact {name!r} in {ARTIFACTS_DIR}: run `rwakit compile`", code="artifact_missing"
        )
    data = json.loads(path.read_text())
    return Artifact(name=name, abi=data["abi"], bytecode=data["bytecode"], compiler_version=data["compiler"]["version"])


@cache
def all_abis() -> tuple[tuple[dict[str, Any], ...], ...]:
    """Every shipped ABI: the error table for decoding reverts from any of our contracts."""
    return tuple(tuple(load_artifact(p.stem).abi) for p in sorted(ARTIFACTS_DIR.glob("*.json")))
