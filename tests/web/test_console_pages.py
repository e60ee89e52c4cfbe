"""The console's and portal's money-leg pages and the register export, over HTTP."""

from __future__ import annotations

import pytest
from eth_account import Account
from eth_account.messages import encode_defunct

from tests.api.conftest import Api, ok


@pytest.fixture
def staff(api: Api, wallets: list[str]) -> Api:
    api.create_asset("HVT")
    api.register("HK-0101", wallets[0])
    ok(api.issue("HVT", "HK-0101", "7.25"), 201)
    api.client.post("/web/console/sign-in", data={"api_key": api.key("registrar")})
    return api


def test_distributions_before_any(staff: Api) -> None:
    page = staff.client.get("/web/console/distributions")
    assert page.status_code == 200 and "No distributions yet." in page.text


def test_the_register_of_holders_downloads_as_the_api_gives_it(staff: Api, wallets: list[str]) -> None:
    csv = staff.client.get("/web/console/assets/HVT/register")
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    assert "attachment" in csv.headers["content-disposition"] and "HK-0101" in csv.text and "7.25" in csv.text
    api_csv = staff.registrar.get("/assets/HVT/register")
    assert csv.text == api_csv.text
    xlsx = staff.client.get("/web/console/assets/HVT/register?format=xlsx")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"  # a zip: the workbook
    assert staff.client.get("/web/console/assets/HVT/register?format=pdf").status_code == 422
    assert staff.client.get("/web/console/assets/NOPE/register").status_code == 404
    staff.client.cookies.clear()
    assert staff.client.get("/web/console/assets/HVT/register", follow_redirects=False).status_code == 303


def test_an_investor_without_trades_sees_none(api: Api) -> None:
    api.create_asset("HVT")
    account = Account.create()
    api.register("HK-0102", account.address)
    chain_id = api.platform.deployment.chain_id
    text = api.client.post("/web/siwe/message", json={"address": account.address, "chain_id": chain_id}).json()
    signature = Account.sign_message(encode_defunct(text=text["message"]), account.key).signature.to_0x_hex()
    ok(api.client.post("/web/siwe/verify", json={"message": text["message"], "signature": signature}))
    page = api.client.get("/web/portal/trades")
    assert page.status_code == 200 and "No trades." in page.text


def test_a_form_with_too_many_fields_is_refused(api: Api) -> None:
    answer = api.client.post("/web/console/sign-in", content="&".join(f"f{i}=1" for i in range(11)),
                             headers={"Content-Type": "application/x-www-form-urlencoded"})  # fmt: skip
    assert answer.status_code == 422 and "invalid_form" in answer.text
