"""Proposals to the Safe that holds the platform's roles, and owners' approvals."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from rwakit.api.schemas.common import Address, Body
from rwakit.custody.models import Proposal


class ApprovalPublic(BaseModel):
    owner: str
    actor: str = Field(description="Who submitted it: an API key, or the CLI's user")
    at: datetime


class ProposalPublic(BaseModel):
    id: int
    status: str = Field(description="pending, executing, executed or cancelled")
    safe: str
    nonce: int = Field(description="The Safe's nonce this proposal uses; it executes at its turn")
    to: str = Field(description="The contract called")
    data: str = Field(description="The calldata, hex")
    label: str = Field(description="What the call does, e.g. issue 100000000 HVT to HK-0001")
    safe_tx_hash: str = Field(description="The EIP-712 hash owners sign")
    maker: str
    approvals: list[ApprovalPublic]
    threshold: int
    executor: str | None
    tx_hash: str | None
    error: str | None = Field(description="Why the last execution failed, if it did")
    would_fail: dict[str, Any] | None = Field(
        None, description="For a pending proposal: the error its call would raise now (code, reason_code, ...)"
    )
    cancels: int | None = Field(description="For a rejection: the proposal whose nonce it uses up")
    typed_data: dict[str, Any] = Field(description="The EIP-712 message an owner signs (eth_signTypedData_v4)")

    @classmethod
    def of(
        cls, proposal: Proposal, threshold: int, typed_data: dict[str, Any], would_fail: dict[str, Any] | None
    ) -> ProposalPublic:
        return cls(
            id=proposal.id,
            status=str(proposal.status),
            safe=proposal.safe,
            nonce=proposal.nonce,
            to=proposal.to,
            data="0x" + proposal.data.hex(),
            label=proposal.label,
            safe_tx_hash=proposal.safe_tx_hash,
            maker=proposal.maker,
            approvals=[ApprovalPublic(owner=a.owner, actor=a.actor, at=a.at) for a in proposal.approvals],
            threshold=threshold,
            executor=proposal.executor,
            tx_hash=proposal.tx_hash,
            error=proposal.error,
            would_fail=would_fail,
            cancels=proposal.cancels,
            typed_data=typed_data,
        )


class SignatureApproval(Body):
    """A signature an owner made over the proposal's SafeTx (its typed_data) in their own wallet."""

    signature: str = Field(pattern=r"^0x[0-9a-fA-F]{130}$", description="65 bytes: r, s, v")
    execute: bool = Field(True, description="Execute when this approval completes the threshold")


class OwnerApproval(Body):
    """An owner whose key the platform holds (RWAKIT_CUSTODY) signs here."""

    owner: Address
    execute: bool = Field(True, description="Execute when this approval completes the threshold")


class OnChainApproval(Body):
    """An owner who approved the proposal's SafeTx hash on chain (approveHash from their own wallet)."""

    approved_on_chain: Address
    execute: bool = Field(True, description="Execute when this approval completes the threshold")


ApprovalCreate = SignatureApproval | OwnerApproval | OnChainApproval
