"""Trades (delivery versus payment) and income distributions: see docs/settlement.md. Every POST that
sends a transaction needs an `Idempotency-Key` header: see rwakit.api.services.settlement."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, status
from fastapi.responses import JSONResponse

from rwakit.api.deps import (
    AdminDep,
    CustodyDep,
    HolderDep,
    IdempotencyKey,
    IssuerDep,
    PlatformDep,
    PrincipalDep,
    RuntimeDep,
    SessionDep,
    idempotent_responses,
    stored_reply,
)
from rwakit.api.errors import error_responses
from rwakit.api.schemas.common import Recipient
from rwakit.api.schemas.settlement import (
    ClaimablePublic,
    ClaimCreate,
    DistributionCreate,
    DistributionPublic,
    TradeCreate,
    TradeMatch,
    TradePublic,
    TradeStep,
)
from rwakit.api.services import settlement as service
from rwakit.api.services.settlement import SettlementDesk
from rwakit.settlement.services import Settlement
from rwakit.settlement.trades import TradeStatus

router = APIRouter(tags=["settlement"], responses=error_responses(401, 403, 404, 409, 502, 504))
TradeId = Annotated[int, Path(ge=1, le=2**63)]
DistributionId = Annotated[int, Path(ge=1, le=2**63)]
StatusQuery = Annotated[str | None, Query(pattern="^(proposed|accepted|settled|cancelled|failed|expired)$")]


def get_desk(session: SessionDep, runtime: RuntimeDep, custody: CustodyDep, principal: HolderDep) -> SettlementDesk:
    return SettlementDesk(session=session, runtime=runtime, principal=principal, custody=custody)


def get_issuer_desk(session: SessionDep, runtime: RuntimeDep, principal: IssuerDep) -> SettlementDesk:
    return SettlementDesk(session=session, runtime=runtime, principal=principal)


def get_admin_desk(session: SessionDep, runtime: RuntimeDep, principal: AdminDep) -> SettlementDesk:
    return SettlementDesk(session=session, runtime=runtime, principal=principal)


def get_claim_desk(session: SessionDep, runtime: RuntimeDep, principal: PrincipalDep) -> SettlementDesk:
    return SettlementDesk(session=session, runtime=runtime, principal=principal)


DeskDep = Annotated[SettlementDesk, Depends(get_desk)]
IssuerDeskDep = Annotated[SettlementDesk, Depends(get_issuer_desk)]
AdminDeskDep = Annotated[SettlementDesk, Depends(get_admin_desk)]
ClaimDeskDep = Annotated[SettlementDesk, Depends(get_claim_desk)]
KEYED = idempotent_responses("settlement", more="; or the contract refused the request")
KEYED_CREATED = idempotent_responses("settlement", success=201, more="; or the contract refused the request")


@router.post("/trades", status_code=status.HTTP_201_CREATED, response_model=TradePublic, responses=KEYED_CREATED)
def propose_trade(body: TradeCreate, desk: DeskDep, idempotency_key: IdempotencyKey) -> JSONResponse:
    """Propose a trade from the caller's custodial wallet; its leg is approved to the DvP contract."""
    return stored_reply(desk.propose(body, idempotency_key))


@router.post("/trades/{trade_id}/accept", response_model=TradePublic, responses=KEYED)
def accept_trade(trade_id: TradeId, body: TradeStep, desk: DeskDep, idempotency_key: IdempotencyKey) -> JSONResponse:
    """Accept as the named counterparty: compliance is checked, the payment escrowed."""
    return stored_reply(desk.step(trade_id, body, "accept", idempotency_key))


@router.post("/trades/{trade_id}/settle", response_model=TradePublic, responses=KEYED)
def settle_trade(trade_id: TradeId, body: TradeStep, desk: DeskDep, idempotency_key: IdempotencyKey) -> JSONResponse:
    """Settle both legs; 409 with the asset's reason if the shares leg is refused (the buyer is refunded)."""
    return stored_reply(desk.step(trade_id, body, "settle", idempotency_key))


@router.post("/trades/{trade_id}/cancel", response_model=TradePublic, responses=KEYED)
def cancel_trade(trade_id: TradeId, body: TradeStep, desk: DeskDep, idempotency_key: IdempotencyKey) -> JSONResponse:
    """Cancel a proposal before acceptance (seller or buyer)."""
    return stored_reply(desk.step(trade_id, body, "cancel", idempotency_key))


@router.post("/trades/{trade_id}/match", response_model=TradePublic, responses=KEYED)
def match_trades(
    trade_id: TradeId, body: TradeMatch, desk: AdminDeskDep, idempotency_key: IdempotencyKey
) -> JSONResponse:
    """The OTC desk matches sell proposal `trade_id` with buy proposal `buy_id` (same asset, quantity and
    price): the sell proposal becomes the accepted trade, its payment escrowed; the buy proposal ends cancelled."""
    return stored_reply(desk.match(trade_id, body, idempotency_key))


@router.get("/trades")
def list_trades(platform: PlatformDep, _: PrincipalDep, status: StatusQuery = None) -> list[TradePublic]:
    return service.trades(platform, TradeStatus[status.upper()] if status else None)


@router.get("/trades/{trade_id}")
def get_trade(trade_id: TradeId, platform: PlatformDep, _: PrincipalDep) -> TradePublic:
    money = Settlement.open(platform)
    return service.trade_public(money, platform, money.trades.get(trade_id))


@router.post(
    "/distributions", status_code=status.HTTP_201_CREATED, response_model=DistributionPublic, responses=KEYED_CREATED
)
def create_distribution(body: DistributionCreate, desk: IssuerDeskDep, idempotency_key: IdempotencyKey) -> JSONResponse:
    """Fund income for the asset's holders of record (the register from the index at the record block);
    the rounding remainder stays with the issuer."""
    return stored_reply(desk.create_distribution(body, idempotency_key))


@router.get("/distributions")
def list_distributions(platform: PlatformDep, _: PrincipalDep) -> list[DistributionPublic]:
    money = Settlement.open(platform)
    return [service.distribution_public(money, platform, d) for d in money.distributions.list()]


@router.get("/distributions/{distribution_id}/claimable/{holder}")
def get_claimable(
    distribution_id: DistributionId, holder: Recipient, runtime: RuntimeDep, platform: PlatformDep,
    principal: PrincipalDep,
) -> list[ClaimablePublic]:  # fmt: skip
    """A holder of record's leaves (amount and Merkle proof each): a wallet's one leaf, or one per wallet of an
    investor id (the wallets registered to it now); an investor key: its own wallets only."""
    return service.claimable(runtime=runtime, platform=platform, principal=principal, distribution_id=distribution_id,
                             holder=holder)  # fmt: skip


@router.post("/distributions/{distribution_id}/claim", response_model=list[ClaimablePublic], responses=KEYED)
def claim(
    distribution_id: DistributionId, body: ClaimCreate, desk: ClaimDeskDep, idempotency_key: IdempotencyKey
) -> JSONResponse:
    """Pay a holder of record their share: each leaf of the wallet, or of every wallet of an investor id, not
    paid yet, one transaction each (the platform sends the claims; the coins go to the wallets)."""
    return stored_reply(desk.claim(distribution_id, body, idempotency_key))


@router.post("/distributions/{distribution_id}/reclaim", response_model=DistributionPublic, responses=KEYED)
def reclaim(distribution_id: DistributionId, desk: IssuerDeskDep, idempotency_key: IdempotencyKey) -> JSONResponse:
    """After the deadline: what is left goes back to the issuer, and claims end."""
    return stored_reply(desk.reclaim(distribution_id, idempotency_key))
