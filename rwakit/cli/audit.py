"""`rwakit audit`: what the rule changes and controls did (through the CLI, Python or the API), read from
the API's database."""

from __future__ import annotations

from datetime import UTC
from typing import TYPE_CHECKING, Annotated

import typer

from rwakit.cli.common import database, platform, reported

if TYPE_CHECKING:
    from rwakit.tokenize.audit import TrailEntry

REASON_WIDTH = 40  # `rwakit audit` shortens longer reasons in its table (--json has them whole)


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
    from rwakit.tokenize.audit import TrailEntry, TrailFilter

    where = TrailFilter(asset=asset, action=action, actor=actor, tx_hash=tx_hash, offset=offset, limit=limit)
    with reported():
        opened = platform()
        with Session(database()) as session:
            trail = read_trail(session, opened.assets, opened.chain.w3, where)
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
