"""The audit trail of issuer and compliance actions: who did what, why, when, in which transaction.

Written through an `AuditLog`; read back, filtered and newest first, by `read_trail` (the API's
``GET /audit`` and `rwakit audit` alike).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from eth_abi.exceptions import DecodingError
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from web3 import Web3

from rwakit.chain.reads import Call, read
from rwakit.db.audit import AuditRecord
from rwakit.db.engine import as_utc
from rwakit.errors import ChainError
from rwakit.tokenize.service import AssetService
from rwakit.units import format_units

AMOUNT_KEYS = ("amount", "amounts")

_actor: ContextVar[str | None] = ContextVar("rwakit_audit_actor", default=None)


@contextmanager
def acting_as(actor: str) -> Iterator[None]:
    """Record control actions and rule changes made inside the block as `actor` (e.g. the API key
    that asked), rather than the signing key's address."""
    token = _actor.set(actor)
    try:
        yield
    finally:
        _actor.reset(token)


def current_actor(default: str) -> str:
    return _actor.get() or default


@dataclass(frozen=True)
class AuditEntry:
    actor: str
    action: str
    asset: str
    reason: str
    tx_hash: str
    details: dict[str, Any] = field(default_factory=dict)
    at: datetime = field(default_factory=lambda: datetime.now(UTC))


class AuditLog(Protocol):
    """Where control actions and rule changes are recorded; the API and the CLI keep them in SQL."""

    def record(self, entry: AuditEntry) -> None: ...

    def entries(self, *, asset: str | None = None) -> list[AuditEntry]: ...


class MemoryAuditLog:
    """Keeps entries in this process (scripts, tests)."""

    def __init__(self) -> None:
        self._entries: list[AuditEntry] = []

    def record(self, entry: AuditEntry) -> None:
        self._entries.append(entry)

    def entries(self, *, asset: str | None = None) -> list[AuditEntry]:
        return [e for e in self._entries if asset is None or e.asset == asset]


class SqlAuditLog:
    """Keeps audit entries in ``audit_log``, one short transaction per entry."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def record(self, entry: AuditEntry) -> None:
        row = AuditRecord(
            actor=entry.actor,
            action=entry.action,
            asset=entry.asset,
            reason=entry.reason,
            tx_hash=entry.tx_hash,
            details=json.dumps(entry.details, default=str, sort_keys=True),
            at=entry.at,
        )
        with Session(self.engine) as session:
            session.add(row)
            session.commit()

    def entries(self, *, asset: str | None = None) -> list[AuditEntry]:
        query = select(AuditRecord).order_by(col(AuditRecord.id))
        if asset is not None:
            query = query.where(AuditRecord.asset == asset)
        with Session(self.engine) as session:
            rows = session.exec(query).all()
        return [
            AuditEntry(
                actor=r.actor,
                action=r.action,
                asset=r.asset,
                reason=r.reason,
                tx_hash=r.tx_hash,
                details=json.loads(r.details),
                at=as_utc(r.at),
            )
            for r in rows
        ]


@dataclass(frozen=True)
class TrailEntry:
    """An entry as the trail is read back: its id, the asset's symbol beside its address (None for
    an address that is no contract on this chain any more), and the amounts in its details as exact
    decimal strings of the asset."""

    id: int
    at: datetime
    actor: str
    action: str
    asset: str | None
    asset_address: str
    reason: str
    tx_hash: str
    details: dict[str, Any]


@dataclass(frozen=True)
class TrailFilter:
    """Which entries to read back (every condition given must hold), newest first: `asset` is a
    symbol or an address (an unknown one raises NotFound ``asset_not_found``); `actor` matches from
    the start (``api-key:1a2b3c4d`` finds that key's)."""

    asset: str | None = None
    action: str | None = None
    actor: str | None = None
    tx_hash: str | None = None
    offset: int = 0
    limit: int = 100


def read_trail(session: Session, assets: AssetService, w3: Web3, where: TrailFilter) -> list[TrailEntry]:
    query = select(AuditRecord)
    if where.asset is not None:
        query = query.where(AuditRecord.asset == assets.resolve(where.asset))
    if where.action:
        query = query.where(AuditRecord.action == where.action)
    if where.actor:
        query = query.where(col(AuditRecord.actor).startswith(where.actor, autoescape=True))
    if where.tx_hash:
        query = query.where(AuditRecord.tx_hash == where.tx_hash.lower())
    query = query.order_by(col(AuditRecord.id).desc()).offset(where.offset).limit(where.limit)
    return describe(w3, session.exec(query).all())


def describe(w3: Web3, rows: Sequence[AuditRecord]) -> list[TrailEntry]:
    """The rows as `TrailEntry`s, each asset's symbol and decimals read once, in one batch."""
    meta = _asset_meta(w3, sorted({row.asset for row in rows}))
    result = []
    for row in rows:
        symbol, decimals = meta.get(row.asset, (None, None))
        details = json.loads(row.details)
        for key in AMOUNT_KEYS:
            if key in details and decimals is not None:
                details[key] = _format(details[key], decimals)
        result.append(
            TrailEntry(
                id=row.id or 0,
                at=as_utc(row.at),
                actor=row.actor,
                action=row.action,
                asset=symbol,
                asset_address=row.asset,
                reason=row.reason,
                tx_hash=row.tx_hash,
                details=details,
            )
        )
    return result


def _asset_meta(w3: Web3, addresses: list[str]) -> dict[str, tuple[str | None, int | None]]:
    """Symbol and decimals of each asset; nothing for an address that is no contract on this chain
    any more (a reset chain): its amounts then stay in base units."""
    calls = [c for a in addresses for c in (Call(a, "symbol()", (), "string"), Call(a, "decimals()", (), "uint8"))]
    try:
        values = read(w3, calls)
    except (ChainError, DecodingError):
        return {}
    return {a: (values[2 * i], values[2 * i + 1]) for i, a in enumerate(addresses)}


def _format(value: Any, decimals: int) -> Any:
    if isinstance(value, list):
        return [_format(v, decimals) for v in value]
    if isinstance(value, int):
        return format_units(value, decimals)
    return value
