"""Compliance rules over HTTP: read by any key; each rule set by the compliance officer in its own
request (one or a few transactions), recorded in the audit trail as the calling API key.

A PUT replaces the rule: the countries named become the whole allow-list (or block-list), so a
retried request changes nothing more and sends no transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from web3.types import TxReceipt

from rwakit.api.deps import Principal
from rwakit.api.schemas.common import to_datetime
from rwakit.api.schemas.compliance import (
    AllowedClassesSet,
    AllowedCountriesSet,
    BlockedCountriesSet,
    LockupSet,
    MaxBalanceSet,
    MaxHoldersSet,
    MinimumLotSet,
    RulesPublic,
    RulesUpdated,
)
from rwakit.api.schemas.investors import InvestorClassName
from rwakit.db.journal import journal_ref
from rwakit.errors import InvalidInput
from rwakit.platform import Platform
from rwakit.tokenize.audit import AuditEntry, AuditLog, acting_as, current_actor
from rwakit.units import country_alpha2, to_base_units, to_country_code, to_timestamp

Step = tuple[str, Callable[[], TxReceipt], dict[str, Any]]  # audit action, the transaction, its details


def rules(*, platform: Platform, asset: str) -> RulesPublic:
    info = platform.assets.get(asset)
    current = platform.compliance.rules(asset)
    return RulesPublic(
        asset=info.symbol,
        asset_address=info.address,
        paused=current.paused,
        allow_list_enabled=current.allow_list_enabled,
        allowed_countries=sorted(_alpha2(c) for c in current.allowed_countries),
        blocked_countries=sorted(_alpha2(c) for c in current.blocked_countries),
        allowed_classes=[InvestorClassName(c.name.lower()) for c in current.allowed_classes],
        lockup_until=current.lockup_until,
        minimum_lot=info.display(current.minimum_lot),
        investor_limits=current.investor_limits,
        max_holders=current.max_holders,
        holders=current.holders,
        max_balance=None if current.max_balance is None else info.display(current.max_balance),
    )


class RuleDesk:
    """The rule changes one API caller may make; routes call one method each."""

    def __init__(self, *, platform: Platform, audit: AuditLog, principal: Principal) -> None:
        self.platform = platform
        self.compliance = platform.compliance
        self.audit = audit
        self.principal = principal

    def allowed_countries(self, asset: str, data: AllowedCountriesSet) -> RulesUpdated:
        wanted = _codes(data.countries)
        current = self.compliance.rules(asset)
        added = sorted(wanted - set(current.allowed_countries))
        removed = sorted(set(current.allowed_countries) - wanted)
        steps: list[Step] = []
        if added:
            steps.append(("allow_countries", lambda: self.compliance.allow_countries(asset, added), _countries(added)))
        if removed:
            steps.append(
                ("disallow_countries",
                 lambda: self.compliance.allow_countries(asset, removed, allowed=False), _countries(removed))
            )  # fmt: skip
        if current.allow_list_enabled != data.enabled:
            action = "enable_allow_list" if data.enabled else "disable_allow_list"
            steps.append((action, lambda: self.compliance.enable_allow_list(asset, data.enabled), {}))
        return self._apply(asset, data.reason, steps)

    def blocked_countries(self, asset: str, data: BlockedCountriesSet) -> RulesUpdated:
        wanted = _codes(data.countries)
        current = set(self.compliance.rules(asset).blocked_countries)
        added, removed = sorted(wanted - current), sorted(current - wanted)
        steps: list[Step] = []
        if added:
            steps.append(("block_countries", lambda: self.compliance.block_countries(asset, added), _countries(added)))
        if removed:
            steps.append(
                ("unblock_countries",
                 lambda: self.compliance.block_countries(asset, removed, blocked=False), _countries(removed))
            )  # fmt: skip
        return self._apply(asset, data.reason, steps)

    def allowed_classes(self, asset: str, data: AllowedClassesSet) -> RulesUpdated:
        classes = [c.value for c in data.classes]
        current = [c.name.lower() for c in self.compliance.rules(asset).allowed_classes]
        if sorted(set(classes)) == sorted(current):
            return self._apply(asset, data.reason, [])
        step: Step = (
            "set_allowed_classes",
            lambda: self.compliance.allow_classes(asset, classes),
            {"classes": classes},
        )
        return self._apply(asset, data.reason, [step])

    def lockup(self, asset: str, data: LockupSet) -> RulesUpdated:
        until = None if data.until is None else to_datetime(data.until)
        current = self.compliance.rules(asset).lockup_until
        if (None if current is None else to_timestamp(current)) == (None if until is None else to_timestamp(until)):
            return self._apply(asset, data.reason, [])
        details = {"until": None if until is None else until.isoformat()}
        return self._apply(
            asset, data.reason, [("set_lockup", lambda: self.compliance.set_lockup(asset, until), details)]
        )

    def minimum_lot(self, asset: str, data: MinimumLotSet) -> RulesUpdated:
        value = self._base_units(asset, data.amount)
        if self.compliance.rules(asset).minimum_lot == value:
            return self._apply(asset, data.reason, [])
        step: Step = ("set_minimum_lot", lambda: self.compliance.set_minimum_lot(asset, value), {"amount": value})
        return self._apply(asset, data.reason, [step])

    def max_holders(self, asset: str, data: MaxHoldersSet) -> RulesUpdated:
        count = data.max_holders
        step: Step = ("set_max_holders", lambda: self.compliance.set_max_holders(asset, count), {"max_holders": count})
        return self._apply(asset, data.reason, [step])

    def max_balance(self, asset: str, data: MaxBalanceSet) -> RulesUpdated:
        value = None if data.amount is None else self._base_units(asset, data.amount)
        if value == 0:
            raise InvalidInput(
                "A maximum balance of 0 would admit no one: send null for no limit", code="invalid_limit"
            )
        step: Step = ("set_max_balance", lambda: self.compliance.set_max_balance(asset, value), {"amount": value})
        return self._apply(asset, data.reason, [step])

    # -- helpers --------------------------------------------------------------------------

    def _apply(self, asset: str, reason: str, steps: list[Step]) -> RulesUpdated:
        """Send each step's transaction and record it in the audit trail, then read the rules back."""
        address = self.platform.assets.resolve(asset)
        tx_hashes = []
        with acting_as(self.principal.actor), journal_ref(f"rules:{self.principal.prefix}"):
            for action, send, details in steps:
                receipt = send()
                tx_hash = receipt["transactionHash"].to_0x_hex()
                self.audit.record(
                    AuditEntry(
                        actor=current_actor(self.principal.actor),
                        action=action,
                        asset=address,
                        reason=reason,
                        tx_hash=tx_hash,
                        details=details,
                    )
                )
                tx_hashes.append(tx_hash)
        return RulesUpdated(**rules(platform=self.platform, asset=address).model_dump(), tx_hashes=tx_hashes)

    def _base_units(self, asset: str, amount: str) -> int:
        """'0' is a valid value here (no minimum lot), unlike for a move of shares."""
        return to_base_units(amount, int(self.platform.assets.token(asset).functions.decimals().call()))


def _codes(countries: list[str | int]) -> set[int]:
    return {to_country_code(c) for c in countries}


def _countries(codes: list[int]) -> dict[str, Any]:
    return {"countries": [_alpha2(c) for c in codes]}


def _alpha2(code: int) -> str:
    return country_alpha2(code) or str(code)
