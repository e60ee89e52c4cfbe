"""The audit trail: every control action and rule change, newest first (staff keys only)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from rwakit.api.deps import Offset, PlatformDep, SessionDep, StaffDep
from rwakit.api.errors import error_responses
from rwakit.api.schemas.common import AssetRef
from rwakit.api.schemas.controls import AuditEntryPublic
from rwakit.api.services import audit as service
from rwakit.tokenize.audit import TrailFilter

router = APIRouter(tags=["audit"], responses=error_responses(401, 403, 404, 502))

Action = Annotated[str | None, Query(description="Only this action, e.g. forced_transfer")]
Actor = Annotated[str | None, Query(description="Actors starting with this, e.g. api-key:1a2b3c4d")]
TxHash = Annotated[str | None, Query(description="The entry of this transaction")]
Limit = Annotated[int, Query(ge=1, le=1000)]


@router.get("/audit")
def audit_trail(
    session: SessionDep,
    platform: PlatformDep,
    _: StaffDep,
    asset: Annotated[AssetRef | None, Query()] = None,
    action: Action = None,
    actor: Actor = None,
    tx_hash: TxHash = None,
    offset: Offset = 0,
    limit: Limit = 100,
) -> list[AuditEntryPublic]:
    """Who did what, why, when and in which transaction; amounts as exact decimal strings."""
    where = TrailFilter(asset=asset, action=action, actor=actor, tx_hash=tx_hash, offset=offset, limit=limit)
    return service.entries(session=session, platform=platform, where=where)


@router.get("/assets/{asset}/audit")
def asset_audit_trail(
    asset: AssetRef,
    session: SessionDep,
    platform: PlatformDep,
    _: StaffDep,
    action: Action = None,
    actor: Actor = None,
    offset: Offset = 0,
    limit: Limit = 100,
) -> list[AuditEntryPublic]:
    """The audit trail of one asset."""
    where = TrailFilter(asset=asset, action=action, actor=actor, offset=offset, limit=limit)
    return service.entries(session=session, platform=platform, where=where)
