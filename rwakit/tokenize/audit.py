"""The audit trail of issuer and compliance actions: who did what, why, when, in which transaction.

Written through an `AuditLog` (in memory here; in SQL by rwakit.db.audit.SqlAuditLog); read back,
filtered and newest first, as `TrailEntry`s (rwakit.db.audit.read_trail: the API's ``GET /audit``
and `rwakit audit` alike).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

_actor: ContextVar[str | None] = ContextVar("rwakit_audit_actor", default=None)


@contextmanager
def acting_as(actor: str) -> Iterator[None]:
    """Record control actions and rule changes made inside the block as `actor` (e.g. the API key
    that asked), rather than the signing key's address."""
    token = _actor.set(actor)
    try:
        yield
    finally:
        _actor.reset(token)


def current_actor(default: str) -> str:
    return _actor.get() or default


@dataclass(frozen=True)
class AuditEntry:
    actor: str
    action: str
    asset: str
    reason: str
    tx_hash: str
    details: dict[str, Any] = field(default_factory=dict)
    at: datetime = field(default_factory=lambda: datetime.now(UTC))


class AuditLog(Protocol):
    """Where control actions and rule changes are recorded; the API and the CLI keep them in SQL."""

    def record(self, entry: AuditEntry) -> None: ...

    def entries(self, *, asset: str | None = None) -> list[AuditEntry]: ...


class MemoryAuditLog:
    """Keeps entries in this process (scripts, tests)."""

    def __init__(self) -> None:
        self._entries: list[AuditEntry] = []

    def record(self, entry: AuditEntry) -> None:
        self._entries.append(entry)

    def entries(self, *, asset: str | None = None) -> list[AuditEntry]:
        return [e for e in self._entries if asset is None or e.asset == asset]


@dataclass(frozen=True)
class TrailEntry:
    """An entry as the trail is read back: its id, the asset's symbol beside its address (None for
    an address that is no contract on this chain any more), and the amounts in its details as exact
    decimal strings of the asset."""

    id: int
    at: datetime
    actor: str
    action: str
    asset: str | None
    asset_address: str
    reason: str
    tx_hash: str
    details: dict[str, Any]


@dataclass(frozen=True)
class TrailFilter:
    """Which entries to read back (every condition given must hold), newest first: `asset` is a
    symbol or an address (an unknown one raises NotFound ``asset_not_found``); `actor` matches from
    the start (``api-key:1a2b3c4d`` finds that key's)."""

    asset: str | None = None
    action: str | None = None
    actor: str | None = None
    tx_hash: str | None = None
    offset: int = 0
    limit: int = 100
