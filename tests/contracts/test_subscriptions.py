"""The registry pushes a changed record to exactly the assets that keep a copy of it (issue 10):
a record change costs O(assets the investor is in), whatever the number of assets on the platform."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from rwakit.chain.connection import Chain
from rwakit.contracts.restrictions import Restriction
from rwakit.errors import ComplianceError, ContractRevert
from rwakit.platform import Platform
from rwakit.tokenize import AssetSpec
from tests.conftest import advance_time, investor, now
from tests.contracts.erc20_behaviour import assert_reverted_with

SIX = [f"SUB{i}" for i in range(6)]  # more than the four subscriptions a wallet's own slot holds


@pytest.fixture
def six_assets(platform: Platform, chain: Chain) -> Iterator[list[str]]:
    """Alice (two wallets) holds in six assets through her first wallet; Bob holds nothing anywhere."""
    snapshot = chain.w3.provider.make_request("evm_snapshot", [])["result"]  # type: ignore[arg-type]
    s = chain.signers
    platform.registry.register_batch([investor(chain, "ALICE", s[1], s[2]), investor(chain, "BOB", s[3])])
    for symbol in SIX:
        platform.assets.create(AssetSpec(f"Asset {symbol}", symbol, 0, "property", "1000", investor_limits=True))
        platform.assets.issue(symbol, s[1].address, 10)
    yield [platform.assets.get(symbol).address for symbol in SIX]
    chain.w3.provider.make_request("evm_revert", [snapshot])  # type: ignore[arg-type]
    platform.txm.reset_nonce()


def subscriptions(platform: Platform, wallet: str) -> list[str]:
    return list(platform.registry.contract.functions.subscriptionsOf(wallet).call())


def test_an_asset_subscribes_to_a_wallet_when_it_first_keeps_its_record(
    platform: Platform, chain: Chain, six_assets: list[str]
) -> None:
    alice, spare, bob = (chain.signers[i].address for i in (1, 2, 3))
    assert subscriptions(platform, alice) == six_assets  # four in the wallet's slot, two on a page
    assert subscriptions(platform, spare) == subscriptions(platform, bob) == []
    platform.assets.transfer(SIX[0], chain.signers[1], bob, 1)
    assert subscriptions(platform, bob) == six_assets[:1]


def test_a_revocation_reaches_every_asset_that_keeps_a_copy(
    platform: Platform, chain: Chain, six_assets: list[str]
) -> None:
    platform.registry.revoke("ALICE")
    for symbol in SIX:
        with pytest.raises(ComplianceError) as refused:
            platform.assets.transfer(symbol, chain.signers[1], chain.signers[2].address, 1)
        assert refused.value.reason_code == Restriction.SENDER_REVOKED


def test_a_kyc_renewal_reaches_every_asset_that_keeps_a_copy(
    platform: Platform, chain: Chain, six_assets: list[str]
) -> None:
    platform.registry.update("ALICE", kyc_expiry=now(chain) + 60)
    advance_time(chain, 61)
    with pytest.raises(ComplianceError):
        platform.assets.transfer(SIX[5], chain.signers[1], chain.signers[2].address, 1)
    platform.registry.update("ALICE", kyc_expiry=now(chain) + 3600)
    for symbol in SIX:
        platform.assets.transfer(symbol, chain.signers[1], chain.signers[2].address, 1)


def test_a_removed_wallet_is_dropped_by_every_asset_and_forgets_its_subscriptions(
    platform: Platform, chain: Chain, six_assets: list[str]
) -> None:
    alice = chain.signers[1].address
    platform.registry.remove_wallet(alice)
    assert subscriptions(platform, alice) == []
    platform.registry.register(investor(chain, "CAROL", alice))
    assert subscriptions(platform, alice) == []  # a new owner starts with no stale subscription
    for symbol in SIX:  # Alice's shares stay hers: the wallet's new owner cannot move them
        with pytest.raises(ComplianceError) as refused:
            platform.assets.transfer(symbol, chain.signers[1], chain.signers[3].address, 1)
        assert refused.value.reason_code == Restriction.SENDER_WALLET_REASSIGNED


def test_a_record_change_costs_the_same_whatever_the_number_of_assets_on_the_platform(
    platform: Platform, chain: Chain, six_assets: list[str]
) -> None:
    """Bob holds in one asset; the platform's other assets do not make his revocation dearer."""
    registry = platform.registry
    platform.assets.issue(SIX[0], chain.signers[3].address, 1)
    renew = int(registry.update("BOB", kyc_expiry=now(chain) + 7200)["gasUsed"])
    for i in range(6):
        platform.assets.create(AssetSpec(f"More {i}", f"MORE{i}", 0, "property", "1000"))
    renew_later = int(registry.update("BOB", kyc_expiry=now(chain) + 9000)["gasUsed"])
    assert renew_later == renew
    revoke = int(registry.revoke("BOB")["gasUsed"])
    assert revoke <= renew * 1.2


def test_only_the_asset_at_an_index_may_subscribe_as_it(
    platform: Platform, chain: Chain, six_assets: list[str]
) -> None:
    registry = platform.registry.contract
    outsider, wallet = chain.signers[9], chain.signers[3].address
    for index in (0, 1, 6, 7, 2**24):
        with pytest.raises(ContractRevert) as refused:
            platform.txm.transact(outsider, registry.functions.subscribe(index, wallet), label="subscribe")
        assert_reverted_with(refused, "RegistryNotAsset", caller=outsider.address, index=index)
    assert subscriptions(platform, wallet) == []
