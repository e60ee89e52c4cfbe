"""The transaction log: a SQL implementation of the transaction manager's TxJournal.

Every state change of every transaction is committed before the transaction manager takes its
next step, so the row for a signed transaction (sender, nonce, call data) exists before it is
broadcast, and is then updated with its hash, block, gas and outcome. A request that sends
transactions tags them with a reference (``journal_ref("issuance:7/0")``, ``control:<key prefix>/3/0``)
so that a crash can be reconciled: the issuance or control request row knows which transactions to
look up on chain.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime
from typing import Protocol

from eth_typing import ChecksumAddress
from sqlalchemy import BigInteger, DateTime, Text
from sqlalchemy.engine import Engine
from sqlmodel import Field, Session, SQLModel, col, select

from rwakit.chain.transactions import TxRecord
from rwakit.db.clock import utcnow

_ref: ContextVar[str | None] = ContextVar("rwakit_journal_ref", default=None)
FINAL = ("mined", "reverted", "failed")


class TxLog(SQLModel, table=True):
    __tablename__ = "tx_log"

    id: int | None = Field(default=None, primary_key=True)
    ref: str | None = Field(default=None, index=True, max_length=100)
    label: str = Field(max_length=500)
    sender: str = Field(max_length=42, index=True)
    nonce: int = Field(sa_type=BigInteger)
    to: str | None = Field(default=None, max_length=42)
    data: str = Field(sa_type=Text)
    status: str = Field(max_length=16, index=True)
    tx_hash: str | None = Field(default=None, max_length=66, index=True)
    block_number: int | None = Field(default=None, sa_type=BigInteger)
    gas_used: int | None = Field(default=None, sa_type=BigInteger)
    error: str | None = Field(default=None, sa_type=Text)
    created_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
    updated_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))


@contextmanager
def journal_ref(ref: str) -> Iterator[None]:
    """Tag every transaction sent inside the block (in this thread or task) with `ref`."""
    token = _ref.set(ref)
    try:
        yield
    finally:
        _ref.reset(token)


class _NonceKeeper(Protocol):
    def reset_nonce(self, address: ChecksumAddress | None = None) -> None: ...


class SqlJournal:
    """Persists TxRecords in ``tx_log``; thread-safe; one short transaction per state change."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._rows: dict[int, tuple[TxRecord, int]] = {}  # id(record) -> (record, row id); holds the record alive
        self._lock = threading.Lock()
        self._nonces: _NonceKeeper | None = None

    def attach(self, nonces: _NonceKeeper) -> None:
        """Let the journal forget the sender's nonce when it cannot record a signed transaction,
        which is then never broadcast: the next one must reuse the nonce."""
        self._nonces = nonces

    def record(self, record: TxRecord) -> None:
        key = id(record)
        with self._lock:
            known = self._rows.get(key)
        try:
            with Session(self.engine) as session:
                row = session.get(TxLog, known[1]) if known else None
                if row is None:
                    row = TxLog(
                        ref=_ref.get(),
                        label=record.label[:500],
                        sender=record.sender,
                        nonce=record.nonce,
                        to=record.to,
                        data=record.data,
                        status=record.status,
                        created_at=record.created_at,
                    )
                row.status, row.tx_hash, row.error = record.status, record.tx_hash, record.error
                row.block_number, row.gas_used, row.updated_at = record.block_number, record.gas_used, utcnow()
                session.add(row)
                session.commit()
                row_id = row.id
        except Exception:
            if record.status == "signed" and self._nonces is not None:
                self._nonces.reset_nonce(ChecksumAddress(record.sender))  # type: ignore[arg-type]
            raise
        with self._lock:
            if record.status in FINAL:
                self._rows.pop(key, None)
            elif row_id is not None:
                self._rows[key] = (record, row_id)


def records_for(session: Session, ref: str) -> list[TxLog]:
    return list(session.exec(select(TxLog).where(TxLog.ref == ref).order_by(TxLog.id)).all())  # type: ignore[arg-type]


def recent(session: Session, *, limit: int = 100, ref_prefix: str | None = None) -> list[TxLog]:
    query = select(TxLog)
    if ref_prefix:
        query = query.where(col(TxLog.ref).startswith(ref_prefix, autoescape=True))
    return list(session.exec(query.order_by(TxLog.id.desc()).limit(limit)).all())  # type: ignore[union-attr]
