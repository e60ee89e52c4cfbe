"""The CLI's Rich output: tables for cap tables and holdings, progress bars on stderr for batch
registration and issuance and for indexing, never with --json (scripts and captured output stay clean)."""

from __future__ import annotations

import io
import json
import subprocess
from pathlib import Path

from rich.console import Console

from rwakit.cli.asset import cap_table_data, cap_table_heading, cap_table_rows
from rwakit.cli.common import print_table, progress_bar, rich_table
from rwakit.indexer.queries import AsOf, CapTableEntry, IndexedAsset, IndexedCapTable, InvestorRecord
from tests.cli.test_cli import env, running_chain, rwakit

assert env and running_chain  # the fixtures, imported for pytest

WALLETS = ["0x70997970C51812dc3A010C7d01b50e0d17dc79C8", "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC",
           "0x90F79bf6EB2c4f870365E785982E1f101E93b906"]  # fmt: skip
STRANGER = "0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65"  # funded, never registered
LATER, LATEST = "0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc", "0x976EA74026E726554dB657fA54763abd0C3a0aa9"
EXPIRY = "2099-01-01"


def _lines(console: Console) -> list[str]:
    return [line.rstrip() for line in console.export_text().splitlines() if line.strip()]


def _table() -> tuple[IndexedCapTable, dict[str, InvestorRecord]]:
    asset = IndexedAsset("0x" + "ab" * 20, "HVT", "Harbour View Tower", 2, 1)
    entries = [
        CapTableEntry("HK-0001", 1250, {WALLETS[0]: 1000, WALLETS[1]: 250}),
        CapTableEntry(None, 750, {WALLETS[2]: 750}),
    ]
    records = {"HK-0001": InvestorRecord("HK-0001", 1, 344, 1, 4102444800, False)}
    return IndexedCapTable(asset, AsOf(42), 2000, entries), records


def test_the_cap_table_renders_one_row_per_investor() -> None:
    table, records = _table()
    console = Console(record=True, width=100, file=io.StringIO())
    print_table(cap_table_rows(table, records), console)
    lines = _lines(console)
    assert lines[0].split() == ["investor", "country", "wallets", "shares", "%", "issued"]
    assert lines[2].split() == ["HK-0001", "HK", "2", "12.5", "62.5"]
    assert lines[3].split() == ["(unknown)", "-", "1", "7.5", "37.5"]
    assert cap_table_heading(table).endswith("as_of_block 42: 20 shares issued, 1 holders")
    first = cap_table_data(table, records)["entries"][0]
    assert first == {"investor_id": "HK-0001", "country": "HK", "wallets": {WALLETS[0]: "10", WALLETS[1]: "2.5"},
                     "shares": "12.5", "percent_issued": "62.5"}  # fmt: skip


def test_a_table_is_never_cut_to_a_narrow_console() -> None:
    console = Console(record=True, width=30, file=io.StringIO())
    made = rich_table("asset", ">shares", "address")
    made.add_row("HVT", "1000000000000.000001", WALLETS[0])
    print_table(made, console)
    assert _lines(console)[-1].split() == ["HVT", "1000000000000.000001", WALLETS[0]]


def test_the_progress_bar_shows_only_on_a_terminal_and_when_enabled() -> None:
    shown = io.StringIO()
    with progress_bar("registering", console=Console(file=shown, force_terminal=True, width=80)) as bar:
        assert bar is not None
        for done in (2, 4, 5):
            bar(done, 5)
    assert "registering" in shown.getvalue() and "5/5" in shown.getvalue()
    for enabled, terminal in ((False, True), (True, False)):
        quiet = io.StringIO()
        with progress_bar("x", enabled=enabled, console=Console(file=quiet, force_terminal=terminal)) as bar:
            assert bar is None
        assert quiet.getvalue() == ""


def _write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def test_batches_from_csv_with_bars_tables_and_clean_json(
    env: dict[str, str], running_chain: subprocess.Popen[str], tmp_path: Path
) -> None:
    rwakit(env, "deploy")
    terminal = {**env, "TTY_COMPATIBLE": "1", "COLUMNS": "200"}  # Rich takes stderr for a terminal
    investors = _write(tmp_path / "investors.csv", "investor_id,wallets,country,class,kyc_expiry\n"
                       f"HK-0001,{WALLETS[0]},HK,professional,{EXPIRY}\n\n"
                       f"SG-0001,{WALLETS[1]},SG,retail,{EXPIRY}\n"
                       f"HK-0002,{WALLETS[2]},HK,institutional,{EXPIRY}\n")  # fmt: skip
    done = rwakit(terminal, "investor", "register-batch", str(investors), "--chunk-size", "2")
    assert "registered 3 investors in 2 transaction(s)" in done.stdout
    assert "registering investors" in done.stderr and "3/3" in done.stderr
    rwakit(env, "asset", "create", "--name", "Harbour View Tower", "--symbol", "HVT", "--shares", "1000000")
    issuance = _write(tmp_path / "issue.csv", f"HK-0001,12.5\nSG-0001,7.5\n{WALLETS[2]},1\n")
    said = rwakit(terminal, "issue-batch", "HVT", str(issuance), "--chunk-size", "2", "--json")
    assert said.stderr == ""  # a terminal, but --json: no bar
    assert json.loads(said.stdout)["issued"] == 3 and len(json.loads(said.stdout)["transactions"]) == 2

    table = rwakit(terminal, "asset", "cap-table", "HVT").stdout.splitlines()
    assert "as_of_block" in table[0] and "3 holders" in table[0]
    assert [line.split() for line in table[3:]] == [["HK-0001", "HK", "1", "12.5", "59.5238"],
        ["SG-0001", "SG", "1", "7.5", "35.7142"], ["HK-0002", "HK", "1", "1", "4.7619"]]  # fmt: skip
    quiet = rwakit(terminal, "asset", "cap-table", "HVT", "--json")
    assert quiet.stderr == "" and json.loads(quiet.stdout)["holders"] == 3
    held = json.loads(rwakit(terminal, "holdings", "HK-0001", "--json").stdout)
    assert held["holdings"][0]["shares"] == "12.5" and held["holdings"][0]["wallets"] == {WALLETS[0]: "12.5"}
    rows = rwakit(env, "holdings", "SG-0001").stdout.splitlines()
    assert rows[-1].split()[:3] == ["HVT", "7.5", "1"] and rows[-1].split()[-1].startswith("0x")
    assert json.loads(rwakit(env, "asset", "list", "--json").stdout)[0]["issued"] == "21"
    rebuilt = rwakit(terminal, "index", "--rebuild")
    assert "indexing blocks" in rebuilt.stderr and "indexed to block" in rebuilt.stdout
    assert rwakit(terminal, "index", "--rebuild", "--no-progress").stderr == ""

    # Refused whole before anything is sent, as the API refuses a batch: a row the rules refuse, and one that
    # fits alone but not after the rows above it (999,979 of the 1,000,000 authorised shares left).
    more = _write(tmp_path / "more.csv", f"HK-0001,1\nSG-0001,999978\n{STRANGER},1\nHK-0002,1\n")
    refused = rwakit(env, "issue-batch", "HVT", str(more), "--chunk-size", "2", ok=False)
    assert "error [batch_ineligible]: 2 of 4 rows would be refused" in refused.stderr, refused.stderr
    assert f"row 3 ({STRANGER}): receiver_not_registered" in refused.stderr
    assert "row 4 (HK-0002): exceeds_authorised" in refused.stderr and "(0 left for it)" in refused.stderr
    assert "were issued" not in refused.stderr
    assert json.loads(rwakit(env, "asset", "list", "--json").stdout)[0]["issued"] == "21"
    # A chunk refused part way (here HK-0001, registered already): the chunks before it stand, and the
    # note says which rows to send again.
    late = _write(tmp_path / "late.csv", f"HK-0003,{STRANGER},HK,professional,{EXPIRY}\n"
                  f"HK-0004,{LATER},HK,professional,{EXPIRY}\nHK-0001,{LATEST},HK,professional,{EXPIRY}\n")  # fmt: skip
    refused = rwakit(env, "investor", "register-batch", str(late), "--chunk-size", "2", ok=False)
    assert "RegistryInvestorExists" in refused.stderr, refused.stderr
    assert "rows 1-2 of 3 were registered before this error" in refused.stderr and "rows 3-3" in refused.stderr


def test_batch_files_refused_before_anything_is_sent(
    env: dict[str, str], running_chain: subprocess.Popen[str], tmp_path: Path
) -> None:
    rwakit(env, "deploy")
    cases = {
        "empty_csv": "investor_id,wallets,country,class,kyc_expiry\n",
        "invalid_csv": f"HK-0001,{WALLETS[0]},HK,retail\n",
        "invalid_investor_class": f"HK-0001,{WALLETS[0]},HK,retail,{EXPIRY}\nHK-0002,{WALLETS[1]},HK,whale,{EXPIRY}\n",
        "invalid_date": f"HK-0001,{WALLETS[0]},HK,retail,31/12/2099\n",
        "duplicate_investor": f"HK-0001,{WALLETS[0]},HK,retail,{EXPIRY}\nHK-0001,{WALLETS[1]},HK,retail,{EXPIRY}\n",
        "invalid_address": f"HK-0001,0x1234,HK,retail,{EXPIRY}\n",
        "duplicate_wallet": f"HK-0001,{WALLETS[0]} {WALLETS[0]},HK,retail,{EXPIRY}\n",
    }
    for code, text in cases.items():
        refused = rwakit(env, "investor", "register-batch", str(_write(tmp_path / "i.csv", text)), ok=False)
        assert f"error [{code}]" in refused.stderr, (code, refused.stderr)
    missing = rwakit(env, "investor", "register-batch", str(tmp_path / "none.csv"), ok=False)
    assert "error [unreadable_file]" in missing.stderr
    assert "error [unreadable_file]" in rwakit(env, "investor", "register-batch", str(tmp_path), ok=False).stderr
    for binary in (b"\xff\xfe\x00H", b"HK-0001\x00,1\n"):
        (tmp_path / "b.csv").write_bytes(binary)
        refused = rwakit(env, "investor", "register-batch", str(tmp_path / "b.csv"), ok=False)
        assert "error [invalid_csv]" in refused.stderr, refused.stderr
    assert "investor_not_found" in rwakit(env, "investor", "show", "HK-0001", ok=False).stderr
    rwakit(
        env, "investor", "register-batch", str(_write(tmp_path / "i.csv", f"HK-0001,{WALLETS[0]},HK,retail,{EXPIRY}"))
    )
    rwakit(env, "asset", "create", "--name", "Harbour View Tower", "--symbol", "HVT", "--shares", "1000000")
    for code, text in {"invalid_amount": "HK-0001,0\n", "investor_not_found": "HK-0001,1\nNOBODY,1\n",
                       "invalid_csv": "HK-0001\n", "too_many_decimals": "HK-0001,1.0000001\n"}.items():  # fmt: skip
        refused = rwakit(env, "issue-batch", "HVT", str(_write(tmp_path / "s.csv", text)), ok=False)
        assert f"error [{code}]" in refused.stderr, (code, refused.stderr)
        assert "were issued" not in refused.stderr
    assert "error [asset_not_found]" in rwakit(env, "issue-batch", "NOPE", str(tmp_path / "s.csv"), ok=False).stderr
    assert json.loads(rwakit(env, "asset", "list", "--json").stdout)[0]["issued"] == "0"
    assert rwakit(env, "issue-batch", "HVT", str(tmp_path / "s.csv"), "--chunk-size", "0", ok=False).returncode == 2
