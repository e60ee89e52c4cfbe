"""Assets, holdings and cap tables as the Python side sees them. Amounts are base-unit ints."""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

from rwakit.units import format_units


class AssetKind(IntEnum):
    """Mirrors IAssetToken.AssetKind."""

    PROPERTY = 0
    FUND = 1

    @classmethod
    def parse(cls, value: str | int | AssetKind) -> AssetKind:
        from rwakit.errors import InvalidInput

        if isinstance(value, AssetKind):
            return value
        try:
            return cls[value.upper()] if isinstance(value, str) else cls(value)
        except (KeyError, ValueError) as exc:
            raise InvalidInput(f"Asset kind {value!r} is not 'property' or 'fund'", code="invalid_asset_kind") from exc


@dataclass(frozen=True)
class AssetSpec:
    """What an issuer chooses for a new asset. ``shares_authorised`` is in whole shares ('1000000')."""

    name: str
    symbol: str
    decimals: int
    kind: AssetKind | str
    shares_authorised: str | int
    document_uri: str = ""
    document_hash: str = "0x" + "00" * 32
    investor_limits: bool = False
    """Keep per-investor totals so a maximum number of holders or balance per investor can be set
    (now or later); about 10k more gas per transfer between two investors. Fixed at creation."""


@dataclass(frozen=True)
class Asset:
    address: str
    name: str
    symbol: str
    decimals: int
    kind: AssetKind
    shares_authorised: int
    total_supply: int
    paused: bool
    document_uri: str
    document_hash: str
    investor_limits: bool

    def display(self, amount: int) -> str:
        return format_units(amount, self.decimals)


@dataclass(frozen=True)
class Holding:
    """One asset held by one investor, summed over their wallets."""

    asset: str
    symbol: str
    decimals: int
    amount: int
    by_wallet: dict[str, int]

    @property
    def display(self) -> str:
        return format_units(self.amount, self.decimals)


@dataclass(frozen=True)
class CapTableEntry:
    """One holder of an asset; ``investor_id`` is None for a wallet the registry no longer knows."""

    investor_id: str | None
    amount: int
    wallets: dict[str, int]


@dataclass(frozen=True)
class CapTable:
    asset: Asset
    block_number: int
    entries: list[CapTableEntry]

    def share_of_supply(self, entry: CapTableEntry) -> str:
        """Percent of issued shares, exact to 4 decimal places (rounded down)."""
        if self.asset.total_supply == 0:
            return "0"
        return format_units(entry.amount * 100 * 10**4 // self.asset.total_supply, 4)
