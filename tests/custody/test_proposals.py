"""Maker-checker through a 2-of-3 Safe: a service's write becomes a proposal; owners approve with their key
or a wallet's signature; it executes once, even when approvals race; a proposal the chain would now refuse
reports its reason code and can be cancelled; hostile signatures are refused."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest
from eth_account import Account
from eth_account.messages import encode_typed_data
from sqlalchemy.engine import Engine

from rwakit.chain.connection import Chain
from rwakit.chain.signer import DevKeySigner
from rwakit.config import DEV_MNEMONIC
from rwakit.custody.models import Proposal, ProposalStatus
from rwakit.custody.proposals import ProposalRefused
from rwakit.custody.safe_tx import SafeTx
from rwakit.errors import ApprovalPending, ComplianceError, InvalidInput, RwakitError
from rwakit.tokenize.audit import acting_as
from rwakit.units import to_address
from tests.conftest import advance_time, investor
from tests.custody.conftest import ASSET, Custodied


def propose_mint(custodied: Custodied, to: str = "HK-1", amount: str = "100") -> Proposal:
    with pytest.raises(ApprovalPending) as pending, acting_as("maker@example"):
        custodied.proposing.assets.issue(ASSET, to, amount)
    assert pending.value.code == "approval_pending"
    return custodied.custody.get(pending.value.details["proposal_id"])


def balance(custodied: Custodied, index: int = 0) -> int:
    token = custodied.platform.assets.token(ASSET)
    return int(token.functions.balanceOf(custodied.investors[index].address).call())


def test_a_mint_is_proposed_then_executes_on_the_second_approval(custodied: Custodied) -> None:
    custody, (alice, bob, _) = custodied.custody, custodied.owners
    proposal = propose_mint(custodied)
    assert (proposal.status, proposal.nonce, proposal.maker) == (ProposalStatus.PENDING, 0, "maker@example")
    assert balance(custodied) == 0
    with pytest.raises(ProposalRefused) as early:
        custody.execute(proposal.id, actor="impatient")
    assert early.value.code == "approvals_missing"
    assert custody.approve(proposal.id, alice, actor="alice").status is ProposalStatus.PENDING
    done = custody.approve(proposal.id, bob, actor="bob")
    assert done.status is ProposalStatus.EXECUTED and done.tx_hash and balance(custodied) == 100
    assert done.executor == custodied.platform.chain.signers[9].address
    assert custody.execute(proposal.id, actor="late") == done and balance(custodied) == 100
    trail = [(e.action, e.actor) for e in custodied.audit.entries()]
    assert trail == [("proposal_created", "maker@example"), ("proposal_approved", "alice"),
                     ("proposal_approved", "bob"), ("proposal_executed", "bob")]  # fmt: skip
    executed = custodied.audit.entries()[-1]
    assert executed.details["approvers"] == [alice.address, bob.address] and executed.tx_hash == done.tx_hash
    assert custody.pending() == []


def test_an_owner_approves_with_a_signature_made_in_their_own_wallet(custodied: Custodied) -> None:
    proposal = propose_mint(custodied)
    typed = custodied.custody.typed_data(proposal)
    for index in (12, 13):  # as a wallet's eth_signTypedData_v4 answers
        key = Account.from_mnemonic(DEV_MNEMONIC, account_path=f"m/44'/60'/0'/0/{index}").key
        signed = Account.sign_message(encode_typed_data(full_message=typed), key)
        last = custodied.custody.submit_signature(proposal.id, bytes(signed.signature), actor=f"wallet {index}")
    assert last.status is ProposalStatus.EXECUTED and balance(custodied) == 100


def test_racing_approvals_and_executions_send_one_safe_transaction(custodied: Custodied) -> None:
    custody = custodied.custody
    proposal = propose_mint(custodied)
    start = threading.Barrier(6, timeout=60)

    def approve(index: int) -> str:
        start.wait()
        try:
            return custody.approve(proposal.id, custodied.owners[index], actor=f"owner {index}").status
        except RwakitError as exc:
            return exc.code

    def execute(_: int) -> str:
        start.wait()
        try:
            return custody.execute(proposal.id, actor="racer").status
        except RwakitError as exc:
            return exc.code

    with ThreadPoolExecutor(6) as pool:
        futures = [pool.submit(approve, i) for i in range(3)] + [pool.submit(execute, i) for i in range(3)]
        results = [f.result(timeout=120) for f in futures]
    assert balance(custodied) == 100, results  # minted once
    assert custodied.safe.nonce() == 1
    final = custody.get(proposal.id)
    assert final.status is ProposalStatus.EXECUTED
    assert [e.action for e in custodied.audit.entries()].count("proposal_executed") == 1


def test_a_stale_proposal_reports_its_reason_code_and_is_cancelled(custodied: Custodied, chain: Chain) -> None:
    platform, custody = custodied.platform, custodied.custody
    with pytest.raises(ApprovalPending) as registering:
        custodied.proposing.registry.register(investor(chain, "HK-50", chain.signers[5], kyc_seconds=60))
    register = custody.get(registering.value.details["proposal_id"])
    for owner in custodied.owners[:2]:
        custody.approve(register.id, owner, actor="owner")
    assert platform.registry.is_verified(chain.signers[5].address)
    proposal = propose_mint(custodied, chain.signers[5].address)
    custody.approve(proposal.id, custodied.owners[0], actor="alice")
    advance_time(chain, 120)  # the investor's KYC lapses: the mint would now be refused
    refusal = custody.refusal(custody.get(proposal.id))
    assert isinstance(refusal, ComplianceError) and refusal.reason == "receiver_kyc_expired", refusal
    with pytest.raises(ComplianceError) as refused:
        custody.approve(proposal.id, custodied.owners[1], actor="bob")
    assert refused.value.reason_code == refusal.reason_code
    assert custody.get(proposal.id).status is ProposalStatus.PENDING
    cancelled = custody.cancel(proposal.id, actor="alice")
    assert cancelled.status is ProposalStatus.CANCELLED and custody.pending() == []
    with pytest.raises(ProposalRefused) as again:
        custody.cancel(proposal.id, actor="alice")
    assert again.value.code == "proposal_not_pending"
    assert propose_mint(custodied, "HK-2").nonce == proposal.nonce  # the freed nonce is reused


def test_cancelling_before_later_proposals_proposes_a_rejection_at_its_nonce(custodied: Custodied) -> None:
    custody, (alice, bob, _) = custodied.custody, custodied.owners
    first, second = propose_mint(custodied, "HK-1"), propose_mint(custodied, "HK-2", "7")
    assert (first.nonce, second.nonce) == (0, 1)
    for owner in (alice, bob):
        custody.approve(second.id, owner, actor="owner")
    with pytest.raises(ProposalRefused) as early:
        custody.execute(second.id, actor="alice")
    assert early.value.code == "nonce_not_due"
    custody.cancel(first.id, actor="alice")
    (rejection,) = custody.pending()[:1]
    assert (rejection.cancels, rejection.nonce, rejection.to, rejection.data) == (
        first.id,
        0,
        custodied.safe.address,
        b"",
    )
    for owner in (alice, bob):
        custody.approve(rejection.id, owner, actor="owner")
    assert custody.get(rejection.id).status is ProposalStatus.EXECUTED and balance(custodied) == 0
    assert custody.execute(second.id, actor="alice").status is ProposalStatus.EXECUTED
    assert balance(custodied, 1) == 7


def test_hostile_signatures_are_refused(custodied: Custodied, chain: Chain) -> None:
    custody, alice = custodied.custody, custodied.owners[0]
    proposal = propose_mint(custodied)
    tx = custody.safe.transaction(proposal.to, proposal.data, proposal.nonce)
    stranger = DevKeySigner.from_mnemonic(DEV_MNEMONIC, 20)
    other_chain = SafeTx(chain_id=1, safe=tx.safe, to=tx.to, data=tx.data, nonce=tx.nonce)
    registry = to_address(custodied.platform.deployment.registry)
    other_safe = SafeTx(chain_id=tx.chain_id, safe=registry, to=tx.to, data=tx.data, nonce=tx.nonce)
    tampered = SafeTx(chain_id=tx.chain_id, safe=tx.safe, to=tx.to, data=tx.data + b"\0", nonce=tx.nonce)
    forged = [stranger.sign_digest(tx.hash)] + [alice.sign_digest(t.hash) for t in (other_chain, other_safe, tampered)]
    for signature in forged:
        with pytest.raises(InvalidInput) as refused:
            custody.submit_signature(proposal.id, signature, actor="hostile")
        assert refused.value.code == "signature_not_owner"
    good = alice.sign_digest(tx.hash)
    for malformed in (good[:64], good + b"\0", good[:64] + bytes([31]), b"\0" * 65):
        with pytest.raises(InvalidInput) as bad:
            custody.submit_signature(proposal.id, malformed, actor="hostile")
        assert bad.value.code in ("invalid_signature", "signature_not_owner")
    custody.submit_signature(proposal.id, good, actor="alice")
    for repeat in (good, good[:64] + bytes([good[64] - 27])):  # the same owner again, v as 0/1
        with pytest.raises(ProposalRefused) as twice:
            custody.submit_signature(proposal.id, repeat, actor="alice again")
        assert twice.value.code == "already_approved"
    assert len(custody.get(proposal.id).approvals) == 1 and balance(custodied) == 0
    with pytest.raises(RwakitError) as missing:
        custody.get(10**9)
    assert missing.value.code == "proposal_not_found"


def test_a_call_that_would_revert_now_is_refused_before_it_is_proposed(custodied: Custodied) -> None:
    with pytest.raises(ComplianceError) as refused:  # an unregistered wallet: nothing proposed
        custodied.proposing.assets.issue(ASSET, custodied.platform.chain.signers[8].address, "1")
    assert refused.value.reason == "receiver_not_registered"
    assert custodied.custody.pending() == []


def test_the_trail_reads_proposal_entries_beside_asset_ones(custodied: Custodied, db_engine: Engine) -> None:
    from sqlmodel import Session, col, select

    from rwakit.db.audit import AuditRecord, describe
    from rwakit.tokenize.audit import AuditEntry

    propose_mint(custodied)  # its entry names the factory-made token; a registry proposal names the registry
    with pytest.raises(ApprovalPending):
        custodied.proposing.registry.revoke("HK-2")
    token = custodied.platform.assets.token(ASSET).address
    custodied.audit.record(AuditEntry("issuer", "redeem", token, "test", "0x" + "00" * 32, {"amount": 5}))
    with Session(db_engine) as session:
        rows = session.exec(select(AuditRecord).order_by(col(AuditRecord.id))).all()
        described = describe(custodied.platform.chain.w3, rows)
    assert [(e.action, e.asset) for e in described] == [
        ("proposal_created", ASSET), ("proposal_created", None), ("redeem", ASSET)]  # fmt: skip
    assert described[-1].details["amount"] == "5"


def test_the_database_and_the_trail_hold_no_owner_key(custodied: Custodied, db_engine: Engine) -> None:
    from sqlmodel import SQLModel

    from tests.custody.secrets import assert_no_secret, dev_key

    proposal = propose_mint(custodied)
    for owner in custodied.owners[:2]:
        custodied.custody.approve(proposal.id, owner, actor="owner")
    with db_engine.connect() as connection:
        dump = repr([connection.execute(t.select()).all() for t in SQLModel.metadata.sorted_tables])
    assert proposal.safe_tx_hash in dump and custodied.owners[0].address in dump  # the rows were read
    for index in (11, 12, 13):
        assert_no_secret(dump, dev_key(index))
        assert_no_secret(repr(custodied.audit.entries()), dev_key(index))


def test_an_owner_approves_on_chain_with_approve_hash(custodied: Custodied, chain: Chain) -> None:
    custody, (alice, bob, carol) = custodied.custody, custodied.owners
    chain.w3.provider.make_request("anvil_setBalance", [alice.address, hex(10**18)])  # type: ignore[arg-type]
    proposal = propose_mint(custodied)
    with pytest.raises(ProposalRefused) as not_yet:  # carol has sent no approveHash
        custody.record_on_chain_approval(proposal.id, carol.address, actor="carol")
    assert not_yet.value.code == "not_approved_on_chain"
    with pytest.raises(InvalidInput) as stranger:
        custody.record_on_chain_approval(proposal.id, chain.signers[5].address, actor="stranger")
    assert stranger.value.code == "not_an_owner"
    approved = custody.approve_on_chain(proposal.id, alice, actor="alice")
    assert [a.owner for a in approved.approvals] == [alice.address] and approved.status is ProposalStatus.PENDING
    with pytest.raises(ProposalRefused) as twice:
        custody.record_on_chain_approval(proposal.id, alice.address, actor="alice again")
    assert twice.value.code == "already_approved"
    done = custody.approve(proposal.id, bob, actor="bob")  # a signature beside an on-chain approval
    assert done.status is ProposalStatus.EXECUTED and balance(custodied) == 100


def test_a_deployment_is_not_proposable_and_a_proposer_signs_nothing(custodied: Custodied) -> None:
    from rwakit.contracts import load_artifact

    proposer, txm, w3 = custodied.proposing.signer, custodied.proposing.txm, custodied.platform.chain.w3
    registry = load_artifact("InvestorRegistry").factory(w3).constructor(proposer.address)
    with pytest.raises(InvalidInput) as deploy:
        txm.deploy(proposer, registry, label="deploy a registry through the Safe")
    assert deploy.value.code == "not_proposable"
    assert custodied.custody.pending() == []
    with pytest.raises(TypeError):
        proposer.sign_digest(b"\0" * 32)


def through_the_safe(custodied: Custodied, act: Callable[[], object]) -> Proposal:
    """Propose `act`'s one transaction and have two owners approve it (executed)."""
    with pytest.raises(ApprovalPending) as pending, acting_as("maker@example"):
        act()
    proposal_id = pending.value.details["proposal_id"]
    for owner in custodied.owners[:2]:
        done = custodied.custody.approve(proposal_id, owner, actor=f"owner {owner.address}")
    assert done.status is ProposalStatus.EXECUTED
    return done


def test_a_recovery_in_several_assets_is_refused_whole_then_done_one_asset_at_a_time(
    custodied: Custodied, chain: Chain
) -> None:
    from tests.custody.conftest import FUND

    proposing, lost, new = custodied.proposing, custodied.investors[0].address, chain.signers[6].address
    for asset in (ASSET, FUND):
        through_the_safe(custodied, lambda a=asset: proposing.assets.issue(a, "HK-1", "5"))  # type: ignore[misc]
    through_the_safe(custodied, lambda: proposing.registry.add_wallet("HK-1", new))
    through_the_safe(custodied, lambda: proposing.registry.remove_wallet(lost, investor_id="HK-1"))
    with pytest.raises(InvalidInput) as refused:  # two assets: two proposals, one request: refused before either
        proposing.controls.recover_wallet_everywhere(lost, new, "HK-1", reason="lost phone")
    assert refused.value.code == "recovery_exceeds_proposal" and refused.value.details["assets"] == [ASSET, FUND]
    assert custodied.custody.pending() == []
    through_the_safe(
        custodied, lambda: proposing.controls.recover_wallet(ASSET, lost, new, "HK-1", reason="lost phone")
    )
    through_the_safe(  # what remains is one asset: one proposal
        custodied, lambda: proposing.controls.recover_wallet_everywhere(lost, new, "HK-1", reason="lost phone")
    )
    for asset in (ASSET, FUND):
        token = custodied.platform.assets.token(asset)
        assert (token.functions.balanceOf(lost).call(), token.functions.balanceOf(new).call()) == (0, 5), asset
    assert custodied.platform.controls.plan_recover_wallet_everywhere(lost, new, "HK-1", reason="x") == []


def test_an_approval_from_an_owner_removed_since_does_not_count(custodied: Custodied) -> None:
    custody, safe, (alice, bob, carol) = custodied.custody, custodied.safe, custodied.owners
    sentinel = "0x" + "00" * 19 + "01"  # the owners' linked list starts there: alice comes first
    assert safe.owners()[0] == alice.address
    remove = bytes.fromhex(safe.contract.encode_abi("removeOwner", [sentinel, alice.address, 2])[2:])
    removal = custody.propose(safe.address, remove, "remove alice", maker="maker@example")
    mint = propose_mint(custodied)
    assert (removal.nonce, mint.nonce) == (0, 1)
    custody.approve(mint.id, alice, actor="alice")
    for owner in (bob, carol):
        custody.approve(removal.id, owner, actor=f"{owner.address}")
    assert alice.address not in safe.owners() and safe.threshold() == 2
    waiting = custody.approve(mint.id, bob, actor="bob")  # two approvals recorded, one from a current owner
    assert waiting.status is ProposalStatus.PENDING and len(waiting.approvals) == 2
    with pytest.raises(ProposalRefused) as gone:
        custody.execute(mint.id, actor="bob")
    assert gone.value.code == "approver_not_owner" and gone.value.details["former_owners"] == [alice.address]
    assert balance(custodied) == 0
    done = custody.approve(mint.id, carol, actor="carol")
    assert done.status is ProposalStatus.EXECUTED and balance(custodied) == 100


def test_with_platform_held_keys_one_caller_counts_once_even_when_its_requests_race(
    custodied: Custodied, db_engine: Engine
) -> None:
    from rwakit.custody.models import Approval
    from rwakit.custody.proposals import HELD_KEY
    from rwakit.db.proposals import SqlProposalStore

    custody, (alice, bob, carol) = custodied.custody, custodied.owners
    proposal = propose_mint(custodied)
    first = custody.approve_as_custodian(proposal.id, alice, actor="api-key:k1 (admin)")
    assert first.approvals[0].actor == f"api-key:k1 (admin){HELD_KEY}"
    with pytest.raises(ProposalRefused) as twice:
        custody.approve_as_custodian(proposal.id, bob, actor="api-key:k1 (admin) ops")
    assert twice.value.code == "approval_already_given"
    with pytest.raises(ProposalRefused) as maker:
        custody.approve_as_custodian(proposal.id, bob, actor="maker@example")
    assert maker.value.code == "maker_cannot_approve"
    tx = custody.safe.transaction(proposal.to, proposal.data, proposal.nonce)  # k1's racing second request:
    raced = Approval(bob.address, bob.sign_digest(tx.hash), f"api-key:k1 (admin){HELD_KEY}")  # past the check
    assert SqlProposalStore(db_engine).approve(proposal.id, raced)
    with pytest.raises(ProposalRefused) as short:
        custody.execute(proposal.id, actor="api-key:k1 (admin)")
    assert short.value.code == "approvals_missing" and balance(custodied) == 0
    done = custody.approve_as_custodian(proposal.id, carol, actor="api-key:k2 (admin)")
    assert done.status is ProposalStatus.EXECUTED and balance(custodied) == 100
    refusals = [e.details["code"] for e in custodied.audit.entries() if e.action == "proposal_approval_refused"]
    assert refusals == ["approval_already_given", "maker_cannot_approve"]
