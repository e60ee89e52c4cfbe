"""Maker-checker proposals in SQL: ``safe_proposal`` (one Safe transaction each, with its maker, executor
and status) and ``safe_approval`` (one row per owner's signature).

Concurrency rests on the database: ``live_slot`` is 0 while a proposal is live (pending, executing,
executed) and its own id once cancelled, so the unique (safe, nonce, live_slot) lets one live proposal hold
a nonce; (proposal, owner) is unique, so an owner approves once; and a conditional UPDATE claims the
execution, so exactly one caller sends it, whichever database.
"""

from __future__ import annotations

import builtins
from datetime import datetime

from sqlalchemy import DateTime, LargeBinary, Text, UniqueConstraint, func, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Field, Session, SQLModel, col, select

from rwakit.custody.models import Approval, NewProposal, NonceTaken, Proposal, ProposalStatus
from rwakit.db.clock import as_utc, utcnow
from rwakit.errors import NotFound

LIVE = (ProposalStatus.PENDING, ProposalStatus.EXECUTING, ProposalStatus.EXECUTED)


class ProposalRow(SQLModel, table=True):
    __tablename__ = "safe_proposal"
    __table_args__ = (UniqueConstraint("safe", "nonce", "live_slot"),)

    id: int | None = Field(default=None, primary_key=True)
    chain_id: int
    safe: str = Field(max_length=42, index=True)
    nonce: int
    live_slot: int = 0
    to: str = Field(max_length=42)
    data: bytes = Field(sa_type=LargeBinary)
    safe_tx_hash: str = Field(max_length=66, index=True)
    label: str = Field(sa_type=Text)
    maker: str = Field(max_length=200)
    status: str = Field(default=ProposalStatus.PENDING, max_length=16, index=True)
    executor: str | None = Field(default=None, max_length=42)
    tx_hash: str | None = Field(default=None, max_length=66)
    error: str | None = Field(default=None, sa_type=Text)
    cancels: int | None = None
    idempotency_key: str | None = Field(default=None, unique=True, max_length=255)
    created_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
    updated_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))


class ApprovalRow(SQLModel, table=True):
    __tablename__ = "safe_approval"
    __table_args__ = (UniqueConstraint("proposal_id", "owner"),)

    id: int | None = Field(default=None, primary_key=True)
    proposal_id: int = Field(foreign_key="safe_proposal.id", index=True)
    owner: str = Field(max_length=42)
    signature: bytes = Field(sa_type=LargeBinary)
    actor: str = Field(max_length=200)
    at: datetime = Field(sa_type=DateTime(timezone=True))


class SqlProposalStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def add(self, proposal: NewProposal) -> Proposal:
        row = ProposalRow(**vars(proposal))
        with Session(self.engine) as session:
            session.add(row)
            try:
                session.commit()
            except IntegrityError:
                session.rollback()
                if proposal.idempotency_key and self.by_idempotency_key(proposal.idempotency_key):
                    raise NonceTaken(f"idempotency key {proposal.idempotency_key} taken") from None
                raise NonceTaken(f"nonce {proposal.nonce} of {proposal.safe} taken") from None
            session.refresh(row)
            return _proposal(row, [])

    def get(self, proposal_id: int) -> Proposal:
        with Session(self.engine) as session:
            row = session.get(ProposalRow, proposal_id)
            if row is None:
                raise NotFound(
                    f"No proposal {proposal_id}: list them with `rwakit proposal list`",
                    code="proposal_not_found",
                    proposal_id=proposal_id,
                )
            return _proposal(row, self._approvals(session, proposal_id))

    def by_idempotency_key(self, key: str) -> Proposal | None:
        with Session(self.engine) as session:
            row = session.exec(select(ProposalRow).where(ProposalRow.idempotency_key == key)).first()
            return None if row is None or row.id is None else _proposal(row, self._approvals(session, row.id))

    def list(self, safe: str, *, status: ProposalStatus | None = None) -> builtins.list[Proposal]:
        query = (
            select(ProposalRow).where(ProposalRow.safe == safe).order_by(col(ProposalRow.nonce), col(ProposalRow.id))
        )
        if status is not None:
            query = query.where(ProposalRow.status == status)
        with Session(self.engine) as session:
            return [_proposal(r, self._approvals(session, r.id or 0)) for r in session.exec(query).all()]

    def highest_live_nonce(self, safe: str) -> int | None:
        query = select(func.max(ProposalRow.nonce)).where(
            ProposalRow.safe == safe, col(ProposalRow.status).in_([s.value for s in LIVE])
        )
        with Session(self.engine) as session:
            value = session.exec(query).one()
            return None if value is None else int(value)

    def approve(self, proposal_id: int, approval: Approval) -> bool:
        row = ApprovalRow(
            proposal_id=proposal_id,
            owner=approval.owner,
            signature=approval.signature,
            actor=approval.actor,
            at=approval.at,
        )
        with Session(self.engine) as session:
            session.add(row)
            try:
                session.commit()
            except IntegrityError:
                session.rollback()
                return False
            return True

    def claim(self, proposal_id: int) -> bool:
        return self._move(proposal_id, ProposalStatus.PENDING, status=ProposalStatus.EXECUTING, error=None)

    def release(self, proposal_id: int, error: str) -> None:
        self._move(proposal_id, ProposalStatus.EXECUTING, status=ProposalStatus.PENDING, error=error)

    def executed(self, proposal_id: int, executor: str, tx_hash: str) -> None:
        self._move(
            proposal_id, ProposalStatus.EXECUTING, status=ProposalStatus.EXECUTED, executor=executor, tx_hash=tx_hash
        )

    def cancel(self, proposal_id: int) -> bool:
        return self._move(proposal_id, ProposalStatus.PENDING, status=ProposalStatus.CANCELLED, live_slot=proposal_id)

    def _move(self, proposal_id: int, current: ProposalStatus, **values: object) -> bool:
        """The conditional UPDATE that is the lock: only a row still in `current` changes."""
        statement = (
            update(ProposalRow)
            .where(col(ProposalRow.id) == proposal_id, col(ProposalRow.status) == current)
            .values(**values, updated_at=utcnow())
        )
        with Session(self.engine) as session:
            moved = session.exec(statement).rowcount == 1
            session.commit()
            return bool(moved)

    @staticmethod
    def _approvals(session: Session, proposal_id: int) -> builtins.list[ApprovalRow]:
        query = select(ApprovalRow).where(ApprovalRow.proposal_id == proposal_id).order_by(col(ApprovalRow.id))
        return builtins.list(session.exec(query).all())


def _proposal(row: ProposalRow, approvals: list[ApprovalRow]) -> Proposal:
    return Proposal(
        id=row.id or 0,
        chain_id=row.chain_id,
        safe=row.safe,
        nonce=row.nonce,
        to=row.to,
        data=bytes(row.data),
        safe_tx_hash=row.safe_tx_hash,
        label=row.label,
        maker=row.maker,
        status=ProposalStatus(row.status),
        approvals=tuple(Approval(a.owner, bytes(a.signature), a.actor, as_utc(a.at)) for a in approvals),
        executor=row.executor,
        tx_hash=row.tx_hash,
        error=row.error,
        cancels=row.cancels,
        idempotency_key=row.idempotency_key,
    )
