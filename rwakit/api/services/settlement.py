"""Trades and distributions over HTTP: investors act through their custodial wallets (the platform's
custody signs), the issuer creates and reclaims distributions (the operator signs), and anyone with a
key may send a holder's claim (the coins go to the holder's wallet). Registers of holders come from the
read model (the index), once it has passed the record block."""

from __future__ import annotations

from sqlmodel import Session

from rwakit.api.deps import Principal
from rwakit.api.errors import Forbidden
from rwakit.api.runtime import Runtime
from rwakit.api.schemas.settlement import (
    ClaimablePublic,
    DistributionCreate,
    DistributionPublic,
    TradeCreate,
    TradePublic,
)
from rwakit.api.services.custody import Custody, custodial_signer
from rwakit.chain.signer import Signer
from rwakit.db.journal import journal_ref
from rwakit.errors import InvalidInput
from rwakit.platform import Platform
from rwakit.settlement.distributions import Distribution
from rwakit.settlement.register import IndexRegister
from rwakit.settlement.services import Settlement
from rwakit.settlement.trades import ZERO_ADDRESS, Trade, TradeStatus

DAY = 24 * 3600


def trade_public(money: Settlement, platform: Platform, trade: Trade) -> TradePublic:
    asset = platform.assets.get(trade.asset)
    return TradePublic(
        id=trade.id,
        status=trade.status.label,
        asset=asset.symbol,
        seller=trade.seller,
        buyer=None if trade.buyer == ZERO_ADDRESS else trade.buyer,
        quantity=asset.display(trade.quantity),
        price=money.cash.display(trade.price),
        currency=money.cash.symbol,
        fee_bps=trade.fee_bps,
        expiry=trade.expiry,
    )


def propose(*, session: Session, platform: Platform, custody: Custody, principal: Principal,
            data: TradeCreate) -> TradePublic:  # fmt: skip
    money = Settlement.open(platform)
    signer = _own_signer(session, platform, custody, principal, data.wallet)
    with journal_ref(f"trade:{principal.prefix}"):
        trade = money.trades.propose(signer, asset=data.asset, counterparty=data.counterparty, quantity=data.quantity,
                                     price=data.price, expires_in=data.expires_in_seconds,
                                     as_seller=data.side == "sell")  # fmt: skip
    return trade_public(money, platform, trade)


def step(*, session: Session, platform: Platform, custody: Custody, principal: Principal, trade_id: int,
         wallet: str, action: str) -> TradePublic:  # fmt: skip
    """accept, settle or cancel trade `trade_id`, signed by the caller's custodial `wallet`."""
    money = Settlement.open(platform)
    money.trades.get(trade_id)  # 404 before anything else
    signer = _own_signer(session, platform, custody, principal, wallet)
    with journal_ref(f"trade:{principal.prefix}"):
        trade = getattr(money.trades, action)(signer, trade_id)
    return trade_public(money, platform, trade)


def trades(platform: Platform, status: TradeStatus | None) -> list[TradePublic]:
    money = Settlement.open(platform)
    return [trade_public(money, platform, t) for t in money.trades.list(status)]


def distribution_public(money: Settlement, platform: Platform, d: Distribution) -> DistributionPublic:
    show = money.cash.display
    return DistributionPublic(
        id=d.id, asset=platform.assets.get(d.asset).symbol, record_block=d.record_block, root="0x" + d.root.hex(),
        currency=money.cash.symbol, amount=show(d.amount), allocated=show(d.allocated), remainder=show(d.remainder),
        claimed=show(d.claimed), deadline=d.deadline, uri=d.uri,
    )  # fmt: skip


def indexed(runtime: Runtime, platform: Platform, record_block: int) -> Settlement:
    """The money leg reading registers from the read model, once the index has passed `record_block`
    (503 index_behind if it does not within api_read_wait_seconds)."""
    runtime.reads.ready(platform, record_block)
    return Settlement.open(platform, IndexRegister(runtime.engine, platform.deployment.chain_id))


def create_distribution(
    *, runtime: Runtime, platform: Platform, principal: Principal, data: DistributionCreate
) -> DistributionPublic:
    latest = platform.chain.w3.eth.block_number
    record = latest - 1 if data.record_block is None else data.record_block
    if not 0 <= record < latest:
        raise InvalidInput(f"The record block must be mined and before the latest ({latest}), not {record}",
                           code="invalid_record_block")  # fmt: skip
    money = indexed(runtime, platform, record)
    with journal_ref(f"distribution:{principal.prefix}"):
        d = money.distributions.create(platform.chain.operator, data.asset, data.amount,
                                       deadline_in=data.deadline_days * DAY, record_block=record,
                                       uri=data.uri)  # fmt: skip
    return distribution_public(money, platform, d)


def claimable(
    *, runtime: Runtime, platform: Platform, principal: Principal, distribution_id: int, wallet: str
) -> ClaimablePublic:
    money = indexed(runtime, platform, Settlement.open(platform).distributions.get(distribution_id).record_block)
    address = str(platform.assets.recipient(wallet))
    _ensure_own(platform, principal, address)
    c = money.distributions.claimable(distribution_id, address)
    return ClaimablePublic(distribution=c.distribution, index=c.index, wallet=c.wallet,
                           amount=money.cash.display(c.amount), proof=["0x" + p.hex() for p in c.proof],
                           claimed=c.claimed)  # fmt: skip


def claim(
    *, runtime: Runtime, platform: Platform, principal: Principal, distribution_id: int, wallet: str
) -> ClaimablePublic:
    money = indexed(runtime, platform, Settlement.open(platform).distributions.get(distribution_id).record_block)
    address = str(platform.assets.recipient(wallet))
    _ensure_own(platform, principal, address)
    with journal_ref(f"claim:{principal.prefix}"):
        money.distributions.claim(platform.chain.operator, distribution_id, address)
    return claimable(runtime=runtime, platform=platform, principal=principal, distribution_id=distribution_id,
                     wallet=address)  # fmt: skip


def reclaim(*, platform: Platform, principal: Principal, distribution_id: int) -> DistributionPublic:
    money = Settlement.open(platform)
    money.distributions.get(distribution_id)
    with journal_ref(f"distribution:{principal.prefix}"):
        money.distributions.reclaim(platform.chain.operator, distribution_id)
    return distribution_public(money, platform, money.distributions.get(distribution_id))


def _own_signer(session: Session, platform: Platform, custody: Custody, principal: Principal, wallet: str) -> Signer:
    _ensure_own(platform, principal, wallet)
    return custodial_signer(session, custody, wallet)


def _ensure_own(platform: Platform, principal: Principal, wallet: str) -> None:
    if principal.is_staff:
        return
    if platform.registry.investor_of(wallet) != principal.investor_id:
        raise Forbidden(f"{wallet} is not a wallet of investor {principal.investor_id}", code="forbidden_wallet")
