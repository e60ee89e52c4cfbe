"""A fund's dealing at NAV: its vault, terms, NAVs and dealing days (staff), and its investors' subscriptions,
redemptions, cancellations and claims (docs/http-api.md#funds-dealing-at-nav). Every POST sends a transaction
and needs an `Idempotency-Key` header: see rwakit.api.services.fund_dealing."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, status
from fastapi.responses import JSONResponse

from rwakit.api.deps import (
    AdminDep,
    CustodyDep,
    HolderDep,
    IdempotencyKey,
    IssuerDep,
    RuntimeDep,
    SessionDep,
    idempotent_responses,
    stored_reply,
)
from rwakit.api.errors import error_responses
from rwakit.api.schemas.fund_dealing import (
    ClaimDealt,
    DayPublic,
    DealingPublic,
    DealingStep,
    FundSide,
    NavCreate,
    NavPublic,
    Redeem,
    Subscribe,
    TermsUpdate,
    VaultCreate,
    VaultPublic,
)
from rwakit.api.services.fund_dealing import FundDesk

router = APIRouter(prefix="/funds", tags=["funds"], responses=error_responses(401, 403, 404, 409, 502, 504))
FundRef = Annotated[str, Path(max_length=42, description="The fund's symbol (any case) or asset address",
                              examples=["HMMF"])]  # fmt: skip
NavId = Annotated[int, Path(ge=1, le=2**63)]
Day = Annotated[str, Path(max_length=10, pattern="^([0-9]{4}-[0-9]{2}-[0-9]{2}|[0-9]{1,6})$",
                          description="A dealing day: its UTC date, or its number of days since 1970-01-01",
                          examples=["2026-12-07"])]  # fmt: skip
SideRef = Annotated[FundSide, Path(description="The side of dealing")]


def get_admin_desk(session: SessionDep, runtime: RuntimeDep, principal: AdminDep) -> FundDesk:
    return FundDesk(session=session, runtime=runtime, principal=principal)


def get_issuer_desk(session: SessionDep, runtime: RuntimeDep, principal: IssuerDep) -> FundDesk:
    return FundDesk(session=session, runtime=runtime, principal=principal)


def get_investor_desk(session: SessionDep, runtime: RuntimeDep, custody: CustodyDep, principal: HolderDep) -> FundDesk:
    return FundDesk(session=session, runtime=runtime, principal=principal, custody=custody)


AdminDeskDep = Annotated[FundDesk, Depends(get_admin_desk)]
IssuerDeskDep = Annotated[FundDesk, Depends(get_issuer_desk)]
InvestorDeskDep = Annotated[FundDesk, Depends(get_investor_desk)]
REFUSED = "; or the vault refused it (`nav_held`, `nav_stale`, `dealing_day_open`, `cash_short`, ...)"
KEYED = idempotent_responses("settlement", more=REFUSED)
KEYED_CREATED = idempotent_responses("settlement", success=201, more=REFUSED)


@router.post("/{fund}/vault", status_code=status.HTTP_201_CREATED, response_model=VaultPublic,
             responses=KEYED_CREATED)  # fmt: skip
def open_vault(fund: FundRef, body: VaultCreate, desk: AdminDeskDep, idempotency_key: IdempotencyKey) -> JSONResponse:
    """Open the fund's dealing vault at `initial_nav`, requests closing at `cutoff` in `zone` each day; the
    platform's operator is its admin, valuer and manager. The vault is granted the asset's issuer role and,
    when the platform holds the cash account's key, the cash account approves it. Opening again a vault
    whose opening was cut short completes it; otherwise 409 `vault_exists`."""
    return stored_reply(desk.open_vault(fund, body, idempotency_key))


@router.post("/{fund}/terms", response_model=VaultPublic, responses=KEYED)
def set_terms(fund: FundRef, body: TermsUpdate, desk: AdminDeskDep, idempotency_key: IdempotencyKey) -> JSONResponse:
    """New dealing terms; fees apply to requests from now on."""
    return stored_reply(desk.set_terms(fund, body, idempotency_key))


@router.post("/{fund}/navs", status_code=status.HTTP_201_CREATED, response_model=NavPublic, responses=KEYED_CREATED)
def publish_nav(fund: FundRef, body: NavCreate, desk: IssuerDeskDep, idempotency_key: IdempotencyKey) -> JSONResponse:
    """Publish the NAV per share as the vault's valuer; one further than the terms allow from the last accepted
    NAV is `held` until the admin confirms it."""
    return stored_reply(desk.publish_nav(fund, body, idempotency_key))


@router.post("/{fund}/navs/{nav_id}/confirm", response_model=NavPublic, responses=KEYED)
def confirm_nav(fund: FundRef, nav_id: NavId, desk: AdminDeskDep, idempotency_key: IdempotencyKey) -> JSONResponse:
    """Confirm the latest NAV (held, or stale) for dealing."""
    return stored_reply(desk.confirm_nav(fund, nav_id, idempotency_key))


@router.post("/{fund}/dealing-days/{day}/settle", response_model=DayPublic, responses=KEYED)
def settle_day(fund: FundRef, day: Day, desk: IssuerDeskDep, idempotency_key: IdempotencyKey) -> JSONResponse:
    """Deal the day at the latest NAV as the vault's manager, after its cut-off, in one transaction."""
    return stored_reply(desk.settle_day(fund, day, idempotency_key))


@router.post("/{fund}/subscriptions", response_model=DealingPublic, responses=KEYED)
def subscribe(fund: FundRef, body: Subscribe, desk: InvestorDeskDep, idempotency_key: IdempotencyKey) -> JSONResponse:
    """Request shares for `amount` of cash (fee included), taken from the wallet now (approved to the vault
    first); they deal at the NAV of the current dealing day."""
    return stored_reply(desk.subscribe(fund, body, idempotency_key))


@router.post("/{fund}/redemptions", response_model=DealingPublic, responses=KEYED)
def redeem(fund: FundRef, body: Redeem, desk: InvestorDeskDep, idempotency_key: IdempotencyKey) -> JSONResponse:
    """Request the redemption of `shares`, burnt now; they deal at the NAV of the current dealing day."""
    return stored_reply(desk.redeem(fund, body, idempotency_key))


@router.post("/{fund}/{side}/cancel", response_model=DealingPublic, responses=KEYED)
def cancel(fund: FundRef, side: SideRef, body: DealingStep, desk: InvestorDeskDep,
           idempotency_key: IdempotencyKey) -> JSONResponse:  # fmt: skip
    """Cancel the wallet's pending request on that side before its cut-off; take it back with
    `cancelled/claim`."""
    return stored_reply(desk.cancel(fund, side, body, idempotency_key))


@router.post("/{fund}/{side}/cancelled/claim", response_model=DealingPublic, responses=KEYED)
def claim_cancelled(fund: FundRef, side: SideRef, body: DealingStep, desk: InvestorDeskDep,
                    idempotency_key: IdempotencyKey) -> JSONResponse:  # fmt: skip
    """Take back a cancelled subscription's cash, or have a cancelled redemption's shares re-issued."""
    return stored_reply(desk.claim_cancelled(fund, side, body, idempotency_key))


@router.post("/{fund}/{side}/claim", response_model=DealingPublic, responses=KEYED)
def claim(fund: FundRef, side: SideRef, body: ClaimDealt, desk: InvestorDeskDep,
          idempotency_key: IdempotencyKey) -> JSONResponse:  # fmt: skip
    """Claim a settled request: a subscription's shares (minted to the wallet, checked by the asset) or a
    redemption's cash (paid from the fund's cash account: 409 `cash_short` while it cannot pay)."""
    return stored_reply(desk.claim(fund, side, body, idempotency_key))
