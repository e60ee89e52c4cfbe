"""The portal's funds over HTTP: fund holdings valued at the latest NAV, and the Dealing page's pending,
claimable and cancelled requests whose claims the signed-in wallet sends itself (the page's call is sent
here as the browser's wallet would send it); other wallets' and other investors' requests get no claim."""

from __future__ import annotations

import pytest
from eth_account import Account
from eth_account.signers.local import LocalAccount
from web3.exceptions import ContractLogicError

from rwakit.chain.signer import LocalKeySigner
from rwakit.funds.dealing import Side
from rwakit.funds.services import Funds
from rwakit.settlement.services import Settlement
from tests.api.conftest import Api, ok
from tests.web.funds import claim_buttons, deal, fund_wallet, open_fund, send_from, subscribe
from tests.web.test_siwe_http import new_message, signed, verify


def sign_in(api: Api, account: LocalAccount) -> None:
    text = new_message(api.client, account, api.platform.deployment.chain_id)
    ok(verify(api.client, text, signed(text, account)))


def test_fund_holdings_at_nav_and_dealing_claims_sent_by_the_wallet(api: Api, wallets: list[str]) -> None:
    open_fund(api, wallets)
    alice, other_wallet, stranger = Account.create(), Account.create(), Account.create()
    api.register("HK-0301", alice.address, other_wallet.address)
    api.register("SG-0301", stranger.address, country="SG")
    for account in (alice, other_wallet):
        fund_wallet(api.platform, account)
    hkd = Settlement.open(api.platform).cash
    subscribe(api.platform, alice, "10000")
    subscribe(api.platform, other_wallet, "5000")
    sign_in(api, alice)
    pending = api.client.get("/web/portal/dealing").text
    assert "pending" in pending and f"10000 {hkd.symbol}" in pending and other_wallet.address in pending
    assert claim_buttons(pending) == []  # nothing to claim before the day is dealt
    deal(api, "10")
    subscribe(api.platform, alice, "2000")  # on the next dealing day: pending beside the claimable shares

    page = api.client.get("/web/portal/dealing")
    assert page.status_code == 200 and page.headers["content-security-policy"].startswith("default-src 'self'")
    ((label, to, data),) = claim_buttons(page.text)  # alice's only: the other wallet must sign in itself
    assert label == "Claim 995 HMMF" and to == Funds.open(api.platform).vaults.get("HMMF").vault
    assert f"2000 {hkd.symbol}" in page.text and f"5000 {hkd.symbol}" not in page.text  # the other's is dealt
    send_from(api, alice, to, data)
    token = api.platform.assets.token("HMMF")
    assert token.functions.balanceOf(alice.address).call() == 995 * 10**4
    assert claim_buttons(api.client.get("/web/portal/dealing").text) == []  # claimed; the 2,000 still pending

    holdings = api.client.get("/web/portal").text
    assert "Value at NAV" in holdings and f"9950 {hkd.symbol}" in holdings and "at 10" in holdings

    # cancelled before its cut-off, the pending subscription is taken back by the wallet's own claim
    Funds.open(api.platform).dealing.cancel(LocalKeySigner(alice), "HMMF", Side.SUBSCRIPTION)
    ok(api.admin.get("/funds", params={"min_block": api.platform.chain.w3.eth.block_number}))
    ((label, to, data),) = claim_buttons(api.client.get("/web/portal/dealing").text)
    assert label == f"Take back 2000 {hkd.symbol}"
    before = hkd.balance(alice.address)
    send_from(api, alice, to, data)
    assert hkd.balance(alice.address) == before + 2000 * 10**6

    # a redemption, dealt at 10.5: its cash claimed by the wallet
    Funds.open(api.platform).dealing.redeem(LocalKeySigner(alice), "HMMF", "100")
    deal(api, "10.5")
    ((label, to, data),) = claim_buttons(api.client.get("/web/portal/dealing").text)
    assert label == f"Claim 1050 {hkd.symbol}"
    send_from(api, alice, to, data)
    assert hkd.balance(alice.address) == before + (2000 + 1050) * 10**6
    left = api.client.get("/web/portal/dealing").text  # alice's all claimed; the other wallet's still claimable
    assert alice.address not in left and other_wallet.address in left and claim_buttons(left) == []
    assert f"9397.5 {hkd.symbol}" in api.client.get("/web/portal").text  # 895 shares at 10.5


def test_the_other_wallet_claims_its_own_and_strangers_see_nothing(api: Api, wallets: list[str]) -> None:
    open_fund(api, wallets)
    alice, other_wallet, stranger = Account.create(), Account.create(), Account.create()
    api.register("HK-0301", alice.address, other_wallet.address)
    api.register("SG-0301", stranger.address, country="SG")
    fund_wallet(api.platform, other_wallet)
    subscribe(api.platform, other_wallet, "5000")
    deal(api, "10")
    sign_in(api, stranger)
    dealing = api.client.get("/web/portal/dealing").text
    assert "No open subscriptions or redemptions" in dealing and other_wallet.address not in dealing
    assert "You hold no shares yet" in api.client.get("/web/portal").text
    bad = api.client.get("/web/portal/dealing", params={"min_block": -1})
    assert bad.status_code == 422 and "invalid_request" in bad.text
    api.client.post("/web/sign-out")
    assert api.client.get("/web/portal/dealing", follow_redirects=False).headers["location"] == "/web/sign-in"
    sign_in(api, other_wallet)
    ((label, to, data),) = claim_buttons(api.client.get("/web/portal/dealing").text)
    assert label == "Claim 497.5 HMMF"  # 5,000 less 0.5 % at 10
    # the call names its controller: sent from a wallet that is not the controller, the vault refuses it
    with pytest.raises(ContractLogicError):
        api.platform.chain.w3.eth.call({"from": alice.address, "to": to, "data": data})  # type: ignore[typeddict-item]
    send_from(api, other_wallet, to, data)
    assert api.platform.assets.token("HMMF").functions.balanceOf(other_wallet.address).call() == 4975 * 10**3
