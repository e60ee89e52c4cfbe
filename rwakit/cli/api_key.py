"""`rwakit api-key ...`: the HTTP API's keys, in its database (RWAKIT_DATABASE_URL)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from rwakit.cli.common import database, reported

if TYPE_CHECKING:
    from sqlmodel import Session

app = typer.Typer(no_args_is_help=True, help="Create, list and revoke the HTTP API's keys.")


def _session() -> Session:
    from sqlmodel import Session

    return Session(database())


@app.command("create")
def create(
    role: Annotated[str, typer.Option(help="admin, issuer, registrar or investor")],
    investor: Annotated[str | None, typer.Option(help="The investor id an investor key is bound to")] = None,
    name: Annotated[str, typer.Option(help="A label for the key")] = "",
) -> None:
    """Create an API key in the API's database (RWAKIT_DATABASE_URL) and print it: it is shown only once."""
    from rwakit.db.keys import create_api_key

    with reported(), _session() as session:
        row, key = create_api_key(session, role=role, investor_id=investor, name=name)
    typer.echo(f"{row.role} key {row.prefix}" + (f" for {row.investor_id}" if row.investor_id else "") + f":\n{key}")


@app.command("list")
def list_keys() -> None:
    """List API keys (prefix, role, investor, status); the keys themselves are not stored."""
    from rwakit.db.keys import list_api_keys

    with reported(), _session() as session:
        rows = list_api_keys(session)
    for row in rows:
        state = "revoked" if row.revoked_at else "active"
        typer.echo(f"{row.prefix}  {row.role:<10} {row.investor_id or '-':<12} {state:<8} {row.name}")


@app.command("revoke")
def revoke(prefix: str) -> None:
    """Revoke a key by its prefix (the 8 hex digits after rwk_)."""
    from rwakit.db.keys import revoke_api_key

    with reported(), _session() as session:
        revoke_api_key(session, prefix=prefix)
    typer.echo(f"revoked {prefix}")
