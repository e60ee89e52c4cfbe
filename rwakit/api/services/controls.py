"""Issuer controls over HTTP: each one signed by the platform's agent, recorded in the audit trail
as the calling API key (``acting_as``) with its reason, and answered with that audit entry.

The controls that move or burn shares (forced transfers, single and batch; redemption; wallet
recovery, in one asset or in all) take an idempotency key, with the issuances' semantics and
machinery (rwakit.api.services.idempotency, rwakit.api.services.keyed_steps): a retry returns the
first answer and acts no second time. Their steps run in order; the first that is not done ends the
request, answered 409 ``control_partial`` if an earlier one went through.

The other controls (freezes, pause, documents) set a state rather than move value: repeating one
leaves the chain as one request would (a second pause is 409 ``pause_unchanged``), so they take no key.
Partial freezes add up, though: before retrying one whose outcome is unknown, look for its entry in
``GET /audit`` (or its transaction in ``GET /transactions``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from pydantic import BaseModel
from sqlmodel import Session, col, select
from web3.types import TxReceipt

from rwakit.api.deps import Principal
from rwakit.api.errors import Conflict
from rwakit.api.schemas.controls import (
    ControlPublic,
    DocumentSet,
    ForcedTransferBatchCreate,
    ForcedTransferCreate,
    RecoveryCreate,
    RecoveryEverywhere,
    RedemptionCreate,
    SharesBatchControl,
    SharesControl,
    WalletControl,
    WalletsControl,
)
from rwakit.api.services import audit as audit_service
from rwakit.api.services import idempotency
from rwakit.api.services.idempotency import Outcome
from rwakit.api.services.keyed_steps import Step, StepFaults, StepRun, StepStatus
from rwakit.db.audit import AuditRecord
from rwakit.db.controls import ControlRequest, step_ref
from rwakit.db.journal import journal_ref
from rwakit.db.keyed import RequestStatus
from rwakit.platform import Platform
from rwakit.tokenize.audit import AuditEntry, acting_as
from rwakit.tokenize.audited import AuditedCall
from rwakit.units import from_timestamp

Reply = dict[str, Any]  # what a keyed control answered: {"status_code": ..., "body": ...}
MANY = ("recover_wallet_everywhere",)  # operations answered with a list of entries


class ControlStep(Step):
    """One transaction of a keyed control, as stored: the audit entry it records once mined."""

    actor: str
    action: str
    asset: str
    reason: str
    details: dict[str, Any]
    label: str


class ControlDesk:
    """The controls one API caller may take; routes call one method each."""

    def __init__(
        self, *, session: Session, platform: Platform, principal: Principal, lease_seconds: float,
        faults: StepFaults | None = None,
    ) -> None:  # fmt: skip
        self.session = session
        self.platform = platform
        self.principal = principal
        self.controls = platform.controls
        self.lease_seconds = lease_seconds
        self.faults = faults

    # -- freezing -------------------------------------------------------------------------

    def freeze_wallet(self, asset: str, data: WalletControl, *, frozen: bool) -> ControlPublic:
        return self._one(lambda: self.controls.freeze_wallet(asset, data.wallet, reason=data.reason, frozen=frozen))

    def freeze_wallets(self, asset: str, data: WalletsControl, *, frozen: bool) -> ControlPublic:
        return self._one(lambda: self.controls.freeze_wallets(asset, data.wallets, reason=data.reason, frozen=frozen))

    def freeze_shares(self, asset: str, data: SharesControl, *, frozen: bool) -> ControlPublic:
        act = self.controls.freeze_tokens if frozen else self.controls.unfreeze_tokens
        return self._one(lambda: act(asset, data.wallet, data.amount, reason=data.reason))

    def freeze_shares_batch(self, asset: str, data: SharesBatchControl) -> ControlPublic:
        rows = [(row.wallet, row.amount) for row in data.rows]
        return self._one(lambda: self.controls.freeze_tokens_batch(asset, rows, reason=data.reason))

    def unfreeze_shares_batch(self, asset: str, data: SharesBatchControl) -> ControlPublic:
        rows = [(row.wallet, row.amount) for row in data.rows]
        return self._one(lambda: self.controls.unfreeze_tokens_batch(asset, rows, reason=data.reason))

    # -- forced moves, recovery, redemption: once per idempotency key ----------------------

    def forced_transfer(self, asset: str, data: ForcedTransferCreate, key: str | None) -> Outcome[Reply]:
        def plans() -> list[AuditedCall]:
            return [self.controls.plan_forced_transfer(asset, data.sender, data.to, data.amount, reason=data.reason)]

        return self._once(key, "forced_transfer", {"asset": asset}, data, plans)

    def forced_transfer_batch(self, asset: str, data: ForcedTransferBatchCreate, key: str | None) -> Outcome[Reply]:
        rows = [(row.sender, row.to, row.amount) for row in data.transfers]

        def plans() -> list[AuditedCall]:
            return [self.controls.plan_forced_transfer_batch(asset, rows, reason=data.reason)]

        return self._once(key, "forced_transfer_batch", {"asset": asset}, data, plans)

    def recover_wallet(self, asset: str, data: RecoveryCreate, key: str | None) -> Outcome[Reply]:
        def plans() -> list[AuditedCall]:
            return [self.controls.plan_recover_wallet(asset, data.lost, data.new, data.investor_id, reason=data.reason)]

        return self._once(key, "recover_wallet", {"asset": asset}, data, plans)

    def recover_wallet_everywhere(self, investor_id: str, data: RecoveryEverywhere, key: str | None) -> Outcome[Reply]:
        def plans() -> list[AuditedCall]:
            self.platform.registry.get(investor_id)  # 404 for an unknown investor
            planned = self.controls.plan_recover_wallet_everywhere(data.lost, data.new, investor_id, reason=data.reason)
            if not planned:
                raise Conflict(
                    f"{data.lost} holds no shares in any asset: nothing to recover",
                    code="nothing_to_recover",
                    lost=data.lost,
                )
            return planned

        return self._once(key, "recover_wallet_everywhere", {"investor_id": investor_id}, data, plans)

    def redeem(self, asset: str, data: RedemptionCreate, key: str | None) -> Outcome[Reply]:
        def plans() -> list[AuditedCall]:
            return [self.controls.plan_redeem(asset, data.wallet, data.amount, reason=data.reason)]

        return self._once(key, "redeem", {"asset": asset}, data, plans)

    # -- pause ------------------------------------------------------------------------------

    def set_paused(self, asset: str, *, paused: bool, reason: str) -> ControlPublic:
        act = self.controls.pause if paused else self.controls.unpause
        return self._one(lambda: act(asset, reason=reason))

    # -- documents (ERC-1643) -------------------------------------------------------------

    def set_document(self, asset: str, name: str, data: DocumentSet) -> ControlPublic:
        return self._one(
            lambda: self.controls.set_document(asset, name, data.uri, data.document_hash, reason=data.reason)
        )

    def remove_document(self, asset: str, name: str, reason: str) -> ControlPublic:
        return self._one(lambda: self.controls.remove_document(asset, name, reason=reason))

    # -- helpers --------------------------------------------------------------------------

    @contextmanager
    def _acting(self) -> Iterator[None]:
        with acting_as(self.principal.actor), journal_ref(f"control:{self.principal.prefix}"):
            yield

    def _one(self, send: Callable[[], TxReceipt]) -> ControlPublic:
        with self._acting():
            receipt = send()
        return self._result(receipt)

    def _once(
        self, key: str | None, operation: str, path: dict[str, str], data: BaseModel,
        plans: Callable[[], list[AuditedCall]],
    ) -> Outcome[Reply]:  # fmt: skip
        """Run a value-moving control once per key: plan (validate, write nothing), claim the key,
        send each planned transaction under its step's journal reference, record the answer."""
        request_hash = idempotency.fingerprint(operation, {"path": path, "body": data.model_dump(mode="json")})
        planned: list[AuditedCall] = []

        def plan(checked: str) -> ControlRequest:
            planned[:] = plans()
            steps = [
                ControlStep(actor=self.principal.actor, action=p.action, asset=p.asset, reason=p.reason,
                            details=p.details, label=p.label).model_dump(mode="json")
                for p in planned
            ]  # fmt: skip
            return ControlRequest(
                idempotency_key=checked,
                request_hash=request_hash,
                operation=operation,
                api_key_prefix=self.principal.prefix,
                steps=steps,
            )

        return idempotency.run_once(
            self.session,
            key,
            request_hash,
            caller=self.principal,
            table=ControlRequest,
            lease_seconds=self.lease_seconds,
            plan=plan,
            execute=lambda row: self._execute(row, planned),
            replay=_reply,
            reconcile=lambda row: reconcile(self.session, self.platform, row),
        )

    def _execute(self, row: ControlRequest, planned: list[AuditedCall]) -> Reply:
        run = _run(self.session, self.platform, row, self.faults)

        def perform(index: int, step: ControlStep) -> TxReceipt:
            with acting_as(step.actor):
                return self.controls.perform(planned[index])

        failure = run.send(perform)
        if not run.finish(failure):
            assert failure is not None, "nothing was done, so something failed"
            raise failure
        return _reply(row)

    def _result(self, receipt: TxReceipt) -> ControlPublic:
        """The audit entry the control recorded, with where its transaction was mined."""
        tx_hash = receipt["transactionHash"].to_0x_hex()
        query = select(AuditRecord).where(AuditRecord.tx_hash == tx_hash).order_by(col(AuditRecord.id).desc())
        row = self.session.exec(query).first()
        assert row is not None, "the control's audit entry is recorded before it returns"
        (entry,) = audit_service.public(self.platform, [row])
        return ControlPublic(
            **entry.model_dump(), block_number=int(receipt["blockNumber"]), gas_used=int(receipt["gasUsed"])
        )


# -- keyed controls: answers and reconciliation -------------------------------------------------


def reconcile(session: Session, platform: Platform, row: ControlRequest) -> ControlRequest | None:
    """Settle an interrupted control from the journal (StepRun.reconcile); None when nothing was done."""
    return row if _run(session, platform, row).reconcile(platform) else None


def _run(
    session: Session, platform: Platform, row: ControlRequest, faults: StepFaults | None = None
) -> StepRun[ControlStep]:
    """The engine over a control's steps: in order, the first failure ends the request."""
    steps = [ControlStep.model_validate(step) for step in row.steps]

    def store() -> None:
        row.steps = [step.model_dump(mode="json") for step in steps]

    return StepRun(
        session, row, steps, ref=lambda index: step_ref(row, index), store=store,
        answer=lambda status: _answer(session, platform, row, status, steps), resumable=False, not_done="not_done",
        faults=faults,
    )  # fmt: skip


def reconcile_stale(session: Session, platform: Platform, lease_seconds: float) -> int:
    """Reconcile every in-doubt control, and every pending one older than the lease (at startup)."""
    return idempotency.reconcile_stale(
        session, ControlRequest, lambda row: reconcile(session, platform, row), lease_seconds
    )


def _reply(row: ControlRequest) -> Reply:
    assert row.response is not None, "a finished control has its answer"
    return row.response


def _answer(
    session: Session, platform: Platform, row: ControlRequest, status: RequestStatus, steps: list[ControlStep]
) -> None:
    """The answer of a control that acted: its audit entries (with block and gas), or, when a later
    transaction of a several-transaction control was not done, 409 ``control_partial`` naming what
    was done and what was not."""
    entries = [_entry(session, platform, step) for step in steps if step.status == StepStatus.DONE]
    if status == RequestStatus.COMPLETED:
        row.response = {"status_code": 200, "body": entries if row.operation in MANY else entries[0]}
        return
    failed = next(step for step in steps if step.status != StepStatus.DONE)
    row.response = {
        "status_code": 409,
        "body": {
            "code": "control_partial",
            "message": f"{len(entries)} of {len(steps)} transactions went through; the next was not done "
            f"({failed.error.code if failed.error else failed.status}). A retry with this key returns this "
            "answer: send what remains with a new key",
            "done": entries,
            "not_done": [
                {"asset": s.asset, "action": s.action, "details": s.details,
                 "error": s.error.model_dump(mode="json") if s.error else None}
                for s in steps
                if s.status != StepStatus.DONE
            ],
        },
    }  # fmt: skip


def _entry(session: Session, platform: Platform, step: ControlStep) -> dict[str, Any]:
    """The done step's audit entry as answered (JSON), written first if a crash came between the
    transaction's receipt and its entry."""
    query = select(AuditRecord).where(AuditRecord.tx_hash == step.tx_hash).order_by(col(AuditRecord.id).desc())
    record = session.exec(query).first()
    if record is None:
        assert step.tx_hash is not None and step.block_number is not None, "a done step was mined"
        block = platform.chain.w3.eth.get_block(step.block_number)
        platform.controls.record(
            AuditEntry(
                actor=step.actor, action=step.action, asset=step.asset, reason=step.reason,
                tx_hash=step.tx_hash, details=step.details, at=from_timestamp(block["timestamp"]),
            )
        )  # fmt: skip
        record = session.exec(query).first()
        assert record is not None, "the audit entry was just written"
    (entry,) = audit_service.public(platform, [record])
    public = ControlPublic(**entry.model_dump(), block_number=step.block_number, gas_used=step.gas_used)
    return public.model_dump(mode="json")
