"""Issuer controls over HTTP against the real chain: freezes (whole wallets and part of one, single
and batch), forced transfers, wallet recovery, pause, redemption and documents. Each answers with
the audit entry it recorded."""

from __future__ import annotations

from typing import Any

import pytest
from eth_account import Account

from tests.api.conftest import YEAR, Api, ok, refused

DOC_HASH = "0x" + "ab" * 32


@pytest.fixture
def held(api: Api, wallets: list[str]) -> Api:
    """HVT (6 decimals): HK-0001 (wallets 0 and 1) holds 1000 in wallet 0, SG-0001 (wallet 2) holds 100;
    wallets 0-2 are custodial."""
    api.create_asset("HVT", "1000000", 6, document_uri="ipfs://hvt/offering.pdf", document_hash=DOC_HASH)
    investors = [{"investor_id": i, "wallets": w, "country": "HK", "kyc_expiry": api.now() + YEAR}
                 for i, w in [("HK-0001", wallets[0:2]), ("SG-0001", wallets[2:3])]]  # fmt: skip
    ok(api.registrar.post("/investors/batch", json={"investors": investors}), 201)
    for wallet in wallets[:3]:
        ok(api.registrar.post("/custodial-wallets", json={"address": wallet}), 201)
    ok(api.issue("HVT", wallets[0], "1000"), 201)
    ok(api.issue("HVT", "SG-0001", "100"), 201)
    return api


def status(api: Api, wallet: str, asset: str = "HVT") -> dict[str, Any]:
    return ok(api.issuer.get(f"/assets/{asset}/wallets/{wallet}"))  # type: ignore[no-any-return]


def send(api: Api, sender: str, to: str, amount: str) -> Any:
    return api.admin.post("/transfers", json={"asset": "HVT", "from": sender, "to": to, "amount": amount})


def reason_of(response: Any, code: int) -> None:
    body = refused(response, 409, "compliance_refused")
    assert body["reason_code"] == code, body


def test_freeze_and_unfreeze_whole_wallets(held: Api, wallets: list[str]) -> None:
    api, w = held, wallets
    frozen = ok(api.issuer.post("/assets/HVT/freeze", json={"wallet": w[0], "reason": "AML case 17"}))
    assert (frozen["action"], frozen["asset"], frozen["reason"]) == ("freeze_wallet", "HVT", "AML case 17")
    assert frozen["details"] == {"wallet": w[0]} and frozen["tx_hash"].startswith("0x") and frozen["block_number"]
    assert frozen["actor"].startswith("api-key:") and "(issuer)" in frozen["actor"]
    assert status(api, w[0]) == {"asset": "HVT", "wallet": w[0], "investor_id": "HK-0001", "balance": "1000",
                                 "frozen": True, "frozen_amount": "0", "unfrozen_balance": "1000"}  # fmt: skip
    reason_of(send(api, w[0], "SG-0001", "1"), 10)  # sender_frozen
    reason_of(send(api, w[2], w[0], "1"), 11)  # receiver_frozen
    ok(api.issuer.post("/assets/HVT/unfreeze", json={"wallet": w[0], "reason": "case closed"}))
    ok(send(api, w[0], "SG-0001", "1"), 201)

    batch = ok(api.admin.post("/assets/HVT/freeze/batch", json={"wallets": [w[0], w[2]], "reason": "sanctions"}))
    assert batch["action"] == "freeze_wallet" and batch["details"] == {"wallets": [w[0], w[2]]}
    assert status(api, w[0])["frozen"] and status(api, w[2])["frozen"]
    reason_of(send(api, w[2], w[0], "1"), 10)
    ok(api.issuer.post("/assets/HVT/unfreeze/batch", json={"wallets": [w[0], w[2]], "reason": "lifted"}))
    assert not status(api, w[0])["frozen"] and not status(api, w[2])["frozen"]
    refused(api.issuer.post("/assets/HVT/freeze", json={"wallet": "0x12", "reason": "x"}), 422, "invalid_address")
    refused(api.issuer.post("/assets/HVT/freeze/batch", json={"wallets": []}), 422, "invalid_request")
    refused(api.issuer.post("/assets/NOPE/freeze", json={"wallet": w[0]}), 404, "asset_not_found")


def test_freeze_and_unfreeze_part_of_a_wallet(held: Api, wallets: list[str]) -> None:
    api, w = held, wallets
    part = ok(api.issuer.post("/assets/HVT/freeze-shares", json={"wallet": w[0], "amount": "900.5", "reason": "lien"}))
    assert part["action"] == "freeze_tokens" and part["details"] == {"wallet": w[0], "amount": "900.5"}
    assert (status(api, w[0])["frozen_amount"], status(api, w[0])["unfrozen_balance"]) == ("900.5", "99.5")
    reason_of(send(api, w[0], "SG-0001", "99.500001"), 12)  # insufficient_unfrozen_balance
    ok(send(api, w[0], "SG-0001", "99.5"), 201)
    body = refused(api.issuer.post("/assets/HVT/unfreeze-shares", json={"wallet": w[0], "amount": "901"}), 409,
                   "unfreeze_exceeds_frozen")  # fmt: skip
    assert body["error"] == "AssetUnfreezeExceedsFrozen"
    ok(api.issuer.post("/assets/HVT/unfreeze-shares", json={"wallet": w[0], "amount": "400.5", "reason": "paid"}))
    assert status(api, w[0])["frozen_amount"] == "500"

    rows = [{"wallet": w[0], "amount": "100"}, {"wallet": w[2], "amount": "0.000001"}]
    batch = ok(api.issuer.post("/assets/HVT/freeze-shares/batch", json={"rows": rows, "reason": "margin call"}))
    assert batch["details"] == {"wallets": [w[0], w[2]], "amounts": ["100", "0.000001"]}
    assert (status(api, w[0])["frozen_amount"], status(api, w[2])["frozen_amount"]) == ("600", "0.000001")
    unbatch = ok(api.issuer.post("/assets/HVT/unfreeze-shares/batch", json={"rows": rows, "reason": "released"}))
    assert unbatch["action"] == "unfreeze_tokens" and unbatch["reason"] == "released"
    assert (status(api, w[0])["frozen_amount"], status(api, w[2])["frozen_amount"]) == ("500", "0")
    refused(api.issuer.post("/assets/HVT/freeze-shares", json={"wallet": w[0], "amount": "0"}), 422, "invalid_amount")
    refused(api.issuer.post("/assets/HVT/freeze-shares", json={"wallet": w[0], "amount": "1.0000001"}), 422,
            "too_many_decimals")  # fmt: skip


def test_forced_transfer_needs_a_reason_and_overrides_freezes_and_lockup(held: Api, wallets: list[str]) -> None:
    api, w = held, wallets
    order = {"from": w[0], "to": "SG-0001", "amount": "250"}
    refused(api.issuer.post("/assets/HVT/forced-transfers", json=order), 422, "reason_required")
    refused(api.issuer.post("/assets/HVT/forced-transfers", json={**order, "reason": "  "}), 422, "reason_required")
    refused(api.issuer.post("/assets/HVT/forced-transfers/batch", json={"transfers": [order]}), 422,
            "reason_required")  # fmt: skip
    ok(api.compliance.request("PUT", "/assets/HVT/rules/lockup", json={"until": api.now() + YEAR}))
    ok(api.issuer.post("/assets/HVT/freeze", json={"wallet": w[0]}))
    ok(api.issuer.post("/assets/HVT/freeze-shares", json={"wallet": w[0], "amount": "1000"}))
    forced = ok(api.issuer.post("/assets/HVT/forced-transfers", json={**order, "reason": "HCMP 1234/2026"}))
    assert forced["action"] == "forced_transfer" and forced["reason"] == "HCMP 1234/2026"
    assert forced["details"] == {"sender": w[0], "to": w[2], "amount": "250"}
    assert (status(api, w[0])["balance"], status(api, w[0])["frozen_amount"]) == ("750", "750")  # released as taken
    assert status(api, w[2])["balance"] == "350"

    stranger = Account.create().address
    reason_of(api.issuer.post("/assets/HVT/forced-transfers", json={**order, "to": stranger, "reason": "x"}), 3)
    reason_of(api.issuer.post("/assets/HVT/forced-transfers", json={**order, "amount": "750.000001", "reason": "x"}),
              8)  # fmt: skip
    rows = [{"from": w[0], "to": w[1], "amount": "50"}, {"from": w[2], "to": "HK-0001", "amount": "0.5"}]
    batch = ok(api.issuer.post("/assets/HVT/forced-transfers/batch", json={"transfers": rows, "reason": "order 2"}))
    assert batch["details"] == {"senders": [w[0], w[2]], "receivers": [w[1], w[0]], "amounts": ["50", "0.5"]}
    assert [status(api, x)["balance"] for x in w[:3]] == ["700.5", "50", "349.5"]
    supply = api.total_supply("HVT")
    reason_of(api.issuer.post("/assets/HVT/forced-transfers/batch", json={
        "transfers": [rows[0], {**rows[1], "to": stranger}], "reason": "order 3"}), 3)  # fmt: skip
    assert [status(api, x)["balance"] for x in w[:3]] == ["700.5", "50", "349.5"] and api.total_supply("HVT") == supply


def test_wallet_recovery_per_asset_and_everywhere(held: Api, wallets: list[str]) -> None:
    api, w = held, wallets
    api.create_asset("PRIF", "1000", 2)
    ok(api.issue("PRIF", w[0], "12.34"), 201)
    ok(api.issuer.post("/assets/HVT/freeze-shares", json={"wallet": w[0], "amount": "100"}))
    ok(api.issuer.post("/assets/HVT/freeze", json={"wallet": w[0]}))
    new = Account.create().address
    recovery = {"lost": w[0], "new": new, "investor_id": "HK-0001"}
    body = refused(api.issuer.post("/assets/HVT/recover-wallet", json={**recovery, "reason": "x"}), 409,
                   "recovery_invalid")  # fmt: skip  # the new wallet is not the investor's yet
    assert body["error"] == "AssetRecoveryInvalid"
    assert new in ok(api.registrar.post("/investors/HK-0001/wallets", json={"address": new}), 201)["wallets"]
    refused(api.issuer.post("/assets/HVT/recover-wallet", json=recovery), 422, "reason_required")
    refused(api.issuer.post("/assets/HVT/recover-wallet", json={**recovery, "new": w[2], "reason": "x"}), 409,
            "recovery_invalid")  # fmt: skip  # another investor's wallet

    done = ok(api.issuer.post("/assets/HVT/recover-wallet", json={**recovery, "reason": "lost phone, ticket 88"}))
    assert done["action"] == "recover_wallet" and done["details"] == {**recovery, "lost": w[0], "new": new}
    assert status(api, new) == {"asset": "HVT", "wallet": new, "investor_id": "HK-0001", "balance": "1000",
                                "frozen": True, "frozen_amount": "100", "unfrozen_balance": "900"}  # fmt: skip
    assert status(api, w[0])["balance"] == "0" and not status(api, w[0])["frozen"]

    everywhere = ok(api.issuer.post("/investors/HK-0001/recover-wallet", json={"lost": w[0], "new": new,
                                                                              "reason": "ticket 88"}))  # fmt: skip
    assert [(e["asset"], e["action"]) for e in everywhere] == [("PRIF", "recover_wallet")]
    assert status(api, new, "PRIF")["balance"] == "12.34"
    refused(api.issuer.post("/investors/HK-0001/recover-wallet", json={"lost": w[0], "new": new, "reason": "again"}),
            409, "nothing_to_recover")  # fmt: skip
    refused(api.issuer.post("/investors/NOBODY/recover-wallet", json={"lost": w[0], "new": new, "reason": "x"}), 404,
            "investor_not_found")  # fmt: skip
    holder = ok(api.registrar.delete(f"/investors/HK-0001/wallets/{w[0]}"))
    assert w[0] not in holder["wallets"]
    refused(api.registrar.delete(f"/investors/HK-0001/wallets/{w[2]}"), 404, "wallet_not_found")


def test_pause_and_redeem_with_a_reason(held: Api, wallets: list[str]) -> None:
    api, w = held, wallets
    assert ok(api.issuer.post("/assets/HVT/pause", json={"reason": "corporate action"}))["paused"] is True
    reason_of(send(api, w[0], "SG-0001", "1"), 1)
    refused(api.issuer.post("/assets/HVT/pause", json={"reason": "again"}), 409, "pause_unchanged")
    redeemed = ok(api.issuer.post("/assets/HVT/redeem", json={"wallet": w[2], "amount": "40.25", "reason": "buy-back"}))
    assert redeemed["action"] == "redeem" and redeemed["details"] == {"wallet": w[2], "amount": "40.25"}
    assert status(api, w[2])["balance"] == "59.75" and api.total_supply("HVT") == 1_059_750_000
    reason_of(api.issuer.post("/assets/HVT/redeem", json={"wallet": w[2], "amount": "59.750001"}), 8)
    assert ok(api.issuer.post("/assets/HVT/unpause"))["paused"] is False  # the reason is optional here
    actions = [e["action"] for e in ok(api.issuer.get("/assets/HVT/audit"))]
    assert actions == ["unpause", "redeem", "pause"]


def test_documents_list_set_and_remove(held: Api) -> None:
    api = held
    (offering,) = ok(api.investor("HK-0001").get("/assets/HVT/documents"))
    assert (offering["name"], offering["uri"], offering["document_hash"]) == ("offering", "ipfs://hvt/offering.pdf",
                                                                             DOC_HASH)  # fmt: skip
    report = {"uri": "ipfs://hvt/report-2026.pdf", "document_hash": "0x" + "cd" * 32, "reason": "annual report"}
    published = ok(api.issuer.request("PUT", "/assets/HVT/documents/annual-report", json=report))
    assert published["action"] == "set_document" and published["details"]["name"] == "annual-report"
    got = ok(api.investor("SG-0001").get("/assets/HVT/documents/annual-report"))
    assert got["uri"] == report["uri"] and got["document_hash"] == report["document_hash"] and got["last_modified"]
    assert [d["name"] for d in ok(api.issuer.get("/assets/HVT/documents"))] == ["offering", "annual-report"]
    removed = ok(api.issuer.delete("/assets/HVT/documents/offering", params={"reason": "superseded"}))
    assert removed["action"] == "remove_document" and removed["reason"] == "superseded"
    assert [d["name"] for d in ok(api.issuer.get("/assets/HVT/documents"))] == ["annual-report"]
    body = refused(api.issuer.delete("/assets/HVT/documents/offering"), 404, "document_not_found")
    assert body["error"] == "AssetUnknownDocument"
    refused(api.issuer.get("/assets/HVT/documents/offering"), 404, "document_not_found")
    refused(api.issuer.request("PUT", "/assets/HVT/documents/" + "x" * 33, json=report), 422, "invalid_document_name")
    refused(api.issuer.request("PUT", "/assets/HVT/documents/a", json={**report, "document_hash": "0x12"}), 422,
            "invalid_request")  # fmt: skip


def test_wallet_status_for_an_investor_key_is_its_own_wallets_only(held: Api, wallets: list[str]) -> None:
    api = held
    assert ok(api.investor("HK-0001").get(f"/assets/HVT/wallets/{wallets[1]}"))["balance"] == "0"
    refused(api.investor("HK-0001").get(f"/assets/HVT/wallets/{wallets[2]}"), 403, "forbidden_wallet")
    refused(api.issuer.get("/assets/HVT/wallets/0x12"), 422, "invalid_address")


ADDRESS = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
CONTROL_WRITES: list[tuple[str, str, Any]] = [
    ("POST", "/assets/HVT/freeze", {"wallet": ADDRESS}),
    ("POST", "/assets/HVT/unfreeze", {"wallet": ADDRESS}),
    ("POST", "/assets/HVT/freeze/batch", {"wallets": [ADDRESS]}),
    ("POST", "/assets/HVT/unfreeze/batch", {"wallets": [ADDRESS]}),
    ("POST", "/assets/HVT/freeze-shares", {"wallet": ADDRESS, "amount": "1"}),
    ("POST", "/assets/HVT/unfreeze-shares", {"wallet": ADDRESS, "amount": "1"}),
    ("POST", "/assets/HVT/freeze-shares/batch", {"rows": [{"wallet": ADDRESS, "amount": "1"}]}),
    ("POST", "/assets/HVT/unfreeze-shares/batch", {"rows": [{"wallet": ADDRESS, "amount": "1"}]}),
    ("POST", "/assets/HVT/forced-transfers", {"from": ADDRESS, "to": ADDRESS, "amount": "1", "reason": "r"}),
    ("POST", "/assets/HVT/forced-transfers/batch", {"transfers": [{"from": ADDRESS, "to": ADDRESS, "amount": "1"}]}),
    ("POST", "/assets/HVT/recover-wallet", {"lost": ADDRESS, "new": ADDRESS, "investor_id": "X-1", "reason": "r"}),
    ("POST", "/investors/X-1/recover-wallet", {"lost": ADDRESS, "new": ADDRESS, "reason": "r"}),
    ("POST", "/assets/HVT/redeem", {"wallet": ADDRESS, "amount": "1"}),
    ("POST", "/assets/HVT/pause", {"reason": "r"}),
    ("POST", "/assets/HVT/unpause", None),
    ("PUT", "/assets/HVT/documents/prospectus", {"uri": "ipfs://x", "document_hash": DOC_HASH}),
    ("DELETE", "/assets/HVT/documents/prospectus", None),
]


def test_only_issuer_and_admin_keys_take_controls(api: Api, wallets: list[str]) -> None:
    api.register("X-1", wallets[0])
    callers = [(api.compliance, "compliance"), (api.registrar, "registrar"), (api.investor("X-1"), "investor")]
    for method, url, body in CONTROL_WRITES:
        refused(api.anonymous.request(method, url, json=body), 401, "unauthorized")
        for caller, role in callers:
            assert refused(caller.request(method, url, json=body), 403, "forbidden")["role"] == role, (method, url)
    refused(api.issuer.post("/assets/HVT/freeze", json={"wallet": ADDRESS}), 404, "asset_not_found")  # past the role
    refused(api.admin.post("/assets/HVT/redeem", json={"wallet": ADDRESS, "amount": "1"}), 404, "asset_not_found")
    refused(api.registrar.post("/investors/X-1/wallets", json={"address": wallets[0]}), 409, "wallet_taken")
    for caller in (api.issuer, api.compliance, api.investor("X-1")):
        refused(caller.post("/investors/X-1/wallets", json={"address": wallets[1]}), 403, "forbidden")
