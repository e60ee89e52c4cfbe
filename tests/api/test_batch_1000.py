"""1,000 investors: registered in batches through the API, then issued to in one batch request."""

from __future__ import annotations

import time

from eth_account import Account

from tests.api.conftest import Api, ok

COUNT = 1000


def test_batch_issuance_to_1000_investors(api: Api) -> None:
    started = time.monotonic()
    api.create_asset("CROWD", "100000000", 6)
    wallets = [Account.create().address for _ in range(COUNT)]
    ids = [f"C-{i:04d}" for i in range(COUNT)]
    for start in range(0, COUNT, 100):
        investors = [{"investor_id": ids[i], "wallets": [wallets[i]], "country": "SG", "investor_class": "retail",
                      "kyc_expiry": "2099-01-01"} for i in range(start, start + 100)]  # fmt: skip
        ok(api.registrar.post("/investors/batch", json={"investors": investors}), 201)
    registered = time.monotonic()

    allocations = [{"to": ids[i], "amount": f"{i + 1}.5"} for i in range(COUNT)]
    body = {"asset": "CROWD", "allocations": allocations}
    result = ok(api.issuer.post("/issuances/batch", json=body, headers={"Idempotency-Key": "crowd-1"}), 201)
    issued = time.monotonic()
    assert result["status"] == "completed" and result["issued_rows"] == COUNT and result["refused_rows"] == 0
    assert len(result["chunks"]) == COUNT // 200 and all(c["status"] == "issued" for c in result["chunks"])
    assert [r["wallet"] for r in result["rows"]] == wallets and result["rows"][-1]["amount"] == "1000.5"
    expected = sum((i + 1) * 10**6 + 500_000 for i in range(COUNT))
    assert api.total_supply("CROWD") == expected

    again = api.issuer.post("/issuances/batch", json=body, headers={"Idempotency-Key": "crowd-1"})
    assert ok(again, 201) == result and again.headers["Idempotent-Replayed"] == "true"
    assert api.total_supply("CROWD") == expected
    holdings = ok(api.investor(ids[499]).get(f"/investors/{ids[499]}/holdings"))["holdings"]
    assert holdings[0]["amount"] == "500.5"
    print(f"\n1,000 investors: registered in {registered - started:.1f} s, issued in {issued - registered:.1f} s")
