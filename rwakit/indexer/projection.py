"""From a batch's events to rows: the state each event leaves, as history rows and current rows.

Only the keys a batch touches are read from the current tables (one query per table per batch),
then every event is applied in chain order in memory; store.py writes the result.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Table, select
from sqlmodel import SQLModel

import rwakit.indexer.tables  # noqa: F401 - registers the tables
from rwakit.errors import RwakitError
from rwakit.indexer.events import Event
from rwakit.indexer.fund_projection import FUND_EVENTS, FundProjection

ZERO = "0x0000000000000000000000000000000000000000"
SELECT_CHUNK = 500
URI_CHARS = 3800  # index_setting.value holds 4,000 characters: the URI, the hash and the JSON around them
NAME_CHARS = 200  # index_contract.name; the chain takes any length


class IndexInconsistent(RwakitError):
    """An event refers to state the index never saw (a record updated before its registration)."""

    code = "index_inconsistent"


@dataclass(frozen=True)
class AssetAtCreation:
    """What an asset's constructor sets without an event, read at its creation block."""

    name: str
    symbol: str
    decimals: int
    shares_authorised: int
    investor_limits: bool
    rules: tuple[Any, ...]  # IAssetToken.Rules
    max_holders: int


def table(name: str) -> Table:
    return SQLModel.metadata.tables[name]


def _json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


@dataclass
class Projection:
    """The rows one batch writes. Dicts are keyed by primary key, so an event that touches one key
    twice (a transfer to oneself) leaves one row."""

    chain_id: int
    transfers: dict[tuple[str, int], dict[str, Any]] = field(default_factory=dict)
    balances: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    balance_changes: dict[tuple[str, str, int, int], dict[str, Any]] = field(default_factory=dict)
    investors: dict[str, dict[str, Any]] = field(default_factory=dict)
    investor_changes: dict[tuple[str, int, int], dict[str, Any]] = field(default_factory=dict)
    wallets: dict[str, dict[str, Any]] = field(default_factory=dict)
    wallet_changes: dict[tuple[str, int, int], dict[str, Any]] = field(default_factory=dict)
    settings: dict[tuple[str, str, str], dict[str, Any]] = field(default_factory=dict)
    setting_changes: dict[tuple[str, str, str, int, int], dict[str, Any]] = field(default_factory=dict)
    contracts: list[dict[str, Any]] = field(default_factory=list)
    _last_transfer: dict[tuple[str, str], tuple[str, int]] = field(default_factory=dict)
    _created: dict[str, AssetAtCreation] = field(default_factory=dict)
    funds: FundProjection = field(init=False)

    def __post_init__(self) -> None:
        self.funds = FundProjection(self.chain_id)

    # -- reading what the batch builds on -------------------------------------------------------

    def load(self, connection: Connection, events: Sequence[Event]) -> None:
        """Read the current rows of the balances and investors the events change (the funds' rows are
        read as their events need them)."""
        self.funds.connection = connection
        by_asset: dict[str, set[str]] = {}
        ids: set[str] = set()
        for event in events:
            if event.name == "Transfer":
                wallets = by_asset.setdefault(event.contract, set())
                wallets.update(w for w in event.args[:2] if w != ZERO)
            elif event.name in ("InvestorUpdated", "InvestorRevoked", "InvestorReinstated"):
                ids.add(event.args[0])
        balance = table("index_balance")
        for asset, wallets in by_asset.items():
            for chunk in _chunks(sorted(wallets)):
                rows = connection.execute(
                    select(balance.c.wallet, balance.c.amount, balance.c.block_number).where(
                        balance.c.chain_id == self.chain_id, balance.c.asset == asset, balance.c.wallet.in_(chunk)
                    )
                )
                for wallet, amount, block in rows:
                    self.balances[(asset, wallet)] = self._balance_row(asset, wallet, amount, block)
        investor = table("index_investor")
        for chunk in _chunks(sorted(ids)):
            query = select(investor).where(investor.c.chain_id == self.chain_id, investor.c.investor_id.in_(chunk))
            for row in connection.execute(query).mappings():
                self.investors[row["investor_id"]] = dict(row)

    # -- applying events, in chain order --------------------------------------------------------

    def apply(self, events: Iterable[Event], created: dict[str, AssetAtCreation]) -> None:
        """Apply `events` in order; `created` holds what each new asset's constructor set."""
        self._created = created
        for event in events:
            if event.name in FUND_EVENTS:
                self.funds.apply(event)
            else:
                getattr(self, f"_on_{event.name}")(event, *event.args)

    def _on_Transfer(self, event: Event, sender: str, receiver: str, amount: int) -> None:
        key = (event.tx_hash, event.log_index)
        self.transfers[key] = {
            "chain_id": self.chain_id, "tx_hash": event.tx_hash, "log_index": event.log_index,
            "block_number": event.block_number, "asset": event.contract, "sender": sender, "receiver": receiver,
            "amount": amount, "forced": False,
        }  # fmt: skip
        self._last_transfer[(event.tx_hash, event.contract)] = key
        if sender != ZERO:
            self._move(event, sender, -amount)
        if receiver != ZERO:
            self._move(event, receiver, amount)

    def _move(self, event: Event, wallet: str, delta: int) -> None:
        current = self.balances.get((event.contract, wallet))
        amount = (current["amount"] if current else 0) + delta
        if amount < 0:
            raise IndexInconsistent(
                f"{wallet} would hold {amount} of {event.contract} after {event.tx_hash}: the index missed a "
                "transfer; run `rwakit index --rebuild`"
            )
        self.balances[(event.contract, wallet)] = self._balance_row(event.contract, wallet, amount, event.block_number)
        self.balance_changes[(event.contract, wallet, event.block_number, event.log_index)] = {
            "chain_id": self.chain_id, "asset": event.contract, "wallet": wallet,
            "block_number": event.block_number, "log_index": event.log_index, "amount": amount,
        }  # fmt: skip

    def _balance_row(self, asset: str, wallet: str, amount: int, block: int) -> dict[str, Any]:
        return {"chain_id": self.chain_id, "asset": asset, "wallet": wallet, "amount": amount, "block_number": block}

    def _mark_forced(self, event: Event) -> None:
        """A ForcedTransfer or RecoverySuccess follows the Transfer it explains, in the same transaction."""
        key = self._last_transfer.get((event.tx_hash, event.contract))
        if key is not None:
            self.transfers[key]["forced"] = True

    def _on_ForcedTransfer(self, event: Event, *_: Any) -> None:
        self._mark_forced(event)

    def _on_RecoverySuccess(self, event: Event, lost: str, new: str, *_: Any) -> None:
        self._mark_forced(event)
        if self._frozen(event.contract, lost):  # the asset moves the flag without an AddressFrozen event
            self._set(event, "frozen", lost, False)
            self._set(event, "frozen", new, True)

    def _frozen(self, asset: str, wallet: str) -> bool:
        """The wallet's frozen flag as this batch left it so far, else as the index has it."""
        row = self.settings.get((asset, "frozen", wallet))
        if row is None:
            setting = table("index_setting")
            assert self.funds.connection is not None, "load() gives the batch its connection"
            value = self.funds.connection.execute(
                select(setting.c.value).where(setting.c.chain_id == self.chain_id, setting.c.contract == asset,
                                              setting.c.name == "frozen", setting.c.key == wallet)
            ).scalar()  # fmt: skip
            return value is not None and json.loads(value) is True
        return json.loads(row["value"]) is True

    def _set(self, event: Event, name: str, key: str, value: Any) -> None:
        state = {"contract": event.contract, "name": name, "key": key, "value": _json(value)}
        self.settings[(event.contract, name, key)] = {"chain_id": self.chain_id, **state,
                                                      "block_number": event.block_number}  # fmt: skip
        self.setting_changes[(event.contract, name, key, event.block_number, event.log_index)] = {
            "chain_id": self.chain_id, **state, "block_number": event.block_number, "log_index": event.log_index,
        }  # fmt: skip

    def _on_Paused(self, event: Event) -> None:
        self._set(event, "paused", "", True)

    def _on_Unpaused(self, event: Event) -> None:
        self._set(event, "paused", "", False)

    def _on_AddressFrozen(self, event: Event, wallet: str, frozen: bool) -> None:
        self._set(event, "frozen", wallet, frozen)

    def _on_Frozen(self, event: Event, wallet: str, amount: int) -> None:
        self._set(event, "frozen_tokens", wallet, str(amount))

    def _on_SharesAuthorisedUpdated(self, event: Event, amount: int) -> None:
        self._set(event, "shares_authorised", "", str(amount))

    def _on_CountryAllowed(self, event: Event, country: int, allowed: bool) -> None:
        self._set(event, "country_allowed", str(country), allowed)

    def _on_CountryBlocked(self, event: Event, country: int, blocked: bool) -> None:
        self._set(event, "country_blocked", str(country), blocked)

    def _on_AllowListEnabled(self, event: Event, enabled: bool) -> None:
        self._set(event, "rule", "allowListEnabled", enabled)

    def _on_AllowedClassesSet(self, event: Event, classes: int) -> None:
        self._set(event, "rule", "allowedClasses", classes)

    def _on_LockupSet(self, event: Event, until: int) -> None:
        self._set(event, "rule", "lockupUntil", until)

    def _on_MinimumLotSet(self, event: Event, amount: int) -> None:
        self._set(event, "rule", "minimumLot", str(amount))

    def _on_MaxHoldersSet(self, event: Event, count: int) -> None:
        self._set(event, "rule", "maxHolders", count)

    def _on_MaxBalanceSet(self, event: Event, amount: int) -> None:
        self._set(event, "rule", "maxBalance", str(amount))

    def _on_DocumentUpdated(self, event: Event, name: str, uri: str, document_hash: str) -> None:
        """The chain takes a URI of any length; the index keeps its first URI_CHARS characters and
        says so (``"truncated": true``) rather than refuse the batch and stop indexing."""
        value: dict[str, Any] = {"uri": uri, "hash": document_hash}
        if len(uri) > URI_CHARS:
            value = {"uri": uri[:URI_CHARS], "hash": document_hash, "truncated": True}
        self._set(event, "document", name, value)

    def _on_DocumentRemoved(self, event: Event, name: str, *_: Any) -> None:
        self._set(event, "document", name, None)

    def _on_RoleGranted(self, event: Event, role: str, account: str) -> None:
        self._set(event, "role", f"{role}:{account}", True)

    def _on_RoleRevoked(self, event: Event, role: str, account: str) -> None:
        self._set(event, "role", f"{role}:{account}", False)

    def _on_OperatorSet(self, event: Event, controller: str, operator: str, approved: bool) -> None:
        self._set(event, "operator", f"{controller}:{operator}", approved)

    def _on_AssetCreated(self, event: Event, asset: str, _issuer: str, symbol: str, kind: int) -> None:
        """The asset joins the followed contracts; what its constructor set without an event (the
        authorised shares, the rules, which are all zero, and the limits flag) is read at this block."""
        info = self._created[asset]
        self.contracts.append({
            "chain_id": self.chain_id, "address": asset, "kind": "asset", "symbol": symbol,
            "name": info.name[:NAME_CHARS], "decimals": info.decimals, "block_number": event.block_number,
        })  # fmt: skip
        at = Event(event.name, asset, event.block_number, event.block_hash, event.tx_hash, event.log_index, ())
        paused, allow_list, _, classes, lockup, minimum_lot, max_balance = info.rules
        self._set(at, "asset", "kind", "fund" if kind == 1 else "property")
        self._set(at, "asset", "investor_limits", info.investor_limits)
        self._set(at, "shares_authorised", "", str(info.shares_authorised))
        self._set(at, "paused", "", bool(paused))
        self._set(at, "rule", "allowListEnabled", bool(allow_list))
        self._set(at, "rule", "allowedClasses", int(classes))
        self._set(at, "rule", "lockupUntil", int(lockup))
        self._set(at, "rule", "minimumLot", str(minimum_lot))
        self._set(at, "rule", "maxHolders", info.max_holders)
        self._set(at, "rule", "maxBalance", str(max_balance))

    # -- the registry ---------------------------------------------------------------------------

    def _investor(self, event: Event, investor_id: str, **changes: Any) -> None:
        current = self.investors.get(investor_id)
        if current is None and "number" not in changes:
            raise IndexInconsistent(
                f"{event.name} for investor {investor_id!r} (tx {event.tx_hash}) before any registration in the "
                "index: run `rwakit index --rebuild`"
            )
        state = {**(current or {}), **changes, "chain_id": self.chain_id, "investor_id": investor_id}
        self.investors[investor_id] = {**state, "block_number": event.block_number}
        self.investor_changes[(investor_id, event.block_number, event.log_index)] = {
            **state, "block_number": event.block_number, "log_index": event.log_index,
        }  # fmt: skip

    def _on_InvestorRegistered(
        self, event: Event, investor_id: str, number: int, country: int, investor_class: int, kyc_expiry: int
    ) -> None:
        self._investor(event, investor_id, number=number, country=country, investor_class=investor_class,
                       kyc_expiry=kyc_expiry, revoked=False)  # fmt: skip

    def _on_InvestorUpdated(
        self, event: Event, investor_id: str, country: int, investor_class: int, kyc_expiry: int
    ) -> None:
        self._investor(event, investor_id, country=country, investor_class=investor_class, kyc_expiry=kyc_expiry)

    def _on_InvestorRevoked(self, event: Event, investor_id: str) -> None:
        self._investor(event, investor_id, revoked=True)

    def _on_InvestorReinstated(self, event: Event, investor_id: str) -> None:
        self._investor(event, investor_id, revoked=False)

    def _wallet(self, event: Event, investor_id: str, wallet: str, active: bool) -> None:
        state = {"chain_id": self.chain_id, "wallet": wallet, "investor_id": investor_id, "active": active}
        self.wallets[wallet] = {**state, "block_number": event.block_number}
        self.wallet_changes[(wallet, event.block_number, event.log_index)] = {
            **state, "block_number": event.block_number, "log_index": event.log_index,
        }  # fmt: skip

    def _on_WalletAdded(self, event: Event, investor_id: str, wallet: str) -> None:
        self._wallet(event, investor_id, wallet, True)

    def _on_WalletRemoved(self, event: Event, investor_id: str, wallet: str) -> None:
        self._wallet(event, investor_id, wallet, False)


def _chunks(items: Sequence[str]) -> Iterable[Sequence[str]]:
    for first in range(0, len(items), SELECT_CHUNK):
        yield items[first : first + SELECT_CHUNK]
