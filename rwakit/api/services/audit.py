"""The audit trail over HTTP: every control and rule change with actor, action, reason, time and
transaction hash, newest first. Amounts in the details are stored in base units and returned as
exact decimal strings of the asset. The query and its presentation are rwakit.tokenize.audit's,
shared with `rwakit audit`."""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import Session

from rwakit.api.schemas.controls import AuditEntryPublic
from rwakit.db.audit import AuditRecord
from rwakit.platform import Platform
from rwakit.tokenize.audit import TrailEntry, describe, read_trail


def entries(
    *,
    session: Session,
    platform: Platform,
    asset: str | None = None,
    action: str | None = None,
    actor: str | None = None,
    tx_hash: str | None = None,
    offset: int = 0,
    limit: int = 100,
) -> list[AuditEntryPublic]:
    """Entries newest first; `actor` matches from the start (``api-key:1a2b3c4d`` finds that key's)."""
    trail = read_trail(session, platform.assets, platform.chain.w3, asset=asset, action=action, actor=actor,
                       tx_hash=tx_hash, offset=offset, limit=limit)  # fmt: skip
    return _public(trail)


def public(platform: Platform, rows: Sequence[AuditRecord]) -> list[AuditEntryPublic]:
    return _public(describe(platform.chain.w3, rows))


def _public(trail: list[TrailEntry]) -> list[AuditEntryPublic]:
    return [AuditEntryPublic.model_validate(entry, from_attributes=True) for entry in trail]
