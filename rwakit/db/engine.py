"""The API's database: one engine per URL, tables created on startup.

SQLite (a file under the data dir) is the embedded default; PostgreSQL by URL for production and
several API workers. Nothing here runs at import time: callers make the engine they need.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.engine.url import make_url
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlmodel import SQLModel, create_engine, text

from rwakit.db import audit, controls, issuances, journal, keys, records  # noqa: F401 - registers the tables
from rwakit.errors import RwakitError
from rwakit.indexer import tables as _index_tables  # noqa: F401 - registers the read model's tables

DB_ERRORS = (OperationalError, InterfaceError)


class DatabaseUnavailable(RwakitError, ConnectionError):
    """The database does not answer (server down, wrong URL, file not writable)."""

    code = "database_unavailable"


def make_engine(url: str) -> Engine:
    """An engine for `url`; for a SQLite file, its folder is created and WAL mode turned on."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
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


def create_tables(engine: Engine) -> None:
    """Create every rwakit table that does not exist yet (no migrations needed for a new database)."""
    try:
        SQLModel.metadata.create_all(engine)
    except DB_ERRORS as exc:
        raise DatabaseUnavailable(f"Cannot create the tables in {safe_url(engine)}: {_first_line(exc)}") from exc


def ping(engine: Engine) -> None:
    """Raise DatabaseUnavailable unless the database answers a trivial query."""
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except DB_ERRORS as exc:
        raise DatabaseUnavailable(f"The database {safe_url(engine)} does not answer: {_first_line(exc)}") from exc


def safe_url(engine: Engine) -> str:
    """The engine's URL without its password."""
    return engine.url.render_as_string(hide_password=True)


def _first_line(exc: BaseException) -> str:
    return str(getattr(exc, "orig", exc)).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
