"""/trades and /distributions: investors trade from their custodial wallets, the issuer distributes,
claims with proofs; roles and wallets checked, refusals with their codes."""

from __future__ import annotations

import pytest

from rwakit.platform import Platform
from rwakit.settlement.services import Settlement
from tests.api.conftest import Api, ok, refused


@pytest.fixture
def seeded(api: Api, wallets: list[str], api_platform: Platform) -> Api:
    """HVT; HK-0001 (custodial wallet 0) holds 1,000 shares, SG-0001 (wallet 2) holds HKD 100,000."""
    api.create_asset("HVT", "1000000", 6)
    api.register("HK-0001", wallets[0])
    api.register("SG-0001", wallets[2], country="SG")
    for wallet in (wallets[0], wallets[2]):
        ok(api.registrar.post("/custodial-wallets", json={"address": wallet}), 201)
    ok(api.issue("HVT", "HK-0001", "1000"), 201)
    cash = Settlement.open(api_platform).cash
    cash.mint(wallets[2], "100000")
    cash.mint(api_platform.chain.operator.address, "100000")
    return api


def test_a_trade_through_the_api(seeded: Api, wallets: list[str]) -> None:
    api = seeded
    hk, sg = api.investor("HK-0001"), api.investor("SG-0001")
    body = {"asset": "HVT", "side": "sell", "wallet": wallets[0], "counterparty": "SG-0001", "quantity": "10",
            "price": "25000.5"}  # fmt: skip
    refused(sg.post("/trades", json=body), 403, "forbidden_wallet")  # not SG-0001's wallet
    trade = ok(hk.post("/trades", json=body), 201)
    assert (trade["status"], trade["quantity"], trade["price"], trade["currency"]) == (
        "proposed",
        "10",
        "25000.5",
        "HKD",
    )
    refused(hk.post(f"/trades/{trade['id']}/settle", json={"wallet": wallets[0]}), 409, "contract_revert")
    accepted = ok(sg.post(f"/trades/{trade['id']}/accept", json={"wallet": wallets[2]}))
    assert accepted["status"] == "accepted"
    assert ok(hk.post(f"/trades/{trade['id']}/settle", json={"wallet": wallets[0]}))["status"] == "settled"
    assert [t["id"] for t in ok(api.issuer.get("/trades", params={"status": "settled"}))] == [trade["id"]]
    refused(api.issuer.get("/trades/99"), 404, "trade_not_found")
    refused(hk.post("/trades/99/accept", json={"wallet": wallets[0]}), 404, "trade_not_found")
    assert api.issuer.get("/trades", params={"status": "lost"}).status_code == 422


def test_a_distribution_through_the_api(seeded: Api, wallets: list[str]) -> None:
    api = seeded
    refused(api.investor("HK-0001").post("/distributions", json={"asset": "HVT", "amount": "1"}), 403, "forbidden")
    d = ok(api.issuer.post("/distributions", json={"asset": "HVT", "amount": "5000.000001", "uri": "ipfs://t"}), 201)
    assert (d["amount"], d["allocated"], d["remainder"], d["claimed"]) == ("5000.000001", "5000.000001", "0", "0")
    mine = ok(api.investor("HK-0001").get(f"/distributions/{d['id']}/claimable/HK-0001"))
    assert mine["amount"] == "5000.000001" and not mine["claimed"] and mine["proof"] == []
    refused(api.investor("SG-0001").get(f"/distributions/{d['id']}/claimable/HK-0001"), 403, "forbidden_wallet")
    refused(api.issuer.get(f"/distributions/{d['id']}/claimable/SG-0001"), 404, "not_a_holder_of_record")
    assert ok(api.investor("HK-0001").post(f"/distributions/{d['id']}/claim", json={"wallet": wallets[0]}))["claimed"]
    refused(api.investor("HK-0001").post(f"/distributions/{d['id']}/claim", json={"wallet": wallets[0]}), 409,
            "contract_revert")  # fmt: skip
    refused(api.issuer.post(f"/distributions/{d['id']}/reclaim"), 409, "contract_revert")  # before the deadline
    assert ok(api.issuer.get("/distributions"))[0]["claimed"] == "5000.000001"


def test_the_register_comes_from_the_index_as_of_the_record_block(
    seeded: Api, wallets: list[str], api_platform: Platform
) -> None:
    api = seeded
    record = api_platform.chain.w3.eth.block_number
    ok(api.investor("HK-0001").post("/transfers", json={"asset": "HVT", "from": wallets[0], "to": "SG-0001",
                                                        "amount": "400"}), 201)  # fmt: skip
    before = ok(api.issuer.post("/distributions", json={"asset": "HVT", "amount": "100", "record_block": record}), 201)
    refused(api.issuer.get(f"/distributions/{before['id']}/claimable/SG-0001"), 404, "not_a_holder_of_record")
    now = ok(api.issuer.post("/distributions", json={"asset": "HVT", "amount": "100"}), 201)
    assert ok(api.issuer.get(f"/distributions/{now['id']}/claimable/SG-0001"))["amount"] == "40"
    latest = api_platform.chain.w3.eth.block_number
    body = {"asset": "HVT", "amount": "1", "record_block": latest + 10}
    refused(api.issuer.post("/distributions", json=body), 422, "invalid_record_block")
