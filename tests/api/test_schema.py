"""Schemathesis over the app's own OpenAPI schema, every check, with no key and with each role's key.

Run on SQLite only (the schema does not depend on the database) with a bounded number of examples.
A custom string format names what a pattern cannot say (an address's EIP-55 checksum); its strategy
is registered here.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from eth_utils.address import to_checksum_address
from fastapi import FastAPI
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from rwakit.api import create_app
from rwakit.api.deps import IDEMPOTENCY_HEADER
from rwakit.api.schemas.common import ADDRESS_FORMAT
from rwakit.chain.connection import Chain
from rwakit.config import Settings
from rwakit.platform import Platform
from rwakit.registry import InvestorInput
from rwakit.tokenize import AssetSpec
from tests.api.conftest import Api
from tests.conftest import YEAR, now

_wallet = st.binary(min_size=20, max_size=20).map(to_checksum_address)
schemathesis.openapi.format(ADDRESS_FORMAT, st.one_of(_wallet, _wallet.map(str.lower)))

# Valid by the schema and refused with 422 by what it cannot say: an amount with more decimals than
# its asset has (too_many_decimals), a batch row naming an unknown investor (invalid_rows), a transfer
# from a wallet the custody holds no key for (wallet_not_custodial), a wallet the custody holds no key
# for (key_not_held), an investor's last wallet (too_many_wallets), an investor id twice in a batch
# (duplicate_investor: JSON Schema's uniqueItems compares whole items), shares authorised past the
# token's 96-bit supply at the asset's decimals (invalid_authorised: the bound depends on two fields), a
# read given both a block and a date (block_and_date: OpenAPI cannot make two query parameters
# exclusive); a trade step from a wallet the custody holds no key for, a buyer without the cash
# (insufficient_cash), a distribution with nobody to pay or a record block not mined yet (no_holders,
# invalid_record_block); a fund's NAV of 0 or an amount with more decimals than the settlement currency has
# (invalid_nav, too_many_decimals), an unknown time zone, a dealing day such as 2026-02-30 (invalid_day), a
# fund route naming an asset that is a property (not_a_fund).
STATEFUL_422 = [
    "POST /assets",
    "POST /issuances",
    "POST /issuances/batch",
    "POST /transfers/check",
    "POST /transfers",
    "POST /assets/{asset}/freeze-shares",
    "POST /assets/{asset}/unfreeze-shares",
    "POST /assets/{asset}/freeze-shares/batch",
    "POST /assets/{asset}/unfreeze-shares/batch",
    "POST /assets/{asset}/forced-transfers",
    "POST /assets/{asset}/forced-transfers/batch",
    "POST /assets/{asset}/redeem",
    "PUT /assets/{asset}/rules/minimum-lot",
    "PUT /assets/{asset}/rules/max-balance",
    "POST /custodial-wallets",
    "DELETE /investors/{investor_id}/wallets/{wallet}",
    "POST /investors/batch",
    "GET /assets/{asset}",
    "GET /assets/{asset}/cap-table",
    "GET /assets/{asset}/register",
    "GET /investors/{investor_id}/holdings",
    "GET /investors/{investor_id}/transfers",
    "GET /investors/{investor_id}",
    "GET /assets/{asset}/rules",
    "GET /assets/{asset}/documents",
    "GET /assets/{asset}/documents/{name}",
    "GET /assets/{asset}/wallets/{wallet}",
    "GET /funds",
    "GET /funds/{asset}",
    "GET /funds/{asset}/nav",
    "GET /funds/{asset}/days",
    "GET /funds/{asset}/requests",
    "POST /trades",
    "POST /trades/{trade_id}/accept",
    "POST /trades/{trade_id}/settle",
    "POST /trades/{trade_id}/cancel",
    "POST /distributions",
    "POST /funds/{fund}/vault",
    "POST /funds/{fund}/terms",
    "POST /funds/{fund}/navs",
    "POST /funds/{fund}/navs/{nav_id}/confirm",
    "POST /funds/{fund}/dealing-days/{day}/settle",
    "POST /funds/{fund}/subscriptions",
    "POST /funds/{fund}/redemptions",
    "POST /funds/{fund}/{side}/cancel",
    "POST /funds/{fund}/{side}/cancelled/claim",
    "POST /funds/{fund}/{side}/claim",
]
CONFIG = schemathesis.Config.from_dict(
    {
        "base-url": "http://testserver",
        # The coverage phase derives boundary values from patterns alone, past the formats that carry
        # what patterns cannot (an EIP-55 checksum: a mixed-case address with a wrong one).
        "phases": {"coverage": {"enabled": False}},
        "operations": [
            {
                "include-name": STATEFUL_422,
                "checks": {
                    "positive_data_acceptance": {"expected-statuses": ["2xx", "401", "403", "404", "409", "422"]}
                },
            }
        ],
    }
)


class SessionApp:
    """The schema is loaded at import, the app (on the session's chain) made by a fixture: every request
    schemathesis sends, its checks' probes included, goes through this to the app of the running test."""

    app: FastAPI | None = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        assert self.app is not None
        await self.app(scope, receive, send)


SESSION_APP = SessionApp()
schema = schemathesis.openapi.from_dict(
    create_app(Settings(_env_file=None, db_url="sqlite://")).openapi(),
    config=CONFIG,
)
schema.app = SESSION_APP
ROLES = ["anonymous", "admin", "issuer", "registrar", "compliance", "investor"]


@pytest.fixture(params=ROLES)
def role(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="module")
def seeded(chain: Chain, api_platform: Platform) -> Iterator[str]:
    """An asset and an investor for the examples to find; the chain is reverted after each test, and
    to before them after the module."""
    snapshot = chain.w3.provider.make_request("evm_snapshot", [])["result"]  # type: ignore[arg-type]
    wallet = chain.signers[1].address
    api_platform.registry.register(InvestorInput("HK-0001", [wallet], "HK", "professional", now(chain) + YEAR))
    api_platform.assets.create(AssetSpec("Harbour View Tower", "HVT", 6, "property", "1000000"))
    yield "HK-0001"
    chain.w3.provider.make_request("evm_revert", [snapshot])  # type: ignore[arg-type]
    api_platform.txm.reset_nonce()


@pytest.mark.parametrize("db_engine", ["sqlite"], indirect=True)
@schema.parametrize()
@settings(max_examples=5, deadline=None, suppress_health_check=list(HealthCheck))
def test_schema(case: Any, role: str, app: FastAPI, api: Api, seeded: str) -> None:
    SESSION_APP.app = app
    headers = {}
    if role != "anonymous":
        headers["Authorization"] = f"Bearer {api.key(role, seeded if role == 'investor' else None)}"
    if case.headers and IDEMPOTENCY_HEADER in case.headers and not case.meta.generation.mode.is_negative:
        # A key names one request: the same key with another request is 422 idempotency_key_reused.
        case.headers[IDEMPOTENCY_HEADER] = uuid.uuid4().hex
    case.call_and_validate(headers=headers)
