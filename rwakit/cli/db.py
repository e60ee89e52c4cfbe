"""`rwakit db ...`: the schema of the API's database (RWAKIT_DATABASE_URL), migrated by Alembic."""

from __future__ import annotations

from typing import Annotated

import typer

from rwakit.cli.common import reported
from rwakit.config import get_settings

app = typer.Typer(no_args_is_help=True, help="Migrate the API's database and show its revision.")


@app.command("upgrade")
def upgrade(
    revision: Annotated[str, typer.Option(help="The revision to reach: head (the newest) or a revision id")] = "head",
) -> None:
    """Migrate the database to a revision (the API does this to head when it starts). A database made
    before migrations existed is recognised and stamped first."""
    from rwakit.db import make_engine, migrate
    from rwakit.db.engine import safe_url
    from rwakit.db.schema import current_revision

    with reported():
        engine = make_engine(get_settings().db_url)
        before = current_revision(engine)
        migrate(engine, revision)
        after = current_revision(engine)
    where = safe_url(engine)
    engine.dispose()
    typer.echo(f"{where}: already at {after}" if before == after else f"{where}: {before or 'empty'} -> {after}")


@app.command("current")
def current() -> None:
    """The database's revision, and whether it is the newest this rwakit has."""
    from rwakit.db import make_engine
    from rwakit.db.schema import current_revision, head

    with reported():
        engine = make_engine(get_settings().db_url)
        found = current_revision(engine)
    engine.dispose()
    newest = head()
    if found == newest:
        typer.echo(f"{found} (head)")
    elif found is None:
        typer.echo(f"none: no migration has run here; `rwakit db upgrade` makes the tables ({newest})")
    else:
        typer.echo(f"{found} (head is {newest}: run `rwakit db upgrade`)")
