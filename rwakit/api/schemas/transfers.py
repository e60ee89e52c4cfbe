from __future__ import annotations

from pydantic import BaseModel, Field

from rwakit.api.schemas.common import Address, Amount, AssetRef, Body, Recipient


class TransferCheck(Body):
    asset: AssetRef
    sender: Recipient = Field(alias="from", description="Sending wallet, or an investor id (their first wallet)")
    to: Recipient
    amount: Amount


class TransferCheckResult(BaseModel):
    allowed: bool
    reason_code: int = Field(description="0 when allowed; the ERC-1404 restriction code otherwise")
    reason: str = Field(examples=["receiver_not_registered"])
    message: str
    asset: str
    sender: str = Field(serialization_alias="from")
    to: str
    amount: str


class TransferCreate(Body):
    asset: AssetRef
    sender: Address = Field(alias="from", description="A custodial wallet: the platform signs for it")
    to: Recipient
    amount: Amount


class TransferPublic(BaseModel):
    asset: str
    sender: str = Field(serialization_alias="from")
    to: str
    amount: str
    tx_hash: str
    block_number: int


class CustodialWalletCreate(Body):
    address: Address
    label: str = Field("", max_length=200)


class CustodialWalletPublic(BaseModel):
    address: str
    key_ref: str
    label: str
    investor_id: str | None = Field(description="The investor the registry assigns the wallet to")
