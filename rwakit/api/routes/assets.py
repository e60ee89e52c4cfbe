from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status
from starlette.responses import Response

from rwakit.api.deps import AsOfRead, FreshRead, IssuerDep, PlatformDep, PrincipalDep, SessionDep, StaffDep
from rwakit.api.errors import error_responses
from rwakit.api.schemas.assets import AssetCreate, AssetDetail, AssetPublic, CapTablePublic
from rwakit.api.schemas.common import AssetRef
from rwakit.api.services import assets as service
from rwakit.indexer.exports import ExportFormat

router = APIRouter(prefix="/assets", tags=["assets"], responses=error_responses(401, 403, 404, 409, 502, 503, 504))


@router.post("", status_code=status.HTTP_201_CREATED)
def create_asset(body: AssetCreate, session: SessionDep, platform: PlatformDep, _: IssuerDep) -> AssetPublic:
    """Create a property or a fund: its token on chain, its description and document off chain."""
    return service.create_asset(session=session, platform=platform, data=body)


@router.get("")
def list_assets(_: PrincipalDep, session: SessionDep, read: FreshRead) -> list[AssetPublic]:
    """Every asset of the platform, with its supply (from the index: `as_of_block`)."""
    return service.list_assets(session=session, read=read)


@router.get("/{asset}", response_model=AssetDetail)
def get_asset(asset: AssetRef, principal: PrincipalDep, session: SessionDep, read: AsOfRead) -> Response:
    """One asset (symbol or address) with its supply, number of holders and, for staff keys, its cap
    table: now, or as of a block (`block`) or the end of a UTC day (`at`)."""
    return service.get_asset(session=session, read=read, asset=asset, with_cap_table=principal.is_staff)


@router.get("/{asset}/cap-table", response_model=CapTablePublic)
def get_cap_table(asset: AssetRef, _: StaffDep, read: AsOfRead) -> Response:
    """Holders grouped by investor, with their share of the issued supply: now, or as of a block
    (`block`) or the end of a UTC day (`at`); `as_of_block` names the block."""
    return service.cap_table(read=read, asset=asset)


@router.get(
    "/{asset}/register",
    response_class=Response,
    responses={
        200: {
            "description": "The register of holders as a file (Content-Disposition names it)",
            "content": {ExportFormat.CSV.media_type: {}, ExportFormat.XLSX.media_type: {}},
        }
    },
)
def get_register(
    asset: AssetRef,
    _: StaffDep,
    read: AsOfRead,
    format: Annotated[ExportFormat, Query(description="csv or xlsx")] = ExportFormat.CSV,
) -> Response:
    """The register of holders a transfer agent files, as of the end of a UTC day (`at`), a block, or
    now: investor, wallets, amount, share of supply, country, class, KYC expiry, under a header naming
    the block and its time."""
    return service.register(read=read, asset=asset, fmt=format)
