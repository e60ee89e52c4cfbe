from __future__ import annotations

from datetime import date
from enum import StrEnum

from pydantic import BaseModel, Field

from rwakit.api.schemas.common import Address, Amount, AssetRef, Body, Recipient


class Side(StrEnum):
    SELL = "sell"
    BUY = "buy"


class TradeCreate(Body):
    asset: AssetRef
    side: Side = Field(description="The proposer's side")
    wallet: Address = Field(description="The proposer's custodial wallet: the platform signs for it")
    counterparty: Recipient | None = Field(
        None, description="Investor id or wallet; none: an open proposal for the desk"
    )
    quantity: Amount = Field(description="Shares, e.g. '25.5'")
    price: Amount = Field(description="The whole payment in the settlement currency, e.g. '3187.50'")
    expires_in_seconds: int = Field(86_400, ge=60, le=366 * 86_400)


class TradeStep(Body):
    wallet: Address = Field(description="The custodial wallet that signs this step (a party of the trade)")


class TradeMatch(Body):
    buy_id: int = Field(ge=1, le=2**63, description="The buy proposal matched with the sell proposal in the path")


class TradePublic(BaseModel):
    id: int
    status: str = Field(examples=["proposed", "accepted", "settled", "cancelled", "failed", "expired"])
    asset: str
    seller: str
    buyer: str | None = Field(description="None for an open proposal")
    quantity: str
    price: str
    currency: str
    fee_bps: int
    expiry: int = Field(description="Unix seconds")


class DistributionCreate(Body):
    asset: AssetRef
    amount: Amount = Field(description="In the settlement currency")
    deadline_days: int = Field(90, ge=1, le=3650)
    record_block: int | None = Field(
        None, ge=0, description="Default (neither this nor record_date): the block before the latest"
    )
    record_date: date | None = Field(
        None, description="Instead of record_block: the last block at or before the end of this UTC day (a past day)"
    )
    uri: str = Field("", max_length=500, description="Where the tree is published")


class DistributionPublic(BaseModel):
    id: int
    asset: str
    record_block: int
    root: str
    currency: str
    amount: str
    allocated: str
    remainder: str = Field(description="Kept by the issuer: never pulled")
    claimed: str
    deadline: int
    uri: str


class ClaimablePublic(BaseModel):
    distribution: int
    index: int
    wallet: str
    amount: str
    proof: list[str]
    claimed: bool


class ClaimCreate(Body):
    wallet: Recipient = Field(
        description="The holder of record's wallet, or an investor id: every wallet registered to it now"
    )
