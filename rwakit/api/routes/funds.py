from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from rwakit.api.deps import AsOfRead, Offset, PrincipalDep
from rwakit.api.errors import error_responses
from rwakit.api.schemas.common import AssetRef, InvestorId
from rwakit.api.schemas.funds import DealingDays, FundDetail, FundRequests, FundsPublic, NavHistory
from rwakit.api.services import funds as service
from rwakit.indexer.queries import MAX_PAGE

router = APIRouter(prefix="/funds", tags=["funds"], responses=error_responses(401, 403, 404, 409, 503))
Limit = Annotated[int, Query(ge=1, le=MAX_PAGE)]


@router.get("")
def list_funds(_: PrincipalDep, read: AsOfRead) -> FundsPublic:
    """Every fund with a dealing vault, with its latest NAV: now, or as of a block (`block`) or the end of
    a UTC day (`at`)."""
    return service.list_funds(read=read)


@router.get("/{asset}")
def get_fund(asset: AssetRef, _: PrincipalDep, read: AsOfRead) -> FundDetail:
    """A fund (its asset's symbol or address): its vault, dealing terms, latest NAV and whether the vault
    could deal at it."""
    return service.get_fund(read=read, asset=asset)


@router.get("/{asset}/nav")
def get_nav_history(asset: AssetRef, _: PrincipalDep, read: AsOfRead, offset: Offset = 0,
                    limit: Limit = MAX_PAGE) -> NavHistory:  # fmt: skip
    """Every NAV published, oldest first, a page at a time, each with its status (accepted, held,
    confirmed) now or as of `block` / `at`."""
    return service.nav_history(read=read, asset=asset, offset=offset, limit=limit)


@router.get("/{asset}/days")
def get_dealing_days(asset: AssetRef, _: PrincipalDep, read: AsOfRead, offset: Offset = 0,
                     limit: Limit = MAX_PAGE) -> DealingDays:  # fmt: skip
    """Dealing days with requests or a settlement, oldest first: their totals and, once settled, the NAV."""
    return service.dealing_days(read=read, asset=asset, offset=offset, limit=limit)


@router.get("/{asset}/requests")
def get_requests(
    asset: AssetRef,
    principal: PrincipalDep,
    read: AsOfRead,
    investor_id: Annotated[InvestorId | None, Query(description="Only this investor's wallets")] = None,
    offset: Offset = 0,
    limit: Limit = MAX_PAGE,
) -> FundRequests:
    """Subscriptions and redemptions pending, claimable or cancelled to take back, by controller, a page at
    a time. An investor key sees only its own investor's (the default for it); staff see one investor's,
    or every controller's."""
    if not principal.is_staff:
        investor_id = investor_id or principal.investor_id
        principal.ensure_investor(investor_id or "")
    return service.requests(read=read, asset=asset, investor_id=investor_id, offset=offset, limit=limit)
