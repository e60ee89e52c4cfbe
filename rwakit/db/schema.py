"""The database's schema, managed by Alembic: `migrate` brings any rwakit database to a revision
(head by default), `current_revision` says where one is.

The migration environment lives in the package (rwakit/db/migrations/), so an installed rwakit
migrates with no alembic.ini: the config is built here and the caller's engine lends the connection.
One upgrade runs at a time per database: on PostgreSQL an advisory lock held by the upgrade's
transaction (two API processes starting together: the second waits, then finds the work done); on
SQLite the transaction takes the file's write lock first (BEGIN IMMEDIATE).

A database made before migrations existed (tables made by SQLModel's create_all, no alembic_version
table) is adopted: it is stamped at the revision whose tables and columns it has exactly, then
upgraded from there.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any, Literal

from alembic import command
from alembic.autogenerate.api import AutogenContext
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import MetaData, create_engine, inspect, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.types import TypeDecorator
from sqlmodel import SQLModel

from rwakit.db import audit, controls, issuances, journal, keys, proposals, records, settlement, web  # noqa: F401 - registers the tables
from rwakit.db import send_gate as _send_gate  # noqa: F401 - registers the senders' table
from rwakit.db.engine import DB_ERRORS, DatabaseUnavailable, first_line, safe_url
from rwakit.errors import RwakitError
from rwakit.indexer import tables as _indexer_tables  # noqa: F401 - registers the read model's tables

MIGRATIONS = Path(__file__).with_name("migrations")
VERSION_TABLE = "alembic_version"
# Any fixed 64-bit number: the key of the PostgreSQL advisory lock that upgrades hold (it reads "rwakit").
MIGRATION_LOCK_KEY = 0x72776B6974
SQLITE_LOCKED_ATTEMPTS = 5


class SchemaMismatch(RwakitError):
    """The database's tables are not any revision rwakit knows: made by another version or by hand."""

    code = "schema_mismatch"


class UnknownRevision(RwakitError, ValueError):
    code = "unknown_revision"


def metadata() -> MetaData:
    """Every rwakit table: the API's and the indexer's read model (both imported above)."""
    return SQLModel.metadata


def alembic_config(connection: Connection | None = None) -> Config:
    """Alembic's config, built in code: the packaged scripts, and the connection env.py migrates."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def scripts() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config())


def head() -> str:
    """The newest revision this rwakit has."""
    revision = scripts().get_current_head()
    assert revision is not None, "rwakit ships at least one revision"
    return revision


def render_item(kind: str, item: Any, autogen_context: AutogenContext) -> str | Literal[False]:
    """Render a custom column type (SQLModel's AutoString, the read model's Uint256) as the plain
    SQLAlchemy type it stores as, so revisions import nothing from the models they outlive."""
    if kind == "type" and isinstance(item, TypeDecorator):
        return f"sa.{item.impl_instance!r}"
    return False


def current_revision(engine: Engine) -> str | None:
    """The database's revision, None for a database alembic has never touched."""
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    except DB_ERRORS as exc:
        raise DatabaseUnavailable(f"The database {safe_url(engine)} does not answer: {first_line(exc)}") from exc


def migrate(engine: Engine, revision: str = "head") -> None:
    """Bring the database to `revision` (adopting a create_all database first), under the lock."""
    if not revision.strip():  # alembic asserts on an empty id
        raise UnknownRevision("No revision given: pass head or a revision id of rwakit/db/migrations/versions/")
    try:
        for attempt in range(SQLITE_LOCKED_ATTEMPTS):
            try:
                with engine.begin() as connection:
                    _lock(connection)
                    _check_known(connection)
                    _adopt_legacy(connection)
                    command.upgrade(alembic_config(connection), revision)
                break
            except OperationalError as exc:
                # A new SQLite file being switched to WAL by another process answers "locked" at once,
                # without waiting out the busy timeout (tests/db/test_migrations.py, about one run in four).
                if "database is locked" not in str(exc) or attempt == SQLITE_LOCKED_ATTEMPTS - 1:
                    raise
                time.sleep(0.2 * (attempt + 1))
    except CommandError as exc:
        raise UnknownRevision(
            f"{exc}: pass head or a later revision of rwakit/db/migrations/versions/ (`rwakit db current` "
            "shows where the database is)"
        ) from exc
    except DB_ERRORS as exc:
        raise DatabaseUnavailable(f"Cannot migrate the database {safe_url(engine)}: {first_line(exc)}") from exc


def _lock(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
    elif connection.dialect.name == "sqlite":
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def _check_known(connection: Connection) -> None:
    found = MigrationContext.configure(connection).get_current_revision()
    if found is not None and found not in {script.revision for script in scripts().walk_revisions()}:
        raise SchemaMismatch(
            f"The database is at revision {found}, which this rwakit does not have (made by a newer "
            f"rwakit?): upgrade rwakit; its newest revision is {head()}"
        )


def _adopt_legacy(connection: Connection) -> None:
    """Stamp a database made by create_all at the revision it matches; a database with none of
    rwakit's tables is left to the upgrade."""
    names = inspect(connection).get_table_names()
    if not names or VERSION_TABLE in names:
        return
    found = _shape(connection)
    if not found:
        return
    for revision, shape in revision_shapes():
        if shape == found:
            command.stamp(alembic_config(connection), revision)
            return
    nearest, differences = min(
        ((revision, _differences(shape, found)) for revision, shape in revision_shapes()),
        key=lambda pair: len(pair[1]),
    )
    raise SchemaMismatch(
        f"The database has rwakit's tables but no {VERSION_TABLE} table, and they match no revision; nearest "
        f"is {nearest}, from which it differs by: {'; '.join(differences)}. Fix the tables by hand (or start "
        "from an empty database), then run `rwakit db upgrade` again"
    )


def _differences(expected: dict[str, frozenset[str]], found: dict[str, frozenset[str]]) -> list[str]:
    missing = [f"no table {name}" for name in sorted(expected.keys() - found.keys())]
    extra = [f"extra table {name}" for name in sorted(found.keys() - expected.keys())]
    columns = [
        f"{'extra' if column in found[name] else 'no'} column {name}.{column}"
        for name in sorted(expected.keys() & found.keys())
        for column in sorted(expected[name] ^ found[name])
    ]
    return missing + extra + columns


def _shape(connection: Connection) -> dict[str, frozenset[str]]:
    """The database's rwakit tables (those any revision or model names), each with its column names."""
    ours = set(metadata().tables) | {name for _, shape in revision_shapes() for name in shape}
    return _shape_of(connection, ours.__contains__)


def _shape_of(connection: Connection, wanted: Callable[[str], bool]) -> dict[str, frozenset[str]]:
    inspector = inspect(connection)
    return {
        name: frozenset(column["name"] for column in inspector.get_columns(name))
        for name in inspector.get_table_names()
        if wanted(name)
    }


@cache
def revision_shapes() -> tuple[tuple[str, dict[str, frozenset[str]]], ...]:
    """Each revision, oldest first, with the tables and columns it leaves: found by upgrading an
    in-memory SQLite step by step (names do not depend on the dialect)."""
    shapes = []
    scratch = create_engine("sqlite://")
    with scratch.connect() as connection:
        for script in reversed(list(scripts().walk_revisions())):
            command.upgrade(alembic_config(connection), script.revision)
            shape = _shape_of(connection, lambda name: name != VERSION_TABLE)
            shapes.append((script.revision, shape))
    scratch.dispose()
    return tuple(shapes)
