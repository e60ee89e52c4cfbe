"""The console's dealing days and approval queue over HTTP: NAV history and days (open, closed, settled), a
closed day settled once through the API's fund desk though its form is sent twice, refusals (roles, unknown
funds, open days, no NAV after the cut-off, missing keys), and the Safe's pending proposals."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from eth_account import Account
from sqlalchemy.engine import Engine

from rwakit.api import create_app
from rwakit.chain.connection import Chain
from rwakit.config import Settings
from rwakit.custody.handover import hand_roles_to
from rwakit.custody.safe import SafeSpec, deploy_safe
from rwakit.funds.models import day_date
from rwakit.funds.services import Funds
from rwakit.platform import Platform
from tests.api.conftest import Api, TestClient, clear_tables, ok
from tests.web.funds import close_day, fund_wallet, keyed, open_fund, subscribe


def staff(api: Api, role: str = "issuer") -> None:
    signed_in = api.client.post("/web/console/sign-in", data={"api_key": api.key(role)}, follow_redirects=False)
    assert signed_in.status_code == 303, signed_in.text


def settle_form(html: str) -> tuple[str, str]:
    """The page's settle form: its action and idempotency key."""
    action = re.search(r'<form method="post" action="([^"]+/settle)"', html)
    key = re.search(r'name="idempotency_key" value="([^"]+)"', html)
    assert action and key, html
    return action.group(1), key.group(1)


def test_dealing_days_and_a_closed_day_settled_once(api: Api, wallets: list[str]) -> None:
    open_fund(api, wallets)
    investor = Account.create()
    api.register("HK-0401", investor.address)
    fund_wallet(api.platform, investor)
    subscribe(api.platform, investor, "10000")
    staff(api)
    listed = api.client.get("/web/console/funds").text
    assert 'href="/web/console/funds/HMMF"' in listed and "Harbour" not in listed and ">10<" in listed
    day = Funds.open(api.platform).vaults.get("HMMF").open_day
    opened = api.client.get("/web/console/funds/HMMF").text
    assert day_date(day).isoformat() in opened and "Open" in opened and "/settle" not in opened
    assert "10000" in opened and "accepted" in opened  # the day's subscriptions; the opening NAV

    close_day(api.platform)
    refused = api.client.post(f"/web/console/funds/HMMF/days/{day}/settle", data={"idempotency_key": "early"})
    assert refused.status_code == 409 and "nav_before_cutoff" in refused.text  # no NAV valued after the cut-off
    ok(api.issuer.post("/funds/HMMF/navs", json={"nav": "10.2"}, headers=keyed()), 201)
    closed = api.client.get("/web/console/funds/hmmf").text  # any case, as the API takes it
    action, key = settle_form(closed)
    assert action == f"/web/console/funds/HMMF/days/{day}/settle" and "10.2" in closed
    first = api.client.post(action, data={"idempotency_key": key})
    assert first.status_code == 200 and "NAV</dt><dd>10.2" in first.text and "sent before" not in first.text
    again = api.client.post(action, data={"idempotency_key": key})  # a double click, a reload
    assert again.status_code == 200 and "sent before" in again.text
    settled = api.client.get("/web/console/funds/HMMF").text
    assert "Settled at NAV 10.2" in settled and "/settle" not in settled
    assert Funds.open(api.platform).vaults.day("HMMF", day).settled
    other = api.client.post(action, data={"idempotency_key": "another"})
    assert other.status_code == 409 and "dealing_day_settled" in other.text


def test_settling_is_refused_to_other_roles_and_for_bad_input(api: Api, wallets: list[str]) -> None:
    open_fund(api, wallets)
    open_day = Funds.open(api.platform).vaults.get("HMMF").open_day
    staff(api)
    no_key = api.client.post(f"/web/console/funds/HMMF/days/{open_day}/settle")
    assert no_key.status_code == 422 and "idempotency_key_required" in no_key.text
    still_open = api.client.post(f"/web/console/funds/HMMF/days/{open_day}/settle", data={"idempotency_key": "k1"})
    assert still_open.status_code == 409 and "dealing_day_open" in still_open.text
    for bad in ("-1", "1000000", "x"):
        assert (
            api.client.post(f"/web/console/funds/HMMF/days/{bad}/settle", data={"idempotency_key": "k"}).status_code
            == 422
        )
    unknown = api.client.get("/web/console/funds/NOPE")
    assert unknown.status_code == 404 and "fund_not_found" in unknown.text
    api.create_asset("HVT")
    assert api.client.get("/web/console/funds/HVT").status_code == 404  # an asset without a vault
    staff(api, "registrar")
    page = api.client.get("/web/console/funds/HMMF")
    assert page.status_code == 200 and "/settle" not in page.text
    forbidden = api.client.post(f"/web/console/funds/HMMF/days/{open_day}/settle", data={"idempotency_key": "k2"})
    assert forbidden.status_code == 403 and "Settling a dealing day needs an issuer or admin key" in forbidden.text
    api.client.post("/web/sign-out")
    assert api.client.get("/web/console/funds", follow_redirects=False).headers["location"] == "/web/console/sign-in"
    assert api.client.post(f"/web/console/funds/HMMF/days/{open_day}/settle", data={"idempotency_key": "k3"},
                           follow_redirects=False).status_code == 303  # fmt: skip


def test_no_safe_no_approval_queue(api: Api) -> None:
    staff(api, "compliance")
    page = api.client.get("/web/console/approvals")
    assert page.status_code == 200 and "No Safe holds this platform" in page.text


@pytest.fixture
def safe_api(chain: Chain, platform: Platform, api_settings: Settings, db_engine: Engine) -> Iterator[Api]:
    """The platform's roles handed to a 2-of-2 Safe of chain signers 7 and 8."""
    safe = deploy_safe(chain, platform.txm, SafeSpec((chain.signers[7].address, chain.signers[8].address), 2))
    hand_roles_to(platform, safe.address, chain.operator)
    held = Platform.open(chain, platform.deployment.held_by(safe.address))
    with TestClient(create_app(api_settings, platform=held, engine=db_engine)) as client:
        yield Api(client=client, engine=db_engine, platform=held)
    clear_tables(db_engine)


def test_the_approval_queue_lists_the_safes_pending_proposals(safe_api: Api) -> None:
    api = safe_api
    body = {"name": "Queued Tower", "symbol": "QTW", "decimals": 0, "shares_authorised": "100", "kind": "property"}
    proposed = api.issuer.post("/assets", json=body)
    assert proposed.status_code == 202 and proposed.json()["code"] == "approval_pending", proposed.text
    staff(api, "registrar")  # read-only: any staff
    page = api.client.get("/web/console/approvals")
    assert page.status_code == 200 and "QTW" in page.text and "0 of 2" in page.text and "pending" in page.text
