"""Brownie fixtures: the platform deployed once per module, every test isolated by a snapshot.

Accounts: 0 is the operator (admin, registrar, issuer), 1.. are investors' wallets; the networks
`make brownie` defines use the same development mnemonic as rwakit, so these are the same
addresses rwakit's own tests use. Struct arguments are tuples in the ABI's field order; they are
built here only, so a change to a contract's structs touches this file alone.
"""

from __future__ import annotations

import pytest
from helpers import HK, PROFESSIONAL, PROPERTY, RETAIL, SG, YEAR, investor_data


@pytest.fixture(autouse=True)
def isolation(fn_isolation):
    """Brownie's chain.snapshot() before and chain.revert() after every test."""


@pytest.fixture(scope="module")
def operator(accounts):
    return accounts[0]


@pytest.fixture(scope="module")
def registry(InvestorRegistry, operator):
    return InvestorRegistry.deploy(operator, {"from": operator})


@pytest.fixture(scope="module")
def factory(AssetFactory, registry, operator):
    factory = AssetFactory.deploy(registry, operator, {"from": operator})
    registry.grantRole(registry.ASSET_ROLE(), factory, {"from": operator})
    return factory


@pytest.fixture(scope="module")
def create_asset(factory, operator, AssetToken):
    def create(symbol="HVT", shares_authorised=1_000_000 * 10**6, decimals=6, kind=PROPERTY, investor_limits=False):
        params = (f"{symbol} asset", symbol, decimals, kind, shares_authorised, "ipfs://offering", b"\x01" * 32,
                  investor_limits)
        tx = factory.createAsset(params, {"from": operator})
        return AssetToken.at(tx.return_value)

    return create


@pytest.fixture(scope="module")
def token(create_asset):
    return create_asset()


@pytest.fixture(scope="module")
def register(registry, operator, chain):
    """register("HK-0001", wallet, ...): one investor with KYC valid for a year from now."""

    def register_(investor_id, *wallets, country=HK, investor_class=PROFESSIONAL, kyc_seconds=YEAR):
        return registry.registerInvestor(
            investor_data(investor_id, wallets, country, investor_class, chain.time() + kyc_seconds),
            {"from": operator},
        )

    return register_


@pytest.fixture(scope="module")
def alice(accounts, register):
    """A registered professional investor in Hong Kong (accounts[1])."""
    register("HK-0001", accounts[1])
    return accounts[1]


@pytest.fixture(scope="module")
def bob(accounts, register):
    """A registered retail investor in Singapore (accounts[2])."""
    register("SG-0001", accounts[2], country=SG, investor_class=RETAIL)
    return accounts[2]


@pytest.fixture(scope="module")
def outsider(accounts):
    """A wallet nobody registered (accounts[9])."""
    return accounts[9]
