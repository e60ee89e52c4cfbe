"""Reads of the index for one investor or one asset's settings, as of a block (see queries.as_of):
an investor's registry record with their wallets, an asset's compliance rules with its holder count,
its documents, and one wallet's balance and freezes. What the chain's views answer, from SQL.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from rwakit.errors import InvalidInput, NotFound
from rwakit.indexer import queries
from rwakit.indexer.queries import BLOCK, AsOf, IndexedAsset


@dataclass(frozen=True, slots=True)
class IndexedInvestor:
    record: queries.InvestorRecord
    wallets: list[str]
    verified: bool  # not revoked and KYC current at the block's time (the registry's isVerified)


def block_time(connection: Connection, chain_id: int, when: AsOf) -> int:
    """The block's time; for a block the index did not store (no platform event), the latest stored
    block's at or before it, the closest the index knows."""
    if when.timestamp is not None:
        return when.timestamp
    found = connection.execute(
        select(BLOCK.c.timestamp)
        .where(BLOCK.c.chain_id == chain_id, BLOCK.c.number <= when.block_number)
        .order_by(BLOCK.c.number.desc())
        .limit(1)
    ).scalar()
    return 0 if found is None else int(found)


def investor(connection: Connection, chain_id: int, investor_id: str, when: AsOf) -> IndexedInvestor:
    """The investor's registry record and wallets as of `when`; NotFound (investor_not_found) if the
    registry did not know them then."""
    found = queries.investors(connection, chain_id, [investor_id], when.past)
    if not found:
        raise NotFound(
            f"No investor {investor_id!r} in the registry", code="investor_not_found", investor_id=investor_id
        )
    record = found[investor_id]
    verified = not record.revoked and record.kyc_expiry > block_time(connection, chain_id, when)
    return IndexedInvestor(record, _wallets(connection, chain_id, investor_id, when.block_number), verified)


def _wallets(connection: Connection, chain_id: int, investor_id: str, block: int) -> list[str]:
    """The investor's wallets in the registry's order (walletsOf): added ones appended, a removed one
    replaced by the last (the registry's swap-and-pop), replayed from the wallet history."""
    h = queries.WALLET_H
    rows = connection.execute(
        select(h.c.wallet, h.c.active)
        .where(h.c.chain_id == chain_id, h.c.investor_id == investor_id, h.c.block_number <= block)
        .order_by(h.c.block_number, h.c.log_index)
    )
    wallets: list[str] = []
    for wallet, active in rows:
        if active and wallet not in wallets:
            wallets.append(wallet)
        elif not active and wallet in wallets:
            last = wallets.pop()
            if last != wallet:
                wallets[wallets.index(wallet)] = last
    return wallets


@dataclass(frozen=True, slots=True)
class IndexedRules:
    paused: bool
    allow_list_enabled: bool
    allowed_countries: list[int]
    blocked_countries: list[int]
    allowed_classes: int  # a bit per InvestorClass
    lockup_until: int
    minimum_lot: int
    investor_limits: bool
    max_holders: int
    max_balance: int
    holders: int | None  # assets with investor limits (the others keep no count)


def rules(connection: Connection, chain_id: int, found: IndexedAsset, when: AsOf) -> IndexedRules:
    """An asset's compliance rules as of `when`, from its indexed settings."""
    settings = queries.settings(connection, chain_id, found.address, when.past)
    rule: dict[str, Any] = settings.get("rule", {})
    limits = bool(settings.get("asset", {}).get("investor_limits", False))
    return IndexedRules(
        paused=bool(settings.get("paused", {}).get("", False)),
        allow_list_enabled=bool(rule.get("allowListEnabled", False)),
        allowed_countries=sorted(int(c) for c, on in settings.get("country_allowed", {}).items() if on),
        blocked_countries=sorted(int(c) for c, on in settings.get("country_blocked", {}).items() if on),
        allowed_classes=int(rule.get("allowedClasses", 0)),
        lockup_until=int(rule.get("lockupUntil", 0)),
        minimum_lot=int(rule.get("minimumLot", 0)),
        investor_limits=limits,
        max_holders=int(rule.get("maxHolders", 0)),
        max_balance=int(rule.get("maxBalance", 0)),
        holders=queries.holder_count(connection, chain_id, found.address, when.past) if limits else None,
    )


@dataclass(frozen=True, slots=True)
class IndexedDocument:
    name: str
    uri: str
    document_hash: str
    last_modified: int  # the time of the block that set it
    truncated: bool  # the URI was cut at 3,800 characters by the indexer


def documents(connection: Connection, chain_id: int, found: IndexedAsset, when: AsOf) -> list[IndexedDocument]:
    """The asset's ERC-1643 documents as of `when`, in the contract's order (getAllDocuments: a new name
    appended, a removed one replaced by the last), replayed from the setting history."""
    h = queries.SETTING_H
    rows = connection.execute(
        select(h.c.key, h.c.value, h.c.block_number)
        .where(h.c.chain_id == chain_id, h.c.contract == found.address, h.c.name == "document",
               h.c.block_number <= when.block_number)
        .order_by(h.c.block_number, h.c.log_index)
    ).all()  # fmt: skip
    names: list[str] = []
    latest: dict[str, tuple[dict[str, Any], int]] = {}
    for key, value, block in rows:
        decoded = json.loads(value)
        if decoded is not None:
            if key not in latest:
                names.append(key)
            latest[key] = (decoded, int(block))
        elif key in latest:
            del latest[key]
            last = names.pop()
            if last != key:
                names[names.index(key)] = last
    blocks = {block for _, block in latest.values()}
    times = dict(
        connection.execute(
            select(BLOCK.c.number, BLOCK.c.timestamp).where(BLOCK.c.chain_id == chain_id, BLOCK.c.number.in_(blocks))
        ).all()
    )
    result = []
    for key in names:
        value, block = latest[key]
        name = bytes.fromhex(str(key)[2:]).rstrip(b"\0").decode(errors="replace")
        result.append(IndexedDocument(name, value["uri"], value["hash"], int(times.get(block, 0)),
                                      bool(value.get("truncated", False))))  # fmt: skip
    return result


@dataclass(frozen=True, slots=True)
class IndexedWallet:
    wallet: str
    investor_id: str | None  # None: not (or no longer) registered
    balance: int
    frozen: bool
    frozen_amount: int


def wallet(connection: Connection, chain_id: int, found: IndexedAsset, address: str, when: AsOf) -> IndexedWallet:
    """One wallet's balance of the asset, its investor, and its freezes as of `when`."""
    b, w = queries.BALANCE_H, queries.WALLET_H
    balance = connection.execute(
        select(b.c.amount)
        .where(b.c.chain_id == chain_id, b.c.asset == found.address, b.c.wallet == address,
               b.c.block_number <= when.block_number)
        .order_by(b.c.block_number.desc(), b.c.log_index.desc())
        .limit(1)
    ).scalar()  # fmt: skip
    owner = connection.execute(
        select(w.c.investor_id, w.c.active)
        .where(w.c.chain_id == chain_id, w.c.wallet == address, w.c.block_number <= when.block_number)
        .order_by(w.c.block_number.desc(), w.c.log_index.desc())
        .limit(1)
    ).first()
    settings = queries.settings(connection, chain_id, found.address, when.past)
    return IndexedWallet(
        wallet=address,
        investor_id=str(owner[0]) if owner is not None and owner[1] else None,
        balance=int(balance or 0),
        frozen=bool(settings.get("frozen", {}).get(address, False)),
        frozen_amount=int(settings.get("frozen_tokens", {}).get(address, 0)),
    )


MAX_WITHIN_DAYS = 3660  # ten years ahead: a KYC check is renewed well within that


@dataclass(frozen=True, slots=True)
class KycWindow:
    when: AsOf  # the index's head
    now: int  # the later of the clock and the head block's time (unix seconds)
    until: int  # now + within_days
    records: list[queries.InvestorRecord]


def check_within_days(within_days: int) -> int:
    if not 0 <= within_days <= MAX_WITHIN_DAYS:
        raise InvalidInput(
            f"within_days must be 0 to {MAX_WITHIN_DAYS}, not {within_days}", code="invalid_within_days"
        )
    return within_days


def kyc_expiring(connection: Connection, chain_id: int, within_days: int, *, offset: int, limit: int) -> KycWindow:
    """Investors not revoked whose KYC lapses by now + `within_days` (lapsed ones too), soonest first, one page.
    The API's route and the CLI bound `within_days` (check_within_days); the page bounds the answer."""
    when = queries.as_of(connection, chain_id)
    now = max(int(time.time()), when.timestamp or 0)  # never before the chain's own time
    until = now + within_days * queries.DAY
    return KycWindow(when, now, until, queries.kyc_expiring(connection, chain_id, until, offset=offset, limit=limit))
