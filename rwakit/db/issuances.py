"""Issuances: one row per idempotency key, written as ``pending`` before anything is signed.

Statuses: ``pending`` (being sent now, or interrupted), ``completed`` (every row issued),
``partial`` (a batch where some chunks were refused), ``in_doubt`` (a transaction was broadcast
but its outcome is unknown: reconciled from the transaction log before the key can be answered).
A request whose every transaction was refused leaves no row: nothing was issued.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime
from sqlalchemy.exc import IntegrityError
from sqlmodel import Field, Session, SQLModel, select

from rwakit.db.engine import utcnow


class Issuance(SQLModel, table=True):
    __tablename__ = "issuance"

    id: int | None = Field(default=None, primary_key=True)
    idempotency_key: str = Field(unique=True, index=True, max_length=255)
    request_hash: str = Field(max_length=64)
    kind: str = Field(max_length=8)  # single | batch
    asset_symbol: str = Field(max_length=32, index=True)
    asset_address: str = Field(max_length=42)
    status: str = Field(default="pending", max_length=16, index=True)
    tx_hash: str | None = Field(default=None, max_length=66)
    row_count: int = 0
    result: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    api_key_prefix: str | None = Field(default=None, max_length=8)
    created_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
    updated_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))


def get_by_key(session: Session, key: str) -> Issuance | None:
    return session.exec(select(Issuance).where(Issuance.idempotency_key == key)).first()


def claim(session: Session, row: Issuance) -> bool:
    """Insert and commit `row` (status pending); False if its idempotency key is already taken."""
    session.add(row)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        return False
    session.refresh(row)
    return True


def save(session: Session, row: Issuance) -> None:
    row.updated_at = utcnow()
    session.add(row)
    session.commit()
    session.refresh(row)


def delete(session: Session, row: Issuance) -> None:
    session.delete(row)
    session.commit()


def list_issuances(session: Session, *, asset: str | None = None, offset: int = 0, limit: int = 100) -> list[Issuance]:
    query = select(Issuance)
    if asset:
        query = query.where(Issuance.asset_symbol == asset)
    return list(session.exec(query.order_by(Issuance.id.desc()).offset(offset).limit(limit)).all())  # type: ignore[union-attr]
