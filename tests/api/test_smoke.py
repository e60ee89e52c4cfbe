"""A smoke test of the API on every supported chain: each answers a refusal with the same code."""

from __future__ import annotations

import pytest
from eth_account import Account

from rwakit.chain.node import ANVIL_CHAIN_ID, GANACHE_CHAIN_ID
from rwakit.contracts.restrictions import Restriction
from tests.api.conftest import Api, ok, refused

CHAIN_IDS = {"anvil": ANVIL_CHAIN_ID, "ganache": GANACHE_CHAIN_ID, "tester": 131277322940537}  # eth-tester's default


@pytest.mark.every_chain
@pytest.mark.parametrize("db_engine", ["sqlite"], indirect=True)  # the database is not what differs here
def test_issue_refuse_control_and_read_through_the_api(api: Api, wallets: list[str], chain_kind: str) -> None:
    health = ok(api.anonymous.get("/health"))
    assert health["status"] == "ok" and health["chain"]["chain_id"] == CHAIN_IDS[chain_kind]
    api.create_asset("HVT", "1000", 2)
    api.register("HK-0001", wallets[0])
    ok(api.issue("HVT", "HK-0001", "12.5"), 201)

    stranger = Account.create().address
    body = refused(api.issue("HVT", stranger, "1"), 409, "compliance_refused")
    assert (body["reason_code"], body["reason"]) == (Restriction.RECEIVER_NOT_REGISTERED, "receiver_not_registered")
    assert body["error"] == "AssetTransferRestricted"
    body = refused(api.issuer.post("/assets/HVT/unfreeze-shares", json={"wallet": wallets[0], "amount": "1"}), 409,
                   "unfreeze_exceeds_frozen")  # fmt: skip
    assert body["error"] == "AssetUnfreezeExceedsFrozen"

    ok(api.issuer.post("/assets/HVT/freeze", json={"wallet": wallets[0], "reason": "AML case 17"}))
    check = {"asset": "HVT", "from": wallets[0], "to": wallets[0], "amount": "1"}
    assert ok(api.issuer.post("/transfers/check", json=check))["reason"] == "sender_frozen"
    holdings = ok(api.investor("HK-0001").get("/investors/HK-0001/holdings"))["holdings"]
    assert [(h["symbol"], h["amount"]) for h in holdings] == [("HVT", "12.5")]
