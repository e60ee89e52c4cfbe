"""Per-asset compliance rules, set by the compliance officer and enforced on chain in every move; each
change is recorded in the audit trail, as issuer controls are."""

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
from rwakit.tokenize.audit import AuditLog
from rwakit.tokenize.audited import AuditedSender
from rwakit.tokenize.service import AssetService
from rwakit.units import country_label, from_timestamp, to_base_units, to_country_code, to_timestamp

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
    """Sets and reads the rules of the platform's assets, signed by the compliance officer; every
    rule change is recorded in the audit trail, with its reason if one is given."""

    def __init__(self, txm: TransactionManager, assets: AssetService, officer: Signer, audit: AuditLog) -> None:
        self._assets = assets
        self._sender = AuditedSender(txm, assets, officer, audit, label="{function} on {asset}")

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

    def allow_countries(
        self, asset: str, countries: Sequence[str | int], allowed: bool = True, *, reason: str = ""
    ) -> TxReceipt:
        """Add countries to the allow-list (or remove them); it applies once enabled."""
        codes = self._countries(countries)
        action = "allow_countries" if allowed else "disallow_countries"
        args = (codes, allowed)
        return self._sender.send(asset, action, reason, "setAllowedCountries", args, countries=_labels(codes))

    def enable_allow_list(self, asset: str, enabled: bool = True, *, reason: str = "") -> TxReceipt:
        action = "enable_allow_list" if enabled else "disable_allow_list"
        return self._sender.send(asset, action, reason, "setAllowListEnabled", (enabled,))

    def block_countries(
        self, asset: str, countries: Sequence[str | int], blocked: bool = True, *, reason: str = ""
    ) -> TxReceipt:
        codes = self._countries(countries)
        action = "block_countries" if blocked else "unblock_countries"
        args = (codes, blocked)
        return self._sender.send(asset, action, reason, "setBlockedCountries", args, countries=_labels(codes))

    def allow_classes(self, asset: str, classes: Iterable[InvestorClass | str | int], *, reason: str = "") -> TxReceipt:
        """Only these investor classes may acquire shares; an empty list admits every class."""
        parsed = [InvestorClass.parse(c) for c in classes]
        mask = 0
        for cls in parsed:
            mask |= 1 << cls
        names = [c.name.lower() for c in parsed]
        return self._sender.send(asset, "set_allowed_classes", reason, "setAllowedClasses", (mask,), classes=names)

    def set_lockup(self, asset: str, until: datetime | int | None, *, reason: str = "") -> TxReceipt:
        """Holders cannot transfer before `until` (None lifts the lock-up)."""
        timestamp = 0 if until is None else to_timestamp(until)
        if isinstance(until, int):
            until = from_timestamp(timestamp)  # a datetime is recorded as given, in its own time zone
        return self._sender.send(
            asset, "set_lockup", reason, "setLockup", (timestamp,), until=None if until is None else until.isoformat()
        )

    def set_minimum_lot(self, asset: str, amount: str | int, *, reason: str = "") -> TxReceipt:
        """Smallest transfer between holders: '0.5' shares, or an int in base units (0: none)."""
        value = _bounded(to_base_units(amount, self._assets.get(asset).decimals), MAX_UINT80, "minimum lot")
        return self._sender.send(asset, "set_minimum_lot", reason, "setMinimumLot", (value,), amount=value)

    def set_max_holders(self, asset: str, count: int | None, *, reason: str = "") -> TxReceipt:
        """At most `count` investors may hold the asset (None: no limit)."""
        if count is not None and not 1 <= count < 2**32:
            raise InvalidInput("The maximum number of holders must be 1 to 4,294,967,295", code="invalid_limit")
        return self._sender.send(asset, "set_max_holders", reason, "setMaxHolders", (count or 0,), max_holders=count)

    def set_max_balance(self, asset: str, amount: str | int | None, *, reason: str = "") -> TxReceipt:
        """No investor may hold more than `amount` over all their wallets (None: no limit)."""
        value = 0 if amount is None else to_base_units(amount, self._assets.get(asset).decimals)
        value = _bounded(value, MAX_UINT96, "maximum balance")
        return self._sender.send(
            asset, "set_max_balance", reason, "setMaxBalance", (value,), amount=None if amount is None else value
        )

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


def _labels(codes: Sequence[int]) -> list[str]:
    return [country_label(c) for c in codes]


def _bounded(value: int, limit: int, what: str) -> int:
    if value > limit:
        raise InvalidInput(f"The {what} is larger than the contract can hold", code="invalid_limit")
    return value
