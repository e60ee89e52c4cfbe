"""The API's database: one engine per URL (its tables are migrated by rwakit.db.schema).

SQLite (a file under the data dir) is the embedded default; PostgreSQL by URL for production and
several API workers. Nothing here runs at import time: callers make the engine they need.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.engine.url import URL, make_url
from sqlalchemy.exc import ArgumentError, InterfaceError, OperationalError
from sqlmodel import create_engine, text

from rwakit.errors import ConfigError, RwakitError

DB_ERRORS = (OperationalError, InterfaceError)


class DatabaseUnavailable(RwakitError, ConnectionError):
    """The database does not answer (server down, wrong URL, file not writable)."""

    code = "database_unavailable"


def make_engine(url: str) -> Engine:
    """An engine for `url`; for a SQLite file, its folder is created and WAL mode turned on."""
    try:
        return _engine(make_url(url))
    except ArgumentError as exc:  # unparsable, or a dialect or driver that is not installed
        raise ConfigError(
            f"The database URL is not one rwakit can use ({first_line(exc)}): set RWAKIT_DATABASE_URL to "
            "sqlite:///<file> or postgresql://<user>@<host>/<database>"
        ) from exc


def _engine(parsed: URL) -> Engine:
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            try:
                Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise DatabaseUnavailable(
                    f"Cannot make the folder of the SQLite file {parsed.database}: {exc}"
                ) from exc
        engine = create_engine(parsed, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    connect_args: dict[str, Any] = {}
    if parsed.get_backend_name() == "postgresql":
        connect_args["connect_timeout"] = 5
        if parsed.drivername == "postgresql" and importlib.util.find_spec("psycopg") is None:
            parsed = parsed.set(drivername="postgresql+psycopg2")  # SQLAlchemy 2.1 defaults to psycopg 3
    return create_engine(parsed, pool_pre_ping=True, pool_size=10, max_overflow=20, connect_args=connect_args)


def _sqlite_pragmas(connection: Any, _record: Any) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")  # readers do not block the writer
    cursor.execute("PRAGMA synchronous=NORMAL")  # durable at each checkpoint; WAL keeps commits atomic
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def ping(engine: Engine) -> None:
    """Raise DatabaseUnavailable unless the database answers a trivial query."""
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except DB_ERRORS as exc:
        raise DatabaseUnavailable(f"The database {safe_url(engine)} does not answer: {first_line(exc)}") from exc


def safe_url(engine: Engine) -> str:
    """The engine's URL without its password."""
    return engine.url.render_as_string(hide_password=True)


def first_line(exc: BaseException) -> str:
    return str(getattr(exc, "orig", exc)).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
