"""Issuers sign in to the console with their wallet (Sign-In with Ethereum, the message naming the console's
sign-in page): a wallet holding the platform's issuer role on chain (the asset factory's ISSUER_ROLE, or an
owner of the Safe that holds it) gets an issuer session, checked again on every page; others are refused."""

from __future__ import annotations

import re
from typing import Any

from eth_account import Account
from eth_account.messages import defunct_hash_message
from eth_account.signers.local import LocalAccount

from rwakit.chain.signer import Signer
from rwakit.platform import Platform
from tests.api.conftest import Api, TestClient, ok, refused
from tests.web.test_console_funds import safe_api
from tests.web.test_siwe_http import ORIGIN, signed, verify

__all__ = ["safe_api"]


def console_message(client: TestClient, address: str, chain_id: int, console: bool = True) -> str:
    answer = client.post("/web/siwe/message", json={"address": address, "chain_id": chain_id, "console": console})
    assert answer.status_code == 200, answer.text
    text: str = answer.json()["message"]
    return text


def grant_issuer(platform: Platform, wallet: str, grant: bool = True) -> None:
    factory = platform.assets.factory
    role = factory.functions.ISSUER_ROLE().call()
    call = (factory.functions.grantRole if grant else factory.functions.revokeRole)(role, wallet)
    platform.txm.transact(platform.chain.operator, call, label="the issuer role for a test wallet")


def words(html: str) -> str:
    return " ".join(html.split())


def test_an_issuer_wallet_signs_in_to_the_console_and_issues(api: Api, wallets: list[str]) -> None:
    chain_id = api.platform.deployment.chain_id
    issuer: LocalAccount = Account.create()
    text = console_message(api.client, issuer.address, chain_id)
    assert f"URI: {ORIGIN}/web/console/sign-in\n" in text and "issuer console" in text
    refused(verify(api.client, text, signed(text, issuer)), 403, "wallet_not_issuer")  # no role yet
    assert "rwakit_session" not in api.client.cookies

    grant_issuer(api.platform, issuer.address)
    text = console_message(api.client, issuer.address, chain_id)
    answer = verify(api.client, text, signed(text, issuer))
    assert ok(answer) == {"wallet": issuer.address, "role": "issuer", "next": "/web/console"}
    assert "HttpOnly" in answer.headers["set-cookie"]
    console = api.client.get("/web/console")
    assert console.status_code == 200 and f"wallet {issuer.address[:6]}…{issuer.address[-4:]} (issuer)" in words(
        console.text
    )
    # it issues as an issuer key does (the platform's signer sends; the keyed request is the wallet's)
    api.create_asset("HVT")
    api.register("HK-0501", wallets[0])
    page = api.client.post("/web/console/issue/preview", data={"asset": "HVT", "csv": "HK-0501,3"})
    key = re.search(r'name="idempotency_key" value="([0-9a-f]{32})"', page.text).group(1)  # type: ignore[union-attr]
    done = api.client.post("/web/console/issue", data={"asset": "HVT", "csv": "HK-0501,3", "idempotency_key": key})
    assert done.status_code == 200 and "1 row of HVT issued" in words(done.text), done.text
    assert api.total_supply("HVT") == 3_000_000

    grant_issuer(api.platform, issuer.address, grant=False)  # the role revoked on chain ends its sessions
    assert api.client.get("/web/console", follow_redirects=False).headers["location"] == "/web/console/sign-in"


def test_other_wallets_and_borrowed_signatures_are_refused(api: Api, wallets: list[str]) -> None:
    chain_id = api.platform.deployment.chain_id
    investor: LocalAccount = Account.create()
    api.register("HK-0502", investor.address)
    text = console_message(api.client, investor.address, chain_id)  # a registered investor is not an issuer
    refused(verify(api.client, text, signed(text, investor)), 403, "wallet_not_issuer")

    issuer: LocalAccount = Account.create()
    grant_issuer(api.platform, issuer.address)
    portal = console_message(api.client, issuer.address, chain_id, console=False)
    assert f"URI: {ORIGIN}/web/sign-in\n" in portal
    refused(verify(api.client, portal, signed(portal, issuer)), 403, "wallet_not_registered")  # not the console
    portal = console_message(api.client, issuer.address, chain_id, console=False)
    moved = portal.replace("/web/sign-in", "/web/console/sign-in")  # a portal signature moved to the console
    refused(verify(api.client, moved, signed(portal, issuer)), 401, "siwe_bad_signature")
    other = console_message(api.client, issuer.address, chain_id)
    refused(verify(api.client, other, signed(other, investor)), 401, "siwe_bad_signature")  # signed by another
    refused(api.client.post("/web/siwe/message", json={"address": issuer.address, "chain_id": chain_id,
                                                       "console": "perhaps"}), 422, "invalid_request")  # fmt: skip
    assert api.client.get("/web/console", follow_redirects=False).status_code == 303  # no session was opened


def _sign(signer: Signer, text: str) -> str:
    return "0x" + signer.sign_digest(bytes(defunct_hash_message(text=text))).hex()


def test_an_owner_of_the_safe_that_holds_the_issuer_role_signs_in(safe_api: Api, chain: Any) -> None:
    api = safe_api
    chain_id = api.platform.deployment.chain_id
    owner, stranger = chain.signers[7], chain.signers[1]
    text = console_message(api.client, stranger.address, chain_id)
    refused(verify(api.client, text, _sign(stranger, text)), 403, "wallet_not_issuer")
    operator = chain.operator  # handed its roles to the Safe: no longer an issuer
    text = console_message(api.client, operator.address, chain_id)
    refused(verify(api.client, text, _sign(operator, text)), 403, "wallet_not_issuer")
    text = console_message(api.client, owner.address, chain_id)
    ok(verify(api.client, text, _sign(owner, text)))
    assert "Approval queue" in api.client.get("/web/console/approvals").text


def test_a_wallet_sessions_prefix_never_equals_an_api_keys() -> None:
    """Keyed requests are scoped by the principal's prefix: an API key's is 8 hex digits, a wallet's starts
    with "w", so a wallet chosen to start with a key's digits cannot share that key's idempotency keys."""
    from rwakit.web.auth import WalletStaff

    prefix = WalletStaff.of_wallet("0x2251F49b00000000000000000000000000000000").prefix
    assert prefix == "w2251f49" and len(prefix) == 8 and not all(c in "0123456789abcdef" for c in prefix)
