"""`rwakit rules ...` (the compliance officer), `rwakit control ...` (the issuer's agent), and
`rwakit audit`, which lists what they did (and what was done through the API) from the API's database."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

from rwakit.config import get_settings
from rwakit.errors import RwakitError

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine
    from web3.types import TxReceipt

    from rwakit.platform import Platform
    from rwakit.tokenize.audit import TrailEntry

rules_app = typer.Typer(no_args_is_help=True, help="Show and set an asset's compliance rules.")
control_app = typer.Typer(no_args_is_help=True, help="Issuer controls: freeze, forced transfer, recovery, pause.")

Reason = Annotated[str, typer.Option(help="Why (recorded in the audit trail); required for forced moves")]
RuleReason = Annotated[str, typer.Option(help="Why (recorded in the audit trail)")]
REASON_WIDTH = 40  # `rwakit audit` shortens longer reasons in its table (--json has them whole)


def database() -> Engine:
    """The API's database (RWAKIT_DATABASE_URL), its tables created if missing."""
    from rwakit.db import create_tables, make_engine

    engine = make_engine(get_settings().db_url)
    create_tables(engine)
    return engine


def _run(
    action: Callable[[Platform], TxReceipt | list[TxReceipt]], done: str, *, nothing: str = "nothing to do"
) -> None:
    """Open the platform from settings, run `action`, print `done` with the hash of each transaction
    sent (`nothing` if none was), or the error with its code. The audit trail goes to the API's
    database, so `rwakit audit` and `GET /audit` list what was done here too."""
    from rwakit.db.audit import SqlAuditLog
    from rwakit.platform import Platform

    try:
        sent = action(Platform.from_settings(get_settings(), audit=SqlAuditLog(database())))
    except RwakitError as exc:
        _fail(exc)
    receipts = sent if isinstance(sent, list) else [sent]
    hashes = ", ".join(receipt["transactionHash"].to_0x_hex() for receipt in receipts)
    typer.echo(f"{done} in {hashes}" if receipts else nothing)


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
    try:
        moment = None if until == "none" else datetime.fromisoformat(until).replace(tzinfo=UTC)
    except ValueError:
        raise typer.BadParameter(f"{until!r} is not a date such as 2027-06-30, nor 'none'") from None
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
    if count != "none" and not count.isdigit():
        raise typer.BadParameter(f"{count!r} is not a whole number, nor 'none'")
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
    """Move a lost wallet's shares in every asset to a new wallet of the same investor (the registrar adds the
    new wallet and removes the lost one first: `rwakit investor add-wallet`, `rwakit investor remove-wallet`)."""
    _run(
        lambda p: p.controls.recover_wallet_everywhere(lost, new, investor_id, reason=reason),
        "recovered",
        nothing=f"nothing to recover: {lost} holds no shares",
    )


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


def audit_trail(
    asset: Annotated[str | None, typer.Option(help="Only this asset (symbol or address)")] = None,
    action: Annotated[str | None, typer.Option(help="Only this action, e.g. forced_transfer")] = None,
    actor: Annotated[str | None, typer.Option(help="Actors starting with this, e.g. api-key:1a2b3c4d")] = None,
    tx_hash: Annotated[str | None, typer.Option(help="The entry of this transaction (the full hash)")] = None,
    limit: Annotated[int, typer.Option(min=1, help="At most this many entries")] = 50,
    offset: Annotated[int, typer.Option(min=0, help="Skip this many of the newest first")] = 0,
    as_json: Annotated[bool, typer.Option("--json", help="Full entries (details too) as JSON, as GET /audit")] = False,
) -> None:
    """The audit trail, newest first: every rule change and control, from the CLI, Python or the API
    (read from the API's database, RWAKIT_DATABASE_URL)."""
    from pydantic import TypeAdapter
    from sqlmodel import Session

    from rwakit.db.audit import read_trail
    from rwakit.platform import Platform
    from rwakit.tokenize.audit import TrailEntry, TrailFilter

    where = TrailFilter(asset=asset, action=action, actor=actor, tx_hash=tx_hash, offset=offset, limit=limit)
    try:
        platform = Platform.from_settings(get_settings())
        with Session(database()) as session:
            trail = read_trail(session, platform.assets, platform.chain.w3, where)
    except RwakitError as exc:
        _fail(exc)
    if as_json:
        typer.echo(TypeAdapter(list[TrailEntry]).dump_json(trail, indent=2).decode())
    elif not trail:
        filtered = any(v is not None for v in (asset, action, actor, tx_hash)) or offset > 0
        typer.echo("no audit entries match" if filtered else "the audit trail is empty: no rule change or control yet")
    else:
        typer.echo(format_trail(trail))
        if len(trail) == limit:
            typer.echo(f"(the {limit} newest shown; older: --offset {offset + limit})", err=True)


def format_trail(trail: list[TrailEntry]) -> str:
    """An aligned table: time (UTC), actor, action, asset, reason, transaction hash (shortened)."""
    rows = [("time (UTC)", "actor", "action", "asset", "reason", "tx")]
    for entry in trail:
        when = entry.at.astimezone(UTC)
        asset = entry.asset or _short(entry.asset_address, 6)
        rows.append((f"{when:%Y-%m-%d %H:%M:%S}", entry.actor, entry.action, asset, _cell(entry.reason),
                     _short(entry.tx_hash, 8)))  # fmt: skip
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in rows)


def _cell(reason: str) -> str:
    text = " ".join(reason.split()) or "-"
    return text if len(text) <= REASON_WIDTH else text[: REASON_WIDTH - 3] + "..."


def _short(hex_string: str, keep: int) -> str:
    """0x and the first `keep` digits, then the last four: 0xd7d0ab12...9f3e."""
    return hex_string if len(hex_string) <= keep + 9 else f"{hex_string[: keep + 2]}...{hex_string[-4:]}"


def _on_off(state: str) -> bool:
    if state not in ("on", "off"):
        raise typer.BadParameter("say on or off")
    return state == "on"
