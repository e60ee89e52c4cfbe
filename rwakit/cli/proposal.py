"""`rwakit proposal ...`: the operations waiting for the approval of the Safe that holds the platform's roles
(maker-checker): list them, show what an owner signs, approve, execute, cancel."""

from __future__ import annotations

import getpass
import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from rwakit.cli.common import platform, reported

if TYPE_CHECKING:
    from rwakit.chain.signer import Signer
    from rwakit.custody.models import Proposal
    from rwakit.custody.proposals import SafeProposals

app = typer.Typer(no_args_is_help=True, help="List, approve, execute and cancel proposals to the platform's Safe.")

ProposalId = Annotated[int, typer.Argument(help="The proposal's id (`rwakit proposal list`)")]


def _custody() -> SafeProposals:
    from rwakit.cli.common import custody

    return custody(platform())


def _actor() -> str:
    return f"cli:{getpass.getuser()}"


def _line(custody: SafeProposals, proposal: Proposal) -> str:
    approvers = ", ".join(a.owner for a in proposal.approvals) or "none"
    line = (
        f"#{proposal.id:<4} nonce {proposal.nonce:<4} {proposal.status:<9} "
        f"{len(proposal.approvals)}/{custody.safe.threshold()} approvals ({approvers})  {proposal.label}"
        f"  [maker {proposal.maker}]"
    )
    if proposal.tx_hash:
        line += f"  tx {proposal.tx_hash}"
    if proposal.status == "pending" and (refusal := custody.refusal(proposal)) is not None:
        line += f"\n      would now fail: [{refusal.code}] {refusal.message}"
    return line


@app.command("list")
def list_proposals(
    every: Annotated[bool, typer.Option("--all", help="Executed and cancelled ones too")] = False,
) -> None:
    """Pending proposals (all with --all), each with its approvals and, if its call would now fail, why."""
    from rwakit.custody.models import ProposalStatus

    with reported():
        custody = _custody()
        shown = custody.proposals() if every else custody.pending()
        for proposal in shown:
            typer.echo(_line(custody, proposal))
    if not shown:
        typer.echo("no proposals" if every else f"no {ProposalStatus.PENDING} proposals")


@app.command("show")
def show(proposal_id: ProposalId) -> None:
    """A proposal, its SafeTx hash and the EIP-712 message an owner signs in their wallet (eth_signTypedData_v4)."""
    with reported():
        custody = _custody()
        proposal = custody.get(proposal_id)
        typer.echo(_line(custody, proposal))
        typer.echo(f"safe_tx_hash {proposal.safe_tx_hash}")
        typer.echo(json.dumps(custody.typed_data(proposal), indent=2))


@app.command("approve")
def approve(
    proposal_id: ProposalId,
    keystore: Annotated[Path | None, typer.Option(help="An owner's keystore (passphrase: file, env or prompt)")] = None,
    passphrase_file: Annotated[Path | None, typer.Option(help="File whose first line opens the keystore")] = None,
    signature: Annotated[
        str | None, typer.Option(help="A signature an owner made in their wallet (0x, 65 bytes)")
    ] = None,
    dev_account: Annotated[
        int | None, typer.Option(help="Sign with the development mnemonic's account N (local chains only)")
    ] = None,
    on_chain: Annotated[
        bool, typer.Option("--on-chain", help="With a key: send approveHash from the owner (it pays the gas)")
    ] = False,
    approved_on_chain: Annotated[
        str | None, typer.Option(help="An owner who already sent approveHash from their own wallet")
    ] = None,
    execute: Annotated[bool, typer.Option(help="Execute when this approval completes the threshold")] = True,
) -> None:
    """Approve as an owner: with a keystore, the development mnemonic on a local chain, a wallet's signature,
    or on chain (approveHash)."""
    from hexbytes import HexBytes

    from rwakit.errors import InvalidInput

    with reported():
        if sum(x is not None for x in (keystore, signature, dev_account, approved_on_chain)) != 1:
            raise InvalidInput(
                "Give one of --keystore, --dev-account, --signature or --approved-on-chain", code="invalid_approval"
            )
        custody = _custody()
        if approved_on_chain is not None:
            proposal = custody.record_on_chain_approval(proposal_id, approved_on_chain, actor=_actor(), execute=execute)
        elif signature is not None:
            try:
                raw = bytes(HexBytes(signature))
            except ValueError:
                raise InvalidInput("--signature is hex (0x...)", code="invalid_signature") from None
            proposal = custody.submit_signature(proposal_id, raw, actor=_actor(), execute=execute)
        else:
            owner = _owner(keystore, passphrase_file, dev_account, custody)
            approve = custody.approve_on_chain if on_chain else custody.approve
            proposal = approve(proposal_id, owner, actor=_actor(), execute=execute)
        typer.echo(_line(custody, proposal))


def _owner(
    keystore: Path | None, passphrase_file: Path | None, dev_account: int | None, custody: SafeProposals
) -> Signer:
    from rwakit.chain.signer import DevKeySigner, KeystoreSigner, usable_signers
    from rwakit.cli.key import passphrase
    from rwakit.config import get_settings

    if keystore is not None:
        return KeystoreSigner.load(keystore, passphrase(passphrase_file))
    owner = DevKeySigner.from_mnemonic(get_settings().mnemonic, dev_account or 0)
    return usable_signers([owner], int(custody.safe.w3.eth.chain_id))[0]


@app.command("execute")
def execute(proposal_id: ProposalId) -> None:
    """Send an approved proposal's Safe transaction (once: a proposal already executed is shown as it is)."""
    with reported():
        custody = _custody()
        typer.echo(_line(custody, custody.execute(proposal_id, actor=_actor())))


@app.command("cancel")
def cancel(proposal_id: ProposalId) -> None:
    """Withdraw a pending proposal (a rejection is proposed at its nonce if later proposals wait behind it)."""
    with reported():
        custody = _custody()
        typer.echo(_line(custody, custody.cancel(proposal_id, actor=_actor())))
        for waiting in custody.pending():
            if waiting.cancels == proposal_id:
                typer.echo(f"proposed #{waiting.id}: {waiting.label}; approve it to free nonce {waiting.nonce}")
