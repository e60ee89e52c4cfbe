"""The audit trail of issuer and compliance actions: who did what, why, when, in which transaction."""

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
    """Record control actions taken inside the block as `actor` (e.g. the API key that asked),
    rather than the signing key's address."""
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
    """Where control actions are recorded; the API keeps them in SQL."""

    def record(self, entry: AuditEntry) -> None: ...

    def entries(self, *, asset: str | None = None) -> list[AuditEntry]: ...


class MemoryAuditLog:
    """Keeps entries in this process (scripts, the CLI)."""

    def __init__(self) -> None:
        self._entries: list[AuditEntry] = []

    def record(self, entry: AuditEntry) -> None:
        self._entries.append(entry)

    def entries(self, *, asset: str | None = None) -> list[AuditEntry]:
        return [e for e in self._entries if asset is None or e.asset == asset]
