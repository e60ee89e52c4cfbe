"""Investors: register (single and batch), get, update, revoke, reinstate, list; their errors."""

from __future__ import annotations

from eth_account import Account

from tests.api.conftest import YEAR, Api, iso, ok, refused


def test_register_and_get_an_investor_with_their_kyc_reference(api: Api, wallets: list[str]) -> None:
    created = api.register(
        "HK-0001",
        wallets[0],
        wallets[1],
        kyc_reference="KYC-42",
        kyc_provider="Acme KYC",
        name="Mei Chan",
        investor_class="institutional",
    )
    assert created["investor_id"] == "HK-0001" and created["wallets"] == [wallets[0], wallets[1]]
    assert created["country"] == "HK" and created["country_code"] == 344
    assert created["investor_class"] == "institutional" and created["verified"] and not created["revoked"]
    assert (
        created["kyc_reference"] == "KYC-42" and created["kyc_provider"] == "Acme KYC" and created["name"] == "Mei Chan"
    )
    assert isinstance(created["block_number"], int)  # the registration's block: a read's min_block
    got = ok(api.registrar.get("/investors/HK-0001"))  # from the index: it names the block it is as of
    assert got["as_of_block"] >= created["block_number"]
    read = {**created, "block_number": None, "as_of_block": got["as_of_block"]}  # a read names no write
    assert got == read
    assert ok(api.investor("HK-0001").get("/investors/HK-0001")) == read


def test_an_investor_as_of_a_block(api: Api, wallets: list[str]) -> None:
    """The registry record, wallets (in the registry's order) and verified flag as of past blocks; the
    profile is the database's now."""
    registered = api.register("HK-0001", wallets[0], wallets[1], wallets[2], name="Mei Chan")["block_number"]
    moved = ok(api.registrar.patch("/investors/HK-0001", json={"country": "SG"}))["block_number"]
    removed = ok(api.registrar.delete(f"/investors/HK-0001/wallets/{wallets[0]}"))
    assert removed["wallets"] == [wallets[2], wallets[1]]  # the registry swaps the last wallet in
    revoked = ok(api.registrar.post("/investors/HK-0001/revoke"))["block_number"]
    now = ok(api.registrar.get(f"/investors/HK-0001?min_block={revoked}"))
    assert now["wallets"] == removed["wallets"] and now["revoked"] and not now["verified"]
    before = ok(api.registrar.get(f"/investors/HK-0001?block={moved - 1}"))
    assert before["as_of_block"] == registered and before["country"] == "HK" and before["verified"]
    assert before["wallets"] == [wallets[0], wallets[1], wallets[2]] and before["name"] == "Mei Chan"
    at_move = ok(api.registrar.get(f"/investors/HK-0001?block={moved}"))
    assert at_move["country"] == "SG" and not at_move["revoked"]
    assert ok(api.registrar.get(f"/investors/HK-0001?block={revoked - 1}"))["wallets"] == removed["wallets"]


def test_hostile_investor_reads(api: Api, wallets: list[str]) -> None:
    registered = api.register("HK-0001", wallets[0])["block_number"]
    refused(api.registrar.get(f"/investors/HK-0001?block={registered - 1}"), 404, "investor_not_found")
    refused(api.registrar.get("/investors/HK-0001?block=99999999"), 409, "block_not_indexed")
    refused(api.registrar.get("/investors/HK-0001?block=-1"), 422, "invalid_request")
    refused(api.registrar.get("/investors/HK-0001?at=2026-02-30"), 422, "invalid_date")
    refused(api.registrar.get("/investors/HK-0001?block=1&at=2026-01-01"), 422, "block_and_date")
    refused(api.registrar.get("/investors/HK-0001?min_block=99999999"), 409, "block_not_mined")
    refused(api.investor("OTHER").get("/investors/HK-0001"), 403, "forbidden_investor")


def test_kyc_expiry_as_a_date_or_an_aware_datetime(api: Api, wallets: list[str]) -> None:
    assert api.register("A-1", wallets[0], kyc_expiry="2099-12-31")["kyc_expiry"] == "2099-12-31T00:00:00Z"
    assert (
        api.register("A-2", wallets[1], kyc_expiry="2099-06-30T12:00:00+08:00")["kyc_expiry"] == "2099-06-30T04:00:00Z"
    )
    body = {"investor_id": "A-3", "wallets": [wallets[2]], "country": "HK", "kyc_expiry": "2099-06-30T12:00:00"}
    refused(api.registrar.post("/investors", json=body), 422, "invalid_request")


def test_update_revoke_and_reinstate(api: Api, wallets: list[str]) -> None:
    api.register("SG-0001", wallets[0], country="SG")
    updated = ok(
        api.registrar.patch(
            "/investors/SG-0001", json={"country": "GBR", "investor_class": "retail", "kyc_reference": "KYC-7"}
        )
    )
    assert updated["country"] == "GB" and updated["investor_class"] == "retail" and updated["kyc_reference"] == "KYC-7"
    expired = ok(api.registrar.patch("/investors/SG-0001", json={"kyc_expiry": iso(api.now() - 1)}))
    assert not expired["verified"] and not expired["revoked"]
    ok(api.registrar.patch("/investors/SG-0001", json={"kyc_expiry": iso(api.now() + YEAR)}))
    revoked = ok(api.registrar.post("/investors/SG-0001/revoke"))
    assert revoked["revoked"] and not revoked["verified"]
    assert ok(api.registrar.post("/investors/SG-0001/reinstate"))["verified"]
    only_profile = ok(api.registrar.patch("/investors/SG-0001", json={"name": "Tan Wei"}))
    assert only_profile["name"] == "Tan Wei" and only_profile["kyc_reference"] == "KYC-7"


def test_list_investors_registered_through_the_api(api: Api, wallets: list[str]) -> None:
    api.register("B-2", wallets[0])
    api.register("A-1", wallets[1], kyc_reference="K1")
    listed = ok(api.registrar.get("/investors"))
    assert [i["investor_id"] for i in listed] == ["A-1", "B-2"] and listed[0]["kyc_reference"] == "K1"
    assert [i["investor_id"] for i in ok(api.issuer.get("/investors", params={"offset": 1, "limit": 1}))] == ["B-2"]


def test_batch_registration_is_one_transaction(api: Api) -> None:
    addresses = [Account.create().address for _ in range(30)]
    investors = [
        {"investor_id": f"INV-{i:03d}", "wallets": [a], "country": "SG", "kyc_expiry": "2099-01-01"}
        for i, a in enumerate(addresses)
    ]
    result = ok(api.registrar.post("/investors/batch", json={"investors": investors}), 201)
    assert result["registered"] == 30 and result["investor_ids"][0] == "INV-000" and result["tx_hash"].startswith("0x")
    assert ok(api.registrar.get("/investors/INV-029"))["wallets"] == [addresses[29]]
    assert len(ok(api.registrar.get("/investors"))) == 30


def test_a_refused_batch_registers_nobody(api: Api, wallets: list[str]) -> None:
    api.register("TAKEN", wallets[0])
    investors = [
        {"investor_id": "NEW-1", "wallets": [wallets[1]], "country": "HK", "kyc_expiry": "2099-01-01"},
        {"investor_id": "NEW-2", "wallets": [wallets[0]], "country": "HK", "kyc_expiry": "2099-01-01"},
    ]
    refused(api.registrar.post("/investors/batch", json={"investors": investors}), 409, "wallet_taken")
    refused(api.registrar.get("/investors/NEW-1"), 404, "investor_not_found")
    assert [i["investor_id"] for i in ok(api.registrar.get("/investors"))] == ["TAKEN"]


def test_batch_size_is_limited(api: Api) -> None:
    investors = [
        {"investor_id": f"I-{i}", "wallets": [Account.create().address], "country": "HK", "kyc_expiry": "2099-01-01"}
        for i in range(101)
    ]
    refused(api.registrar.post("/investors/batch", json={"investors": investors}), 422, "batch_too_large")


def test_malformed_address_country_and_id_are_422_with_their_code(api: Api, wallets: list[str]) -> None:
    body = {"investor_id": "HK-0009", "wallets": [wallets[0]], "country": "HK", "kyc_expiry": "2099-01-01"}
    bad = refused(api.registrar.post("/investors", json={**body, "wallets": ["0x1234"]}), 422, "invalid_address")
    assert bad["errors"][0]["field"] == "body.wallets.0"
    refused(api.registrar.post("/investors", json={**body, "wallets": ["0x" + "zz" * 20]}), 422, "invalid_address")
    refused(api.registrar.post("/investors", json={**body, "country": "XX"}), 422, "invalid_country")
    refused(api.registrar.post("/investors", json={**body, "investor_id": "has space"}), 422, "invalid_investor_id")
    refused(api.registrar.post("/investors", json={**body, "investor_class": "vip"}), 422, "invalid_request")
    refused(api.registrar.post("/investors", json={**body, "wallets": []}), 422, "invalid_request")
    refused(
        api.registrar.post("/investors", json={**body, "wallets": [wallets[0], wallets[0]]}), 422, "duplicate_wallet"
    )
    assert ok(api.registrar.get("/investors")) == []


def test_duplicates_and_unknown_investors(api: Api, wallets: list[str]) -> None:
    api.register("HK-0001", wallets[0])
    refused(
        api.registrar.post(
            "/investors",
            json={"investor_id": "HK-0001", "wallets": [wallets[1]], "country": "HK", "kyc_expiry": "2099-01-01"},
        ),
        409,
        "investor_exists",
    )
    refused(
        api.registrar.post(
            "/investors",
            json={"investor_id": "HK-0002", "wallets": [wallets[0]], "country": "HK", "kyc_expiry": "2099-01-01"},
        ),
        409,
        "wallet_taken",
    )
    refused(api.registrar.get("/investors/NOBODY"), 404, "investor_not_found")
    refused(api.registrar.patch("/investors/NOBODY", json={"country": "SG"}), 404, "investor_not_found")
    refused(api.registrar.patch("/investors/NOBODY", json={"name": "x"}), 404, "investor_not_found")
    refused(api.registrar.post("/investors/NOBODY/revoke"), 404, "investor_not_found")
