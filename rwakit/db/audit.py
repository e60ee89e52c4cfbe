"""The audit trail's table: every issuer and compliance control action with actor, reason, time and
transaction hash. rwakit.tokenize.audit.SqlAuditLog reads and writes it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Text
from sqlmodel import Field, SQLModel


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
