"""Proposals (maker-checker): one Safe transaction each, its approvals, and where they are kept."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Protocol


class ProposalStatus(StrEnum):
    PENDING = "pending"  # collecting approvals, or approved and waiting for its nonce's turn
    EXECUTING = "executing"  # one caller claimed the execution: no other may send it
    EXECUTED = "executed"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class Approval:
    owner: str
    signature: bytes
    actor: str  # who submitted it: the API key or CLI user; the owner's wallet when self-signed
    at: datetime = field(default_factory=lambda: datetime.now(UTC))


@dataclass(frozen=True)
class Proposal:
    id: int
    chain_id: int
    safe: str
    nonce: int
    to: str
    data: bytes
    safe_tx_hash: str
    label: str
    maker: str
    status: ProposalStatus
    approvals: tuple[Approval, ...] = ()
    executor: str | None = None
    tx_hash: str | None = None
    error: str | None = None
    cancels: int | None = None  # a rejection: the id of the proposal whose nonce it uses up, doing nothing
    idempotency_key: str | None = None


@dataclass(frozen=True)
class NewProposal:
    chain_id: int
    safe: str
    nonce: int
    to: str
    data: bytes
    safe_tx_hash: str
    label: str
    maker: str
    cancels: int | None = None
    idempotency_key: str | None = None


class ProposalStore(Protocol):
    """Where proposals and approvals are kept (in SQL: rwakit.db.proposals.SqlProposalStore).

    The store enforces what concurrency needs: one live proposal per (Safe, nonce), one approval per owner,
    and a single winner of `claim`."""

    def add(self, proposal: NewProposal) -> Proposal:
        """Insert; raise NonceTaken if a live proposal already holds that Safe's nonce."""
        ...

    def get(self, proposal_id: int) -> Proposal: ...

    def by_idempotency_key(self, key: str) -> Proposal | None: ...

    def list(self, safe: str, *, status: ProposalStatus | None = None) -> list[Proposal]: ...

    def highest_live_nonce(self, safe: str) -> int | None:
        """The highest nonce a pending, executing or executed proposal of `safe` holds."""
        ...

    def approve(self, proposal_id: int, approval: Approval) -> bool:
        """Record the approval; False if that owner had already approved."""
        ...

    def claim(self, proposal_id: int) -> bool:
        """Move a pending proposal to executing; True for exactly one caller."""
        ...

    def release(self, proposal_id: int, error: str) -> None:
        """Back to pending after a failed execution, with the error."""
        ...

    def executed(self, proposal_id: int, executor: str, tx_hash: str) -> None: ...

    def cancel(self, proposal_id: int) -> bool:
        """Mark a pending proposal cancelled (its nonce freed); False if it was not pending."""
        ...


class NonceTaken(Exception):
    """Another proposal took the nonce first: the caller picks the next one."""
