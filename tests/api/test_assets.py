"""Assets: create, list, get with supply, holders and cap table; pause; the errors a caller can cause."""

from __future__ import annotations

from tests.api.conftest import Api, ok, refused

DOC_HASH = "0x" + "ab" * 32


def test_create_list_and_get_an_asset_with_its_off_chain_record(api: Api) -> None:
    created = api.create_asset(
        "HVT",
        "1000000",
        6,
        description="34 floors on the harbour",
        jurisdiction="HK",
        document_uri="ipfs://hvt/offering.pdf",
        document_hash=DOC_HASH,
    )
    assert created["symbol"] == "HVT" and created["kind"] == "property" and created["decimals"] == 6
    assert created["shares_authorised"] == "1000000" and created["total_supply"] == "0" and not created["paused"]
    assert created["description"] == "34 floors on the harbour" and created["jurisdiction"] == "HK"
    assert created["document_uri"] == "ipfs://hvt/offering.pdf" and created["document_hash"] == DOC_HASH
    fund = ok(
        api.issuer.post(
            "/assets",
            json={
                "name": "Pearl Fund",
                "symbol": "PRIF",
                "kind": "fund",
                "decimals": 4,
                "shares_authorised": "50000000",
            },
        ),
        201,
    )
    assert fund["kind"] == "fund" and fund["description"] == ""

    listed = ok(api.investor("HK-0001").get("/assets"))
    assert [a["symbol"] for a in listed] == ["HVT", "PRIF"]
    assert listed[0]["description"] == "34 floors on the harbour"

    detail = ok(api.issuer.get(f"/assets/{created['address']}"))
    assert detail["symbol"] == "HVT" and detail["holders"] == 0 and detail["cap_table"] == []
    assert detail["block_number"] > 0


def test_get_shows_supply_holders_and_cap_table_to_staff_only(api: Api, wallets: list[str]) -> None:
    api.create_asset("HVT")
    api.register("HK-0001", wallets[0], wallets[1])
    api.register("SG-0001", wallets[2], country="SG")
    ok(api.issue("HVT", "HK-0001", "250000.5"), 201)
    ok(api.issue("HVT", wallets[1], "0.25"), 201)
    ok(api.issue("HVT", "SG-0001", "120000.125"), 201)

    detail = ok(api.registrar.get("/assets/HVT"))
    assert detail["total_supply"] == "370000.875" and detail["holders"] == 2
    first, second = detail["cap_table"]
    assert first["investor_id"] == "HK-0001" and first["amount"] == "250000.75"
    assert first["wallets"] == {wallets[0]: "250000.5", wallets[1]: "0.25"}
    assert second == {
        "investor_id": "SG-0001",
        "amount": "120000.125",
        "share_of_supply": "32.4323",
        "wallets": {wallets[2]: "120000.125"},
    }

    table = ok(api.issuer.get("/assets/HVT/cap-table"))
    assert table["holders"] == 2 and table["total_supply"] == "370000.875" and table["entries"] == detail["cap_table"]

    as_investor = ok(api.investor("HK-0001").get("/assets/HVT"))
    assert as_investor["cap_table"] is None and as_investor["total_supply"] == "370000.875"
    refused(api.investor("HK-0001").get("/assets/HVT/cap-table"), 403, "forbidden")


def test_unknown_asset_is_404(api: Api) -> None:
    refused(api.issuer.get("/assets/NOPE"), 404, "asset_not_found")
    refused(api.issuer.get("/assets/0x" + "12" * 20 + "/cap-table"), 404, "asset_not_found")
    refused(api.issue("NOPE", "0x" + "12" * 20, "1"), 404, "asset_not_found")


def test_a_taken_symbol_is_409_and_invalid_fields_are_422(api: Api) -> None:
    api.create_asset("HVT")
    refused(
        api.issuer.post("/assets", json={"name": "Again", "symbol": "HVT", "shares_authorised": "1"}),
        409,
        "symbol_taken",
    )
    body = {"name": "X", "symbol": "X", "shares_authorised": "100"}
    refused(api.issuer.post("/assets", json={**body, "decimals": 19}), 422, "invalid_request")
    refused(api.issuer.post("/assets", json={**body, "document_hash": "0x1234"}), 422, "invalid_request")
    refused(api.issuer.post("/assets", json={**body, "shares_authorised": "1.5"}), 422, "invalid_request")
    refused(api.issuer.post("/assets", json={**body, "kind": "bond"}), 422, "invalid_request")
    refused(api.issuer.post("/assets", json={**body, "colour": "red"}), 422, "invalid_request")
    for look_alike in ("hvt", "HVT ", "HVT\u200b", "HV-T", "\uff28VT"):  # issue 10: created beside HVT before
        refused(api.issuer.post("/assets", json={**body, "symbol": look_alike}), 422, "invalid_request")
    assert [a["symbol"] for a in ok(api.issuer.get("/assets"))] == ["HVT"]
    assert ok(api.issuer.get("/assets/hvt"))["symbol"] == "HVT"  # symbols match whatever their case
    refused(api.issuer.get("/assets/HVT%E2%80%8B"), 404, "asset_not_found")


def test_a_symbol_taken_on_chain_but_unknown_to_the_database_is_409_and_leaves_no_row(api: Api) -> None:
    from rwakit.tokenize import AssetSpec

    api.platform.assets.create(AssetSpec("Outside", "OUT", 0, "fund", "10"))
    refused(
        api.issuer.post("/assets", json={"name": "Mine", "symbol": "OUT", "shares_authorised": "5"}),
        409,
        "symbol_taken",
    )
    assert ok(api.issuer.get("/assets/OUT"))["description"] == ""


def test_pause_and_unpause(api: Api) -> None:
    api.create_asset("HVT")
    assert ok(api.issuer.post("/assets/HVT/pause"))["paused"] is True
    refused(api.issuer.post("/assets/HVT/pause"), 409, "pause_unchanged")
    assert ok(api.issuer.post("/assets/HVT/unpause"))["paused"] is False
    refused(api.registrar.post("/assets/HVT/pause"), 403, "forbidden")
