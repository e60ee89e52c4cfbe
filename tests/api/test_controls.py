"""Issuer controls over HTTP against the real chain: freezes (whole wallets and part of one, single
and batch), forced transfers, wallet recovery, pause, redemption and documents. Each answers with
the audit entry it recorded."""

from __future__ import annotations

import secrets
from typing import Any

import pytest
from eth_account import Account

from rwakit.contracts.restrictions import Restriction
from tests.api.conftest import YEAR, Api, iso, ok, refused

DOC_HASH = "0x" + "ab" * 32


def keyed(key: str | None = None) -> dict[str, str]:
    """The Idempotency-Key header the value-moving controls need (a fresh key unless named)."""
    return {"Idempotency-Key": key or secrets.token_hex(8)}


@pytest.fixture
def held(api: Api, wallets: list[str]) -> Api:
    """HVT (6 decimals): HK-0001 (wallets 0 and 1) holds 1000 in wallet 0, SG-0001 (wallet 2) holds 100;
    wallets 0-2 are custodial."""
    api.create_asset("HVT", "1000000", 6, document_uri="ipfs://hvt/offering.pdf", document_hash=DOC_HASH)
    investors = [{"investor_id": i, "wallets": w, "country": "HK", "kyc_expiry": iso(api.now() + YEAR)}
                 for i, w in [("HK-0001", wallets[0:2]), ("SG-0001", wallets[2:3])]]  # fmt: skip
    ok(api.registrar.post("/investors/batch", json={"investors": investors}), 201)
    for wallet in wallets[:3]:
        ok(api.registrar.post("/custodial-wallets", json={"address": wallet}), 201)
    ok(api.issue("HVT", wallets[0], "1000"), 201)
    ok(api.issue("HVT", "SG-0001", "100"), 201)
    return api


def status(api: Api, wallet: str, asset: str = "HVT") -> dict[str, Any]:
    """The wallet's state from the index, without the block it is as of (checked here)."""
    body: dict[str, Any] = ok(api.issuer.get(f"/assets/{asset}/wallets/{wallet}"))
    assert isinstance(body.pop("as_of_block"), int)
    return body


def send(api: Api, sender: str, to: str, amount: str) -> Any:
    return api.admin.post("/transfers", json={"asset": "HVT", "from": sender, "to": to, "amount": amount})


def reason_of(response: Any, code: Restriction) -> None:
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
    reason_of(send(api, w[0], "SG-0001", "1"), Restriction.SENDER_FROZEN)
    reason_of(send(api, w[2], w[0], "1"), Restriction.RECEIVER_FROZEN)
    ok(api.issuer.post("/assets/HVT/unfreeze", json={"wallet": w[0], "reason": "case closed"}))
    ok(send(api, w[0], "SG-0001", "1"), 201)

    batch = ok(api.admin.post("/assets/HVT/freeze/batch", json={"wallets": [w[0], w[2]], "reason": "sanctions"}))
    assert batch["action"] == "freeze_wallet" and batch["details"] == {"wallets": [w[0], w[2]]}
    assert status(api, w[0])["frozen"] and status(api, w[2])["frozen"]
    reason_of(send(api, w[2], w[0], "1"), Restriction.SENDER_FROZEN)
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
    reason_of(send(api, w[0], "SG-0001", "99.500001"), Restriction.INSUFFICIENT_UNFROZEN_BALANCE)
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
    refused(api.issuer.post("/assets/HVT/forced-transfers", json=order, headers=keyed()), 422, "reason_required")
    refused(api.issuer.post("/assets/HVT/forced-transfers", json={**order, "reason": "  "}, headers=keyed()), 422,
            "reason_required")  # fmt: skip
    refused(api.issuer.post("/assets/HVT/forced-transfers/batch", json={"transfers": [order]}, headers=keyed()), 422,
            "reason_required")  # fmt: skip
    ok(api.compliance.request("PUT", "/assets/HVT/rules/lockup", json={"until": iso(api.now() + YEAR)}))
    ok(api.issuer.post("/assets/HVT/freeze", json={"wallet": w[0]}))
    ok(api.issuer.post("/assets/HVT/freeze-shares", json={"wallet": w[0], "amount": "1000"}))
    forced = ok(api.issuer.post("/assets/HVT/forced-transfers", json={**order, "reason": "HCMP 1234/2026"},
                                headers=keyed()))  # fmt: skip
    assert forced["action"] == "forced_transfer" and forced["reason"] == "HCMP 1234/2026"
    assert forced["details"] == {"sender": w[0], "to": w[2], "amount": "250"}
    assert (status(api, w[0])["balance"], status(api, w[0])["frozen_amount"]) == ("750", "750")  # released as taken
    assert status(api, w[2])["balance"] == "350"

    stranger = Account.create().address
    reason_of(api.issuer.post("/assets/HVT/forced-transfers", json={**order, "to": stranger, "reason": "x"},
                              headers=keyed()), Restriction.RECEIVER_NOT_REGISTERED)  # fmt: skip
    reason_of(api.issuer.post("/assets/HVT/forced-transfers", json={**order, "amount": "750.000001", "reason": "x"},
                              headers=keyed()), Restriction.INSUFFICIENT_BALANCE)  # fmt: skip
    rows = [{"from": w[0], "to": w[1], "amount": "50"}, {"from": w[2], "to": "HK-0001", "amount": "0.5"}]
    batch = ok(api.issuer.post("/assets/HVT/forced-transfers/batch", json={"transfers": rows, "reason": "order 2"},
                               headers=keyed()))  # fmt: skip
    assert batch["details"] == {"senders": [w[0], w[2]], "receivers": [w[1], w[0]], "amounts": ["50", "0.5"]}
    assert [status(api, x)["balance"] for x in w[:3]] == ["700.5", "50", "349.5"]
    supply = api.total_supply("HVT")
    reason_of(api.issuer.post("/assets/HVT/forced-transfers/batch", json={
        "transfers": [rows[0], {**rows[1], "to": stranger}], "reason": "order 3"}, headers=keyed()),
        Restriction.RECEIVER_NOT_REGISTERED)  # fmt: skip
    assert [status(api, x)["balance"] for x in w[:3]] == ["700.5", "50", "349.5"] and api.total_supply("HVT") == supply


def test_wallet_recovery_per_asset_and_everywhere(held: Api, wallets: list[str]) -> None:
    api, w = held, wallets
    api.create_asset("PRIF", "1000", 2)
    ok(api.issue("PRIF", w[0], "12.34"), 201)
    ok(api.issuer.post("/assets/HVT/freeze-shares", json={"wallet": w[0], "amount": "100"}))
    ok(api.issuer.post("/assets/HVT/freeze", json={"wallet": w[0]}))
    new = Account.create().address
    recovery = {"lost": w[0], "new": new, "investor_id": "HK-0001"}
    body = refused(api.issuer.post("/assets/HVT/recover-wallet", json={**recovery, "reason": "x"}, headers=keyed()),
                   409, "recovery_invalid")  # fmt: skip  # the new wallet is not the investor's yet
    assert body["error"] == "AssetRecoveryInvalid"
    assert new in ok(api.registrar.post("/investors/HK-0001/wallets", json={"address": new}), 201)["wallets"]
    refused(api.issuer.post("/assets/HVT/recover-wallet", json=recovery, headers=keyed()), 422, "reason_required")
    refused(api.issuer.post("/assets/HVT/recover-wallet", json={**recovery, "new": w[2], "reason": "x"},
                            headers=keyed()), 409, "recovery_invalid")  # fmt: skip  # another investor's wallet
    refused(api.issuer.post("/assets/HVT/recover-wallet", json={**recovery, "reason": "x"}, headers=keyed()),
            409, "lost_wallet_registered")  # fmt: skip  # the registrar has not removed the lost wallet
    assert w[0] not in ok(api.registrar.delete(f"/investors/HK-0001/wallets/{w[0]}"))["wallets"]

    done = ok(api.issuer.post("/assets/HVT/recover-wallet", json={**recovery, "reason": "lost phone, ticket 88"},
                              headers=keyed()))  # fmt: skip
    assert done["action"] == "recover_wallet" and done["details"] == {**recovery, "lost": w[0], "new": new}
    assert status(api, new) == {"asset": "HVT", "wallet": new, "investor_id": "HK-0001", "balance": "1000",
                                "frozen": True, "frozen_amount": "100", "unfrozen_balance": "900"}  # fmt: skip
    assert status(api, w[0])["balance"] == "0" and not status(api, w[0])["frozen"]

    everywhere = ok(api.issuer.post("/investors/HK-0001/recover-wallet", json={"lost": w[0], "new": new,
                                    "reason": "ticket 88"}, headers=keyed()))  # fmt: skip
    assert [(e["asset"], e["action"]) for e in everywhere] == [("PRIF", "recover_wallet")]
    assert status(api, new, "PRIF")["balance"] == "12.34"
    refused(api.issuer.post("/investors/HK-0001/recover-wallet", json={"lost": w[0], "new": new, "reason": "again"},
                            headers=keyed()), 409, "nothing_to_recover")  # fmt: skip
    refused(api.issuer.post("/investors/NOBODY/recover-wallet", json={"lost": w[0], "new": new, "reason": "x"},
                            headers=keyed()), 404, "investor_not_found")  # fmt: skip
    refused(api.registrar.delete(f"/investors/HK-0001/wallets/{w[0]}"), 404, "wallet_not_found")  # removed
    refused(api.registrar.delete(f"/investors/HK-0001/wallets/{w[2]}"), 404, "wallet_not_found")


def test_pause_and_redeem_with_a_reason(held: Api, wallets: list[str]) -> None:
    api, w = held, wallets
    assert ok(api.issuer.post("/assets/HVT/pause", json={"reason": "corporate action"}))["paused"] is True
    reason_of(send(api, w[0], "SG-0001", "1"), Restriction.PAUSED)
    refused(api.issuer.post("/assets/HVT/pause", json={"reason": "again"}), 409, "pause_unchanged")
    redeemed = ok(api.issuer.post("/assets/HVT/redeem", json={"wallet": w[2], "amount": "40.25", "reason": "buy-back"},
                                  headers=keyed()))  # fmt: skip
    assert redeemed["action"] == "redeem" and redeemed["details"] == {"wallet": w[2], "amount": "40.25"}
    assert status(api, w[2])["balance"] == "59.75" and api.total_supply("HVT") == 1_059_750_000
    too_much = {"wallet": w[2], "amount": "59.750001"}
    reason_of(api.issuer.post("/assets/HVT/redeem", json=too_much, headers=keyed()), Restriction.INSUFFICIENT_BALANCE)
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
    refused(api.admin.post("/assets/HVT/redeem", json={"wallet": ADDRESS, "amount": "1"}, headers=keyed()), 404,
            "asset_not_found")  # fmt: skip
    refused(api.registrar.post("/investors/X-1/wallets", json={"address": wallets[0]}), 409, "wallet_taken")
    for caller in (api.issuer, api.compliance, api.investor("X-1")):
        refused(caller.post("/investors/X-1/wallets", json={"address": wallets[1]}), 403, "forbidden")


# -- idempotency keys: forced transfers, redemptions and recoveries act once per key ------------

KEYED_CONTROLS = ["/assets/HVT/forced-transfers", "/assets/HVT/forced-transfers/batch", "/assets/HVT/recover-wallet",
                  "/investors/{investor_id}/recover-wallet", "/assets/HVT/redeem"]  # fmt: skip


def control_requests(api: Api) -> list[Any]:
    from sqlmodel import Session, select

    from rwakit.db.controls import ControlRequest

    with Session(api.engine) as session:
        return list(session.exec(select(ControlRequest).order_by(ControlRequest.id)).all())  # type: ignore[arg-type]


def control_txs(api: Api) -> list[Any]:
    return ok(api.admin.get("/transactions", params={"ref": "control:"}))  # type: ignore[no-any-return]


def test_a_retried_forced_transfer_moves_once_and_replays_the_first_answer(held: Api, wallets: list[str]) -> None:
    api, w = held, wallets
    order = {"from": w[0], "to": "SG-0001", "amount": "250", "reason": "HCMP 1234/2026"}
    first = api.issuer.post("/assets/HVT/forced-transfers", json=order, headers=keyed("court-order-1"))
    again = api.admin.post("/assets/HVT/forced-transfers", json=order, headers=keyed("court-order-1"))  # any staff key
    assert first.status_code == again.status_code == 200 and again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first.headers
    assert first.json()["action"] == "forced_transfer" and first.json()["details"]["amount"] == "250"
    assert (status(api, w[0])["balance"], status(api, w[2])["balance"]) == ("750", "350")
    (row,) = control_requests(api)
    assert (row.idempotency_key, row.operation, row.status) == ("court-order-1", "forced_transfer", "completed")
    assert row.response == {"status_code": 200, "body": first.json()} and len(row.request_hash) == 64
    (tx,) = control_txs(api)
    assert tx["ref"] == f"control:{row.api_key_prefix}/{row.id}/0" and tx["tx_hash"] == first.json()["tx_hash"]
    assert [e["action"] for e in ok(api.issuer.get("/assets/HVT/audit"))].count("forced_transfer") == 1

    rows = [{"from": w[0], "to": w[1], "amount": "50"}, {"from": w[2], "to": "HK-0001", "amount": "0.5"}]
    batch = {"transfers": rows, "reason": "order 2"}
    first = api.issuer.post("/assets/HVT/forced-transfers/batch", json=batch, headers=keyed("order-2"))
    again = api.issuer.post("/assets/HVT/forced-transfers/batch", json=batch, headers=keyed("order-2"))
    assert ok(again) == ok(first) and again.headers["Idempotent-Replayed"] == "true"
    assert [status(api, x)["balance"] for x in w[:3]] == ["700.5", "50", "349.5"]
    assert len(control_requests(api)) == 2 and len(control_txs(api)) == 2


def test_the_same_key_for_another_request_is_422_and_acts_not(held: Api, wallets: list[str]) -> None:
    api, w = held, wallets
    order = {"from": w[0], "to": "SG-0001", "amount": "1", "reason": "HCMP 1"}
    ok(api.issuer.post("/assets/HVT/forced-transfers", json=order, headers=keyed("k1")))
    (row,) = control_requests(api)
    body = refused(api.issuer.post("/assets/HVT/forced-transfers", json={**order, "amount": "2"}, headers=keyed("k1")),
                   422, "idempotency_key_reused")  # fmt: skip
    assert body["control_id"] == row.id
    refused(api.issuer.post("/assets/HVT/forced-transfers", json={**order, "reason": "HCMP 2"}, headers=keyed("k1")),
            422, "idempotency_key_reused")  # fmt: skip
    refused(api.issuer.post("/assets/HVT/redeem", json={"wallet": w[0], "amount": "1"}, headers=keyed("k1")), 422,
            "idempotency_key_reused")  # fmt: skip  # another endpoint
    ok(api.issue("HVT", "SG-0001", "1", key="issued-1"), 201)
    body = refused(api.issuer.post("/assets/HVT/redeem", json={"wallet": w[0], "amount": "1"},
                                   headers=keyed("issued-1")), 422, "idempotency_key_reused")  # fmt: skip
    assert "issuance_id" in body  # keys are global: an issuance's key names that issuance
    refused(api.issue("HVT", "SG-0001", "1", key="k1"), 422, "idempotency_key_reused")
    assert (status(api, w[0])["balance"], status(api, w[2])["balance"]) == ("999", "102")
    assert len(control_requests(api)) == 1


def test_an_idempotency_key_is_required_by_every_value_moving_control(held: Api, wallets: list[str]) -> None:
    api, w = held, wallets
    bodies = [{"from": w[0], "to": "SG-0001", "amount": "1", "reason": "r"},
              {"transfers": [{"from": w[0], "to": "SG-0001", "amount": "1"}], "reason": "r"},
              {"lost": w[0], "new": w[1], "investor_id": "HK-0001", "reason": "r"},
              {"lost": w[0], "new": w[1], "reason": "r"},
              {"wallet": w[0], "amount": "1", "reason": "r"}]  # fmt: skip
    for url, body in zip(KEYED_CONTROLS, bodies, strict=True):
        url = url.format(investor_id="HK-0001")
        refused(api.issuer.post(url, json=body), 422, "idempotency_key_required")
        refused(api.issuer.post(url, json=body, headers={"Idempotency-Key": "  "}), 422, "idempotency_key_required")
        refused(api.issuer.post(url, json=body, headers=keyed("x" * 256)), 422, "invalid_idempotency_key")
    body = refused(api.issuer.post(KEYED_CONTROLS[0], json={"from": w[0]}), 422, "invalid_request")
    assert "header.Idempotency-Key" in [e["field"] for e in body["errors"]]  # with other errors, all are listed
    assert (status(api, w[0])["balance"], status(api, w[1])["balance"]) == ("1000", "0")
    assert control_requests(api) == [] and control_txs(api) == []
    assert ok(api.issuer.post("/assets/HVT/freeze", json={"wallet": w[0]}))["action"] == "freeze_wallet"  # no key


def test_a_retried_redemption_burns_once(held: Api, wallets: list[str]) -> None:
    api, w = held, wallets
    redemption = {"wallet": w[2], "amount": "40.25", "reason": "buy-back"}
    first = ok(api.issuer.post("/assets/HVT/redeem", json=redemption, headers=keyed("buy-back-7")))
    again = api.issuer.post("/assets/HVT/redeem", json=redemption, headers=keyed("buy-back-7"))
    assert ok(again) == first and again.headers["Idempotent-Replayed"] == "true"
    assert status(api, w[2])["balance"] == "59.75" and api.total_supply("HVT") == 1_059_750_000
    refused(api.issuer.post("/assets/HVT/redeem", json={**redemption, "amount": "40.26"}, headers=keyed("buy-back-7")),
            422, "idempotency_key_reused")  # fmt: skip
    refused(api.issuer.post("/assets/HVT/redeem", json=redemption), 422, "idempotency_key_required")
    assert api.total_supply("HVT") == 1_059_750_000 and len(control_requests(api)) == 1


def test_a_retried_recovery_recovers_once_and_replays(held: Api, wallets: list[str]) -> None:
    api, w = held, wallets
    api.create_asset("PRIF", "1000", 2)
    ok(api.issue("PRIF", w[0], "12.34"), 201)
    new = Account.create().address
    ok(api.registrar.post("/investors/HK-0001/wallets", json={"address": new}), 201)
    ok(api.registrar.delete(f"/investors/HK-0001/wallets/{w[0]}"))
    recovery = {"lost": w[0], "new": new, "investor_id": "HK-0001", "reason": "lost phone, ticket 88"}
    first = ok(api.issuer.post("/assets/HVT/recover-wallet", json=recovery, headers=keyed("ticket-88-hvt")))
    again = api.issuer.post("/assets/HVT/recover-wallet", json=recovery, headers=keyed("ticket-88-hvt"))
    assert ok(again) == first and again.headers["Idempotent-Replayed"] == "true"  # not 409 recovery_invalid
    refused(api.issuer.post("/assets/HVT/recover-wallet", json={**recovery, "reason": "other"},
                            headers=keyed("ticket-88-hvt")), 422, "idempotency_key_reused")  # fmt: skip
    refused(api.issuer.post("/assets/HVT/recover-wallet", json=recovery), 422, "idempotency_key_required")
    assert (status(api, new)["balance"], status(api, w[0])["balance"]) == ("1000", "0")

    everywhere = {"lost": w[0], "new": new, "reason": "ticket 88"}
    first_all = ok(api.issuer.post("/investors/HK-0001/recover-wallet", json=everywhere, headers=keyed("t88")))
    again = api.issuer.post("/investors/HK-0001/recover-wallet", json=everywhere, headers=keyed("t88"))
    assert ok(again) == first_all and again.headers["Idempotent-Replayed"] == "true"
    assert [(e["asset"], e["action"]) for e in first_all] == [("PRIF", "recover_wallet")]
    assert status(api, new, "PRIF")["balance"] == "12.34"
    refused(api.issuer.post("/investors/HK-0001/recover-wallet", json=everywhere, headers=keyed()), 409,
            "nothing_to_recover")  # fmt: skip  # a new key is a new request: nothing is left
    assert [r.operation for r in control_requests(api)] == ["recover_wallet", "recover_wallet_everywhere"]


def test_a_refused_control_leaves_no_row_and_its_key_can_be_used_once_the_cause_is_fixed(
    held: Api, wallets: list[str]
) -> None:
    api, w = held, wallets
    stranger = Account.create().address
    order = {"from": w[0], "to": stranger, "amount": "5", "reason": "HCMP 9"}
    to_stranger = api.issuer.post("/assets/HVT/forced-transfers", json=order, headers=keyed("to-stranger"))
    reason_of(to_stranger, Restriction.RECEIVER_NOT_REGISTERED)
    refused(api.issuer.post("/assets/NOPE/forced-transfers", json=order, headers=keyed("nope")), 404,
            "asset_not_found")  # fmt: skip
    assert control_requests(api) == [] and status(api, w[0])["balance"] == "1000"
    api.register("LATE", stranger)
    assert ok(api.issuer.post("/assets/HVT/forced-transfers", json=order, headers=keyed("to-stranger")))["tx_hash"]
    assert status(api, stranger)["balance"] == "5" and len(control_requests(api)) == 1


def test_concurrent_duplicates_move_once(held: Api, wallets: list[str]) -> None:
    import threading

    api, w = held, wallets
    order = {"from": w[0], "to": "SG-0001", "amount": "7", "reason": "HCMP 7"}
    results: list[Any] = []
    start = threading.Barrier(4)

    def send() -> None:
        start.wait()
        results.append(api.issuer.post("/assets/HVT/forced-transfers", json=order, headers=keyed("racing")))

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert {r.status_code for r in results} <= {200, 409} and 200 in {r.status_code for r in results}
    assert all(r.json()["code"] == "idempotency_key_in_progress" for r in results if r.status_code == 409)
    assert len({r.json()["tx_hash"] for r in results if r.status_code == 200}) == 1
    assert status(api, w[2])["balance"] == "107" and len(control_requests(api)) == 1


def test_a_duplicate_still_in_progress_is_409(held: Api, wallets: list[str]) -> None:
    from sqlmodel import Session

    from rwakit.api.schemas.controls import RedemptionCreate
    from rwakit.api.services.idempotency import fingerprint
    from rwakit.db.controls import ControlRequest

    api, w = held, wallets
    redemption = {"wallet": w[2], "amount": "1", "reason": "r"}
    body = RedemptionCreate.model_validate(redemption).model_dump(mode="json")
    request_hash = fingerprint("redeem", {"path": {"asset": "HVT"}, "body": body})
    with Session(api.engine) as session:
        session.add(ControlRequest(idempotency_key="busy", operation="redeem", request_hash=request_hash,
                                   api_key_prefix=api.key("issuer").split("_")[1]))  # fmt: skip
        session.commit()
    found = refused(api.issuer.post("/assets/HVT/redeem", json=redemption, headers=keyed("busy")), 409,
                    "idempotency_key_in_progress")  # fmt: skip
    assert found["control_id"] == control_requests(api)[0].id
    refused(api.issuer.post("/assets/HVT/redeem", json={**redemption, "amount": "2"}, headers=keyed("busy")), 422,
            "idempotency_key_reused")  # fmt: skip
    assert status(api, w[2])["balance"] == "100"


def test_a_recovery_everywhere_refused_after_a_first_asset_answers_409_partial_and_replays_it(
    held: Api, wallets: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from rwakit.errors import ContractRevert

    api, w = held, wallets
    api.create_asset("PRIF", "1000", 2)
    ok(api.issue("PRIF", w[0], "12.34"), 201)
    new = Account.create().address
    ok(api.registrar.post("/investors/HK-0001/wallets", json={"address": new}), 201)
    ok(api.registrar.delete(f"/investors/HK-0001/wallets/{w[0]}"))
    controls = api.platform.controls
    perform, calls = controls.perform, []

    def second_refused(planned: Any) -> Any:
        calls.append(planned.asset)
        if len(calls) == 2:
            raise ContractRevert("refused", error="AssetRecoveryInvalid", args={})
        return perform(planned)

    monkeypatch.setattr(controls, "perform", second_refused)
    everywhere = {"lost": w[0], "new": new, "reason": "ticket 88"}
    first = api.issuer.post("/investors/HK-0001/recover-wallet", json=everywhere, headers=keyed("t88"))
    body = refused(first, 409, "control_partial")
    assert [e["asset"] for e in body["done"]] == ["HVT"] and body["done"][0]["action"] == "recover_wallet"
    assert [(n["asset"], n["error"]["code"]) for n in body["not_done"]] == [(calls[1], "recovery_invalid")]
    monkeypatch.undo()
    again = api.issuer.post("/investors/HK-0001/recover-wallet", json=everywhere, headers=keyed("t88"))
    assert refused(again, 409, "control_partial") == body and again.headers["Idempotent-Replayed"] == "true"
    assert (status(api, new)["balance"], status(api, w[0], "PRIF")["balance"]) == ("1000", "12.34")
    assert [r.status for r in control_requests(api)] == ["partial"]


def test_the_openapi_docs_name_the_idempotency_key_on_the_value_moving_controls(api: Api) -> None:
    paths = ok(api.anonymous.get("/openapi.json"))["paths"]
    for url in [*KEYED_CONTROLS, "/issuances", "/issuances/batch"]:
        operation = paths[url.replace("HVT", "{asset}")]["post"]
        headers = {p["name"]: p for p in operation["parameters"] if p["in"] == "header"}
        assert headers["Idempotency-Key"]["required"] is True, url
        assert set(headers) == ({"Idempotency-Key", "prefer"} if url.startswith("/issuances") else {"Idempotency-Key"})
        success = operation["responses"]["201" if url.startswith("/issuances") else "200"]
        assert "Idempotent-Replayed" in success["headers"] and "idempotency_key_reused" in str(operation["responses"])
    assert paths["/assets/{asset}/forced-transfers"]["post"]["responses"]["200"]["content"]["application/json"][
        "schema"] == {"$ref": "#/components/schemas/ControlPublic"}  # fmt: skip
    assert not [p for p in paths["/assets/{asset}/freeze"]["post"].get("parameters", []) if p["in"] == "header"]
