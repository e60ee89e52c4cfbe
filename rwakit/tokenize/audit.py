"""The audit trail of issuer and compliance actions: who did what, why, when, in which transaction."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from rwakit.db.audit import AuditRecord
from rwakit.db.engine import as_utc

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
