"""Issuer controls (freeze, forced transfer, recovery, redemption, documents) and the audit trail."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from rwakit.api.schemas.common import Address, Amount, Body, InvestorId, Reason, Recipient, RequiredReason, Timestamp

BATCH_MAX = 200


class ReasonBody(Body):
    reason: Reason = ""


class WalletControl(Body):
    wallet: Address
    reason: Reason = ""


class WalletsControl(Body):
    wallets: list[Address] = Field(min_length=1, max_length=BATCH_MAX)
    reason: Reason = ""


class SharesRow(Body):
    wallet: Address
    amount: Amount


class SharesControl(SharesRow):
    reason: Reason = ""


class SharesBatchControl(Body):
    rows: list[SharesRow] = Field(min_length=1, max_length=BATCH_MAX)
    reason: Reason = ""


class ForcedTransferRow(Body):
    sender: Address = Field(alias="from")
    to: Recipient
    amount: Amount


class ForcedTransferCreate(ForcedTransferRow):
    reason: RequiredReason


class ForcedTransferBatchCreate(Body):
    transfers: list[ForcedTransferRow] = Field(min_length=1, max_length=BATCH_MAX)
    reason: RequiredReason


class RecoveryCreate(Body):
    lost: Address
    new: Address = Field(description="A wallet the registrar has added to the same investor")
    investor_id: InvestorId
    reason: RequiredReason


class RecoveryEverywhere(Body):
    lost: Address
    new: Address = Field(description="A wallet the registrar has added to the same investor")
    reason: RequiredReason


class RedemptionCreate(Body):
    wallet: Address
    amount: Amount
    reason: Reason = ""


class DocumentSet(Body):
    uri: str = Field(min_length=1, max_length=2000, examples=["ipfs://hvt/annual-report-2026.pdf"])
    document_hash: str = Field(pattern=r"^0x[0-9a-fA-F]{64}$", description="SHA-256 of the document")
    reason: Reason = ""


class DocumentPublic(BaseModel):
    name: str
    uri: str
    document_hash: str
    last_modified: Timestamp
    as_of_block: int | None = Field(None, description="The indexed block the document is read as of")


class WalletStatus(BaseModel):
    asset: str
    wallet: str
    investor_id: str | None
    balance: str
    frozen: bool = Field(description="The whole wallet is frozen: it can neither send nor receive")
    frozen_amount: str = Field(description="Shares frozen in the wallet (they stay but cannot move)")
    unfrozen_balance: str
    as_of_block: int | None = Field(None, description="The indexed block the wallet's state is read as of")


class AuditEntryPublic(BaseModel):
    id: int
    at: Timestamp
    actor: str = Field(description="api-key:<prefix> (<role>) for API callers; the signing address otherwise")
    action: str = Field(examples=["forced_transfer"])
    asset: str | None = Field(description="The asset's symbol")
    asset_address: str
    reason: str
    tx_hash: str
    details: dict[str, Any] = Field(description="What the action named; amounts as exact decimal strings")


class ControlPublic(AuditEntryPublic):
    """A control's result: its audit entry, and where its transaction was mined."""

    block_number: int
    gas_used: int
