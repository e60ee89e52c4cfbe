"""AssetFactory: assets against the shared registry, symbols unique."""

import brownie
from helpers import FUND


def test_create_asset(factory, registry, create_asset, operator):
    token = create_asset("FND", shares_authorised=10_000, decimals=2, kind=FUND)

    assert (token.name(), token.symbol(), token.decimals()) == ("FND asset", "FND", 2)
    assert token.assetKind() == FUND and token.sharesAuthorised() == 10_000
    assert token.identityRegistry() == registry
    assert token.hasRole(token.ISSUER_ROLE(), operator)
    assert factory.assets() == [token] and factory.isAsset(token)
    assert factory.assetBySymbol("FND") == token


def test_symbols_are_unique(factory, create_asset):
    first = create_asset("HVT")
    with brownie.reverts(f"FactorySymbolTaken: HVT, {str(first).lower()}"):
        create_asset("HVT")
    assert factory.assetCount() == 1


def test_only_an_issuer_creates_assets(factory, accounts):
    with brownie.reverts():
        factory.createAsset(("X", "X", 0, 0, 1, "", b"\0" * 32, False), {"from": accounts[1]})
