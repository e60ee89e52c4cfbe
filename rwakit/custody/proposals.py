"""Maker-checker over a Safe: a maker proposes one Safe transaction; owners approve it with their key or a
signature made in their own wallet; it executes once the Safe's threshold is met, exactly once.

Nonces: proposals take the Safe's nonces in order (the next after the highest live proposal's), since owners
sign the nonce. A proposal executes only at its nonce's turn. Cancelling marks a pending proposal cancelled
and frees its nonce; if later proposals already hold the following nonces, the freed nonce would block them,
so a rejection is proposed in its place: a Safe transaction to the Safe itself that does nothing, which the
owners approve and execute like any other (as the Safe wallet's "reject" does).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, NoReturn

from eth_typing import ChecksumAddress
from web3.types import TxParams

from rwakit.chain.revert_data import revert_data
from rwakit.chain.signer import Proposer, Signer
from rwakit.chain.transactions import TransactionManager
from rwakit.contracts.reverts import decode_revert, revert_error
from rwakit.custody.models import Approval, NewProposal, NonceTaken, Proposal, ProposalStatus, ProposalStore
from rwakit.custody.safe import SafeAccount
from rwakit.custody.safe_tx import SafeTx, approved_hash_marker, normalized
from rwakit.errors import ApprovalPending, ChainError, InvalidInput, RwakitError
from rwakit.tokenize.audit import AuditEntry, AuditLog, current_actor
from rwakit.units import to_address

HELD_KEY = " with a platform-held key"  # how an approval's actor reads when the platform signed for the owner
NONCE_ATTEMPTS = 5  # makers racing for the next nonce: each loser takes the one after
_request_key: ContextVar[str | None] = ContextVar("rwakit_proposal_key", default=None)


@contextmanager
def proposing_under(idempotency_key: str) -> Iterator[None]:
    """Proposals made inside the block belong to this idempotency key: a retried request finds the proposal
    its first attempt made instead of proposing the operation again (one key, one Safe transaction)."""
    token = _request_key.set(idempotency_key)
    try:
        yield
    finally:
        _request_key.reset(token)


class ProposalRefused(RwakitError):
    """The proposal cannot take this step (not pending, approvals missing, not its nonce's turn)."""

    code = "proposal_refused"


class SafeProposals:
    """Proposals of one Safe. `executor` sends execTransaction when the last approval arrives (any funded
    account: the Safe checks the owners' signatures, not the sender)."""

    def __init__(
        self, safe: SafeAccount, txm: TransactionManager, store: ProposalStore, audit: AuditLog, executor: Signer
    ) -> None:
        self.safe = safe
        self._txm = txm
        self._store = store
        self._audit = audit
        self._executor = executor

    # -- the maker ---------------------------------------------------------------------------

    def propose(self, to: str, data: bytes, label: str, *, maker: str, idempotency_key: str | None = None) -> Proposal:
        """Record a Safe transaction calling `to` with `data`; refused now if the call would revert from the Safe."""
        if idempotency_key and (earlier := self._store.by_idempotency_key(idempotency_key)) is not None:
            return earlier
        self._refusal(to, data, label, raise_it=True)
        for _ in range(NONCE_ATTEMPTS):
            highest = self._store.highest_live_nonce(self.safe.address)
            nonce = max(self.safe.nonce(), -1 if highest is None else highest + 1)
            try:
                proposal = self._add(
                    self.safe.transaction(to, data, nonce), label, maker, idempotency_key=idempotency_key
                )
                break
            except NonceTaken:
                if idempotency_key and (earlier := self._store.by_idempotency_key(idempotency_key)) is not None:
                    return earlier
        else:
            raise ChainError("Too many proposals at once for this Safe: retry", code="proposal_busy")
        self._record("proposal_created", proposal, maker)
        return proposal

    # -- the checkers ------------------------------------------------------------------------

    def approve(self, proposal_id: int, owner: Signer, *, actor: str, execute: bool = True) -> Proposal:
        """Sign with an owner's key held here (a keystore, a KMS) and approve."""
        tx = self._pending_tx(self._store.get(proposal_id))
        return self.submit_signature(proposal_id, owner.sign_digest(tx.hash), actor=actor, execute=execute)

    def approve_as_custodian(self, proposal_id: int, owner: Signer, *, actor: str, execute: bool = True) -> Proposal:
        """Approve with an owner's key the platform holds, on behalf of `actor` (an API key). The key is not the
        actor's own, so the actor's identity is what keeps four eyes: each actor approves a proposal once with a
        key held here, and never one it made (`approval_already_given`, `maker_cannot_approve`; each refusal is
        audited). Signatures and on-chain approvals the actor relays are the owners' own acts and do not count."""
        proposal = self._store.get(proposal_id)
        caller = _caller(actor)
        refusal = None
        if caller == _caller(proposal.maker):
            refusal = ProposalRefused(
                f"{actor} made proposal {proposal_id}: another caller approves it (four eyes)",
                code="maker_cannot_approve",
            )
        elif any(_caller(a.actor) == caller and a.actor.endswith(HELD_KEY) for a in proposal.approvals):
            refusal = ProposalRefused(
                f"{actor} has already approved proposal {proposal_id}; a second owner's approval comes from another "
                "caller (four eyes)",
                code="approval_already_given",
            )
        if refusal is not None:
            self._record("proposal_approval_refused", proposal, actor, owner=owner.address, code=refusal.code)
            raise refusal
        return self.approve(proposal_id, owner, actor=f"{actor}{HELD_KEY}", execute=execute)

    def submit_signature(self, proposal_id: int, signature: bytes, *, actor: str, execute: bool = True) -> Proposal:
        """Approve with a signature an owner made over the proposal's SafeTx (eth_signTypedData_v4 in their wallet,
        or `approve` here); executes when it completes the threshold and `execute` is set."""
        proposal = self._store.get(proposal_id)
        tx = self._pending_tx(proposal)
        owner = tx.signer_of(signature)
        if owner not in self.safe.owners():
            raise InvalidInput(
                f"The signature recovers to {owner}, not an owner of the Safe {self.safe.address}: sign proposal "
                f"{proposal_id}'s SafeTx hash {proposal.safe_tx_hash} on chain {tx.chain_id} with an owner's key",
                code="signature_not_owner",
                signer=owner,
            )
        return self._approved(proposal_id, Approval(owner=owner, signature=normalized(signature), actor=actor), execute)

    def approve_on_chain(self, proposal_id: int, owner: Signer, *, actor: str, execute: bool = True) -> Proposal:
        """Approve with the owner's own transaction, `approveHash` (the owner pays its gas), then record it."""
        tx = self._pending_tx(self._store.get(proposal_id))
        self._owner(owner.address, proposal_id)
        call = self.safe.contract.functions.approveHash(tx.hash)
        self._txm.transact(owner, call, label=f"approve proposal {proposal_id} on chain")
        return self.record_on_chain_approval(proposal_id, owner.address, actor=actor, execute=execute)

    def record_on_chain_approval(self, proposal_id: int, owner: str, *, actor: str, execute: bool = True) -> Proposal:
        """Record an approval an owner made on chain (approveHash from their own wallet), once the Safe shows it."""
        tx = self._pending_tx(self._store.get(proposal_id))
        owner = self._owner(to_address(owner), proposal_id)
        if not self.safe.contract.functions.approvedHashes(owner, tx.hash).call():
            raise ProposalRefused(
                f"{owner} has not approved proposal {proposal_id}'s SafeTx hash on chain: call approveHash("
                f"{'0x' + tx.hash.hex()}) on the Safe {self.safe.address} from that owner first",
                code="not_approved_on_chain",
            )
        return self._approved(proposal_id, Approval(owner, approved_hash_marker(owner), actor), execute)

    def execute(self, proposal_id: int, *, actor: str) -> Proposal:
        """Send the proposal's Safe transaction, once: a caller racing this one gets the proposal as it is."""
        proposal = self._store.get(proposal_id)
        if proposal.status is not ProposalStatus.PENDING:
            return proposal
        tx = self._pending_tx(proposal)
        threshold = self.safe.threshold()
        counted = self._counted(proposal)
        if len(counted) < threshold:
            owners = self.safe.owners()
            if gone := sorted({a.owner for a in proposal.approvals if a.owner not in owners}):
                raise ProposalRefused(
                    f"Proposal {proposal_id} has {len(counted)} of the {threshold} approvals it needs: "
                    f"{', '.join(gone)} approved it but no longer owns the Safe, so that approval does not count; "
                    "another owner approves it",
                    code="approver_not_owner",
                    former_owners=gone,
                )
            raise ProposalRefused(
                f"Proposal {proposal_id} has {len(counted)} of the {threshold} approvals it needs",
                code="approvals_missing",
            )
        if not self._due(proposal):
            raise ProposalRefused(
                f"Proposal {proposal_id} uses Safe nonce {proposal.nonce}, the Safe is at {self.safe.nonce()}: execute "
                "or cancel the earlier proposals first",
                code="nonce_not_due",
            )
        self._refusal(proposal.to, proposal.data, proposal.label, raise_it=True)
        if not self._store.claim(proposal_id):
            return self._store.get(proposal_id)
        signatures = {a.owner: a.signature for a in counted}
        try:
            receipt = self.safe.execute(self._txm, self._executor, tx, signatures, label=f"{proposal.label} (Safe)")
        except Exception as exc:
            self._store.release(proposal_id, str(exc))
            raise
        self._store.executed(proposal_id, self._executor.address, receipt["transactionHash"].to_0x_hex())
        executed = self._store.get(proposal_id)
        self._record("proposal_executed", executed, actor)
        return executed

    def cancel(self, proposal_id: int, *, actor: str) -> Proposal:
        """Withdraw a pending proposal; when later proposals hold the nonces after its own, propose a rejection
        (a Safe transaction that does nothing) at its nonce, which the owners approve as any other."""
        proposal = self._store.get(proposal_id)
        if not self._store.cancel(proposal_id):
            raise ProposalRefused(
                f"Proposal {proposal_id} is {proposal.status}: only a pending one can be cancelled",
                code="proposal_not_pending",
            )
        cancelled = self._store.get(proposal_id)
        self._record("proposal_cancelled", cancelled, actor)
        later = self._store.highest_live_nonce(self.safe.address)
        if later is not None and later > proposal.nonce and proposal.nonce >= self.safe.nonce():
            rejection = self._add(
                self.safe.transaction(self.safe.address, b"", proposal.nonce),
                f"reject proposal {proposal_id} (nonce {proposal.nonce})",
                actor,
                cancels=proposal_id,
            )
            self._record("proposal_created", rejection, actor)
        return cancelled

    # -- reads -------------------------------------------------------------------------------

    def get(self, proposal_id: int) -> Proposal:
        return self._store.get(proposal_id)

    def proposals(self) -> list[Proposal]:
        return self._store.list(self.safe.address)

    def pending(self) -> list[Proposal]:
        return self._store.list(self.safe.address, status=ProposalStatus.PENDING)

    def refusal(self, proposal: Proposal) -> ChainError | None:
        """The error the proposal's call would raise now (a compliance refusal with its reason code, a missing
        role), simulated from the Safe's address; None if it would pass."""
        return self._refusal(proposal.to, proposal.data, proposal.label, raise_it=False)

    def typed_data(self, proposal: Proposal) -> dict[str, Any]:
        """What an owner signs in their wallet (eth_signTypedData_v4) to approve `proposal`."""
        return self._tx(proposal).typed_data()

    # -- internals ---------------------------------------------------------------------------

    def _owner(self, address: ChecksumAddress, proposal_id: int) -> ChecksumAddress:
        if address not in self.safe.owners():
            raise InvalidInput(
                f"{address} is not an owner of the Safe {self.safe.address}: it cannot approve proposal {proposal_id}",
                code="not_an_owner",
            )
        return address

    def _approved(self, proposal_id: int, approval: Approval, execute: bool) -> Proposal:
        """Store the approval (once per owner), audit it, and execute if it completes the threshold."""
        if not self._store.approve(proposal_id, approval):
            raise ProposalRefused(
                f"{approval.owner} has already approved proposal {proposal_id}", code="already_approved"
            )
        approved = self._store.get(proposal_id)
        self._record("proposal_approved", approved, approval.actor, owner=approval.owner)
        if execute and len(self._counted(approved)) >= self.safe.threshold() and self._due(approved):
            return self.execute(proposal_id, actor=approval.actor)
        return approved

    def _add(self, tx: SafeTx, label: str, maker: str, **extra: Any) -> Proposal:
        return self._store.add(
            NewProposal(
                chain_id=tx.chain_id,
                safe=tx.safe,
                nonce=tx.nonce,
                to=tx.to,
                data=tx.data,
                safe_tx_hash="0x" + tx.hash.hex(),
                label=label,
                maker=maker,
                **extra,
            )
        )

    def _counted(self, proposal: Proposal) -> list[Approval]:
        """The approvals that count: those of current owners (an owner removed since approving would have the
        Safe refuse the signature, GS026), and of those made with a platform-held key, the first of each
        caller and none of the maker's. `approve_as_custodian` refuses the others up front; this holds also
        when two requests of one caller raced past that check."""
        owners, callers, counted = set(self.safe.owners()), {_caller(proposal.maker)}, []
        for approval in proposal.approvals:
            if approval.owner not in owners:
                continue
            if approval.actor.endswith(HELD_KEY):
                if (caller := _caller(approval.actor)) in callers:
                    continue
                callers.add(caller)
            counted.append(approval)
        return counted

    def _tx(self, proposal: Proposal) -> SafeTx:
        return self.safe.transaction(proposal.to, proposal.data, proposal.nonce)

    def _pending_tx(self, proposal: Proposal) -> SafeTx:
        if proposal.status is not ProposalStatus.PENDING:
            raise ProposalRefused(f"Proposal {proposal.id} is {proposal.status}", code="proposal_not_pending")
        tx = self._tx(proposal)
        if proposal.nonce < self.safe.nonce():
            raise ProposalRefused(
                f"Proposal {proposal.id}'s Safe nonce {proposal.nonce} was used by another Safe transaction: cancel it "
                "and propose again",
                code="nonce_used",
            )
        return tx

    def _due(self, proposal: Proposal) -> bool:
        return proposal.nonce == self.safe.nonce()

    def _refusal(self, to: str, data: bytes, label: str, *, raise_it: bool) -> ChainError | None:
        call: TxParams = {"from": self.safe.address, "to": to, "data": data}
        try:
            self.safe.w3.eth.call(call)
        except Exception as exc:
            if (raw := revert_data(exc)) is None:
                raise
            error = revert_error(decode_revert(raw), label)
            if raise_it:
                raise error from None
            return error
        return None

    def _record(self, action: str, proposal: Proposal, actor: str, **details: Any) -> None:
        self._audit.record(
            AuditEntry(
                actor=actor,
                action=action,
                asset=proposal.to,
                reason=proposal.label,
                tx_hash=proposal.tx_hash or "",
                details={
                    "proposal": proposal.id,
                    "safe": proposal.safe,
                    "nonce": proposal.nonce,
                    "safe_tx_hash": proposal.safe_tx_hash,
                    "maker": proposal.maker,
                    "approvers": [a.owner for a in proposal.approvals],
                    "executor": proposal.executor,
                    **details,
                },
            )
        )


def _caller(actor: str) -> str:
    """Who an actor label names, without its role or note: `api-key:ab12` of `api-key:ab12 (admin) ops` and of
    `api-key:ab12 (queued)`, so a request's maker and its approver compare whatever label each step wrote."""
    return actor.split(" ", 1)[0]


class SafeProposer(Proposer):
    """The platform's signer when its roles are held by a Safe: every call a service sends becomes a proposal
    (ApprovalPending carries it), made by the actor of the request (rwakit.tokenize.audit.acting_as)."""

    def __init__(self, proposals: SafeProposals, *, default_maker: str) -> None:
        self._proposals = proposals
        self._default_maker = default_maker

    @property
    def address(self) -> ChecksumAddress:
        return self._proposals.safe.address

    def propose(self, to: str, data: bytes, label: str) -> NoReturn:
        proposal = self._proposals.propose(
            to, data, label, maker=current_actor(self._default_maker), idempotency_key=_request_key.get()
        )
        raise ApprovalPending(
            f"{label}: proposed to the Safe {proposal.safe} as proposal {proposal.id} (nonce {proposal.nonce}); "
            f"it executes when {self._proposals.safe.threshold()} owners approve "
            f"(`rwakit proposal approve {proposal.id}`)",
            proposal_id=proposal.id,
            safe_tx_hash=proposal.safe_tx_hash,
            approvals=len(proposal.approvals),
            threshold=self._proposals.safe.threshold(),
            status=str(proposal.status),
            tx_hash=proposal.tx_hash,
        )
