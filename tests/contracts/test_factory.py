"""AssetFactory: creating assets, the registry of assets and symbols, and who may create."""

from __future__ import annotations

from typing import Any

import pytest
from web3 import Web3
from web3.contract import Contract
from web3.logs import DISCARD

from rwakit.chain.connection import Chain
from rwakit.chain.signer import Signer
from rwakit.contracts import load_artifact
from rwakit.errors import AccessDenied, ContractRevert
from rwakit.platform import Platform
from rwakit.tokenize import Asset, AssetKind, AssetSpec
from tests.contracts.erc20_behaviour import ZERO_ADDRESS, assert_reverted_with

ISSUER_ROLE = Web3.keccak(text="ISSUER_ROLE").to_0x_hex()
DEFAULT_ADMIN_ROLE = "0x" + "00" * 32
DOCUMENT_HASH = "0x" + "ef" * 32


def params(symbol: str, kind: AssetKind = AssetKind.PROPERTY, investor_limits: bool = False) -> tuple[Any, ...]:
    """AssetParams for a raw createAsset call."""
    return (f"{symbol} asset", symbol, 6, int(kind), 1_000 * 10**6, f"ipfs://{symbol}", bytes.fromhex("ef" * 32),
            investor_limits)  # fmt: skip


def create(platform: Platform, signer: Signer, symbol: str, kind: AssetKind = AssetKind.PROPERTY) -> str:
    """Create through the raw contract as `signer`; the new asset's address."""
    receipt = platform.txm.transact(
        signer, platform.assets.factory.functions.createAsset(params(symbol, kind)), label="create"
    )
    return str(
        platform.assets.factory.events.AssetCreated().process_receipt(receipt, errors=DISCARD)[0]["args"]["asset"]
    )


@pytest.fixture
def factory(platform: Platform) -> Contract:
    return platform.assets.factory


def test_create_asset_deploys_a_token_with_the_chosen_params(platform: Platform) -> None:
    spec = AssetSpec("Harbour View Tower", "HVT", 6, "fund", "1000", "ipfs://hvt", DOCUMENT_HASH)
    asset = platform.assets.create(spec)
    assert asset == Asset(
        address=asset.address, name="Harbour View Tower", symbol="HVT", decimals=6, kind=AssetKind.FUND,
        shares_authorised=1_000 * 10**6, total_supply=0, paused=False, document_uri="ipfs://hvt",
        document_hash=DOCUMENT_HASH, investor_limits=False,
    )  # fmt: skip


def test_create_asset_with_investor_limits_keeps_investor_totals(platform: Platform) -> None:
    asset = platform.assets.create(AssetSpec("Income Fund", "INC", 2, "fund", "1000", investor_limits=True))
    assert asset.investor_limits is True
    assert platform.assets.token(asset.address).functions.investorLimits().call() is True


def test_create_asset_emits_asset_created(platform: Platform, chain: Chain, factory: Contract) -> None:
    receipt = platform.txm.transact(
        chain.operator, factory.functions.createAsset(params("HVT", AssetKind.FUND)), label="create"
    )
    (event,) = factory.events.AssetCreated().process_receipt(receipt, errors=DISCARD)
    assert event["args"]["issuer"] == chain.operator.address
    assert (event["args"]["symbol"], event["args"]["kind"]) == ("HVT", AssetKind.FUND)
    assert chain.w3.eth.get_code(event["args"]["asset"])


def test_assets_are_listed_oldest_first_and_counted(platform: Platform, chain: Chain, factory: Contract) -> None:
    first, second = create(platform, chain.operator, "ONE"), create(platform, chain.operator, "TWO")
    assert factory.functions.assets().call() == [first, second]
    assert factory.functions.assetCount().call() == 2


def test_a_fresh_factory_has_no_assets(factory: Contract) -> None:
    assert (factory.functions.assets().call(), factory.functions.assetCount().call()) == ([], 0)


def test_asset_by_symbol_finds_the_asset(platform: Platform, chain: Chain, factory: Contract) -> None:
    address = create(platform, chain.operator, "HVT")
    assert factory.functions.assetBySymbol("HVT").call() == address


def test_asset_by_symbol_of_an_unknown_symbol_is_the_zero_address(factory: Contract) -> None:
    assert factory.functions.assetBySymbol("NOPE").call() == ZERO_ADDRESS


def test_is_asset_is_true_only_for_assets_it_created(platform: Platform, chain: Chain, factory: Contract) -> None:
    address = create(platform, chain.operator, "HVT")
    assert factory.functions.isAsset(address).call()
    assert not factory.functions.isAsset(platform.registry.address).call()
    assert not factory.functions.isAsset(chain.signers[1].address).call()


@pytest.mark.every_chain
def test_a_duplicate_symbol_reverts_with_symbol_taken(platform: Platform, chain: Chain, factory: Contract) -> None:
    existing = create(platform, chain.operator, "HVT")
    with pytest.raises(ContractRevert) as refused:
        create(platform, chain.operator, "HVT", AssetKind.FUND)
    assert_reverted_with(refused, "FactorySymbolTaken", symbol="HVT", asset=existing)
    assert factory.functions.assetCount().call() == 1


def test_a_non_issuer_is_refused(platform: Platform, chain: Chain, factory: Contract) -> None:
    outsider = chain.signers[9]
    with pytest.raises(AccessDenied) as refused:
        create(platform, outsider, "HVT")
    assert_reverted_with(refused, "AccessControlUnauthorizedAccount", account=outsider.address, neededRole=ISSUER_ROLE)
    assert factory.functions.assetCount().call() == 0


def test_the_deployer_holds_the_admin_and_issuer_roles(chain: Chain, factory: Contract) -> None:
    assert "0x" + factory.functions.ISSUER_ROLE().call().hex() == ISSUER_ROLE
    assert factory.functions.hasRole(DEFAULT_ADMIN_ROLE, chain.operator.address).call()
    assert factory.functions.hasRole(ISSUER_ROLE, chain.operator.address).call()


def test_the_new_tokens_admin_and_issuer_is_the_caller(platform: Platform, chain: Chain, factory: Contract) -> None:
    issuer = chain.signers[8]
    platform.txm.transact(chain.operator, factory.functions.grantRole(ISSUER_ROLE, issuer.address), label="grant")
    token = load_artifact("AssetToken").at(chain.w3, create(platform, issuer, "HVT"))
    assert token.functions.hasRole(DEFAULT_ADMIN_ROLE, issuer.address).call()
    assert token.functions.hasRole(ISSUER_ROLE, issuer.address).call()
    assert not token.functions.hasRole(DEFAULT_ADMIN_ROLE, chain.operator.address).call()
    assert not token.functions.hasRole(ISSUER_ROLE, chain.operator.address).call()
    assert not token.functions.hasRole(DEFAULT_ADMIN_ROLE, factory.address).call()


def test_every_asset_checks_the_platform_registry(platform: Platform, chain: Chain, factory: Contract) -> None:
    token = load_artifact("AssetToken").at(chain.w3, create(platform, chain.operator, "HVT"))
    assert factory.functions.registry().call() == platform.registry.address
    assert token.functions.identityRegistry().call() == platform.registry.address


def test_every_asset_is_known_to_the_registry_by_its_index(
    platform: Platform, chain: Chain, factory: Contract
) -> None:
    registry = platform.registry.contract
    before = registry.functions.assetCount().call()
    first, second = create(platform, chain.operator, "ONE"), create(platform, chain.operator, "TWO")
    assert registry.functions.assetCount().call() == before + 2
    assert [registry.functions.assetAt(before + i).call() for i in (1, 2)] == [first, second]
    assert registry.functions.assetAt(before + 3).call() == ZERO_ADDRESS
    assert registry.functions.assetAt(0).call() == ZERO_ADDRESS


def test_the_factory_holds_the_registrys_asset_role(platform: Platform, factory: Contract) -> None:
    registry = platform.registry.contract
    assert registry.functions.hasRole(registry.functions.ASSET_ROLE().call(), factory.address).call()


def test_authorised_shares_beyond_a_uint96_balance_revert_with_invalid_authorised(
    platform: Platform, chain: Chain, factory: Contract
) -> None:
    too_many = 2**96
    call = factory.functions.createAsset(("Big", "BIG", 0, 0, too_many, "", b"\0" * 32, False))
    with pytest.raises(ContractRevert) as refused:
        platform.txm.transact(chain.operator, call, label="create")
    assert_reverted_with(refused, "AssetInvalidAuthorised", authorised=too_many, supply=0)


def test_the_deployer_serves_only_callers_with_the_registrys_asset_role(platform: Platform, chain: Chain) -> None:
    """A token the registry does not know would never receive record changes: no deploying one aside."""
    deployer = load_artifact("AssetTokenDeployer").at(chain.w3, platform.deployment.deployer)
    outsider = chain.signers[9]
    with pytest.raises(ContractRevert) as refused:
        call = deployer.functions.deploy(params("SIDE"), outsider.address)
        platform.txm.transact(outsider, call, label="deploy aside")
    assert refused.value.error == "DeployerUnauthorized"


def test_the_deployer_is_bound_to_the_registry_that_created_it(platform: Platform, chain: Chain) -> None:
    """Nobody can pass the deployer a registry of their own (one answering yes to everything)."""
    deployer = load_artifact("AssetTokenDeployer").at(chain.w3, platform.deployment.deployer)
    assert deployer.functions.registry().call() == platform.deployment.registry
    assert platform.registry.contract.functions.deployer().call() == platform.deployment.deployer


@pytest.mark.parametrize(
    "symbol", ["hvt", "HVT ", " HVT", "HVT\u200b", "HV-T", "H\u00c9T", "", "1HVT", "ABCDEFGHIJKL"],
    ids=["lower", "trailing-space", "leading-space", "zero-width", "hyphen", "non-ascii", "empty", "digit-first",
         "twelve-chars"],
)  # fmt: skip
def test_a_symbol_outside_a_to_z_and_digits_is_refused(platform: Platform, chain: Chain, symbol: str) -> None:
    """Issue 10: `hvt`, `"HVT "` and `"HVT\\u200b"` were created beside HVT. Symbols are checked on chain,
    so every client gets the same rule, and a strict set makes them unique case-insensitively."""
    create(platform, chain.operator, "HVT")
    with pytest.raises(ContractRevert) as refused:
        create(platform, chain.operator, symbol)
    assert_reverted_with(refused, "FactoryInvalidSymbol", symbol=symbol)


@pytest.mark.parametrize("symbol", ["A", "HVT", "HK2026", "ABCDEFGHIJK"])
def test_symbols_of_one_to_eleven_letters_and_digits_are_accepted(
    platform: Platform, chain: Chain, factory: Contract, symbol: str
) -> None:
    created = create(platform, chain.operator, symbol)
    assert factory.functions.assetBySymbol(symbol).call() == created
