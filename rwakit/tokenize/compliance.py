"""Per-asset compliance rules, set by the compliance officer and enforced on chain in every move."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from web3.types import TxReceipt

from rwakit.chain.signer import Signer
from rwakit.chain.transactions import TransactionManager
from rwakit.errors import InvalidInput
from rwakit.registry.models import InvestorClass
from rwakit.tokenize.service import AssetService
from rwakit.units import from_timestamp, to_base_units, to_country_code, to_timestamp

MAX_UINT80 = 2**80 - 1
MAX_UINT96 = 2**96 - 1


@dataclass(frozen=True)
class AssetRules:
    """An asset's rules as the chain has them. Amounts are base units; None means "no limit"."""

    paused: bool
    allow_list_enabled: bool
    allowed_countries: list[int]
    blocked_countries: list[int]
    allowed_classes: list[InvestorClass]
    lockup_until: datetime | None
    minimum_lot: int
    max_holders: int | None
    holders: int | None
    max_balance: int | None
    investor_limits: bool


class ComplianceService:
    """Sets and reads the rules of the platform's assets, signed by the compliance officer."""

    def __init__(self, txm: TransactionManager, assets: AssetService, officer: Signer) -> None:
        self._txm = txm
        self._assets = assets
        self._officer = officer

    def rules(self, asset: str) -> AssetRules:
        token = self._assets.token(asset)
        paused, allow_list, _, classes, lockup, minimum_lot, max_balance = token.functions.rules().call()
        holders, max_holders, _ = token.functions.counts().call()
        limits = bool(token.functions.investorLimits().call())
        return AssetRules(
            paused=paused,
            allow_list_enabled=allow_list,
            allowed_countries=self._listed(token, "CountryAllowed", "allowed"),
            blocked_countries=self._listed(token, "CountryBlocked", "blocked"),
            allowed_classes=[c for c in InvestorClass if classes >> c & 1],
            lockup_until=from_timestamp(lockup) if lockup else None,
            minimum_lot=minimum_lot,
            max_holders=max_holders or None,
            holders=holders if limits else None,
            max_balance=max_balance or None,
            investor_limits=limits,
        )

    def allow_countries(self, asset: str, countries: Sequence[str | int], allowed: bool = True) -> TxReceipt:
        """Add countries to the allow-list (or remove them); it applies once enabled."""
        codes = self._countries(countries)
        return self._send(asset, "setAllowedCountries", codes, allowed)

    def enable_allow_list(self, asset: str, enabled: bool = True) -> TxReceipt:
        return self._send(asset, "setAllowListEnabled", enabled)

    def block_countries(self, asset: str, countries: Sequence[str | int], blocked: bool = True) -> TxReceipt:
        return self._send(asset, "setBlockedCountries", self._countries(countries), blocked)

    def allow_classes(self, asset: str, classes: Iterable[InvestorClass | str | int]) -> TxReceipt:
        """Only these investor classes may acquire shares; an empty list admits every class."""
        mask = 0
        for cls in classes:
            mask |= 1 << InvestorClass.parse(cls)
        return self._send(asset, "setAllowedClasses", mask)

    def set_lockup(self, asset: str, until: datetime | int | None) -> TxReceipt:
        """Holders cannot transfer before `until` (None lifts the lock-up)."""
        return self._send(asset, "setLockup", 0 if until is None else to_timestamp(until))

    def set_minimum_lot(self, asset: str, amount: str | int) -> TxReceipt:
        """Smallest transfer between holders: '0.5' shares, or an int in base units (0: none)."""
        value = to_base_units(amount, self._assets.get(asset).decimals)
        return self._send(asset, "setMinimumLot", _bounded(value, MAX_UINT80, "minimum lot"))

    def set_max_holders(self, asset: str, count: int | None) -> TxReceipt:
        """At most `count` investors may hold the asset (None: no limit)."""
        if count is not None and not 1 <= count < 2**32:
            raise InvalidInput("The maximum number of holders must be 1 to 4,294,967,295", code="invalid_limit")
        return self._send(asset, "setMaxHolders", count or 0)

    def set_max_balance(self, asset: str, amount: str | int | None) -> TxReceipt:
        """No investor may hold more than `amount` over all their wallets (None: no limit)."""
        value = 0 if amount is None else to_base_units(amount, self._assets.get(asset).decimals)
        return self._send(asset, "setMaxBalance", _bounded(value, MAX_UINT96, "maximum balance"))

    @staticmethod
    def _countries(countries: Sequence[str | int]) -> list[int]:
        if not countries:
            raise InvalidInput("Name at least one country", code="empty_batch")
        return [to_country_code(c) for c in countries]

    def _listed(self, token: Any, event: str, flag: str) -> list[int]:
        """Current members of a country list, replayed from the token's events."""
        members: dict[int, bool] = {}
        for log in getattr(token.events, event)().get_logs(from_block=self._assets.from_block):
            members[log["args"]["country"]] = log["args"][flag]
        return sorted(c for c, on in members.items() if on)

    def _send(self, asset: str, function: str, *args: Any) -> TxReceipt:
        call = getattr(self._assets.token(asset).functions, function)(*args)
        return self._txm.transact(self._officer, call, label=f"{function} on {asset}")


def _bounded(value: int, limit: int, what: str) -> int:
    if value > limit:
        raise InvalidInput(f"The {what} is larger than the contract can hold", code="invalid_limit")
    return value
