"""Exactly one indexer per database.

PostgreSQL: a session advisory lock, held by a connection kept open while indexing; the server
releases it when that connection ends, so a process that dies (even by ``kill -9``) hands over.
SQLite: an exclusive ``flock`` on a file beside the database; the kernel releases it when the
process dies. flock locks belong to the open file, so two indexers in one process exclude each
other too.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import threading
from pathlib import Path
from typing import IO, Protocol

from sqlalchemy import Connection, text
from sqlalchemy.engine import Engine

from rwakit.errors import ConfigError

_MEMORY_LOCKS: dict[str, threading.Lock] = {}


class IndexLock(Protocol):
    def try_acquire(self) -> bool:
        """Take the lock if free; True if this object now holds it."""

    def release(self) -> None: ...


def index_lock(engine: Engine, chain_id: int) -> IndexLock:
    backend = engine.url.get_backend_name()
    if backend == "postgresql":
        return AdvisoryLock(engine, chain_id)
    if backend == "sqlite":
        database = engine.url.database
        if not database or database == ":memory:":
            return MemoryLock(f"{id(engine)}:{chain_id}")
        return FileLock(Path(f"{database}.index-{chain_id}.lock"))
    raise ConfigError(f"The indexer runs on SQLite or PostgreSQL, not {backend}", code="unsupported_database")


class AdvisoryLock:
    def __init__(self, engine: Engine, chain_id: int) -> None:
        self._engine = engine
        digest = hashlib.sha256(f"rwakit-index:{chain_id}".encode()).digest()
        self.key = int.from_bytes(digest[:8], "big", signed=True)  # the lock space is a signed bigint
        self._connection: Connection | None = None

    def try_acquire(self) -> bool:
        if self._connection is not None:
            return True
        connection = self._engine.connect()
        try:
            taken = bool(connection.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": self.key}).scalar())
            connection.commit()  # the lock is the session's: no transaction stays open
        except Exception:
            connection.close()
            raise
        if taken:
            self._connection = connection
        else:
            connection.close()
        return taken

    def release(self) -> None:
        if self._connection is None:
            return
        try:
            self._connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": self.key})
            self._connection.commit()
        finally:
            self._connection.close()  # the server drops the lock with the session anyway
            self._connection = None


class FileLock:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._file: IO[str] | None = None

    def try_acquire(self) -> bool:
        if self._file is not None:
            return True
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = self.path.open("a+")
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return False
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")  # who holds it, for a person looking
        handle.flush()
        self._file = handle
        return True

    def release(self) -> None:
        if self._file is not None:
            fcntl.flock(self._file.fileno(), fcntl.LOCK_UN)
            self._file.close()
            self._file = None


class MemoryLock:
    """An in-memory SQLite database lives in one process: a thread lock is enough."""

    def __init__(self, name: str) -> None:
        self._lock = _MEMORY_LOCKS.setdefault(name, threading.Lock())
        self._held = False

    def try_acquire(self) -> bool:
        if not self._held:
            self._held = self._lock.acquire(blocking=False)
        return self._held

    def release(self) -> None:
        if self._held:
            self._lock.release()
            self._held = False
