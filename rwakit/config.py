"""Settings: one object, read from RWAKIT_* environment variables and a .env file.

Nothing reads the environment at import time; call :func:`get_settings` (cached) or build a
``Settings`` yourself in tests.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

ChainKind = Literal["anvil", "ganache", "tester", "rpc"]

# The public test mnemonic Anvil uses by default; rwakit starts Ganache with it too, so both
# chains fund the same development accounts. Never fund these on a real network.
DEV_MNEMONIC = "test test test test test test test test test test test junk"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RWAKIT_", env_file=".env", extra="ignore")

    environment: Literal["development", "production"] = "development"
    chain: ChainKind = Field("anvil", description="Local node to launch, 'tester' in-process, or 'rpc' for rpc_url")
    rpc_url: str | None = Field(None, description="JSON-RPC URL of a running node; implies chain='rpc'")
    private_key: SecretStr | None = Field(None, description="Operator key; default: the local node's first account")
    data_dir: Path = Field(Path(".rwakit"), description="Deployment record, chain state, logs")
    chain_state: bool = Field(False, description="Persist the launched chain's state under data_dir")
    mnemonic: str = Field(DEV_MNEMONIC, description="Mnemonic of the local chain's funded accounts")

    @property
    def deployment_file(self) -> Path:
        return self.data_dir / "deployment.json"

    @property
    def chain_kind(self) -> ChainKind:
        return "rpc" if self.rpc_url else self.chain


@lru_cache
def get_settings() -> Settings:
    return Settings()
