"""`rwakit rules ...` (the compliance officer) and `rwakit control ...` (the issuer's agent)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer

from rwakit.config import get_settings
from rwakit.errors import RwakitError

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from rwakit.platform import Platform

rules_app = typer.Typer(no_args_is_help=True, help="Show and set an asset's compliance rules.")
control_app = typer.Typer(no_args_is_help=True, help="Issuer controls: freeze, forced transfer, recovery, pause.")

Reason = Annotated[str, typer.Option(help="Why (recorded in the audit trail); required for forced moves")]
RuleReason = Annotated[str, typer.Option(help="Why (recorded in the audit trail)")]


def database() -> Engine:
    """The API's database (RWAKIT_DATABASE_URL), its tables created if missing."""
    from rwakit.db import create_tables, make_engine

    engine = make_engine(get_settings().db_url)
    create_tables(engine)
    return engine


def _run(action: Callable[[Platform], Any], done: str) -> None:
    """Open the platform from settings, run `action`, print `done` or the error with its code.
    The audit trail goes to the API's database, so `GET /audit` lists what was done here too."""
    from rwakit.platform import Platform
    from rwakit.tokenize.audit import SqlAuditLog

    try:
        action(Platform.from_settings(get_settings(), audit=SqlAuditLog(database())))
    except RwakitError as exc:
        _fail(exc)
    typer.echo(done)


def _fail(exc: RwakitError) -> NoReturn:
    typer.echo(f"error [{exc.code}]: {exc.message}", err=True)
    raise typer.Exit(1)


@rules_app.command("show")
def rules_show(asset: str) -> None:
    """Print the asset's rules."""
    from rwakit.platform import Platform

    try:
        rules = Platform.from_settings(get_settings()).compliance.rules(asset)
    except RwakitError as exc:
        _fail(exc)
    for name, value in vars(rules).items():
        typer.echo(f"{name:<20} {value}")


@rules_app.command("allow-countries")
def rules_allow_countries(
    asset: str,
    countries: Annotated[list[str], typer.Argument(help="ISO 3166 codes: HK SG 826")],
    remove: Annotated[bool, typer.Option("--remove", help="Take them off the allow-list")] = False,
    reason: RuleReason = "",
) -> None:
    """Add countries to the allow-list (enable it with `rules allow-list on`)."""
    _run(
        lambda p: p.compliance.allow_countries(asset, countries, allowed=not remove, reason=reason),
        "allow-list updated",
    )


@rules_app.command("allow-list")
def rules_allow_list(
    asset: str, state: Annotated[str, typer.Argument(help="on or off")], reason: RuleReason = ""
) -> None:
    """Turn the country allow-list on or off."""
    _run(lambda p: p.compliance.enable_allow_list(asset, _on_off(state), reason=reason), f"allow-list {state}")


@rules_app.command("block-countries")
def rules_block_countries(
    asset: str,
    countries: Annotated[list[str], typer.Argument(help="ISO 3166 codes")],
    remove: Annotated[bool, typer.Option("--remove", help="Unblock them")] = False,
    reason: RuleReason = "",
) -> None:
    """Block countries: their investors cannot acquire shares."""
    _run(
        lambda p: p.compliance.block_countries(asset, countries, blocked=not remove, reason=reason),
        "block-list updated",
    )


@rules_app.command("classes")
def rules_classes(
    asset: str,
    classes: Annotated[list[str], typer.Argument(help="retail professional institutional; 'any' for all")],
    reason: RuleReason = "",
) -> None:
    """Admit only these investor classes."""
    admitted = [] if classes == ["any"] else classes
    _run(lambda p: p.compliance.allow_classes(asset, admitted, reason=reason), "investor classes set")


@rules_app.command("lockup")
def rules_lockup(
    asset: str, until: Annotated[str, typer.Argument(help="UTC date (2027-06-30) or 'none'")], reason: RuleReason = ""
) -> None:
    """Refuse transfers between holders until a date."""
    moment = None if until == "none" else datetime.fromisoformat(until).replace(tzinfo=UTC)
    _run(lambda p: p.compliance.set_lockup(asset, moment, reason=reason), "lock-up set")


@rules_app.command("minimum-lot")
def rules_minimum_lot(
    asset: str, amount: Annotated[str, typer.Argument(help="Shares, e.g. 100 or 0.5")], reason: RuleReason = ""
) -> None:
    """Smallest transfer between holders."""
    _run(lambda p: p.compliance.set_minimum_lot(asset, amount, reason=reason), "minimum lot set")


@rules_app.command("max-holders")
def rules_max_holders(
    asset: str, count: Annotated[str, typer.Argument(help="A number, or 'none'")], reason: RuleReason = ""
) -> None:
    """At most this many investors (not wallets) may hold the asset."""
    limit = None if count == "none" else int(count)
    _run(lambda p: p.compliance.set_max_holders(asset, limit, reason=reason), "max holders set")


@rules_app.command("max-balance")
def rules_max_balance(
    asset: str, amount: Annotated[str, typer.Argument(help="Shares, or 'none'")], reason: RuleReason = ""
) -> None:
    """No investor may hold more than this over all their wallets."""
    limit = None if amount == "none" else amount
    _run(lambda p: p.compliance.set_max_balance(asset, limit, reason=reason), "max balance set")


@control_app.command("freeze")
def control_freeze(asset: str, wallet: str, reason: Reason = "", unfreeze: bool = False) -> None:
    """Freeze (or --unfreeze) a whole wallet."""
    _run(lambda p: p.controls.freeze_wallet(asset, wallet, reason=reason, frozen=not unfreeze), "done")


@control_app.command("freeze-tokens")
def control_freeze_tokens(asset: str, wallet: str, amount: str, reason: Reason = "", unfreeze: bool = False) -> None:
    """Freeze (or --unfreeze) part of a wallet's shares."""
    controls = "unfreeze_tokens" if unfreeze else "freeze_tokens"
    _run(lambda p: getattr(p.controls, controls)(asset, wallet, amount, reason=reason), "done")


@control_app.command("forced-transfer")
def control_forced_transfer(asset: str, sender: str, to: str, amount: str, reason: Reason = "") -> None:
    """Move shares without the holder's consent (a court order); --reason is required."""
    _run(lambda p: p.controls.forced_transfer(asset, sender, to, amount, reason=reason), "forced transfer done")


@control_app.command("recover")
def control_recover(lost: str, new: str, investor_id: str, reason: Reason = "") -> None:
    """Move a lost wallet's shares in every asset to a new wallet of the same investor."""
    _run(lambda p: p.controls.recover_wallet_everywhere(lost, new, investor_id, reason=reason), "recovered")


@control_app.command("pause")
def control_pause(asset: str, reason: Reason = "", resume: bool = False) -> None:
    """Pause (or --resume) transfers between holders."""
    _run(lambda p: (p.controls.unpause if resume else p.controls.pause)(asset, reason=reason), "done")


@control_app.command("redeem")
def control_redeem(asset: str, wallet: str, amount: str, reason: Reason = "") -> None:
    """Burn shares from a wallet (a redemption)."""
    _run(lambda p: p.controls.redeem(asset, wallet, amount, reason=reason), "redeemed")


@control_app.command("document")
def control_document(asset: str, name: str, uri: str, document_hash: str, reason: Reason = "") -> None:
    """Publish or replace an ERC-1643 document (name, URI, SHA-256 of the content)."""
    _run(lambda p: p.controls.set_document(asset, name, uri, document_hash, reason=reason), "document set")


@control_app.command("remove-document")
def control_remove_document(asset: str, name: str, reason: Reason = "") -> None:
    """Withdraw an ERC-1643 document."""
    _run(lambda p: p.controls.remove_document(asset, name, reason=reason), "document removed")


def _on_off(state: str) -> bool:
    if state not in ("on", "off"):
        raise typer.BadParameter("say on or off")
    return state == "on"
