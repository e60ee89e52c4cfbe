"""Holdings (exact decimal strings at one pinned block), history, transfer pre-checks and custodial transfers."""

from __future__ import annotations

import pytest
from eth_account import Account

from rwakit.contracts.restrictions import Restriction
from tests.api.conftest import Api, ok, refused


@pytest.fixture
def seeded(api: Api, wallets: list[str]) -> Api:
    """HVT (6 decimals) and PRIF (4 decimals); HK-0001 with two custodial wallets, SG-0001 with one."""
    api.create_asset("HVT", "1000000", 6)
    api.create_asset("PRIF", "50000000", 4)
    api.register("HK-0001", wallets[0], wallets[1])
    api.register("SG-0001", wallets[2], country="SG")
    for wallet in wallets[:3]:
        ok(api.registrar.post("/custodial-wallets", json={"address": wallet}), 201)
    ok(api.issue("HVT", "HK-0001", "250000.5"), 201)
    ok(api.issue("HVT", wallets[1], "0.000001"), 201)
    ok(api.issue("PRIF", "HK-0001", "2750000.2525"), 201)
    ok(api.issue("HVT", "SG-0001", "10"), 201)
    return api


def test_holdings_across_assets_in_exact_decimal_strings_at_one_block(seeded: Api, wallets: list[str]) -> None:
    api = seeded
    body = ok(api.investor("HK-0001").get("/investors/HK-0001/holdings"))
    w3 = api.platform.chain.w3
    assert body["block_number"] == w3.eth.block_number
    assert body["block_hash"] == w3.eth.get_block(body["block_number"])["hash"].to_0x_hex()
    hvt, prif = body["holdings"]
    assert hvt["symbol"] == "HVT" and hvt["amount"] == "250000.500001" and hvt["base_units"] == "250000500001"
    assert hvt["wallets"] == {wallets[0]: "250000.5", wallets[1]: "0.000001"} and hvt["decimals"] == 6
    assert (
        prif["symbol"] == "PRIF"
        and prif["amount"] == "2750000.2525"
        and prif["wallets"] == {wallets[0]: "2750000.2525"}
    )
    assert ok(api.issuer.get("/investors/SG-0001/holdings"))["holdings"][0]["amount"] == "10"
    api.register("EMPTY", Account.create().address)
    assert ok(api.registrar.get("/investors/EMPTY/holdings"))["holdings"] == []
    refused(api.issuer.get("/investors/NOBODY/holdings"), 404, "investor_not_found")


def test_an_investor_key_sees_only_its_own_holdings_and_history(seeded: Api) -> None:
    api = seeded
    mine = api.investor("SG-0001")
    ok(mine.get("/investors/SG-0001/holdings"))
    refused(mine.get("/investors/HK-0001/holdings"), 403, "forbidden_investor")
    refused(mine.get("/investors/HK-0001/transfers"), 403, "forbidden_investor")
    refused(mine.get("/investors/HK-0001"), 403, "forbidden_investor")
    refused(mine.get("/investors"), 403, "forbidden")
    refused(mine.get("/issuances"), 403, "forbidden")


def test_history_lists_issues_and_transfers_of_the_investors_wallets(seeded: Api, wallets: list[str]) -> None:
    api = seeded
    ok(api.investor("HK-0001").post("/transfers", json={"asset": "HVT", "from": wallets[0], "to": "SG-0001",
                                                        "amount": "0.5"}), 201)  # fmt: skip
    ok(api.investor("HK-0001").post("/transfers", json={"asset": "HVT", "from": wallets[0], "to": wallets[1],
                                                        "amount": "1"}), 201)  # fmt: skip
    history = ok(api.investor("HK-0001").get("/investors/HK-0001/transfers"))
    moves = [(t["symbol"], t["kind"], t["amount"]) for t in history["transfers"]]
    assert moves == [("HVT", "issue", "250000.5"), ("HVT", "issue", "0.000001"), ("PRIF", "issue", "2750000.2525"),
                     ("HVT", "out", "0.5"), ("HVT", "internal", "1")]  # fmt: skip
    out = history["transfers"][3]
    assert out["from"] == wallets[0] and out["to"] == wallets[2] and out["tx_hash"].startswith("0x")
    sg = ok(api.investor("SG-0001").get("/investors/SG-0001/transfers"))["transfers"]
    assert [(t["kind"], t["amount"]) for t in sg] == [("issue", "10"), ("in", "0.5")]


def test_transfer_pre_check_says_why(seeded: Api, wallets: list[str]) -> None:
    api = seeded
    check = {"asset": "HVT", "from": wallets[0], "to": "SG-0001", "amount": "1.5"}
    allowed = ok(api.investor("HK-0001").post("/transfers/check", json=check))
    assert allowed == {"allowed": True, "reason_code": Restriction.SUCCESS, "reason": "success",
                       "message": allowed["message"], "asset": "HVT", "from": wallets[0], "to": wallets[2],
                       "amount": "1.5"}  # fmt: skip
    stranger = Account.create().address
    no = ok(api.issuer.post("/transfers/check", json={**check, "to": stranger}))
    assert (no["allowed"], no["reason_code"], no["reason"]) == (
        False, Restriction.RECEIVER_NOT_REGISTERED, "receiver_not_registered"
    ) and no["message"]  # fmt: skip
    too_much = ok(api.issuer.post("/transfers/check", json={**check, "amount": "250001"}))
    assert too_much["reason"] == "insufficient_balance"
    ok(api.registrar.post("/investors/SG-0001/revoke"))
    assert ok(api.issuer.post("/transfers/check", json=check))["reason"] == "receiver_revoked"
    refused(api.issuer.post("/transfers/check", json={**check, "amount": "0.0000001"}), 422, "too_many_decimals")
    refused(api.issuer.post("/transfers/check", json={**check, "to": "0x12"}), 422, "invalid_address")
    refused(api.issuer.post("/transfers/check", json={**check, "asset": "NOPE"}), 404, "asset_not_found")
    refused(api.investor("SG-0001").post("/transfers/check", json=check), 403, "forbidden_wallet")


def test_a_custodial_transfer_is_signed_by_the_platform(seeded: Api, wallets: list[str]) -> None:
    api = seeded
    moved = ok(api.investor("HK-0001").post("/transfers", json={"asset": "HVT", "from": wallets[0], "to": "SG-0001",
                                                                "amount": "100.25"}), 201)  # fmt: skip
    assert moved["from"] == wallets[0] and moved["to"] == wallets[2] and moved["amount"] == "100.25"
    assert ok(api.issuer.get("/investors/SG-0001/holdings"))["holdings"][0]["amount"] == "110.25"
    (logged,) = ok(api.admin.get("/transactions", params={"ref": "transfer:"}))
    assert logged["tx_hash"] == moved["tx_hash"] and logged["sender"] == wallets[0] and logged["status"] == "mined"
    by_admin = {"asset": "PRIF", "from": wallets[0], "to": wallets[2], "amount": "0.0001"}
    ok(api.admin.post("/transfers", json=by_admin), 201)
    listed = ok(api.registrar.get("/custodial-wallets"))
    assert [(w["address"], w["investor_id"]) for w in listed] == sorted(
        [(wallets[0], "HK-0001"), (wallets[1], "HK-0001"), (wallets[2], "SG-0001")])  # fmt: skip
    assert listed[0]["key_ref"].startswith("dev:")


def test_transfer_refusals(seeded: Api, wallets: list[str]) -> None:
    api = seeded
    body = {"asset": "HVT", "from": wallets[0], "to": "SG-0001", "amount": "1"}
    hk = api.investor("HK-0001")
    refused(api.investor("SG-0001").post("/transfers", json=body), 403, "forbidden_wallet")
    refused(api.issuer.post("/transfers", json=body), 403, "forbidden")
    refused(api.registrar.post("/transfers", json=body), 403, "forbidden")
    stranger = Account.create().address
    refused(hk.post("/transfers", json={**body, "to": stranger}), 409, "compliance_refused")
    refused(hk.post("/transfers", json={**body, "amount": "0.0000001"}), 422, "too_many_decimals")
    refused(hk.post("/transfers", json={**body, "from": "HK-0001"}), 422, "invalid_address")

    ok(api.issuer.post("/assets/HVT/pause"))
    paused = refused(hk.post("/transfers", json=body), 409, "compliance_refused")
    assert (paused["reason_code"], paused["reason"]) == (Restriction.PAUSED, "paused")
    assert ok(hk.post("/transfers/check", json=body))["reason"] == "paused"
    ok(api.issuer.post("/assets/HVT/unpause"))

    api.register("OWN-WALLET", wallets[5])  # registered, but its key is not in the platform's custody records
    own = {"asset": "HVT", "from": wallets[5], "to": "SG-0001", "amount": "1"}
    refused(api.admin.post("/transfers", json=own), 422, "wallet_not_custodial")
    assert ok(api.issuer.get("/investors/SG-0001/holdings"))["holdings"][0]["amount"] == "10"


def test_custodial_wallets_need_a_key_the_platform_holds(seeded: Api, wallets: list[str]) -> None:
    api = seeded
    refused(api.registrar.post("/custodial-wallets", json={"address": Account.create().address}), 422, "key_not_held")
    refused(api.registrar.post("/custodial-wallets", json={"address": wallets[0]}), 409, "custodial_wallet_exists")
    refused(api.issuer.post("/custodial-wallets", json={"address": wallets[4]}), 403, "forbidden")
    refused(api.registrar.post("/custodial-wallets", json={"address": "nope"}), 422, "invalid_address")
