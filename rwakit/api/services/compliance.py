"""Compliance rules over HTTP: read by any key; each rule set by the compliance officer in its own
request (one or a few transactions), recorded in the audit trail as the calling API key.

A PUT replaces the rule: the countries named become the whole allow-list (or block-list), so a
retried request changes nothing more and sends no transaction.
"""

from __future__ import annotations

from collections.abc import Callable

from web3.types import TxReceipt

from rwakit.api.deps import IndexRead, Principal
from rwakit.api.reads import written_block
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
from rwakit.indexer import queries, record_queries
from rwakit.indexer.queries import snapshot
from rwakit.platform import Platform
from rwakit.registry import InvestorClass
from rwakit.tokenize.audit import acting_as
from rwakit.units import country_label, from_timestamp, to_base_units, to_country_code, to_timestamp

Step = Callable[[], TxReceipt]  # one rule change: a transaction, audited by ComplianceService


def rules(*, read: IndexRead, asset: str) -> RulesPublic:
    """Every rule of the asset, and its holder count, from the index: now, as of a block or a date."""
    with snapshot(read.engine) as connection:
        found = queries.asset(connection, read.chain_id, asset)
        when = queries.as_of(connection, read.chain_id, block=read.block, at=read.at)
        current = record_queries.rules(connection, read.chain_id, found, when)
    return RulesPublic(
        asset=found.symbol,
        asset_address=found.address,
        paused=current.paused,
        allow_list_enabled=current.allow_list_enabled,
        allowed_countries=sorted(country_label(c) for c in current.allowed_countries),
        blocked_countries=sorted(country_label(c) for c in current.blocked_countries),
        allowed_classes=[InvestorClassName(c.name.lower()) for c in InvestorClass if current.allowed_classes >> c & 1],
        lockup_until=from_timestamp(current.lockup_until) if current.lockup_until else None,
        minimum_lot=found.display(current.minimum_lot),
        investor_limits=current.investor_limits,
        max_holders=current.max_holders or None,
        holders=current.holders,
        max_balance=found.display(current.max_balance) if current.max_balance else None,
        as_of_block=when.block_number,
    )


def _on_chain(platform: Platform, asset: str) -> RulesPublic:
    """After a rule change: the rules as the chain has them (the index may not have read the block yet)."""
    info = platform.assets.get(asset)
    current = platform.compliance.rules(asset)
    return RulesPublic(
        asset=info.symbol,
        asset_address=info.address,
        paused=current.paused,
        allow_list_enabled=current.allow_list_enabled,
        allowed_countries=sorted(country_label(c) for c in current.allowed_countries),
        blocked_countries=sorted(country_label(c) for c in current.blocked_countries),
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

    def __init__(self, *, platform: Platform, principal: Principal) -> None:
        self.platform = platform
        self.compliance = platform.compliance
        self.principal = principal

    def allowed_countries(self, asset: str, data: AllowedCountriesSet) -> RulesUpdated:
        wanted = _codes(data.countries)
        current = self.compliance.rules(asset)
        added = sorted(wanted - set(current.allowed_countries))
        removed = sorted(set(current.allowed_countries) - wanted)
        steps: list[Step] = []
        if added:
            steps.append(lambda: self.compliance.allow_countries(asset, added, reason=data.reason))
        if removed:
            steps.append(lambda: self.compliance.allow_countries(asset, removed, allowed=False, reason=data.reason))
        if current.allow_list_enabled != data.enabled:
            steps.append(lambda: self.compliance.enable_allow_list(asset, data.enabled, reason=data.reason))
        return self._apply(asset, steps)

    def blocked_countries(self, asset: str, data: BlockedCountriesSet) -> RulesUpdated:
        wanted = _codes(data.countries)
        current = set(self.compliance.rules(asset).blocked_countries)
        added, removed = sorted(wanted - current), sorted(current - wanted)
        steps: list[Step] = []
        if added:
            steps.append(lambda: self.compliance.block_countries(asset, added, reason=data.reason))
        if removed:
            steps.append(lambda: self.compliance.block_countries(asset, removed, blocked=False, reason=data.reason))
        return self._apply(asset, steps)

    def allowed_classes(self, asset: str, data: AllowedClassesSet) -> RulesUpdated:
        classes = [c.value for c in data.classes]
        current = [c.name.lower() for c in self.compliance.rules(asset).allowed_classes]
        if sorted(set(classes)) == sorted(current):
            return self._apply(asset, [])
        return self._apply(asset, [lambda: self.compliance.allow_classes(asset, classes, reason=data.reason)])

    def lockup(self, asset: str, data: LockupSet) -> RulesUpdated:
        until = None if data.until is None else to_datetime(data.until)
        current = self.compliance.rules(asset).lockup_until
        if (None if current is None else to_timestamp(current)) == (None if until is None else to_timestamp(until)):
            return self._apply(asset, [])
        return self._apply(asset, [lambda: self.compliance.set_lockup(asset, until, reason=data.reason)])

    def minimum_lot(self, asset: str, data: MinimumLotSet) -> RulesUpdated:
        value = self._base_units(asset, data.amount)
        if self.compliance.rules(asset).minimum_lot == value:
            return self._apply(asset, [])
        return self._apply(asset, [lambda: self.compliance.set_minimum_lot(asset, value, reason=data.reason)])

    def max_holders(self, asset: str, data: MaxHoldersSet) -> RulesUpdated:
        return self._apply(
            asset, [lambda: self.compliance.set_max_holders(asset, data.max_holders, reason=data.reason)]
        )

    def max_balance(self, asset: str, data: MaxBalanceSet) -> RulesUpdated:
        value = None if data.amount is None else self._base_units(asset, data.amount)
        if value == 0:
            raise InvalidInput(
                "A maximum balance of 0 would admit no one: send null for no limit", code="invalid_limit"
            )
        return self._apply(asset, [lambda: self.compliance.set_max_balance(asset, value, reason=data.reason)])

    # -- helpers --------------------------------------------------------------------------

    def _apply(self, asset: str, steps: list[Step]) -> RulesUpdated:
        """Send each step's transaction as the calling key (ComplianceService records each in the
        audit trail), then read the rules back."""
        address = self.platform.assets.resolve(asset)
        with acting_as(self.principal.actor), journal_ref(f"rules:{self.principal.prefix}"):
            tx_hashes = [send()["transactionHash"].to_0x_hex() for send in steps]
        current = _on_chain(self.platform, address).model_dump()
        return RulesUpdated(**current, tx_hashes=tx_hashes, block_number=written_block())

    def _base_units(self, asset: str, amount: str) -> int:
        """'0' is a valid value here (no minimum lot), unlike for a move of shares."""
        return to_base_units(amount, int(self.platform.assets.token(asset).functions.decimals().call()))


def _codes(countries: list[str | int]) -> set[int]:
    return {to_country_code(c) for c in countries}
