"""Proposals to the Safe that holds the platform's roles (maker-checker): list, read, approve, execute,
cancel. A value-moving request answers 202 `approval_pending` with its proposal's id when a Safe holds the
role; owners approve here with a signature made in their own wallet, or with a key the platform holds."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from hexbytes import HexBytes

from rwakit.api.deps import AdminDep, CustodyDep, RowId, RuntimeDep, StaffDep
from rwakit.api.errors import Conflict, error_body, error_responses
from rwakit.api.schemas.proposals import ApprovalCreate, OnChainApproval, ProposalPublic, SignatureApproval
from rwakit.custody.models import Proposal, ProposalStatus
from rwakit.custody.proposals import SafeProposals
from rwakit.errors import InvalidInput

router = APIRouter(tags=["proposals"], responses=error_responses(401, 403, 404, 409, 503))


def _proposals(runtime: RuntimeDep) -> SafeProposals:
    runtime.platform  # noqa: B018 - opening the platform finds the Safe that holds its roles
    if runtime.proposals is None:
        raise Conflict(
            "No Safe holds this platform's roles, so nothing is proposed: deploy with `rwakit deploy --safe`",
            code="no_safe",
        )
    return runtime.proposals


def _public(proposals: SafeProposals, proposal: Proposal) -> ProposalPublic:
    refusal = proposals.refusal(proposal) if proposal.status is ProposalStatus.PENDING else None
    would_fail = None if refusal is None else error_body(refusal)[1]
    return ProposalPublic.of(proposal, proposals.safe.threshold(), proposals.typed_data(proposal), would_fail)


@router.get("/proposals")
def list_proposals(
    runtime: RuntimeDep,
    _: StaffDep,
    status: Annotated[ProposalStatus | None, Query(description="Only these; default: pending")] = None,
) -> list[ProposalPublic]:
    """Proposals, pending by default, each with its approvals and, if its call would now fail, why."""
    proposals = _proposals(runtime)
    shown = proposals.pending() if status is None else [p for p in proposals.proposals() if p.status is status]
    return [_public(proposals, p) for p in shown]


@router.get("/proposals/{proposal_id}")
def get_proposal(proposal_id: RowId, runtime: RuntimeDep, _: StaffDep) -> ProposalPublic:
    """One proposal, with the EIP-712 message (typed_data) an owner signs to approve it."""
    proposals = _proposals(runtime)
    return _public(proposals, proposals.get(proposal_id))


@router.post("/proposals/{proposal_id}/approvals", responses=error_responses(422))
def approve(
    proposal_id: RowId, body: ApprovalCreate, runtime: RuntimeDep, custody: CustodyDep, caller: AdminDep
) -> ProposalPublic:
    """Approve as an owner: a signature the owner made (eth_signTypedData_v4 over typed_data), an owner whose
    key the platform holds, or an owner who sent approveHash from their own wallet. The approval that
    completes the threshold executes it unless `execute` is false. Admin keys only; with a key the platform
    holds, each API key approves a proposal once (`approval_already_given`) and never one it made
    (`maker_cannot_approve`)."""
    proposals = _proposals(runtime)
    if isinstance(body, OnChainApproval):
        done = proposals.record_on_chain_approval(
            proposal_id, body.approved_on_chain, actor=caller.actor, execute=body.execute
        )
        return _public(proposals, done)
    if isinstance(body, SignatureApproval):
        done = proposals.submit_signature(
            proposal_id, bytes(HexBytes(body.signature)), actor=caller.actor, execute=body.execute
        )
        return _public(proposals, done)
    key_ref = custody.key_ref(body.owner)
    owner = None if key_ref is None else custody.signer(key_ref)
    if owner is None:
        raise InvalidInput(
            f"The platform holds no key of {body.owner}: have the owner sign typed_data and send the signature",
            code="owner_key_not_held",
        )
    done = proposals.approve_as_custodian(proposal_id, owner, actor=caller.actor, execute=body.execute)
    return _public(proposals, done)


@router.post("/proposals/{proposal_id}/execute")
def execute(proposal_id: RowId, runtime: RuntimeDep, caller: AdminDep) -> ProposalPublic:
    """Send an approved proposal's Safe transaction (once: an executed one is returned as it is)."""
    proposals = _proposals(runtime)
    return _public(proposals, proposals.execute(proposal_id, actor=caller.actor))


@router.post("/proposals/{proposal_id}/cancel")
def cancel(proposal_id: RowId, runtime: RuntimeDep, caller: AdminDep) -> ProposalPublic:
    """Withdraw a pending proposal; a rejection is proposed at its nonce if later proposals wait behind it."""
    proposals = _proposals(runtime)
    return _public(proposals, proposals.cancel(proposal_id, actor=caller.actor))
