"""A recovery moves a frozen wallet's flag to the new wallet without an AddressFrozen event (the asset
sets it directly): the index follows RecoverySuccess, as the chain's isFrozen answers."""

from __future__ import annotations

from rwakit.chain.signer import Signer
from rwakit.indexer import queries, record_queries
from rwakit.indexer.follower import Indexer
from rwakit.platform import Platform
from tests.indexer.conftest import create_asset, register


def _frozen(indexer: Indexer, asset: str, wallet: str, block: int | None = None) -> tuple[bool, int]:
    with queries.snapshot(indexer.engine) as connection:
        found = queries.asset(connection, indexer.chain_id, asset)
        state = record_queries.wallet(connection, indexer.chain_id, found, wallet,
                                      queries.as_of(connection, indexer.chain_id, block=block))  # fmt: skip
    return state.frozen, state.frozen_amount


def test_a_recovery_moves_the_frozen_flag(platform: Platform, signers: list[Signer], indexer: Indexer) -> None:
    lost, new, other = signers[1].address, signers[2].address, signers[3].address
    register(platform, "HK-0001", lost)
    register(platform, "HK-0002", other)
    asset = create_asset(platform)
    platform.assets.issue(asset, lost, 100)
    platform.controls.freeze_wallet(asset, lost, reason="AML")
    platform.controls.freeze_tokens(asset, lost, 30, reason="dispute")
    platform.controls.freeze_wallet(asset, other, reason="AML")  # another frozen wallet: left as it is
    platform.registry.add_wallet("HK-0001", new)
    platform.registry.remove_wallet(lost, investor_id="HK-0001")
    before = platform.chain.w3.eth.block_number
    platform.controls.recover_wallet(asset, lost, new, "HK-0001", reason="lost phone")
    indexer.catch_up()

    token = platform.assets.token(asset).functions
    for wallet in (lost, new, other):
        assert _frozen(indexer, asset, wallet) == (token.isFrozen(wallet).call(), token.getFrozenTokens(wallet).call())
    assert _frozen(indexer, asset, new) == (True, 30) and _frozen(indexer, asset, lost) == (False, 0)
    assert _frozen(indexer, asset, lost, before) == (True, 30) and _frozen(indexer, asset, new, before) == (False, 0)


def test_a_recovery_of_a_wallet_not_frozen_freezes_nothing(
    platform: Platform, signers: list[Signer], indexer: Indexer
) -> None:
    lost, new = signers[1].address, signers[2].address
    register(platform, "HK-0001", lost)
    asset = create_asset(platform)
    platform.assets.issue(asset, lost, 100)
    platform.registry.add_wallet("HK-0001", new)
    platform.registry.remove_wallet(lost, investor_id="HK-0001")
    platform.controls.recover_wallet(asset, lost, new, "HK-0001", reason="lost phone")
    indexer.catch_up()
    assert _frozen(indexer, asset, new) == (False, 0) and _frozen(indexer, asset, lost) == (False, 0)
