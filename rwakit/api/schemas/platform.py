"""API keys, the transaction log and health."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from rwakit.api.schemas.common import Body, InvestorId
from rwakit.db.keys import Role


class ApiKeyCreate(Body):
    role: Role
    investor_id: InvestorId | None = Field(None, description="Required for (and only for) an investor key")
    name: str = Field("", max_length=200)


class ApiKeyPublic(BaseModel):
    prefix: str
    role: Role
    investor_id: str | None
    name: str
    created_at: datetime
    revoked_at: datetime | None = None


class ApiKeyCreated(ApiKeyPublic):
    key: str = Field(description="Shown once: only its SHA-256 is stored")


class TxLogPublic(BaseModel):
    id: int
    ref: str | None
    label: str
    sender: str
    nonce: int
    to: str | None
    status: str
    tx_hash: str | None
    block_number: int | None
    gas_used: int | None
    error: str | None
    created_at: datetime
    updated_at: datetime


class ChainHealth(BaseModel):
    reachable: bool
    chain_id: int | None = None
    block_number: int | None = None
    error: str | None = None


class ContractsHealth(BaseModel):
    deployed: bool
    registry: str | None = None
    factory: str | None = None
    error: str | None = None


class DatabaseHealth(BaseModel):
    reachable: bool
    backend: str
    error: str | None = None


class HealthPublic(BaseModel):
    status: str = Field(description="ok, or unavailable (then the status code is 503)")
    chain: ChainHealth
    contracts: ContractsHealth
    database: DatabaseHealth
