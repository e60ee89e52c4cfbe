"""The audit trail in SQL: every issuer and compliance control action with actor, reason, time and
transaction hash (a SQL implementation of rwakit.tokenize.audit.AuditLog)."""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import DateTime, Text
from sqlalchemy.engine import Engine
from sqlmodel import Field, Session, SQLModel, col, select

from rwakit.db.engine import as_utc
from rwakit.tokenize.audit import AuditEntry


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
