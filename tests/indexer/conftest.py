"""The indexer against the session's real Anvil, on SQLite and on PostgreSQL.

The PostgreSQL variant uses a database of its own on the server RWAKIT_TEST_POSTGRES_URL names
(created for the session, dropped after; skipped with the reason when the variable is unset or
the server does not answer). Every test starts from an empty index; the chain is reverted after
each test (tests/conftest.py), which the next test's indexer sees as nothing more than a new chain.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine

from rwakit.db import make_engine, migrate
from rwakit.indexer.follower import Indexer, IndexerOptions
from rwakit.indexer.projection import table
from rwakit.indexer.store import ALL_TABLES
from rwakit.platform import Platform
from rwakit.registry import InvestorInput
from rwakit.tokenize.models import AssetSpec
from tests.conftest import YEAR, now
from tests.postgres import fresh_database

FAST = IndexerOptions(log_range=2000, confirmations=64, poll_interval=0.1)


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('index') / 'index.db'}"
        return
    with fresh_database("rwakit_index_test") as url:
        yield url


@pytest.fixture(scope="session")
def session_engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    migrate(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def engine(session_engine: Engine) -> Engine:
    """The session's database with an empty index."""
    with session_engine.begin() as connection:
        for name in ALL_TABLES:
            connection.execute(table(name).delete())
    return session_engine


@pytest.fixture
def indexer(platform: Platform, engine: Engine) -> Iterator[Indexer]:
    made = Indexer(platform.chain.w3, engine, platform.deployment, FAST)
    yield made
    made.stop()


def register(platform: Platform, investor_id: str, *wallets: str, country: str = "HK") -> None:
    chain = platform.chain
    platform.registry.register(InvestorInput(investor_id, list(wallets), country, "professional", now(chain) + YEAR))


def create_asset(platform: Platform, symbol: str = "HVT", *, limits: bool = True) -> str:
    spec = AssetSpec(f"{symbol} Tower", symbol, 2, "property", "1000000", "https://x.example/o.pdf",
                     "0x" + "ab" * 32, investor_limits=limits)  # fmt: skip
    return platform.assets.create(spec).address


def rows(engine: Engine, name: str, *order: str) -> list[dict[str, Any]]:
    target = table(name)
    with engine.connect() as connection:
        query = select(target).order_by(*(target.c[c] for c in order))
        return [dict(r) for r in connection.execute(query).mappings()]


def cap_tables_hash(engine: Engine) -> str:
    """A content hash of every asset's cap table (and every current row): what a rebuild must reproduce."""
    digest = hashlib.sha256()
    for name in ("index_balance", "index_investor", "index_wallet", "index_setting", "index_contract"):
        target = table(name)
        keys = [c.name for c in target.primary_key.columns]
        digest.update(json.dumps(rows(engine, name, *keys), default=str, sort_keys=True).encode())
    return digest.hexdigest()
