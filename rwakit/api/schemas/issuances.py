from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from rwakit.api.schemas.common import Amount, AssetRef, Body, Recipient, Timestamp


class IssuanceCreate(Body):
    asset: AssetRef
    to: Recipient
    amount: Amount


class Allocation(Body):
    to: Recipient
    amount: Amount


class BatchIssuanceCreate(Body):
    asset: AssetRef
    allocations: list[Allocation] = Field(min_length=1)


RowStatus = Literal["issued", "not_issued", "pending", "in_doubt"]  # pending: not sent yet


class IssuanceRow(BaseModel):
    index: int
    to: str
    wallet: str
    amount: str
    chunk: int
    status: RowStatus
    error: dict[str, Any] | None = None


class IssuanceChunk(BaseModel):
    index: int
    first_row: int
    last_row: int
    status: Literal["issued", "refused", "not_sent", "pending", "in_doubt"]
    tx_hash: str | None = None
    block_number: int | None = None
    gas_used: int | None = None
    error: dict[str, Any] | None = None


class IssuancePublic(BaseModel):
    id: int
    idempotency_key: str
    kind: Literal["single", "batch"]
    status: Literal["queued", "pending", "completed", "partial", "refused", "in_doubt", "incomplete"] = Field(
        description="`queued`: answered 202, a sender will send it; `partial`: some chunks were refused (final); "
        "`refused`: answered 202, then every chunk was refused (final); `incomplete`: the chain failed before "
        "every chunk was sent, a sender (or a retry with the same key) sends the rest"
    )
    asset: str
    asset_address: str
    issued_rows: int
    refused_rows: int
    tx_hash: str | None = Field(None, description="The transaction of a single issuance")
    block_number: int | None = Field(
        None, description="The block of the last chunk mined: a read with this `min_block` sees the issuance"
    )
    rows: list[IssuanceRow]
    chunks: list[IssuanceChunk]
    reconciled: bool = Field(
        False, description="The outcome was recovered from the transaction log after an interruption"
    )
    asynchronous: bool = Field(
        False, description="Answered 202 and sent by the issuance queue: follow it at GET /issuances/{id}"
    )
    created_at: Timestamp
