"""The audit trail in SQL: the table (every issuer and compliance action with actor, reason, time and
transaction hash), the `AuditLog` that writes it, and the trail read back for `GET /audit` and
`rwakit audit`."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from eth_abi.exceptions import DecodingError
from sqlalchemy import DateTime, Text
from sqlalchemy.engine import Engine
from sqlmodel import Field, Session, SQLModel, col, select
from web3 import Web3

from rwakit.chain.reads import Call, read
from rwakit.db.clock import as_utc
from rwakit.errors import ChainError
from rwakit.tokenize.audit import AuditEntry, TrailEntry, TrailFilter
from rwakit.tokenize.service import AssetService
from rwakit.units import format_units

AMOUNT_KEYS = ("amount", "amounts")


class AuditRecord(SQLModel, table=True):
    __tablename__ = "audit_log"

    id: int | None = Field(default=None, primary_key=True)
    actor: str = Field(max_length=200, index=True)
    action: str = Field(max_length=50, index=True)
    asset: str = Field(max_length=42, index=True)
    reason: str = Field(sa_type=Text)
    tx_hash: str = Field(max_length=66, index=True)
    details: str = Field(sa_type=Text)
    at: datetime = Field(sa_type=DateTime(timezone=True), index=True)


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
    """Symbol and decimals of each asset, in one batch; nothing for an address that is no asset on this chain
    (a reset chain; the registry, the factory or the Safe a proposal targets): its amounts then stay in base
    units. If the batch fails, each address is read alone, so one such address spoils no other's."""
    calls = [c for a in addresses for c in (Call(a, "symbol()", (), "string"), Call(a, "decimals()", (), "uint8"))]
    try:
        values = read(w3, calls)
    except (ChainError, DecodingError):
        return {} if len(addresses) < 2 else {k: v for a in addresses for k, v in _asset_meta(w3, [a]).items()}
    return {a: (values[2 * i], values[2 * i + 1]) for i, a in enumerate(addresses)}


def _format(value: Any, decimals: int) -> Any:
    if isinstance(value, list):
        return [_format(v, decimals) for v in value]
    if isinstance(value, int):
        return format_units(value, decimals)
    return value
