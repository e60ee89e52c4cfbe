"""`rwakit control ...`: the issuer's agent's controls (freeze, forced transfer, recovery, pause, ...)."""

from __future__ import annotations

from typing import Annotated

import typer

from rwakit.cli.common import send

app = typer.Typer(no_args_is_help=True, help="Issuer controls: freeze, forced transfer, recovery, pause.")

Reason = Annotated[str, typer.Option(help="Why (recorded in the audit trail); required for forced moves")]


@app.command("freeze")
def freeze(asset: str, wallet: str, reason: Reason = "", unfreeze: bool = False) -> None:
    """Freeze (or --unfreeze) a whole wallet."""
    send(lambda p: p.controls.freeze_wallet(asset, wallet, reason=reason, frozen=not unfreeze), "done")


@app.command("freeze-tokens")
def freeze_tokens(asset: str, wallet: str, amount: str, reason: Reason = "", unfreeze: bool = False) -> None:
    """Freeze (or --unfreeze) part of a wallet's shares."""
    send(
        lambda p: (p.controls.unfreeze_tokens if unfreeze else p.controls.freeze_tokens)(
            asset, wallet, amount, reason=reason
        ),
        "done",
    )


@app.command("forced-transfer")
def forced_transfer(asset: str, sender: str, to: str, amount: str, reason: Reason = "") -> None:
    """Move shares without the holder's consent (a court order); --reason is required."""
    send(lambda p: p.controls.forced_transfer(asset, sender, to, amount, reason=reason), "forced transfer done")


@app.command("recover")
def recover(
    lost: str,
    new: str,
    investor_id: str,
    reason: Reason = "",
    asset: Annotated[
        str | None, typer.Option(help="Only this asset (under a Safe: one proposal per asset, one at a time)")
    ] = None,
) -> None:
    """Move a lost wallet's shares in every asset (or --asset) to a new wallet of the same investor (the registrar
    adds the new wallet and removes the lost one first: `rwakit investor add-wallet`, `rwakit investor
    remove-wallet`)."""
    if asset is not None:
        send(lambda p: p.controls.recover_wallet(asset, lost, new, investor_id, reason=reason), "recovered")
        return
    send(
        lambda p: p.controls.recover_wallet_everywhere(lost, new, investor_id, reason=reason),
        "recovered",
        nothing=f"nothing to recover: {lost} holds no shares",
    )


@app.command("pause")
def pause(asset: str, reason: Reason = "", resume: bool = False) -> None:
    """Pause (or --resume) transfers between holders."""
    send(lambda p: (p.controls.unpause if resume else p.controls.pause)(asset, reason=reason), "done")


@app.command("redeem")
def redeem(asset: str, wallet: str, amount: str, reason: Reason = "") -> None:
    """Burn shares from a wallet (a redemption)."""
    send(lambda p: p.controls.redeem(asset, wallet, amount, reason=reason), "redeemed")


@app.command("document")
def document(asset: str, name: str, uri: str, document_hash: str, reason: Reason = "") -> None:
    """Publish or replace an ERC-1643 document (name, URI, SHA-256 of the content)."""
    send(lambda p: p.controls.set_document(asset, name, uri, document_hash, reason=reason), "document set")


@app.command("remove-document")
def remove_document(asset: str, name: str, reason: Reason = "") -> None:
    """Withdraw an ERC-1643 document."""
    send(lambda p: p.controls.remove_document(asset, name, reason=reason), "document removed")
