from __future__ import annotations

from fastapi import APIRouter, status

from rwakit.api.deps import IssuerDep, PlatformDep, PrincipalDep, SessionDep, StaffDep
from rwakit.api.errors import error_responses
from rwakit.api.schemas.assets import AssetCreate, AssetDetail, AssetPublic, CapTablePublic
from rwakit.api.schemas.common import AssetRef
from rwakit.api.services import assets as service

router = APIRouter(prefix="/assets", tags=["assets"], responses=error_responses(401, 403, 404, 409, 502, 504))


@router.post("", status_code=status.HTTP_201_CREATED)
def create_asset(body: AssetCreate, session: SessionDep, platform: PlatformDep, _: IssuerDep) -> AssetPublic:
    """Create a property or a fund: its token on chain, its description and document off chain."""
    return service.create_asset(session=session, platform=platform, data=body)


@router.get("")
def list_assets(session: SessionDep, platform: PlatformDep, _: PrincipalDep) -> list[AssetPublic]:
    """Every asset of the platform, with its supply."""
    return service.list_assets(session=session, platform=platform)


@router.get("/{asset}")
def get_asset(asset: AssetRef, session: SessionDep, platform: PlatformDep, principal: PrincipalDep) -> AssetDetail:
    """One asset (symbol or address) with its supply, number of holders and, for staff keys, its cap table."""
    return service.get_asset(session=session, platform=platform, asset=asset, with_cap_table=principal.is_staff)


@router.get("/{asset}/cap-table")
def get_cap_table(asset: AssetRef, platform: PlatformDep, _: StaffDep) -> CapTablePublic:
    """Holders grouped by investor, with their share of the issued supply, at the block named."""
    return service.cap_table(platform=platform, asset=asset)
