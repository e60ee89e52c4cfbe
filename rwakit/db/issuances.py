"""Issuances: one row per idempotency key, written as ``pending`` before anything is signed.

Statuses: rwakit.db.keyed.RequestStatus. A request whose every transaction was refused leaves no
row (nothing was issued), unless it was answered 202: its status URL then answers ``refused``.
``result`` is read and written as rwakit.api.services.issuances.IssuanceResult
(its rows and chunks).
"""

from __future__ import annotations

from typing import Any, ClassVar

from sqlalchemy import JSON
from sqlmodel import Field, Session, select

from rwakit.db.keyed import KeyedRequest


class Issuance(KeyedRequest, table=True):
    __tablename__ = "issuance"
    noun: ClassVar[str] = "issuance"

    kind: str = Field(max_length=8)  # single | batch
    asset_symbol: str = Field(max_length=32, index=True)
    asset_address: str = Field(max_length=42)
    tx_hash: str | None = Field(default=None, max_length=66)
    row_count: int = 0
    asynchronous: bool = False  # answered 202 and left to the senders (rwakit.api.services.issuance_queue)
    result: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)


def list_issuances(session: Session, *, asset: str | None = None, offset: int = 0, limit: int = 100) -> list[Issuance]:
    query = select(Issuance)
    if asset:
        query = query.where(Issuance.asset_symbol == asset)
    return list(session.exec(query.order_by(Issuance.id.desc()).offset(offset).limit(limit)).all())  # type: ignore[union-attr]
