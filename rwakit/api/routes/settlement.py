"""Trades (delivery versus payment) and income distributions: see docs/settlement.md."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, status

from rwakit.api.deps import CustodyDep, HolderDep, IssuerDep, PlatformDep, PrincipalDep, RuntimeDep, SessionDep
from rwakit.api.errors import error_responses
from rwakit.api.schemas.common import Recipient
from rwakit.api.schemas.settlement import (
    ClaimablePublic,
    ClaimCreate,
    DistributionCreate,
    DistributionPublic,
    TradeCreate,
    TradePublic,
    TradeStep,
)
from rwakit.api.services import settlement as service
from rwakit.settlement.services import Settlement
from rwakit.settlement.trades import TradeStatus

router = APIRouter(tags=["settlement"], responses=error_responses(401, 403, 404, 409, 502, 504))
TradeId = Annotated[int, Path(ge=1, le=2**63)]
DistributionId = Annotated[int, Path(ge=1, le=2**63)]
StatusQuery = Annotated[str | None, Query(pattern="^(proposed|accepted|settled|cancelled|failed|expired)$")]


@router.post("/trades", status_code=status.HTTP_201_CREATED)
def propose_trade(
    body: TradeCreate, session: SessionDep, platform: PlatformDep, custody: CustodyDep, principal: HolderDep
) -> TradePublic:
    """Propose a trade from the caller's custodial wallet; its leg is approved to the DvP contract."""
    return service.propose(session=session, platform=platform, custody=custody, principal=principal, data=body)


@router.post("/trades/{trade_id}/accept")
def accept_trade(
    trade_id: TradeId, body: TradeStep, session: SessionDep, platform: PlatformDep, custody: CustodyDep,
    principal: HolderDep,
) -> TradePublic:  # fmt: skip
    """Accept as the named counterparty: compliance is checked, the payment escrowed."""
    return service.step(session=session, platform=platform, custody=custody, principal=principal,
                        trade_id=trade_id, wallet=body.wallet, action="accept")  # fmt: skip


@router.post("/trades/{trade_id}/settle")
def settle_trade(
    trade_id: TradeId, body: TradeStep, session: SessionDep, platform: PlatformDep, custody: CustodyDep,
    principal: HolderDep,
) -> TradePublic:  # fmt: skip
    """Settle both legs; 409 with the asset's reason if the shares leg is refused (the buyer is refunded)."""
    return service.step(session=session, platform=platform, custody=custody, principal=principal,
                        trade_id=trade_id, wallet=body.wallet, action="settle")  # fmt: skip


@router.post("/trades/{trade_id}/cancel")
def cancel_trade(
    trade_id: TradeId, body: TradeStep, session: SessionDep, platform: PlatformDep, custody: CustodyDep,
    principal: HolderDep,
) -> TradePublic:  # fmt: skip
    """Cancel a proposal before acceptance (seller or buyer)."""
    return service.step(session=session, platform=platform, custody=custody, principal=principal,
                        trade_id=trade_id, wallet=body.wallet, action="cancel")  # fmt: skip


@router.get("/trades")
def list_trades(platform: PlatformDep, _: PrincipalDep, status: StatusQuery = None) -> list[TradePublic]:
    return service.trades(platform, TradeStatus[status.upper()] if status else None)


@router.get("/trades/{trade_id}")
def get_trade(trade_id: TradeId, platform: PlatformDep, _: PrincipalDep) -> TradePublic:
    money = Settlement.open(platform)
    return service.trade_public(money, platform, money.trades.get(trade_id))


@router.post("/distributions", status_code=status.HTTP_201_CREATED)
def create_distribution(
    body: DistributionCreate, runtime: RuntimeDep, platform: PlatformDep, principal: IssuerDep
) -> DistributionPublic:
    """Fund income for the asset's holders of record (the register from the index at the record block);
    the rounding remainder stays with the issuer."""
    return service.create_distribution(runtime=runtime, platform=platform, principal=principal, data=body)


@router.get("/distributions")
def list_distributions(platform: PlatformDep, _: PrincipalDep) -> list[DistributionPublic]:
    money = Settlement.open(platform)
    return [service.distribution_public(money, platform, d) for d in money.distributions.list()]


@router.get("/distributions/{distribution_id}/claimable/{wallet}")
def get_claimable(
    distribution_id: DistributionId, wallet: Recipient, runtime: RuntimeDep, platform: PlatformDep,
    principal: PrincipalDep,
) -> ClaimablePublic:  # fmt: skip
    """A holder of record's amount and Merkle proof (an investor key: its own wallets only)."""
    return service.claimable(runtime=runtime, platform=platform, principal=principal, distribution_id=distribution_id,
                             wallet=wallet)  # fmt: skip


@router.post("/distributions/{distribution_id}/claim")
def claim(
    distribution_id: DistributionId, body: ClaimCreate, runtime: RuntimeDep, platform: PlatformDep,
    principal: PrincipalDep,
) -> ClaimablePublic:  # fmt: skip
    """Pay a holder of record their share (the platform sends the claim; the coins go to the wallet)."""
    return service.claim(runtime=runtime, platform=platform, principal=principal, distribution_id=distribution_id,
                         wallet=body.wallet)  # fmt: skip


@router.post("/distributions/{distribution_id}/reclaim")
def reclaim(distribution_id: DistributionId, platform: PlatformDep, principal: IssuerDep) -> DistributionPublic:
    """After the deadline: what is left goes back to the issuer, and claims end."""
    return service.reclaim(platform=platform, principal=principal, distribution_id=distribution_id)
