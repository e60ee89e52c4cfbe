"""Reads from the index through the API: as of a block or a date, holder counts, reading one's own
writes (and another's with min_block), a reorg that drops an issuance, the register export, KYC
expiries, and the hostile parameters."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from openpyxl import load_workbook
from sqlalchemy.engine import Engine

from rwakit.api import create_app
from rwakit.api.schemas.assets import AssetDetail, CapTablePublic
from rwakit.chain.node import LocalNode
from rwakit.config import Settings
from rwakit.platform import Platform
from tests.api.conftest import Api, TestClient, iso, ok, refused


@pytest.fixture
def seeded(api: Api, wallets: list[str]) -> Api:
    """HVT; HK-0001 with two custodial wallets holding 100, SG-0001 with one holding 50."""
    api.create_asset("HVT", "1000000", 6)
    api.register("HK-0001", wallets[0], wallets[1])
    api.register("SG-0001", wallets[2], country="SG")
    for wallet in wallets[:3]:
        ok(api.registrar.post("/custodial-wallets", json={"address": wallet}), 201)
    ok(api.issue("HVT", "HK-0001", "100"), 201)
    ok(api.issue("HVT", "SG-0001", "50"), 201)
    return api


def transfer(api: Api, investor_id: str, sender: str, to: str, amount: str) -> int:
    body = {"asset": "HVT", "from": sender, "to": to, "amount": amount}
    block: int = ok(api.investor(investor_id).post("/transfers", json=body), 201)["block_number"]
    return block


def amounts(table: dict[str, Any]) -> dict[str | None, str]:
    return {e["investor_id"]: e["amount"] for e in table["entries"]}


def test_cap_table_as_of_blocks_before_and_after_a_transfer(seeded: Api, wallets: list[str]) -> None:
    api = seeded
    moved = transfer(api, "SG-0001", wallets[2], "HK-0001", "20")
    before = ok(api.issuer.get(f"/assets/HVT/cap-table?block={moved - 1}"))
    after = ok(api.issuer.get(f"/assets/HVT/cap-table?block={moved}"))
    now = ok(api.issuer.get("/assets/HVT/cap-table"))
    assert amounts(before) == {"HK-0001": "100", "SG-0001": "50"} and before["as_of_block"] == moved - 1
    assert amounts(after) == {"HK-0001": "120", "SG-0001": "30"} and after["as_of_block"] == after["block_number"]
    assert now["entries"] == after["entries"] and now["as_of_block"] >= moved and now["final"] is True
    assert now["shares_authorised"] == "1000000" and now["total_supply"] == "150" and now["holders"] == 2
    assert ok(api.issuer.get("/assets/HVT/cap-table")) == now  # kept while the index stands still
    CapTablePublic.model_validate(now)  # built as plain dicts: in the model's shape all the same
    detail = ok(api.issuer.get(f"/assets/HVT?block={moved - 1}"))
    AssetDetail.model_validate(detail)
    assert (
        detail["holders"] == 2
        and detail["as_of_block"] == moved - 1
        and amounts({"entries": detail["cap_table"]}) == amounts(before)
    )
    public = ok(api.investor("SG-0001").get("/assets/HVT"))  # counted in SQL, no cap table
    assert public["cap_table"] is None and public["holders"] == 2 and public["total_supply"] == "150"
    assert ok(api.investor("SG-0001").get(f"/assets/HVT?block={moved - 1}"))["holders"] == 2


def test_holder_counts_follow_moves_between_one_investors_wallets(seeded: Api, wallets: list[str]) -> None:
    api = seeded
    transfer(api, "HK-0001", wallets[0], wallets[1], "40")  # one investor, two wallets: still one holder
    table = ok(api.issuer.get("/assets/HVT/cap-table"))
    hk = next(e for e in table["entries"] if e["investor_id"] == "HK-0001")
    assert table["holders"] == 2 and hk["wallets"] == {wallets[0]: "60", wallets[1]: "40"}
    transfer(api, "SG-0001", wallets[2], wallets[1], "50")  # SG-0001 sells out
    assert ok(api.issuer.get("/assets/HVT"))["holders"] == 1
    assert ok(api.investor("HK-0001").get("/assets/HVT"))["holders"] == 1
    listed = ok(api.issuer.get("/assets"))
    assert [(a["symbol"], a["total_supply"], a["as_of_block"] is not None) for a in listed] == [("HVT", "150", True)]


def test_as_of_a_date(seeded: Api) -> None:
    api = seeded
    today = datetime.fromtimestamp(api.now(), UTC).date()
    table = ok(api.issuer.get(f"/assets/HVT/cap-table?at={today.isoformat()}"))
    assert table["final"] is False and amounts(table) == {"HK-0001": "100", "SG-0001": "50"}
    assert table["as_of_time"].startswith(today.isoformat())
    yesterday = (today - timedelta(days=1)).isoformat()
    refused(api.issuer.get(f"/assets/HVT/cap-table?at={yesterday}"), 409, "date_before_index")
    holdings = ok(api.issuer.get(f"/investors/HK-0001/holdings?at={today.isoformat()}"))
    assert holdings["as_of_block"] == table["as_of_block"] and holdings["holdings"][0]["amount"] == "100"


def test_hostile_read_parameters(seeded: Api) -> None:
    api = seeded
    head = ok(api.issuer.get("/assets/HVT/cap-table"))["as_of_block"]
    refused(api.issuer.get(f"/assets/HVT/cap-table?block={head + 1000}"), 409, "block_not_indexed")
    for block in ("-1", str(2**63), str(2**256), "1.5", "0x10", "1;DROP TABLE index_balance"):
        refused(api.issuer.get("/assets/HVT/cap-table", params={"block": block}), 422, "invalid_request")
    for day in (
        "2026-13-01",
        "2026-1-1",
        "yesterday",
        "2026-12-31T00:00:00",
        "' OR 1=1 --",
        "0000-01-01", "2026-W01-1", "2026-02-30",
        "99999-01-01",
    ):
        response = api.issuer.get("/assets/HVT/cap-table", params={"at": day})
        assert response.status_code == 422 and response.json()["code"] in ("invalid_date", "invalid_request"), day
    refused(api.issuer.get(f"/assets/HVT/cap-table?block={head}&at=2026-12-31"), 422, "block_and_date")
    started = time.monotonic()
    refused(api.issuer.get(f"/assets/HVT/cap-table?min_block={head + 10**9}"), 409, "block_not_mined")
    assert time.monotonic() - started < 2  # refused at once, not after a wait
    refused(api.issuer.get("/assets/HVT/cap-table?min_block=-5"), 422, "invalid_request")
    for asset in ("NOPE", "HVT' OR '1'='1", "0x" + "de" * 20):
        refused(api.issuer.get(f"/assets/{asset}/cap-table"), 404, "asset_not_found")
    refused(api.issuer.get("/investors/HK-0001/transfers?limit=0"), 422, "invalid_request")
    refused(api.issuer.get("/investors/HK-0001/transfers?limit=1001"), 422, "invalid_request")
    refused(api.issuer.get(f"/investors/NOBODY/holdings?block={head}"), 404, "investor_not_found")
    refused(api.anonymous.get("/assets/HVT/cap-table?min_block=0"), 401, "unauthorized")
    assert ok(api.issuer.get("/assets/HVT/cap-table?block=0"))["entries"] == []  # before the platform: nothing


def test_a_client_reads_its_own_writes(api: Api, wallets: list[str]) -> None:
    api.create_asset("HVT", "1000000", 0)
    api.register("HK-0001", wallets[0])
    for n in range(1, 21):
        issued = ok(api.issue("HVT", "HK-0001", "1"), 201)
        assert issued["block_number"] is not None
        table = ok(api.issuer.get("/assets/HVT/cap-table"))  # no min_block: this API waits for its own write
        assert amounts(table) == {"HK-0001": str(n)} and table["as_of_block"] >= issued["block_number"]
    investor = ok(api.registrar.patch("/investors/HK-0001", json={"country": "SG"}))
    assert investor["block_number"] is not None
    again = ok(api.issuer.get(f"/assets/HVT/cap-table?min_block={investor['block_number']}"))
    assert again["as_of_block"] >= investor["block_number"]


def test_a_reorg_that_drops_an_issuance(seeded: Api) -> None:
    api = seeded
    w3 = api.platform.chain.w3
    snapshot = w3.provider.make_request("evm_snapshot", [])["result"]  # type: ignore[arg-type]
    dropped = ok(api.issue("HVT", "SG-0001", "7"), 201)["block_number"]
    assert amounts(ok(api.issuer.get("/assets/HVT/cap-table")))["SG-0001"] == "57"
    w3.provider.make_request("evm_revert", [snapshot])  # type: ignore[arg-type]
    api.platform.txm.reset_nonce()
    replacing = ok(api.issue("HVT", "HK-0001", "3"), 201)["block_number"]
    assert replacing == dropped  # the same height, another block
    table = ok(api.issuer.get("/assets/HVT/cap-table"))
    assert amounts(table) == {"HK-0001": "103", "SG-0001": "50"} and table["as_of_block"] >= replacing
    at_block = ok(api.issuer.get(f"/assets/HVT/cap-table?block={dropped}"))
    assert amounts(at_block) == {"HK-0001": "103", "SG-0001": "50"}


def test_history_is_paged(seeded: Api, wallets: list[str]) -> None:
    api = seeded
    transfer(api, "HK-0001", wallets[0], wallets[1], "1")
    transfer(api, "HK-0001", wallets[0], "SG-0001", "2")
    full = ok(api.investor("HK-0001").get("/investors/HK-0001/transfers"))
    assert [t["kind"] for t in full["transfers"]] == ["issue", "internal", "out"] and full["as_of_block"] > 0
    page = ok(api.investor("HK-0001").get("/investors/HK-0001/transfers?offset=1&limit=1"))
    assert page["transfers"] == full["transfers"][1:2] and (page["offset"], page["limit"]) == (1, 1)
    first = full["transfers"][0]["block_number"]
    assert ok(api.issuer.get(f"/investors/HK-0001/transfers?block={first}"))["transfers"] == full["transfers"][:1]


def test_register_export_in_csv_and_xlsx(seeded: Api) -> None:
    api = seeded
    today = datetime.fromtimestamp(api.now(), UTC).date().isoformat()
    as_csv = api.issuer.get(f"/assets/HVT/register?at={today}")
    assert as_csv.status_code == 200 and as_csv.headers["content-type"] == "text/csv; charset=utf-8"
    assert as_csv.headers["content-disposition"] == f'attachment; filename="HVT-register-{today}.csv"'
    rows = list(csv.reader(io.StringIO(as_csv.text)))
    assert rows[0] == ["Register of holders", "HVT"] and rows[4][1] == as_csv.headers["x-as-of-block"]
    assert [(r[0], r[2], r[4], r[5]) for r in rows[11:]] == [
        ("HK-0001", "100", "HK", "professional"),
        ("SG-0001", "50", "SG", "professional"),
    ]
    as_xlsx = api.issuer.get(f"/assets/HVT/register?at={today}&format=xlsx")
    assert as_xlsx.headers["content-type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml")
    sheet = load_workbook(io.BytesIO(as_xlsx.content), read_only=True).worksheets[0]
    cells = [["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    assert [row for row in cells if row] == [row for row in rows if row]
    refused(api.issuer.get("/assets/HVT/register?format=pdf"), 422, "invalid_request")
    refused(api.investor("HK-0001").get("/assets/HVT/register"), 403, "forbidden")
    refused(api.issuer.get("/assets/NOPE/register"), 404, "asset_not_found")


def test_kyc_expiring_within_days(api: Api, wallets: list[str]) -> None:
    soon = api.now() + 10 * 86_400
    api.register("SOON", wallets[0], kyc_expiry=iso(soon))
    api.register("LATER", wallets[1])
    listed = ok(api.compliance.get("/investors/kyc/expiring?within_days=30"))
    assert [(i["investor_id"], i["expired"], i["country"]) for i in listed["investors"]] == [("SOON", False, "HK")]
    assert ok(api.registrar.get("/investors/kyc/expiring?within_days=400"))["investors"][1]["investor_id"] == "LATER"
    assert ok(api.compliance.get("/investors/kyc/expiring?within_days=0"))["investors"] == []
    refused(api.compliance.get("/investors/kyc/expiring?within_days=-1"), 422, "invalid_request")
    refused(api.compliance.get("/investors/kyc/expiring?within_days=99999999"), 422, "invalid_request")
    refused(api.compliance.get("/investors/kyc/expiring?within_days=36500"), 422, "invalid_request")  # ten years most
    refused(api.compliance.get("/investors/kyc/expiring?limit=0"), 422, "invalid_request")
    refused(api.compliance.get("/investors/kyc/expiring?limit=1001"), 422, "invalid_request")
    page = ok(api.compliance.get("/investors/kyc/expiring?within_days=3660&offset=1&limit=1"))
    assert [i["investor_id"] for i in page["investors"]] == ["LATER"] and (page["offset"], page["limit"]) == (1, 1)
    refused(api.investor("SOON").get("/investors/kyc/expiring"), 403, "forbidden")
    api.register("kyc", wallets[2])  # an investor id the route's path cannot shadow
    assert ok(api.registrar.get("/investors/kyc"))["investor_id"] == "kyc"


def test_a_replica_that_does_not_index_answers_index_behind(
    api: Api, api_settings: Settings, api_platform: Platform, db_engine: Engine, wallets: list[str]
) -> None:
    """An API with api_indexer off (another process indexes): while nothing indexes, a read for a newer
    block waits its bounded time and answers 503 index_behind saying what to check."""
    head = api_platform.chain.w3.eth.block_number
    ok(api.issuer.get(f"/assets?min_block={head}"))  # the deployment is indexed before the indexing API stops
    api.client.app.state.runtime.reads.stop()  # type: ignore[attr-defined]
    block = api.register("HK-0001", wallets[0])["block_number"]
    settings = api_settings.model_copy(update={"api_indexer": False, "api_read_wait_seconds": 0.5})
    own = Platform.open(api_platform.chain, api_platform.deployment)  # an app adopts its platform's journal
    replica: FastAPI = create_app(settings, platform=own, engine=db_engine)
    key = api.key("issuer")
    with TestClient(replica) as client:
        started = time.monotonic()
        response = client.get(f"/assets?min_block={block}", headers={"Authorization": f"Bearer {key}"})
        assert time.monotonic() - started < 5
        assert ok(client.get(f"/assets?min_block={block - 1}", headers={"Authorization": f"Bearer {key}"})) == []
    body = refused(response, 503, "index_behind")
    assert "rwakit index --follow" in body["message"] and body["min_block"] == block


def test_a_reorg_below_finality_stops_the_apis_indexer_until_a_rebuild(
    api: Api, api_settings: Settings, api_platform: Platform, db_engine: Engine, wallets: list[str],
    anvil: LocalNode, tmp_path: Path,
) -> None:  # fmt: skip
    """A reorg deeper than finality (1 confirmation here): the API's indexer stops and frees the lock, reads
    answer 503 index_reorg_beyond_finality, `rwakit index --rebuild` (another process) gets the lock at once,
    and the API then reads and follows again."""
    w3 = api_platform.chain.w3
    ok(api.issuer.get(f"/assets?min_block={w3.eth.block_number}"))
    api.client.app.state.runtime.reads.stop()  # type: ignore[attr-defined]
    settings = api_settings.model_copy(
        update={"index_confirmations": 1, "index_use_finalized_tag": False, "index_poll_interval": 0.1}
    )
    own = Platform.open(api_platform.chain, api_platform.deployment)
    headers = {"Authorization": f"Bearer {api.key('registrar')}"}
    body = {"wallets": [wallets[0]], "country": "HK", "investor_class": "professional",
            "kyc_expiry": iso(api.now() + 365 * 86_400)}  # fmt: skip
    with TestClient(create_app(settings, platform=own, engine=db_engine)) as client:
        snapshot = w3.provider.make_request("evm_snapshot", [])["result"]  # type: ignore[arg-type]
        block = ok(client.post("/investors", json={"investor_id": "GONE", **body}, headers=headers), 201)
        w3.provider.make_request("anvil_mine", ["0x3"])  # type: ignore[arg-type]
        assert ok(client.get(f"/investors/GONE?min_block={block['block_number'] + 3}", headers=headers))
        w3.provider.make_request("evm_revert", [snapshot])  # type: ignore[arg-type]
        own.txm.reset_nonce()
        w3.provider.make_request("anvil_mine", ["0x6"])  # type: ignore[arg-type]

        deadline = time.monotonic() + 20
        while (response := client.get("/assets", headers=headers)).status_code == 200:
            assert time.monotonic() < deadline, "the API's indexer never saw the reorg"
            time.sleep(0.05)
        refusal = refused(response, 503, "index_reorg_beyond_finality")
        assert "rwakit index --rebuild" in refusal["message"]
        refused(client.get("/assets/HVT/cap-table", headers=headers), 503, "index_reorg_beyond_finality")

        data = tmp_path / "data"
        api_platform.deployment.save(data / "deployment.json")
        env = {k: v for k, v in os.environ.items() if not k.startswith("RWAKIT_")} | {
            "RWAKIT_DATA_DIR": str(data), "RWAKIT_RPC_URL": anvil.url,
            "RWAKIT_DATABASE_URL": db_engine.url.render_as_string(hide_password=False),
        }  # fmt: skip
        rebuilt = subprocess.run([sys.executable, "-m", "rwakit.cli", "index", "--rebuild", "--no-progress"],
                                 env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60)  # fmt: skip
        assert rebuilt.returncode == 0, rebuilt.stdout + rebuilt.stderr
        assert "waiting" not in rebuilt.stderr  # the API had freed the lock

        assert ok(client.get("/assets", headers=headers)) == []
        again = ok(client.post("/investors", json={"investor_id": "KEPT", **body}, headers=headers), 201)
        assert ok(client.get(f"/assets?min_block={again['block_number']}", headers=headers)) == []  # following again


def test_documents_and_wallet_state_as_of_a_block(seeded: Api, wallets: list[str]) -> None:
    api = seeded
    report = {"uri": "ipfs://hvt/report.pdf", "document_hash": "0x" + "cd" * 32, "reason": "annual report"}
    first = ok(api.issuer.request("PUT", "/assets/HVT/documents/first", json=report))["block_number"]
    second = ok(api.issuer.request("PUT", "/assets/HVT/documents/second", json=report))["block_number"]
    removed = ok(api.issuer.delete("/assets/HVT/documents/first", params={"reason": "old"}))["block_number"]
    frozen = ok(api.issuer.post("/assets/HVT/freeze", json={"wallet": wallets[0], "reason": "AML"}))["block_number"]

    def names(query: str) -> list[str]:
        return [d["name"] for d in ok(api.investor("HK-0001").get(f"/assets/HVT/documents{query}"))]

    base = names(f"?block={first - 1}")
    assert "first" not in base and names(f"?block={second}") == [*base, "first", "second"]  # the contract's order
    assert names("") == [*base, "second"] and names(f"?block={removed}") == [*base, "second"]
    got = ok(api.issuer.get(f"/assets/HVT/documents/first?block={second}"))
    assert got["uri"] == report["uri"] and got["as_of_block"] == second and got["last_modified"]
    refused(api.issuer.get(f"/assets/HVT/documents/second?block={first}"), 404, "document_not_found")
    refused(api.issuer.get("/assets/HVT/documents/first"), 404, "document_not_found")
    refused(api.issuer.get("/assets/HVT/documents?block=99999999"), 409, "block_not_indexed")
    refused(api.issuer.get("/assets/NOPE/documents"), 404, "asset_not_found")

    before = ok(api.issuer.get(f"/assets/HVT/wallets/{wallets[0]}?block={frozen - 1}"))
    after = ok(api.investor("HK-0001").get(f"/assets/HVT/wallets/{wallets[0]}"))
    assert not before["frozen"] and before["balance"] == "100" and before["investor_id"] == "HK-0001"
    assert after["frozen"] and after["as_of_block"] >= frozen
    nobody = ok(api.issuer.get(f"/assets/HVT/wallets/{wallets[5]}"))
    assert (nobody["investor_id"], nobody["balance"], nobody["frozen"]) == (None, "0", False)
    refused(api.issuer.get(f"/assets/HVT/wallets/{wallets[0]}?at=2026-02-30"), 422, "invalid_date")
    refused(api.investor("HK-0001").get(f"/assets/HVT/wallets/{wallets[2]}"), 403, "forbidden_wallet")
