"""The audit trail over HTTP: every control and rule change with the calling key as actor, its
reason, time and transaction hash; staff keys read it, investor keys are refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.api.conftest import YEAR, Api, iso, ok, refused


def test_the_audit_trail_names_the_key_the_reason_and_the_transaction(api: Api, wallets: list[str]) -> None:
    api.create_asset("HVT", "1000000", 6)
    api.create_asset("PRIF", "1000", 2)
    api.register("HK-0001", wallets[0])
    ok(api.issue("HVT", "HK-0001", "10"), 201)
    started = datetime.now(UTC) - timedelta(seconds=5)
    frozen = ok(api.issuer.post("/assets/HVT/freeze-shares", json={"wallet": wallets[0], "amount": "2.5",
                                                                   "reason": "AML case 17"}))  # fmt: skip
    lockup = ok(api.compliance.request("PUT", "/assets/HVT/rules/lockup", json={"until": iso(api.now() + YEAR),
                                                                               "reason": "new offering"}))  # fmt: skip
    ok(api.admin.post("/assets/PRIF/pause", json={"reason": "valuation"}))

    trail = ok(api.registrar.get("/audit"))
    assert [(e["asset"], e["action"], e["reason"]) for e in trail] == [
        ("PRIF", "pause", "valuation"),
        ("HVT", "set_lockup", "new offering"),
        ("HVT", "freeze_tokens", "AML case 17"),
    ]
    issuer_prefix, compliance_prefix = api.key("issuer").split("_")[1], api.key("compliance").split("_")[1]
    paused, locked, freeze = trail
    assert {k: frozen[k] for k in freeze} == freeze  # a control answers with its audit entry
    assert freeze["actor"] == f"api-key:{issuer_prefix} (issuer)"
    assert (
        locked["actor"] == f"api-key:{compliance_prefix} (compliance)" and locked["tx_hash"] == lockup["tx_hashes"][0]
    )
    assert paused["actor"].startswith("api-key:") and "(admin)" in paused["actor"]
    assert freeze["details"] == {"wallet": wallets[0], "amount": "2.5"}
    assert all(started <= datetime.fromisoformat(e["at"]) <= datetime.now(UTC) for e in trail)

    # every entry's transaction is in the transaction log, mined, tagged with the calling key
    logged = {t["tx_hash"]: t for t in ok(api.admin.get("/transactions", params={"limit": 50}))}
    assert all(logged[e["tx_hash"]]["status"] == "mined" for e in trail)
    assert logged[freeze["tx_hash"]]["ref"] == f"control:{issuer_prefix}"
    receipt = api.platform.chain.w3.eth.get_transaction_receipt(freeze["tx_hash"])
    assert receipt["status"] == 1 and receipt["blockNumber"] == frozen["block_number"]

    # filters, and the asset's own trail
    assert [e["action"] for e in ok(api.issuer.get("/assets/HVT/audit"))] == ["set_lockup", "freeze_tokens"]
    assert [e["id"] for e in ok(api.compliance.get("/audit", params={"actor": f"api-key:{issuer_prefix}"}))] == [
        freeze["id"]]  # fmt: skip
    assert [e["asset"] for e in ok(api.issuer.get("/audit", params={"action": "pause"}))] == ["PRIF"]
    assert [e["id"] for e in ok(api.issuer.get("/audit", params={"tx_hash": freeze["tx_hash"]}))] == [freeze["id"]]
    assert [e["action"] for e in ok(api.issuer.get("/audit", params={"limit": 1, "offset": 1}))] == ["set_lockup"]
    refused(api.issuer.get("/assets/NOPE/audit"), 404, "asset_not_found")


def test_each_rule_change_is_audited_once_with_the_rule_it_set(api: Api) -> None:
    """ComplianceService records the entries; the API's actions and details stay what they were."""
    api.create_asset("HVT", "1000000", 6, investor_limits=True)
    put = api.compliance.request
    bodies = [
        ("allowed-countries", {"countries": ["HK", "SGP"], "reason": "offering"}),
        ("allowed-countries", {"countries": ["SG"], "enabled": False}),
        ("blocked-countries", {"countries": ["KP"], "reason": "sanctions"}),
        ("blocked-countries", {"countries": []}),
        ("allowed-classes", {"classes": ["professional"]}),
        ("minimum-lot", {"amount": "0.5"}),
        ("max-holders", {"max_holders": 10}),
        ("max-balance", {"amount": "5000"}),
        ("max-balance", {"amount": "5000"}),  # no change: sent again, as before
    ]
    tx_hashes = [
        h for rule, body in bodies for h in ok(put("PUT", f"/assets/HVT/rules/{rule}", json=body))["tx_hashes"]
    ]
    trail = list(reversed(ok(api.issuer.get("/assets/HVT/audit"))))
    assert [(e["action"], e["reason"], e["details"]) for e in trail] == [
        ("allow_countries", "offering", {"countries": ["HK", "SG"]}),
        ("enable_allow_list", "offering", {}),
        ("disallow_countries", "", {"countries": ["HK"]}),
        ("disable_allow_list", "", {}),
        ("block_countries", "sanctions", {"countries": ["KP"]}),
        ("unblock_countries", "", {"countries": ["KP"]}),
        ("set_allowed_classes", "", {"classes": ["professional"]}),
        ("set_minimum_lot", "", {"amount": "0.5"}),
        ("set_max_holders", "", {"max_holders": 10}),
        ("set_max_balance", "", {"amount": "5000"}),
        ("set_max_balance", "", {"amount": "5000"}),
    ]
    assert [e["tx_hash"] for e in trail] == tx_hashes
    compliance_prefix = api.key("compliance").split("_")[1]
    assert {e["actor"] for e in trail} == {f"api-key:{compliance_prefix} (compliance)"}


def test_investor_keys_cannot_read_the_audit_trail(api: Api, wallets: list[str]) -> None:
    api.create_asset("HVT")
    api.register("HK-0001", wallets[0])
    refused(api.investor("HK-0001").get("/audit"), 403, "forbidden")
    refused(api.investor("HK-0001").get("/assets/HVT/audit"), 403, "forbidden")
    refused(api.anonymous.get("/audit"), 401, "unauthorized")
    for role in ("admin", "issuer", "registrar", "compliance"):
        assert ok(api.as_(role).get("/audit")) == []
