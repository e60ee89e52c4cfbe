"""The one state machine of a keyed request's transactions (an issuance's chunks, a value-moving
control's steps), from the first send to the settled row, and its reconciliation from the journal.

A step is one transaction, journalled in ``tx_log`` under the step's reference before it is broadcast
(rwakit.db.journal). Its status (:class:`StepStatus`)::

    pending ──mined──────────────────────────────────────────────> done
            ──refused (at estimation, or mined and reverted)─────> refused
            ──the chain or the database failed, nothing broadcast> not_sent
            ──failed after a broadcast (or after being mined)────> in_doubt
    pending or in_doubt, after an interruption ──the journal's receipts──> done | refused | not_sent,
            or in_doubt while a broadcast transaction's outcome is unknown

Taking the row (a new key, a resumed or a sender's row) starts the sender's lease, and each save, after
every step, renews it in the same transaction (a compare-and-set on ``updated_at``): a sender whose
lease ran out and whose row another took over stops there, without sending again or overwriting what
the other saved.

Once sending stops, the request's row settles (rwakit.db.keyed.RequestStatus): ``in_doubt`` while a
step is; deleted when no step is done (nothing happened on chain, the key is free again), unless the
row is ``kept`` (a request answered 202, whose status URL must keep answering): ``refused`` then, or
``incomplete`` when nothing was sent;
``incomplete`` when steps are left unsent and the request is resumable (a retry with the same key
sends them); otherwise ``completed`` (every step done) or ``partial``.

Resumable requests (issuances) have independent steps: a refused chunk does not stop the others.
The others (controls) run in order: the first failure ends the request and what follows stays
``not_sent``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Generic, TypeVar

from pydantic import BaseModel, ConfigDict
from sqlmodel import Session
from web3.exceptions import TransactionNotFound
from web3.types import TxReceipt

from rwakit.api.errors import Conflict, error_body
from rwakit.api.services import idempotency
from rwakit.db import idempotency as store
from rwakit.db.clock import utcnow
from rwakit.db.journal import TxLog, journal_ref, records_for
from rwakit.db.keyed import KeyedRequest, RequestStatus
from rwakit.errors import ContractRevert
from rwakit.platform import Platform


class StepStatus(StrEnum):
    PENDING = "pending"
    DONE = "done"
    REFUSED = "refused"
    NOT_SENT = "not_sent"
    IN_DOUBT = "in_doubt"


UNSENT = (StepStatus.PENDING, StepStatus.NOT_SENT)  # what a (resumed) request sends
UNSETTLED = (StepStatus.PENDING, StepStatus.IN_DOUBT)  # what reconciliation asks the journal about


class StepError(BaseModel):
    """Why a step is not done: an error body as the API answers it (code, message, details)."""

    model_config = ConfigDict(extra="allow")

    code: str
    message: str


class Step(BaseModel):
    """What every step stores (in its row's JSON column); the services add what their steps send."""

    status: StepStatus = StepStatus.PENDING
    tx_hash: str | None = None
    block_number: int | None = None
    gas_used: int | None = None
    error: StepError | None = None

    def mined(self, tx_hash: str, block_number: int, gas_used: int) -> None:
        self.status, self.error = StepStatus.DONE, None
        self.tx_hash, self.block_number, self.gas_used = tx_hash, block_number, gas_used

    def failed(self, status: StepStatus, code: str, message: str) -> None:
        self.status, self.error = status, StepError(code=code, message=message)


def _no_fault(_ref: str) -> None:
    """Production: nothing fails on purpose."""


@dataclass(frozen=True)
class StepFaults:
    """Where a test makes the process die while a keyed request sends its steps (production has
    none: rwakit.api.runtime.Runtime.faults). Each point is called with the step's journal reference;
    what it raises escapes the engine as a crash would, leaving the row as it was last saved."""

    before_send: Callable[[str], None] = _no_fault  # the row is committed, the step not signed yet
    before_save: Callable[[str], None] = _no_fault  # the step's outcome is known, not saved yet


NO_FAULTS = StepFaults()


S = TypeVar("S", bound=Step)


@dataclass
class StepRun(Generic[S]):
    """The steps of one keyed request over its row: sent, settled, or reconciled."""

    session: Session
    row: KeyedRequest
    steps: list[S]
    ref: Callable[[int], str]  # the journal reference of step i's transactions
    store: Callable[[], None]  # writes the steps (and what follows from them) into the row's JSON
    answer: Callable[[RequestStatus], None]  # fills the row's answer for the status it settles at, a step done
    resumable: bool
    not_done: str  # the error code of a step an interruption left undone ("not_issued")
    faults: StepFaults | None = None
    kept: bool = False  # answered 202 (a resumable issuance): the row stays when nothing happened on chain

    def send(self, perform: Callable[[int, S], TxReceipt]) -> Exception | None:
        """Send every step not sent yet, in order (`perform(index, step)` signs and sends one), saving
        each outcome; returns the last failure."""
        failure: Exception | None = None
        faults = self.faults or NO_FAULTS
        for index, step in enumerate(self.steps):
            if step.status not in UNSENT:
                continue
            ref = self.ref(index)
            faults.before_send(ref)
            try:
                with journal_ref(ref):
                    receipt = perform(index, step)
            except ContractRevert as exc:  # refused: at estimation (nothing signed) or mined and reverted
                failure = exc
                step.status, step.error = StepStatus.REFUSED, StepError.model_validate(error_body(exc)[1])
                if not self.resumable:
                    break
            except Exception as exc:  # the chain or the database failed: was anything broadcast?
                failure = exc
                records = records_for(self.session, ref)
                if broadcast_unresolved(records) or any(r.status == "mined" for r in records):
                    step.failed(StepStatus.IN_DOUBT, "in_doubt", str(exc))
                break
            else:
                step.mined(receipt["transactionHash"].to_0x_hex(), int(receipt["blockNumber"]), int(receipt["gasUsed"]))
            faults.before_save(ref)
            self.save()
        for step in self.steps:  # left unsent only when a failure stopped the loop
            if step.status in UNSENT:
                step.failed(StepStatus.NOT_SENT, "not_sent", f"Not sent: {failure}")
        return failure

    def finish(self, failure: Exception | None) -> bool:
        """Settle the row once sending stopped: raises `failure` while a step is in doubt; False when
        no step is done (the row is deleted); True when it settled, with its answer, and is saved."""
        if any(step.status == StepStatus.IN_DOUBT for step in self.steps):
            self.row.status = RequestStatus.IN_DOUBT
            self.save()
            assert failure is not None, "a step is in doubt only after a failure"
            raise failure
        return self._settle()

    def reconcile(self, platform: Platform) -> bool:
        """Settle an interrupted request from its journalled transactions and their receipts, as
        :meth:`finish` does; raises 409 ``<noun>_in_doubt`` while a transaction's outcome is unknown."""
        unresolved: list[int] = []
        for index, step in enumerate(self.steps):
            if step.status not in UNSETTLED:
                continue
            verdict = settle(self.session, platform, records_for(self.session, self.ref(index)))
            if verdict is None:
                unresolved.append(index)
                step.failed(StepStatus.IN_DOUBT, "in_doubt", "Broadcast, outcome not known yet")
            elif verdict[0] == StepStatus.DONE and verdict[1] is not None:
                mined = verdict[1]
                step.mined(mined.tx_hash or "", mined.block_number or 0, mined.gas_used or 0)
            else:
                words = self.not_done.replace("_", " ").capitalize()
                step.failed(verdict[0], self.not_done, f"{words} ({verdict[0]}) before an interruption")
        if unresolved:
            self.row.status = RequestStatus.IN_DOUBT
            self.save()
            hashes = [r.tx_hash for i in unresolved for r in records_for(self.session, self.ref(i)) if r.tx_hash]
            raise idempotency.in_doubt(self.row, hashes)
        return self._settle()

    def save(self) -> None:
        self.store()
        if not store.save_leased(self.session, self.row):  # a sender that lost its lease must not overwrite it
            raise taken_over(self.row)

    def _settle(self) -> bool:
        done = any(step.status == StepStatus.DONE for step in self.steps)
        if not done and not self.kept:
            store.delete(self.session, self.row)  # nothing happened on chain: no row
            return False
        if not done and any(step.status == StepStatus.REFUSED for step in self.steps):
            status = RequestStatus.REFUSED
        elif self.resumable and any(step.status in UNSENT for step in self.steps):
            status = RequestStatus.INCOMPLETE
        elif all(step.status == StepStatus.DONE for step in self.steps):
            status = RequestStatus.COMPLETED
        else:
            status = RequestStatus.PARTIAL
        self.answer(status)  # before the row changes: the answer may write to the database on its own
        self.row.status = status
        self.save()
        return status != RequestStatus.REFUSED


def taken_over(row: KeyedRequest) -> Conflict:
    return Conflict(
        f"{row.noun.capitalize()} {row.id} was taken over by another sender after this one's lease ran out; "
        "it stopped sending",
        code="request_taken_over",
        **{f"{row.noun}_id": row.id},
    )


# -- what the journal says happened -----------------------------------------------------------

Verdict = tuple[StepStatus, TxLog | None]


def settle(session: Session, platform: Platform, records: list[TxLog]) -> Verdict | None:
    """How one journalled step ended: (done, the mined record), (refused, the reverted record) or
    (not_sent, None); None while a broadcast transaction's outcome is unknown. Records still 'signed'
    or 'sent' are looked up on chain and updated."""
    w3 = platform.chain.w3
    for record in records:
        if record.tx_hash and (record.status in ("signed", "sent") or broadcast_unresolved([record])):
            try:
                receipt = w3.eth.get_transaction_receipt(record.tx_hash)  # type: ignore[arg-type]
            except TransactionNotFound:
                if (never := _never_mined(platform, record)) is not None:
                    record.status, record.error = "failed", never
                    _commit(session, record)
                continue
            record.status = "mined" if receipt["status"] == 1 else "reverted"
            record.block_number, record.gas_used = receipt["blockNumber"], receipt["gasUsed"]
            _commit(session, record)
        elif record.status in ("signed", "failed") and not record.tx_hash and _never_broadcast(platform, record):
            record.status, record.error = "failed", record.error or "never broadcast"
            _commit(session, record)
    if mined := [r for r in records if r.status == "mined"]:
        return StepStatus.DONE, mined[-1]
    if broadcast_unresolved(records):
        return None
    if reverted := [r for r in records if r.status == "reverted"]:
        return StepStatus.REFUSED, reverted[-1]
    return StepStatus.NOT_SENT, None


def broadcast_unresolved(records: Sequence[TxLog]) -> bool:
    """True if some transaction may have reached the node and its outcome is unknown."""
    return any(
        r.status in ("signed", "sent") or (r.status == "failed" and (r.error or "").startswith("broadcast failed"))
        for r in records
    )


def _commit(session: Session, record: TxLog) -> None:
    record.updated_at = utcnow()
    session.add(record)
    session.commit()


def _never_mined(platform: Platform, record: TxLog) -> str | None:
    """Why a transaction without a receipt can never be mined, or None while it still can: another
    transaction of its sender was mined with its nonce; or it never reached the node (signed, or its
    broadcast failed) and the node does not have it."""
    w3 = platform.chain.w3
    if int(w3.eth.get_transaction_count(record.sender, "latest")) > record.nonce:  # type: ignore[arg-type]
        return f"never mined: nonce {record.nonce} was taken by another transaction"
    if record.status == "sent":
        return None  # the node took it: it may still be mined
    try:
        w3.eth.get_transaction(record.tx_hash)  # type: ignore[arg-type]
    except TransactionNotFound:
        return "never reached the node"
    return None


def _never_broadcast(platform: Platform, record: TxLog) -> bool:
    """A transaction without a known hash never reached the node if the node's next nonce for its
    sender (counting its pending pool) has not passed the journalled nonce."""
    pending = platform.chain.w3.eth.get_transaction_count(record.sender, "pending")  # type: ignore[arg-type]
    return int(pending) <= record.nonce
