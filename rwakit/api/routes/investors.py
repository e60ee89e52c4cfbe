from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from rwakit.api.deps import (
    AsOfRead,
    FreshRead,
    Offset,
    PlatformDep,
    PrincipalDep,
    RegistrarDep,
    SessionDep,
    SettingsDep,
    StaffDep,
)
from rwakit.api.errors import error_responses
from rwakit.api.schemas.common import Address, InvestorId
from rwakit.api.schemas.holdings import HistoryPublic, HoldingsPublic
from rwakit.api.schemas.investors import (
    InvestorBatchCreate,
    InvestorBatchResult,
    InvestorCreate,
    InvestorPublic,
    InvestorSummary,
    InvestorUpdate,
    KycExpiringPublic,
    WalletAdd,
)
from rwakit.api.services import holdings as holdings_service
from rwakit.api.services import investors as service
from rwakit.indexer.queries import MAX_PAGE
from rwakit.indexer.record_queries import MAX_WITHIN_DAYS

router = APIRouter(prefix="/investors", tags=["investors"], responses=error_responses(401, 403, 404, 409, 502, 504))


@router.post("", status_code=status.HTTP_201_CREATED)
def register_investor(
    body: InvestorCreate, session: SessionDep, platform: PlatformDep, _: RegistrarDep
) -> InvestorPublic:
    """Register an investor whose KYC was done off chain: on chain (wallets, country, class, KYC
    expiry) and in the database (KYC reference and provider)."""
    return service.register(session=session, platform=platform, data=body)


@router.post("/batch", status_code=status.HTTP_201_CREATED)
def register_investors(
    body: InvestorBatchCreate, session: SessionDep, platform: PlatformDep, settings: SettingsDep, _: RegistrarDep
) -> InvestorBatchResult:
    """Register many investors in one transaction: all or none (at most `registration_batch_max`)."""
    return service.register_batch(session=session, platform=platform, settings=settings, data=body)


@router.get("")
def list_investors(
    session: SessionDep,
    _: StaffDep,
    offset: Offset = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[InvestorSummary]:
    """Investors registered through the API (their profiles), by id; GET one for its on-chain state."""
    return service.list_investors(session=session, offset=offset, limit=limit)


@router.get("/kyc/expiring")  # two segments: no investor id (one segment) can shadow it
def kyc_expiring(
    _: StaffDep,
    read: FreshRead,
    within_days: Annotated[int, Query(ge=0, le=MAX_WITHIN_DAYS, description="Days from now")] = 30,
    offset: Offset = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 100,
) -> KycExpiringPublic:
    """Investors (not revoked) whose KYC expires within `within_days` (at most ten years), soonest first, a
    page at a time; those already lapsed come first, marked `expired`. "Now" is the later of the clock and
    the indexed head block's time."""
    return service.kyc_expiring(read=read, within_days=within_days, offset=offset, limit=limit)


@router.get("/{investor_id}")
def get_investor(
    investor_id: InvestorId, session: SessionDep, principal: PrincipalDep, read: AsOfRead
) -> InvestorPublic:
    """An investor's registry record (from the index: now, as of a block `block` or the end of a UTC day
    `at`) and profile (an investor key: only its own). `verified` is as of that block's time."""
    principal.ensure_investor(investor_id)
    return service.get_investor(session=session, read=read, investor_id=investor_id)


@router.patch("/{investor_id}")
def update_investor(
    investor_id: InvestorId, body: InvestorUpdate, session: SessionDep, platform: PlatformDep, _: RegistrarDep
) -> InvestorPublic:
    """Change country, class or KYC expiry (one transaction) and the profile's fields."""
    return service.update(session=session, platform=platform, investor_id=investor_id, data=body)


@router.post("/{investor_id}/revoke")
def revoke_investor(
    investor_id: InvestorId, session: SessionDep, platform: PlatformDep, _: RegistrarDep
) -> InvestorPublic:
    """Revoke an investor: every asset refuses their wallets, as sender and as receiver."""
    return service.set_revoked(session=session, platform=platform, investor_id=investor_id, revoked=True)


@router.post("/{investor_id}/reinstate")
def reinstate_investor(
    investor_id: InvestorId, session: SessionDep, platform: PlatformDep, _: RegistrarDep
) -> InvestorPublic:
    return service.set_revoked(session=session, platform=platform, investor_id=investor_id, revoked=False)


@router.post("/{investor_id}/wallets", status_code=status.HTTP_201_CREATED)
def add_wallet(
    investor_id: InvestorId, body: WalletAdd, session: SessionDep, platform: PlatformDep, _: RegistrarDep
) -> InvestorPublic:
    """Add a wallet to the investor (at most 16): e.g. the new wallet before a recovery."""
    return service.add_wallet(session=session, platform=platform, investor_id=investor_id, wallet=body.address)


@router.delete("/{investor_id}/wallets/{wallet}")
def remove_wallet(
    investor_id: InvestorId, wallet: Address, session: SessionDep, platform: PlatformDep, _: RegistrarDep
) -> InvestorPublic:
    """Take a wallet off the investor: every asset then refuses it, as sender and as receiver."""
    return service.remove_wallet(session=session, platform=platform, investor_id=investor_id, wallet=wallet)


@router.get("/{investor_id}/holdings")
def get_holdings(investor_id: InvestorId, principal: PrincipalDep, read: AsOfRead) -> HoldingsPublic:
    """What the investor holds in every asset, summed over their wallets, as of one indexed block: now,
    a block (`block`) or the end of a UTC day (`at`)."""
    principal.ensure_investor(investor_id)
    return holdings_service.holdings(read=read, investor_id=investor_id)


@router.get("/{investor_id}/transfers")
def get_history(
    investor_id: InvestorId,
    principal: PrincipalDep,
    read: AsOfRead,
    offset: Offset = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = MAX_PAGE,
) -> HistoryPublic:
    """Every issuance, transfer and redemption touching the investor's wallets, oldest first, a page at a
    time; up to a block (`block`) or the end of a UTC day (`at`) if given."""
    principal.ensure_investor(investor_id)
    return holdings_service.history(read=read, investor_id=investor_id, offset=offset, limit=limit)
