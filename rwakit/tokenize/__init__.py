"""Assets, issuance, transfers and holdings: services over AssetFactory and AssetToken."""

from rwakit.contracts.restrictions import Restriction
from rwakit.tokenize.models import Asset, AssetKind, AssetSpec, CapTable, CapTableEntry, Holding
from rwakit.tokenize.service import AssetService

__all__ = ["Asset", "AssetKind", "AssetService", "AssetSpec", "CapTable", "CapTableEntry", "Holding", "Restriction"]
