"""Requests kept once per idempotency key: the columns every such table shares, and their storage.

A row is the record of one request that moves value on chain (an issuance, a forced transfer, a
redemption, a wallet recovery, a trade's step, a distribution funded or claimed): its key (unique
in its table), the SHA-256 of the request (its fingerprint), a status, and what the request
answered. It is committed as ``pending`` before anything is signed, and deleted again if nothing
happened on chain, so a row exists for every request that acted (or may have acted) and for no other.

Statuses: rwakit.db.keyed.RequestStatus.

Keys are global: one key names one request across every keyed table (see :func:`find`).
"""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, col, select

from rwakit.db.clock import utcnow
from rwakit.db.controls import ControlRequest
from rwakit.db.issuances import Issuance
from rwakit.db.keyed import KeyedRequest, RequestStatus
from rwakit.db.settlement import SettlementRequest

FINISHED = (RequestStatus.COMPLETED, RequestStatus.PARTIAL, RequestStatus.REFUSED)
UNSETTLED = (RequestStatus.PENDING, RequestStatus.IN_DOUBT)


KEYED_TABLES: tuple[type[KeyedRequest], ...] = (Issuance, ControlRequest, SettlementRequest)


def find(session: Session, key: str) -> KeyedRequest | None:
    """The request that holds `key`, whichever table keeps it."""
    for table in KEYED_TABLES:
        row = session.exec(select(table).where(table.idempotency_key == key)).first()
        if row is not None:
            return row
    return None


def claim(session: Session, row: KeyedRequest) -> bool:
    """Insert and commit `row` (status pending); False if its idempotency key is already taken."""
    session.add(row)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        return False
    session.refresh(row)
    return True


def resume(session: Session, row: KeyedRequest) -> bool:
    """Take an incomplete row back to ``pending`` for the request that will send the rest; False if
    another request took it first (the update is the lock, as the unique key is for a new row)."""
    table = type(row)
    taken = session.execute(
        update(table)
        .where(col(table.id) == row.id, col(table.status) == RequestStatus.INCOMPLETE)
        .values(status=RequestStatus.PENDING, updated_at=utcnow())
    )
    session.commit()
    if taken.rowcount != 1:  # type: ignore[attr-defined]
        return False
    session.refresh(row)
    return True


def save_leased(session: Session, row: KeyedRequest) -> bool:
    """Save `row` for the request that is sending it, in one transaction with the renewal of its lease
    (``updated_at``, compared with what this request last saved); False, and nothing saved, if another
    process took the row over after the lease ran out: the caller must stop sending."""
    table, now = type(row), utcnow()
    # On the connection, so the row's changes are not flushed before the lease is known to be ours.
    renewed = session.connection().execute(
        update(table).where(col(table.id) == row.id, col(table.updated_at) == row.updated_at).values(updated_at=now)
    )
    if renewed.rowcount != 1:
        session.rollback()  # and the changes with it: the row is another sender's now
        return False
    set_committed_value(row, "updated_at", now)
    session.add(row)
    session.commit()
    return True


def take(session: Session, row: KeyedRequest, status: RequestStatus) -> bool:
    """Take `row` as a sender from the status it was read in (queued, or interrupted) to `status`; False if
    another sender took it first."""
    table = type(row)
    taken = session.execute(
        update(table)
        .where(col(table.id) == row.id, col(table.status) == row.status, col(table.updated_at) == row.updated_at)
        .values(status=status, updated_at=utcnow())
    )
    session.commit()
    if taken.rowcount != 1:  # type: ignore[attr-defined]
        return False
    session.refresh(row)
    return True


def save(session: Session, row: KeyedRequest) -> None:
    row.updated_at = utcnow()
    session.add(row)
    session.commit()
    session.refresh(row)


def delete(session: Session, row: KeyedRequest) -> None:
    session.delete(row)
    session.commit()
