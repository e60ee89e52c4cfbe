"""Settings: one object, read from RWAKIT_* environment variables and a .env file.

Nothing reads the environment at import time; call :func:`get_settings` (cached) or build a
``Settings`` yourself in tests.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ChainKind = Literal["anvil", "ganache", "tester", "rpc"]

# The public test mnemonic Anvil uses by default; rwakit starts Ganache with it too, so both
# chains fund the same development accounts. Never fund these on a real network.
DEV_MNEMONIC = "test test test test test test test test test test test junk"
DEFAULT_RPC_TIMEOUT = 5.0


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RWAKIT_", env_file=".env", extra="ignore")

    environment: Literal["development", "production"] = "development"
    chain: ChainKind = Field("anvil", description="Local node to launch, 'tester' in-process, or 'rpc' for rpc_url")
    rpc_url: str | None = Field(None, description="JSON-RPC URL of a running node; implies chain='rpc'")
    private_key: SecretStr | None = Field(None, description="Operator key; default: the local node's first account")
    keystore: Path | None = Field(None, description="Operator key as an encrypted keystore file (`rwakit key new`)")
    keystore_passphrase_file: Path | None = Field(
        None, description="File whose first line opens the keystore; else RWAKIT_KEYSTORE_PASSPHRASE"
    )
    data_dir: Path = Field(Path(".rwakit"), description="Deployment record, chain state, logs")
    mnemonic: str = Field(DEV_MNEMONIC, description="Mnemonic of the local chain's funded accounts")
    rpc_timeout: float = Field(
        DEFAULT_RPC_TIMEOUT, gt=0, le=600, description="Seconds to wait for any one answer of the JSON-RPC node"
    )

    # -- the HTTP API -------------------------------------------------------------------------
    database_url: str | None = Field(
        None, description="SQLAlchemy URL of the API's database; default: SQLite file data_dir/rwakit.db"
    )
    api_host: str = Field("127.0.0.1", description="Interface `rwakit serve` listens on")
    api_port: int = Field(8000, ge=1, le=65535, description="Port `rwakit serve` listens on")
    custody: Literal["none", "dev"] = Field(
        "dev", description="Custodial wallet keys the platform holds: 'dev' = the local chain's mnemonic accounts"
    )
    api_max_body_bytes: int = Field(
        2_000_000, ge=1024, description="Largest request body the API reads (a 10,000-row batch is ~0.8 MB)"
    )
    issuance_chunk_size: int = Field(200, ge=1, le=1000, description="Rows per batchMint transaction")
    issuance_max_rows: int = Field(10_000, ge=1, description="Rows one batch issuance request may carry")
    registration_batch_max: int = Field(100, ge=1, le=150, description="Investors per batch registration (one tx)")
    issuance_lease_seconds: float = Field(
        300.0,
        gt=0,
        description="After this, a pending issuance or keyed control is treated as interrupted and reconciled",
    )
    issuance_async_rows: int = Field(
        1000, ge=1, description="A batch of more rows answers 202 and is sent by the issuance queue"
    )
    sender: bool = Field(
        True,
        description="Run the issuance queue's sender in the API process (false: this process only accepts; "
        "`rwakit sender` sends)",
    )
    tx_stuck_seconds: float = Field(
        30.0, gt=0, description="Seconds without a receipt before a transaction is sent again or replaced (higher fees)"
    )
    sender_poll_seconds: float = Field(0.5, gt=0, le=60, description="Seconds between the sender's looks at the queue")
    sender_retry_seconds: float = Field(
        5.0, gt=0, description="Seconds before the sender retries an issuance the chain cut short"
    )

    # -- the read model (rwakit index) ----------------------------------------------------------
    index_confirmations: int = Field(
        64, ge=0, description="Blocks below the head taken as final when the node has no `finalized` block tag"
    )
    index_use_finalized_tag: bool = Field(
        True, description="Ask the node for its `finalized` block (else use index_confirmations)"
    )
    index_poll_interval: float = Field(
        2.0, gt=0, le=3600, description="Seconds between polls of `rwakit index --follow`"
    )
    index_log_range: int = Field(
        2000, ge=1, le=100_000, description="Blocks per eth_getLogs at first; halves on a node limit, grows on success"
    )
    api_indexer: bool = Field(
        True, description="Run the indexer in the API process (off for a read-only replica another process indexes)"
    )
    api_read_wait_seconds: float = Field(
        10.0, gt=0, le=300, description="Seconds a read waits for the index to reach min_block or this API's last write"
    )

    @model_validator(mode="after")
    def _no_dev_custody_in_production(self) -> Settings:
        if self.environment == "production" and self.custody == "dev":
            raise ValueError("RWAKIT_CUSTODY=dev holds publicly known keys: set RWAKIT_CUSTODY=none in production")
        return self

    @property
    def deployment_file(self) -> Path:
        return self.data_dir / "deployment.json"

    @property
    def db_url(self) -> str:
        """The database the API uses: RWAKIT_DATABASE_URL, else a SQLite file in the data dir."""
        return self.database_url or f"sqlite:///{(self.data_dir / 'rwakit.db').as_posix()}"

    @property
    def chain_kind(self) -> ChainKind:
        return "rpc" if self.rpc_url else self.chain


@lru_cache
def get_settings() -> Settings:
    return Settings()
