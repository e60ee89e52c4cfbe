"""The register of holders for a distribution, from the read model and from the chain: the same at
every block, so the same Merkle root; a block the index has not reached is refused."""

from __future__ import annotations

import pytest

from rwakit.indexer.follower import Indexer
from rwakit.indexer.queries import IndexNotReady
from rwakit.platform import Platform
from rwakit.settlement.merkle import StandardMerkleTree
from rwakit.settlement.register import LEAF_TYPES, ChainRegister, IndexRegister, allocate
from tests.indexer.conftest import create_asset, register


def test_the_index_and_the_chain_give_the_same_register_at_every_block(platform: Platform, indexer: Indexer) -> None:
    s = platform.chain.signers
    register(platform, "HK-0001", s[1].address, s[2].address)
    register(platform, "SG-0001", s[3].address, country="SG")
    asset = create_asset(platform)
    blocks = []
    platform.assets.issue_batch("HVT", [(s[1].address, 1_000), (s[3].address, 333)])
    blocks.append(platform.chain.w3.eth.block_number)
    platform.assets.transfer("HVT", s[1], s[2].address, 250)  # between one investor's wallets
    blocks.append(platform.chain.w3.eth.block_number)
    platform.assets.transfer("HVT", s[3], s[1].address, 333)  # SG-0001 leaves the register
    blocks.append(platform.chain.w3.eth.block_number)
    indexer.catch_up()
    index = IndexRegister(indexer.engine, platform.chain.chain_id)
    chain = ChainRegister(platform.chain.w3, platform.deployment.block_number)
    for block in blocks:
        assert index.holders_at(asset, block) == chain.holders_at(asset, block), block
    assert index.holders_at(asset, blocks[-1]) == {s[1].address: 1_083, s[2].address: 250}
    roots = {StandardMerkleTree.of(allocate(r.holders_at(asset, blocks[1]), 10**9 + 7).leaves, LEAF_TYPES).root
             for r in (index, chain)}  # fmt: skip
    assert len(roots) == 1
    with pytest.raises(IndexNotReady):
        index.holders_at(asset, platform.chain.w3.eth.block_number + 5)
