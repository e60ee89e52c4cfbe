"""API keys, the transaction log and health."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from rwakit.api.schemas.common import Body, InvestorId, Timestamp
from rwakit.db.keys import Role


class ApiKeyCreate(Body):
    model_config = ConfigDict(
        json_schema_extra={  # checked by create_api_key (422 invalid_role)
            "anyOf": [
                {
                    "properties": {"role": {"const": Role.INVESTOR.value}, "investor_id": {"type": "string"}},
                    "required": ["investor_id"],
                },
                {"properties": {"role": {"not": {"const": Role.INVESTOR.value}}, "investor_id": {"type": "null"}}},
            ]
        }
    )

    role: Role
    investor_id: InvestorId | None = Field(None, description="Required for (and only for) an investor key")
    name: str = Field("", max_length=200)


class ApiKeyPublic(BaseModel):
    prefix: str
    role: Role
    investor_id: str | None
    name: str
    created_at: Timestamp
    revoked_at: Timestamp | None = None


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
    created_at: Timestamp
    updated_at: Timestamp


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
