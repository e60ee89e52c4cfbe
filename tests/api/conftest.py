"""The API over HTTP (httpx through Starlette's TestClient) against the session's real Anvil.

Every test runs twice: on SQLite and on PostgreSQL, the latter only on the server that
RWAKIT_TEST_POSTGRES_URL names (a fresh database created there for the session and dropped
afterwards; skipped with the reason when the variable is unset or the server does not answer). The chain
is reverted after each test (tests/conftest.py) and every table emptied, so tests are isolated.
"""

from __future__ import annotations

import secrets
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel

from rwakit.api import create_app
from rwakit.chain.connection import Chain
from rwakit.config import Settings
from rwakit.db import make_engine, migrate
from rwakit.db.keys import Role, create_api_key
from rwakit.platform import Platform
from tests.postgres import fresh_database

with warnings.catch_warnings():  # Starlette 1.x suggests httpx2; httpx is what FastAPI documents
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient as TestClient  # re-exported for the API tests

YEAR = 365 * 24 * 3600


def iso(seconds: int) -> str:
    """A chain timestamp as the API takes times: an ISO 8601 string (a number is refused)."""
    return datetime.fromtimestamp(seconds, UTC).isoformat()


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def db_engine(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'api.db'}")
        migrate(engine)
        yield engine
        engine.dispose()
        return
    with fresh_database("rwakit_test") as url:
        engine = make_engine(url)
        try:
            migrate(engine)
            yield engine
        finally:
            engine.dispose()


@pytest.fixture(scope="session")
def api_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return Settings(_env_file=None, data_dir=tmp_path_factory.mktemp("rwakit"), issuance_chunk_size=200, sender=False)


@pytest.fixture(scope="session")
def api_platform(chain: Chain, platform: Platform, db_engine: Engine) -> Platform:
    """The session's deployment, opened with its own transaction manager (journalled in SQL by the app)."""
    return Platform.open(chain, platform.deployment)


@pytest.fixture(scope="session")
def app(api_settings: Settings, api_platform: Platform, db_engine: Engine) -> FastAPI:
    return create_app(api_settings, platform=api_platform, engine=db_engine)


def clear_tables(engine: Engine) -> None:
    with Session(engine) as session:
        for table in reversed(SQLModel.metadata.sorted_tables):
            session.execute(table.delete())
        session.commit()


@dataclass
class Api:
    """A test client with one API key per role: ``api.issuer.post(...)``, ``api.anonymous.get(...)``."""

    client: TestClient
    engine: Engine
    platform: Platform
    keys: dict[str, str] = field(default_factory=dict)

    def key(self, role: str, investor_id: str | None = None) -> str:
        name = f"{role}:{investor_id}" if investor_id else role
        if name not in self.keys:
            with Session(self.engine) as session:
                _, self.keys[name] = create_api_key(session, role=Role(role), investor_id=investor_id, name=name)
        return self.keys[name]

    def as_(self, role: str, investor_id: str | None = None) -> Caller:
        return Caller(self.client, {"Authorization": f"Bearer {self.key(role, investor_id)}"})

    @property
    def admin(self) -> Caller:
        return self.as_("admin")

    @property
    def issuer(self) -> Caller:
        return self.as_("issuer")

    @property
    def registrar(self) -> Caller:
        return self.as_("registrar")

    @property
    def compliance(self) -> Caller:
        return self.as_("compliance")

    def investor(self, investor_id: str) -> Caller:
        return self.as_("investor", investor_id)

    @property
    def anonymous(self) -> Caller:
        return Caller(self.client, {})

    # -- set-up helpers through the API itself -----------------------------------------------

    def create_asset(
        self, symbol: str = "HVT", shares: str = "1000000", decimals: int = 6, **extra: Any
    ) -> dict[str, Any]:
        body = {
            "name": f"{symbol} Tower",
            "symbol": symbol,
            "decimals": decimals,
            "shares_authorised": shares,
            "kind": "property",
            **extra,
        }
        created: dict[str, Any] = ok(self.issuer.post("/assets", json=body), 201)
        return created

    def register(self, investor_id: str, *wallets: str, **extra: Any) -> dict[str, Any]:
        body = {
            "investor_id": investor_id,
            "wallets": list(wallets),
            "country": "HK",
            "investor_class": "professional",
            "kyc_expiry": iso(self.now() + YEAR),
            **extra,
        }
        registered: dict[str, Any] = ok(self.registrar.post("/investors", json=body), 201)
        return registered

    def issue(self, asset: str, to: str, amount: str, key: str | None = None) -> httpx.Response:
        headers = {"Idempotency-Key": key or secrets.token_hex(8)}
        return self.issuer.post("/issuances", json={"asset": asset, "to": to, "amount": amount}, headers=headers)

    def now(self) -> int:
        return int(self.platform.chain.w3.eth.get_block("latest")["timestamp"])

    def total_supply(self, asset: str) -> int:
        return int(self.platform.assets.token(asset).functions.totalSupply().call())


@dataclass
class Caller:
    client: TestClient
    headers: dict[str, str]

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        headers = {**self.headers, **kwargs.pop("headers", {})}
        response: httpx.Response = self.client.request(method, url, headers=headers, **kwargs)
        return response

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", url, **kwargs)

    def patch(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("PATCH", url, **kwargs)

    def delete(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("DELETE", url, **kwargs)


def ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, f"{response.status_code}: {response.text[:2000]}"
    return response.json()


def refused(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    """Assert the one error shape: the status, a machine-readable code and a message."""
    assert response.status_code == status, f"{response.status_code}: {response.text[:2000]}"
    body: dict[str, Any] = response.json()
    assert body["code"] == code, body
    assert isinstance(body["message"], str) and body["message"], body
    return body


@pytest.fixture
def api(app: FastAPI, api_platform: Platform, db_engine: Engine) -> Iterator[Api]:
    with TestClient(app) as client:  # the lifespan starts the app's indexer, and stops it on leaving
        yield Api(client=client, engine=db_engine, platform=api_platform)
    clear_tables(db_engine)  # the index's tables too: the next test's indexer starts from the deployment block
    api_platform.txm.reset_nonce()


@pytest.fixture
def wallets(chain: Chain) -> list[str]:
    """The local chain's funded accounts 1..9: the dev custody holds their keys."""
    return [s.address for s in chain.signers[1:10]]
