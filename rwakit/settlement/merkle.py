"""Merkle trees in @openzeppelin/merkle-tree's StandardMerkleTree format ("standard-v1").

A leaf is ``keccak256(keccak256(abi.encode(values)))`` (double-hashed, so a leaf never passes for an
inner node); pairs are hashed sorted, as OpenZeppelin's MerkleProof verifies; the tree is an array
with the root first and the leaves, sorted by hash, at its end in reverse order. ``dump()`` writes the
same JSON as the library's ``tree.dump()``, which any holder can load to check their leaf.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from eth_abi.abi import encode
from eth_utils.crypto import keccak

from rwakit.errors import InvalidInput


def leaf_hash(types: Sequence[str], values: Sequence[Any]) -> bytes:
    return keccak(keccak(encode(list(types), list(values))))


def _pair(a: bytes, b: bytes) -> bytes:
    return keccak(a + b if a < b else b + a)


@dataclass(frozen=True)
class StandardMerkleTree:
    types: tuple[str, ...]
    values: tuple[tuple[Any, ...], ...]
    tree: tuple[bytes, ...]
    # values[i] sits at tree[tree_index[i]]
    tree_index: tuple[int, ...]

    @classmethod
    def of(cls, values: Sequence[Sequence[Any]], types: Sequence[str]) -> StandardMerkleTree:
        if not values:
            raise InvalidInput("A Merkle tree needs at least one leaf", code="empty_tree")
        hashes = [leaf_hash(types, v) for v in values]
        order = sorted(range(len(values)), key=lambda i: hashes[i])
        size = 2 * len(values) - 1
        tree: list[bytes] = [b""] * size
        tree_index = [0] * len(values)
        for position, i in enumerate(order):
            tree[size - 1 - position] = hashes[i]
            tree_index[i] = size - 1 - position
        for node in range(size - 1 - len(values), -1, -1):
            tree[node] = _pair(tree[2 * node + 1], tree[2 * node + 2])
        return cls(tuple(types), tuple(tuple(v) for v in values), tuple(tree), tuple(tree_index))

    @property
    def root(self) -> bytes:
        return self.tree[0]

    def proof(self, i: int) -> list[bytes]:
        """The proof for values[i]: sibling hashes from the leaf up."""
        node = self.tree_index[i]
        proof: list[bytes] = []
        while node > 0:
            proof.append(self.tree[node + 1 if node % 2 else node - 1])
            node = (node - 1) // 2
        return proof

    def dump(self) -> dict[str, Any]:
        return {
            "format": "standard-v1",
            "leafEncoding": list(self.types),
            "tree": ["0x" + h.hex() for h in self.tree],
            "values": [
                {"value": [_json(v) for v in value], "treeIndex": index}
                for value, index in zip(self.values, self.tree_index, strict=True)
            ],
        }


def verify(root: bytes, leaf: bytes, proof: Sequence[bytes]) -> bool:
    """MerkleProof.verify: fold the proof into the leaf with sorted pairs."""
    node = leaf
    for sibling in proof:
        node = _pair(node, sibling)
    return node == root


def _json(value: Any) -> Any:
    """uint256 values as decimal strings (exact in JSON), addresses as given."""
    return str(value) if isinstance(value, int) else value
