"""Sign-In with Ethereum and the dashboard's sessions over HTTP (TestClient), against the session's
Anvil, on SQLite and PostgreSQL: the happy path, and every hostile case the endpoints refuse."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from eth_account import Account
from eth_account.messages import encode_defunct
from eth_account.signers.local import LocalAccount
from sqlmodel import Session

from rwakit.db.clock import utcnow
from rwakit.db.keys import revoke_api_key
from rwakit.db.web import SiweNonce, WebSession, token_hash
from tests.api.conftest import Api, TestClient, ok, refused

ORIGIN = "http://testserver"


def signed(text: str, account: LocalAccount) -> str:
    return str(Account.sign_message(encode_defunct(text=text), account.key).signature.to_0x_hex())


def new_message(client: TestClient, account: LocalAccount, chain_id: int) -> str:
    answer = client.post("/web/siwe/message", json={"address": account.address.lower(), "chain_id": chain_id})
    assert answer.status_code == 200, answer.text
    text: str = answer.json()["message"]
    return text


def verify(client: TestClient, text: str, signature: str) -> Any:
    return client.post("/web/siwe/verify", json={"message": text, "signature": signature})


@pytest.fixture
def investor(api: Api) -> LocalAccount:
    api.create_asset("HVT", document_uri="ipfs://hvt/offering.pdf", document_hash="0x" + "ab" * 32)
    account: LocalAccount = Account.create()
    api.register("HK-0101", account.address)
    ok(api.issue("HVT", "HK-0101", "12.5"), 201)
    return account


def chain_id(api: Api) -> int:
    return api.platform.deployment.chain_id


def test_a_registered_wallet_signs_in_and_sees_its_holdings(api: Api, investor: LocalAccount) -> None:
    text = new_message(api.client, investor, chain_id(api))
    assert text.startswith(f"testserver wants you to sign in with your Ethereum account:\n{investor.address}\n")
    assert f"URI: {ORIGIN}/web/sign-in\nVersion: 1\nChain ID: {chain_id(api)}\n" in text
    answer = verify(api.client, text, signed(text, investor))
    assert ok(answer) == {"investor_id": "HK-0101", "wallet": investor.address, "next": "/web/portal"}
    cookie = answer.headers["set-cookie"]
    assert "rwakit_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert "Path=/web" in cookie and "Secure" not in cookie  # plain HTTP here
    page = api.client.get("/web/portal")
    assert page.status_code == 200 and "HK-0101" in page.text and "12.5" in page.text
    assert page.headers["content-security-policy"].startswith("default-src 'self'")
    assert "HVT" in api.client.get("/web/portal/transfers").text
    assert "No income yet" in api.client.get("/web/portal/income").text  # no distribution on this chain yet
    documents = api.client.get("/web/portal/documents").text
    assert "offering" in documents and "ipfs://hvt/offering.pdf" in documents and "0x" + "ab" * 32 in documents


def test_the_cookie_is_secure_over_https(app: Any, api: Api, investor: LocalAccount) -> None:
    with TestClient(app, base_url="https://testserver") as client:
        text = new_message(client, investor, chain_id(api))
        assert "URI: https://testserver/web/sign-in" in text
        answer = verify(client, text, signed(text, investor))
        assert answer.status_code == 200, answer.text
        assert "Secure" in answer.headers["set-cookie"]


def test_a_replayed_sign_in_is_refused(api: Api, investor: LocalAccount) -> None:
    text = new_message(api.client, investor, chain_id(api))
    signature = signed(text, investor)
    ok(verify(api.client, text, signature))
    api.client.cookies.clear()
    refused(verify(api.client, text, signature), 401, "siwe_nonce_used")
    assert api.client.get("/web/portal", follow_redirects=False).status_code == 303


@pytest.mark.parametrize(
    ("mangle", "code"),
    [
        (lambda t: t.replace("testserver wants", "evil.example wants"), "siwe_wrong_domain"),
        (lambda t: t.replace(f"URI: {ORIGIN}", "URI: https://evil.example"), "siwe_wrong_uri"),
        (lambda t: t.replace("Chain ID: ", "Chain ID: 1"), "siwe_wrong_chain"),
        (lambda t: t.replace("Expiration Time: ", "Expiration Time: 2020-01-01T00:00:00Z\nX: "), "siwe_malformed"),
    ],
)
def test_a_message_for_another_site_or_chain_is_refused(api: Api, investor: LocalAccount, mangle: Any,
                                                        code: str) -> None:  # fmt: skip
    text = mangle(new_message(api.client, investor, chain_id(api)))
    status = 422 if code == "siwe_malformed" else 401
    refused(verify(api.client, text, signed(text, investor)), status, code)


def test_an_expired_message_or_nonce_is_refused(api: Api, investor: LocalAccount) -> None:
    text = new_message(api.client, investor, chain_id(api))
    lines = text.split("\n")
    expired = "\n".join("Expiration Time: 2020-01-01T00:00:00Z" if line.startswith("Expiration") else line
                        for line in lines)  # fmt: skip
    refused(verify(api.client, expired, signed(expired, investor)), 401, "siwe_expired")
    nonce = next(line for line in lines if line.startswith("Nonce: ")).removeprefix("Nonce: ")
    with Session(api.engine) as session:  # the nonce outlived its lifetime while the message still looks fresh
        row = session.get(SiweNonce, nonce)
        assert row is not None
        row.expires_at = utcnow() - timedelta(seconds=1)
        session.add(row)
        session.commit()
    refused(verify(api.client, text, signed(text, investor)), 401, "siwe_nonce_expired")
    new_message(api.client, investor, chain_id(api))  # issuing a nonce deletes the expired ones
    refused(verify(api.client, text, signed(text, investor)), 401, "siwe_unknown_nonce")


def test_an_expired_session_sends_back_to_sign_in(api: Api, investor: LocalAccount) -> None:
    text = new_message(api.client, investor, chain_id(api))
    ok(verify(api.client, text, signed(text, investor)))
    assert api.client.get("/web/portal", follow_redirects=False).status_code == 200
    with Session(api.engine) as session:
        row = session.get(WebSession, token_hash(api.client.cookies["rwakit_session"]))
        assert row is not None and row.investor_id == "HK-0101"
        row.expires_at = utcnow() - timedelta(seconds=1)
        session.add(row)
        session.commit()
    assert api.client.get("/web/portal", follow_redirects=False).headers["location"] == "/web/sign-in"


def test_a_bad_signature_is_refused(api: Api, investor: LocalAccount) -> None:
    text = new_message(api.client, investor, chain_id(api))
    refused(verify(api.client, text, signed(text, Account.create())), 401, "siwe_bad_signature")
    refused(verify(api.client, text, "0x" + "11" * 65), 401, "siwe_bad_signature")
    refused(verify(api.client, text, "0xdead"), 401, "siwe_bad_signature")
    ok(verify(api.client, text, signed(text, investor)))  # refusals before the nonce's check leave it unspent


def test_a_nonce_not_issued_here_is_refused(api: Api, investor: LocalAccount) -> None:
    text = new_message(api.client, investor, chain_id(api))
    nonce = next(line for line in text.split("\n") if line.startswith("Nonce: "))
    forged = text.replace(nonce, "Nonce: 0123456789abcdef01234567")
    refused(verify(api.client, forged, signed(forged, investor)), 401, "siwe_unknown_nonce")


def test_a_wallet_on_another_chain_gets_no_message(api: Api, investor: LocalAccount) -> None:
    answer = api.client.post("/web/siwe/message", json={"address": investor.address, "chain_id": 1})
    assert refused(answer, 401, "siwe_wrong_chain")["chain_id"] == chain_id(api)
    refused(api.client.post("/web/siwe/message", json={"address": "0x12", "chain_id": 1}), 422, "invalid_request")


def test_an_unregistered_wallet_is_refused_with_a_page_to_go_to(api: Api, investor: LocalAccount) -> None:
    stranger: LocalAccount = Account.create()
    text = new_message(api.client, stranger, chain_id(api))
    body = refused(verify(api.client, text, signed(text, stranger)), 403, "wallet_not_registered")
    page = api.client.get(body["next"])
    assert page.status_code == 403 and stranger.address in page.text and "not registered" in page.text
    assert "set-cookie" not in page.headers


def test_pages_send_strangers_to_sign_in_and_sign_out_ends_the_session(api: Api, investor: LocalAccount) -> None:
    for path, sign_in in (
        ("/web/portal", "/web/sign-in"),
        ("/web/portal/income", "/web/sign-in"),
        ("/web/console", "/web/console/sign-in"),
        ("/web/console/kyc", "/web/console/sign-in"),
    ):
        assert api.client.get(path, follow_redirects=False).headers["location"] == sign_in
    text = new_message(api.client, investor, chain_id(api))
    ok(verify(api.client, text, signed(text, investor)))
    token = api.client.cookies["rwakit_session"]
    assert api.client.get("/web/console", follow_redirects=False).status_code == 303  # an investor is not staff
    out = api.client.post("/web/sign-out", follow_redirects=False)
    assert out.status_code == 303 and 'rwakit_session=""' in out.headers["set-cookie"]
    api.client.cookies.set("rwakit_session", token, path="/web")  # the old cookie, kept by an attacker
    assert api.client.get("/web/portal", follow_redirects=False).status_code == 303


def test_staff_sign_in_to_the_console_with_an_api_key(api: Api, investor: LocalAccount) -> None:
    client = api.client
    bad = client.post("/web/console/sign-in", data={"api_key": "rwk_00000000_" + "x" * 30})
    assert bad.status_code == 401 and "unknown or revoked" in bad.text
    investor_key = client.post("/web/console/sign-in", data={"api_key": api.key("investor", "HK-0101")})
    assert investor_key.status_code == 403 and "investors sign in with their wallet" in investor_key.text
    signed_in = client.post("/web/console/sign-in", data={"api_key": api.key("issuer")}, follow_redirects=False)
    assert signed_in.status_code == 303 and signed_in.headers["location"] == "/web/console"
    assert "HttpOnly" in signed_in.headers["set-cookie"]
    assert "HVT" in client.get("/web/console").text
    cap = client.get("/web/console/assets/HVT")
    assert cap.status_code == 200 and "HK-0101" in cap.text and 'id="cap-chart"' in cap.text
    assert client.get("/web/console/assets/HVT?at=2020-01-01").status_code == 409  # before the index: a page
    bad_date = client.get("/web/console/assets/HVT?at=2026-02-30")
    assert bad_date.status_code == 422 and "invalid_date" in bad_date.text
    assert client.get("/web/console/assets/NOPE").status_code == 404
    assert "HK-0101" in client.get("/web/console/kyc?within_days=36500").text
    with Session(api.engine) as session:
        revoke_api_key(session, prefix=api.key("issuer").split("_")[1])
    assert client.get("/web/console", follow_redirects=False).headers["location"] == "/web/console/sign-in"


def test_vendored_chart_js_and_its_source_map_are_served_and_nothing_else(api: Api) -> None:
    chart = api.client.get("/web/vendor/chart.umd.min.js")
    assert chart.status_code == 200 and "Chart" in chart.text[:2000]
    assert chart.text.rstrip().endswith("//# sourceMappingURL=chart.umd.min.js.map")  # asked for beside the script
    source_map = api.client.get("/web/vendor/chart.umd.min.js.map")
    assert source_map.status_code == 200 and source_map.headers["content-type"] == "application/json"
    assert source_map.json()["version"] == 3 and source_map.json()["file"] == "chart.umd.min.js"
    assert api.client.get("/web/vendor/..%2Fpackage.json").status_code == 404
    assert api.client.get("/web/vendor/chart.js.map").status_code == 404  # in node_modules, not vendored
    assert api.client.get("/web/static/sign-in.js").status_code == 200


def test_posts_from_another_site_are_refused(api: Api, investor: LocalAccount) -> None:
    evil = {"Origin": "https://evil.example"}
    text = new_message(api.client, investor, chain_id(api))
    answer = api.client.post("/web/siwe/verify", json={"message": text, "signature": signed(text, investor)},
                             headers=evil)  # fmt: skip
    refused(answer, 403, "cross_site_request")
    page = api.client.post("/web/console/sign-in", data={"api_key": api.key("issuer")}, headers=evil)
    assert page.status_code == 403 and "cross_site_request" in page.text and "set-cookie" not in page.headers
    assert api.client.post("/web/sign-out", headers=evil, follow_redirects=False).status_code == 403
    same = api.client.post("/web/console/sign-in", data={"api_key": api.key("issuer")}, headers={"Origin": ORIGIN},
                           follow_redirects=False)  # fmt: skip
    assert same.status_code == 303
    ok(verify(api.client, text, signed(text, investor)))  # the refused request left the nonce unspent


def test_a_removed_wallet_ends_its_sessions(api: Api, investor: LocalAccount, wallets: list[str]) -> None:
    ok(api.registrar.post("/investors/HK-0101/wallets", json={"address": wallets[0]}), 201)
    text = new_message(api.client, investor, chain_id(api))
    ok(verify(api.client, text, signed(text, investor)))
    assert api.client.get("/web/portal", follow_redirects=False).status_code == 200
    ok(api.registrar.delete(f"/investors/HK-0101/wallets/{investor.address}"))
    assert api.client.get("/web/portal", follow_redirects=False).headers["location"] == "/web/sign-in"
