from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class HoldingPublic(BaseModel):
    asset: str = Field(description="The asset token's address")
    symbol: str
    decimals: int
    amount: str = Field(description="Shares, exact decimal string")
    base_units: str = Field(description="The same amount in base units (an integer as a string)")
    wallets: dict[str, str] = Field(description="Shares by wallet (wallets holding none are left out)")


class HoldingsPublic(BaseModel):
    investor_id: str
    block_number: int = Field(description="Every balance is as of this block (the same as as_of_block)")
    block_hash: str | None = Field(description="That block's hash, when the index holds its header")
    as_of_block: int
    holdings: list[HoldingPublic]


class TransferEvent(BaseModel):
    asset: str
    symbol: str
    block_number: int
    tx_hash: str
    log_index: int
    kind: Literal["issue", "redeem", "in", "out", "internal"]
    sender: str = Field(serialization_alias="from")
    receiver: str = Field(serialization_alias="to")
    amount: str
    forced: bool = Field(False, description="A forced transfer or a recovery by the issuer's agent")


class HistoryPublic(BaseModel):
    investor_id: str
    to_block: int = Field(description="Moves up to this block (the same as as_of_block)")
    as_of_block: int
    offset: int
    limit: int = Field(description="At most this many moves; a full page means there may be more at offset + limit")
    transfers: list[TransferEvent]
