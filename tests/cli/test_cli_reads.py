"""The CLI's reads from the index: cap table, holdings and history as of a block, and the register of
holders as a file (CSV and XLSX with the same rows); bad dates and blocks refused with their code."""

from __future__ import annotations

import csv
import io
import subprocess
from datetime import UTC, datetime
from pathlib import Path

from openpyxl import load_workbook

from tests.cli.test_cli import env, running_chain, rwakit

assert env and running_chain  # the fixtures, imported for pytest

WALLET = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
OTHER = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"


def as_of_block(printed: str) -> int:
    return int(printed.split("as_of_block ")[1].split()[0].rstrip(":"))


def test_reads_and_the_register_from_the_index(env: dict[str, str], running_chain: subprocess.Popen[str]) -> None:
    rwakit(env, "deploy")
    rwakit(
        env,
        "investor",
        "register",
        "HK-0001",
        "--wallet",
        WALLET,
        "--country",
        "HK",
        "--class",
        "professional",
        "--kyc-expiry",
        "2099-01-01",
    )
    rwakit(env, "investor", "register", "SG-0001", "--wallet", OTHER, "--country", "SG", "--kyc-expiry", "2099-01-01")
    rwakit(env, "asset", "create", "--name", "Harbour View Tower", "--symbol", "HVT", "--shares", "1000000")
    rwakit(env, "issue", "HVT", "HK-0001", "12.5")
    first = rwakit(env, "asset", "cap-table", "HVT").stdout
    rwakit(env, "issue", "HVT", "SG-0001", "7.5")
    now = rwakit(env, "asset", "cap-table", "HVT").stdout
    assert "SG-0001" not in first and "SG-0001" in now and "2 holders" in now and as_of_block(now) > as_of_block(first)
    before = rwakit(env, "asset", "cap-table", "HVT", "--block", str(as_of_block(first))).stdout
    assert "SG-0001" not in before and f"as_of_block {as_of_block(first)}" in before
    holdings = rwakit(env, "holdings", "SG-0001").stdout
    assert "7.5" in holdings and "as_of_block" in holdings
    history = rwakit(env, "history", "HK-0001").stdout
    assert "issue" in history and "HVT" in history and "1 moves" in history

    today = datetime.now(UTC).date().isoformat()
    out = Path(env["RWAKIT_DATA_DIR"]).parent
    said = rwakit(env, "asset", "register", "HVT", "--at", today, "--output", str(out / "r.csv")).stdout
    assert "2 holders of HVT" in said and "not final" in said
    rwakit(env, "asset", "register", "hvt", "--at", today, "--format", "xlsx", "--output", str(out / "r.xlsx"))
    rows = list(csv.reader(io.StringIO((out / "r.csv").read_text())))
    assert [r[:3] for r in rows[11:]] == [["HK-0001", WALLET, "12.5"], ["SG-0001", OTHER, "7.5"]]
    sheet = load_workbook(out / "r.xlsx", read_only=True).worksheets[0]
    cells = [["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    assert [r for r in cells if r] == [r for r in rows if r]

    assert "invalid_date" in rwakit(env, "asset", "cap-table", "HVT", "--at", "31/12/2026", ok=False).stderr
    assert "block_not_indexed" in rwakit(env, "asset", "cap-table", "HVT", "--block", "99999999", ok=False).stderr
    assert (
        "date_before_index"
        in rwakit(
            env, "asset", "register", "HVT", "--at", "2000-01-01", "--output", str(out / "x.csv"), ok=False
        ).stderr
    )
    assert not (out / "x.csv").exists()
    assert "asset_not_found" in rwakit(env, "asset", "cap-table", "NOPE", ok=False).stderr
    assert "investor_not_found" in rwakit(env, "holdings", "NOBODY", ok=False).stderr
