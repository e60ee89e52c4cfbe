"""Idempotency keys for the requests that move value on chain (issuances; forced transfers,
redemptions and wallet recoveries): a retried request returns the first result and never acts twice.

One request, with a key, goes through these steps (:func:`run_once`):

1. The key is looked up, in every keyed table (keys are global). Known with another request (another
   body, or another endpoint): 422 ``idempotency_key_reused``. Known and finished: the stored result
   is returned again (``Idempotent-Replayed: true``). Known and still running: 409
   ``idempotency_key_in_progress``. Known and interrupted (pending past the lease, or in doubt): it is
   first reconciled from the transaction log; while a broadcast transaction's outcome cannot be
   known the key answers 409 ``<noun>_in_doubt`` (``issuance_in_doubt``, ``control_in_doubt``) with the
   transaction hashes, and nothing is sent again. Known and incomplete (the chain failed after some
   of its transactions went through): the rest are sent now, once.
2. The request is validated without writing anything; an invalid request leaves no row.
3. A ``pending`` row is committed; the unique key makes a concurrent duplicate lose here.
4. The transactions are sent and the row settled by rwakit.api.services.keyed_steps: deleted if
   nothing happened on chain (the key can be used again), ``in_doubt`` while a broadcast
   transaction's outcome is unknown. A request answered 202 is committed ``queued`` instead and sent
   by a sender (rwakit.api.services.issuance_queue); its key then answers its status.

The service of each kind of request supplies the validation and the answer; keys, fingerprints and
claims live here.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from sqlmodel import Session, select

from rwakit.api.errors import Conflict, idempotency_key_required
from rwakit.custody.proposals import proposing_under
from rwakit.db import idempotency as store
from rwakit.db.clock import as_utc, utcnow
from rwakit.db.idempotency import FINISHED, UNSETTLED
from rwakit.db.keyed import KeyedRequest, RequestStatus
from rwakit.db.keys import ApiKey, Role
from rwakit.errors import InvalidInput

if TYPE_CHECKING:
    from rwakit.api.deps import Principal

MAX_KEY_LENGTH = 255
ATTEMPTS = 3  # a reconciled key that turned out to have done nothing is run afresh

Row = TypeVar("Row", bound=KeyedRequest)
Result = TypeVar("Result")


@dataclass
class Outcome(Generic[Result]):
    result: Result
    replayed: bool


def run_once(
    session: Session,
    key: str | None,
    request_hash: str,
    *,
    caller: Principal,
    table: type[Row],
    lease_seconds: float,
    plan: Callable[[str], Row],
    execute: Callable[[Row], Result],
    replay: Callable[[Row], Result],
    reconcile: Callable[[Row], Row | None],
) -> Outcome[Result]:
    """Run a request once per key.

    `plan(key)` validates the request and returns its pending row, writing nothing; `execute(row)`
    acts once the row is claimed (or resumed: it then sends only what was not sent); `replay(row)` is
    the stored result of a finished row;
    `reconcile(row)` settles an interrupted row from the journal (None: nothing happened and the row
    is gone; raises 409 while in doubt). A key belongs to whom first used it: the staff share their keys
    (any staff key may retry another's request), an investor's are its own; anyone else's same key is
    refused before anything of that request is shown or done.
    """
    key = check_key(key)
    for _ in range(ATTEMPTS):
        existing = store.find(session, key)
        if existing is not None:
            if not _owns(session, caller, existing.api_key_prefix):
                raise foreign(key)
            if not isinstance(existing, table) or existing.request_hash != request_hash:
                raise reused(existing)
            if existing.status in FINISHED or getattr(existing, "asynchronous", False):
                return Outcome(replay(existing), replayed=True)  # a request answered 202: its status now
            if existing.status == RequestStatus.INCOMPLETE:
                if store.resume(session, existing):
                    with proposing_under(key):
                        return Outcome(execute(existing), replayed=False)
                continue
            if existing.status == RequestStatus.PENDING and utcnow() - as_utc(existing.updated_at) < timedelta(
                seconds=lease_seconds
            ):
                raise in_progress(existing)
            settled = reconcile(existing)
            if settled is not None and settled.status != RequestStatus.INCOMPLETE:
                return Outcome(replay(settled), replayed=True)
            continue  # nothing happened (plan afresh), or the rest is to be sent
        row = plan(key)
        if store.claim(session, row):
            if row.status == RequestStatus.QUEUED:
                return Outcome(replay(row), replayed=False)  # the senders send it
            with proposing_under(key):  # when a Safe holds the role: the key's one proposal
                return Outcome(execute(row), replayed=False)
    raise Conflict(f"The idempotency key {key!r} is being used by another request", code="idempotency_key_in_progress")


def check_key(key: str | None) -> str:
    if key is None or not key.strip():
        raise idempotency_key_required()
    if len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise InvalidInput(
            f"The Idempotency-Key must be 1-{MAX_KEY_LENGTH} printable characters", code="invalid_idempotency_key"
        )
    return key.strip()


def fingerprint(kind: str, request: dict[str, Any]) -> str:
    """SHA-256 of the request in canonical JSON: what a key is bound to."""
    canonical = json.dumps({"kind": kind, **request}, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


# -- the errors a key answers -------------------------------------------------------------------


def reused(row: KeyedRequest) -> InvalidInput:
    return InvalidInput(
        f"The idempotency key {row.idempotency_key!r} was used for a different request ({row.noun} {row.id}); "
        f"use a new key for a new {row.noun}",
        code="idempotency_key_reused",
        **{f"{row.noun}_id": row.id},
    )


def _owns(session: Session, caller: Principal, prefix: str | None) -> bool:
    """May `caller` see and retry the request the API key `prefix` made (a wallet session's prefix starts
    with "w": a staff sign-in)?"""
    if prefix == caller.prefix:
        return True
    if not caller.is_staff or prefix is None:
        return False
    if prefix.startswith("w"):
        return True
    owner = session.exec(select(ApiKey).where(ApiKey.prefix == prefix)).first()
    return owner is not None and Role(owner.role) is not Role.INVESTOR


def foreign(key: str) -> InvalidInput:
    """Another caller's key: refused as a reused key, without naming that caller's request."""
    return InvalidInput(
        f"The idempotency key {key!r} was used by another API key; use a new key", code="idempotency_key_reused"
    )


def in_progress(row: KeyedRequest) -> Conflict:
    return Conflict(
        f"{row.noun.capitalize()} {row.id} with this idempotency key is still being processed; retry later",
        code="idempotency_key_in_progress",
        **{f"{row.noun}_id": row.id},
    )


def in_doubt(row: KeyedRequest, tx_hashes: list[str]) -> Conflict:
    return Conflict(
        f"{row.noun.capitalize()} {row.id} sent transactions whose outcome is not known yet; retry later",
        code=f"{row.noun}_in_doubt",
        tx_hashes=tx_hashes,
        **{f"{row.noun}_id": row.id},
    )


def reconcile_stale(
    session: Session, table: type[Row], reconcile: Callable[[Row], Row | None], lease_seconds: float
) -> int:
    """Reconcile every in-doubt row, and every pending one older than the lease (at startup); returns
    how many settled."""
    cutoff = utcnow() - timedelta(seconds=lease_seconds)
    settled = 0
    for row in session.exec(select(table).where(table.status.in_(UNSETTLED))).all():  # type: ignore[attr-defined]
        if as_utc(row.updated_at) > cutoff and row.status == RequestStatus.PENDING:
            continue
        try:
            reconcile(row)
            settled += 1
        except Conflict:
            continue
    return settled
