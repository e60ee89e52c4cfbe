"""Access: 401 without a key, 403 for the wrong role on every write; keys are stored hashed."""

from __future__ import annotations

from typing import Any

import pytest
from sqlmodel import Session, select

from rwakit.db.keys import ApiKey
from tests.api.conftest import Api, ok, refused

ADDRESS = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
INVESTOR = {"investor_id": "X-1", "wallets": [ADDRESS], "country": "HK", "kyc_expiry": "2099-01-01"}
ISSUE = {"asset": "HVT", "to": "X-1", "amount": "1"}
TRANSFER = {"asset": "HVT", "from": ADDRESS, "to": "X-1", "amount": "1"}

# (method, path, body, roles allowed besides admin)
WRITES: list[tuple[str, str, Any, set[str]]] = [
    ("POST", "/assets", {"name": "T", "symbol": "T", "shares_authorised": "1"}, {"issuer"}),
    ("POST", "/assets/HVT/pause", None, {"issuer"}),
    ("POST", "/assets/HVT/unpause", None, {"issuer"}),
    ("POST", "/investors", INVESTOR, {"registrar"}),
    ("POST", "/investors/batch", {"investors": [INVESTOR]}, {"registrar"}),
    ("PATCH", "/investors/X-1", {"name": "x"}, {"registrar"}),
    ("POST", "/investors/X-1/revoke", None, {"registrar"}),
    ("POST", "/investors/X-1/reinstate", None, {"registrar"}),
    ("POST", "/issuances", ISSUE, {"issuer"}),
    ("POST", "/issuances/batch", {"asset": "HVT", "allocations": [{"to": "X-1", "amount": "1"}]}, {"issuer"}),
    ("POST", "/transfers", TRANSFER, {"investor"}),
    ("POST", "/custodial-wallets", {"address": ADDRESS}, {"registrar"}),
    ("POST", "/api-keys", {"role": "issuer"}, set()),
    ("DELETE", "/api-keys/abcdef12", None, set()),
]
READS: list[tuple[str, set[str]]] = [
    ("/assets/HVT/cap-table", {"issuer", "registrar"}),
    ("/investors", {"issuer", "registrar"}),
    ("/issuances", {"issuer", "registrar"}),
    ("/custodial-wallets", {"issuer", "registrar"}),
    ("/api-keys", set()),
    ("/transactions", set()),
]
ROLES = ["issuer", "registrar", "investor"]


@pytest.mark.parametrize(("method", "path", "body", "allowed"), WRITES, ids=[f"{m} {p}" for m, p, _, _ in WRITES])
def test_writes_need_a_key_and_the_right_role(api: Api, method: str, path: str, body: Any, allowed: set[str]) -> None:
    refused(api.anonymous.request(method, path, json=body), 401, "unauthorized")
    for role in ROLES:
        if role not in allowed:
            caller = api.investor("X-1") if role == "investor" else api.as_(role)
            body_out = refused(caller.request(method, path, json=body, headers={"Idempotency-Key": "k"}), 403,
                               "forbidden")  # fmt: skip
            assert body_out["role"] == role


@pytest.mark.parametrize(("path", "allowed"), READS, ids=[p for p, _ in READS])
def test_staff_reads_refuse_other_roles(api: Api, path: str, allowed: set[str]) -> None:
    refused(api.anonymous.get(path), 401, "unauthorized")
    for role in ROLES:
        if role not in allowed:
            caller = api.investor("X-1") if role == "investor" else api.as_(role)
            refused(caller.get(path), 403, "forbidden")


def test_keys_in_either_header_unknown_and_revoked_keys(api: Api) -> None:
    key = api.key("registrar")
    assert ok(api.client.get("/me", headers={"X-API-Key": key}))["role"] == "registrar"
    assert ok(api.client.get("/me", headers={"Authorization": f"Bearer {key}"}))["role"] == "registrar"
    response = api.client.get("/me", headers={"Authorization": "Bearer rwk_00000000_" + "x" * 40})
    refused(response, 401, "invalid_api_key")
    assert response.headers["WWW-Authenticate"] == "Bearer"
    refused(api.client.get("/me", headers={"X-API-Key": key[:-1] + ("A" if key[-1] != "A" else "B")}), 401,
            "invalid_api_key")  # fmt: skip
    refused(api.client.get("/me", headers={"X-API-Key": "not-a-key"}), 401, "invalid_api_key")
    prefix = key.split("_")[1]
    assert ok(api.admin.delete(f"/api-keys/{prefix}"))["revoked_at"] is not None
    refused(api.client.get("/me", headers={"X-API-Key": key}), 401, "invalid_api_key")


def test_admin_manages_keys_stored_as_hashes(api: Api, wallets: list[str]) -> None:
    api.register("HK-0001", wallets[0])
    created = ok(api.admin.post("/api-keys", json={"role": "investor", "investor_id": "HK-0001", "name": "app"}), 201)
    assert created["key"].startswith(f"rwk_{created['prefix']}_") and created["investor_id"] == "HK-0001"
    me = ok(api.client.get("/me", headers={"X-API-Key": created["key"]}))
    assert me["role"] == "investor" and me["investor_id"] == "HK-0001" and "key" not in me
    listed = ok(api.admin.get("/api-keys"))
    assert created["prefix"] in [k["prefix"] for k in listed] and all("key" not in k for k in listed)
    with Session(api.engine) as session:
        rows = session.exec(select(ApiKey)).all()
    assert all(created["key"] not in (r.key_hash, r.prefix) and len(r.key_hash) == 64 for r in rows)
    refused(api.admin.post("/api-keys", json={"role": "investor", "investor_id": "NOBODY"}), 404, "investor_not_found")
    refused(api.admin.post("/api-keys", json={"role": "investor"}), 422, "invalid_role")
    refused(api.admin.post("/api-keys", json={"role": "issuer", "investor_id": "HK-0001"}), 422, "invalid_role")
    refused(api.admin.post("/api-keys", json={"role": "owner"}), 422, "invalid_request")
    refused(api.admin.delete("/api-keys/ffffffff"), 404, "api_key_not_found")
