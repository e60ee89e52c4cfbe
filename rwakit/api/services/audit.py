"""The audit trail over HTTP: every control and rule change with actor, action, reason, time and
transaction hash, newest first. Amounts in the details are stored in base units and returned as
exact decimal strings of the asset. The query and its presentation are rwakit.tokenize.audit's,
shared with `rwakit audit`."""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import Session

from rwakit.api.schemas.controls import AuditEntryPublic
from rwakit.db.audit import AuditRecord, describe, read_trail
from rwakit.platform import Platform
from rwakit.tokenize.audit import TrailEntry, TrailFilter


def entries(*, session: Session, platform: Platform, where: TrailFilter) -> list[AuditEntryPublic]:
    return _public(read_trail(session, platform.assets, platform.chain.w3, where))


def public(platform: Platform, rows: Sequence[AuditRecord]) -> list[AuditEntryPublic]:
    return _public(describe(platform.chain.w3, rows))


def _public(trail: list[TrailEntry]) -> list[AuditEntryPublic]:
    return [AuditEntryPublic.model_validate(entry, from_attributes=True) for entry in trail]
