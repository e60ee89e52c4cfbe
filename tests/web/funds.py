"""Helpers of the dashboard's fund tests: a fund (HMMF) with its vault opened over the API (the platform's
signer is its admin, valuer and manager), self-custodied investor wallets that deal from their own keys,
and a dealing day closed and settled."""

from __future__ import annotations

import re
import secrets
from html import unescape
from typing import Any

from eth_account.signers.local import LocalAccount
from web3.types import TxReceipt

from rwakit.chain.signer import LocalKeySigner
from rwakit.funds.models import DAY
from rwakit.funds.services import Funds
from rwakit.platform import Platform
from rwakit.settlement.services import Settlement
from tests.api.conftest import Api, ok
from tests.conftest import advance_time


def keyed() -> dict[str, str]:
    return {"Idempotency-Key": secrets.token_hex(8)}


def open_fund(api: Api, wallets: list[str]) -> None:
    """HMMF (4 decimals) with its vault at NAV 10, subscription fee 50 bps; cash account wallets[5]."""
    api.create_asset("HMMF", "100000000", 4, kind="fund")
    Settlement.open(api.platform).cash.mint(wallets[5], "100000")
    body = {"initial_nav": "10", "cash_account": wallets[5], "fee_account": wallets[6], "subscription_fee_bps": 50,
            "min_subscription": "1000"}  # fmt: skip
    ok(api.admin.post("/funds/HMMF/vault", json=body, headers=keyed()), 201)


def fund_wallet(platform: Platform, account: LocalAccount, cash: str = "100000") -> LocalKeySigner:
    """Gas and settlement cash for a self-custodied wallet; its signer."""
    platform.chain.w3.provider.make_request("anvil_setBalance", [account.address, hex(10**20)])  # type: ignore[arg-type]
    Settlement.open(platform).cash.mint(account.address, cash)
    return LocalKeySigner(account)


def subscribe(platform: Platform, account: LocalAccount, amount: str) -> None:
    Funds.open(platform).dealing.subscribe(LocalKeySigner(account), "HMMF", amount)


def close_day(platform: Platform) -> int:
    """Mine a block just past the open dealing day's cut-off; that day's number."""
    fund = Funds.open(platform).vaults.get("HMMF")
    day = fund.open_day
    advance_time(platform.chain, day * DAY + fund.cutoff - int(platform.chain.w3.eth.get_block("latest")["timestamp"])
                 + 1)  # fmt: skip
    return day


def deal(api: Api, nav: str = "10") -> int:
    """Close the open day, publish `nav` and settle the day through the API (as the issuer); the day."""
    day = close_day(api.platform)
    ok(api.issuer.post("/funds/HMMF/navs", json={"nav": nav}, headers=keyed()), 201)
    ok(api.issuer.post(f"/funds/HMMF/dealing-days/{day}/settle", headers=keyed()))
    return day


def send_from(api: Api, account: LocalAccount, to: str, data: str) -> TxReceipt:
    """What the page's wallet does with a claim button: send its call from `account`, then wait for the index."""
    w3 = api.platform.chain.w3
    nonce = w3.eth.get_transaction_count(account.address)
    tx: dict[str, Any] = {"from": account.address, "to": to, "data": data, "chainId": w3.eth.chain_id,
                          "gasPrice": w3.eth.gas_price, "nonce": nonce}  # fmt: skip
    tx["gas"] = w3.eth.estimate_gas(tx)  # type: ignore[arg-type]
    receipt = w3.eth.wait_for_transaction_receipt(
        w3.eth.send_raw_transaction(account.sign_transaction(tx).raw_transaction)
    )
    ok(api.admin.get("/funds", params={"min_block": receipt["blockNumber"]}))  # the index has read it
    return receipt


def claim_buttons(html: str) -> list[tuple[str, str, str]]:
    """The claim buttons of a page: (what it does, as its aria-label says, to, data)."""
    found = re.findall(r'<button type="button" class="claim" data-to="([^"]+)" data-data="([^"]+)"\s+'
                       r'aria-label="([^"]*) \([A-Z0-9]+ [a-z]+\)">', html)  # fmt: skip
    return [(unescape(label), to, data) for to, data, label in found]
