"""The issuance queue: the sender that completes issuances nobody is sending any more.

Issuance rows are the queue: a row is committed before anything is signed (rwakit.api.services.
idempotency), so a sender finds all its work in the ``issuance`` table, in this order:

1. ``queued``: answered 202 (``Prefer: respond-async``, or a long batch), nothing sent yet;
2. ``incomplete`` for ``sender_retry_seconds``: the chain failed part-way (its request answered 503);
3. ``pending`` past the lease (``issuance_lease_seconds``): the process that was sending it died;
4. ``in_doubt`` for ``sender_retry_seconds``: a broadcast transaction's outcome was not known yet.

A sender takes one row at a time with ``SELECT ... FOR UPDATE SKIP LOCKED`` and a compare-and-set on its
status and ``updated_at`` (so two senders, in one process or on several hosts sharing one PostgreSQL,
never take the same row), settles an interrupted one from the transaction log first, then sends what
was not sent, renewing its lease with the save after each chunk (rwakit.api.services.keyed_steps). Every API process
runs one sender in a thread unless ``RWAKIT_SENDER=false``; ``rwakit sender`` runs one on its own.
On SQLite (one process) the same code runs without the row locks.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from rwakit.api.services import issuances
from rwakit.api.services.keyed_steps import StepFaults
from rwakit.config import Settings
from rwakit.custody.proposals import proposing_under
from rwakit.db import idempotency as store
from rwakit.db.clock import utcnow
from rwakit.db.issuances import Issuance
from rwakit.db.keyed import RequestStatus
from rwakit.errors import RwakitError
from rwakit.platform import Platform
from rwakit.tokenize.audit import acting_as

log = logging.getLogger("rwakit.sender")
MAX_BACKOFF = 30.0  # seconds between looks while the chain or the database fails


class IssuanceQueue:
    """Takes and sends queued or interrupted issuances, one at a time, in a thread or in the foreground."""

    def __init__(
        self,
        engine: Engine,
        platform: Callable[[], Platform],
        settings: Settings,
        *,
        faults: Callable[[], StepFaults | None] = lambda: None,
    ) -> None:
        self.engine = engine
        self.platform = platform  # opened lazily: the sender starts while the chain is down
        self.settings = settings
        self.faults = faults
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self.run, name="rwakit-sender", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
            self._thread = None

    def wake(self) -> None:
        """Look at the queue now (a request was just queued in this process)."""
        self._wake.set()

    def run(self) -> None:
        """Send until stopped: at once while there is work, every ``sender_poll_seconds`` when idle, backing
        off (up to MAX_BACKOFF) while the chain or the database fails."""
        poll = self.settings.sender_poll_seconds
        delay = poll
        while not self._stop.is_set():
            try:
                delay = 0.0 if self.work() else poll
            except Exception as exc:  # the loop outlives any failure: the rows keep the state
                delay = min(MAX_BACKOFF, max(poll, delay * 2))
                log.warning("sender: %s (next look in %.1f s)", exc, delay)
            if delay:
                self._wake.wait(delay)
            self._wake.clear()

    def work(self) -> bool:
        """Take one issuance and send it; False when there was none to take."""
        with Session(self.engine) as session:
            taken = self._take(session)
            if taken is None:
                return False
            row, interrupted = taken
            try:
                self._send(session, row, interrupted)
            except RwakitError as exc:  # its row says what happened; the request's own answer was this
                log.info("sender: issuance %s: %s %s", row.id, exc.code, exc.message)
            return True

    def _take(self, session: Session) -> tuple[Issuance, bool] | None:
        """The first row waiting, taken, and whether it was interrupted (settled from the journal first)."""
        now = utcnow()
        retry = now - timedelta(seconds=self.settings.sender_retry_seconds)
        lease = now - timedelta(seconds=self.settings.issuance_lease_seconds)
        waiting = (
            (RequestStatus.QUEUED, now),
            (RequestStatus.INCOMPLETE, retry),
            (RequestStatus.PENDING, lease),
            (RequestStatus.IN_DOUBT, retry),
        )
        for status, before in waiting:
            query = (
                select(Issuance)
                .where(col(Issuance.status) == status, col(Issuance.updated_at) <= before)
                .order_by(col(Issuance.id))
                .limit(1)
                .with_for_update(skip_locked=True)
            )
            row = session.exec(query).first()
            if row is None:
                session.rollback()
                continue
            interrupted = status in (RequestStatus.PENDING, RequestStatus.IN_DOUBT)
            if store.take(session, row, status if interrupted else RequestStatus.PENDING):
                return row, interrupted
        return None

    def _send(self, session: Session, row: Issuance, interrupted: bool) -> None:
        platform = self.platform()
        with acting_as(f"api-key:{row.api_key_prefix} (queued)"), proposing_under(row.idempotency_key):
            if interrupted:
                settled = issuances.reconcile(session, platform, row)  # 409 while in doubt: retried later
                if settled is None or settled.status != RequestStatus.INCOMPLETE:
                    return  # nothing happened (the row is gone), or settled
                if not store.resume(session, row):
                    return
            issuances.execute(session, platform, row, self.faults())
