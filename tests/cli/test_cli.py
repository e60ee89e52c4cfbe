"""The `rwakit` command end to end: a chain in the background, then deploy, register, create, issue."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from importlib.metadata import version
from pathlib import Path

import pytest
from eth_typing import HexStr
from web3 import Web3

from rwakit.chain.node import free_port
from rwakit.contracts import load_artifact
from rwakit.db import make_engine
from rwakit.db.audit import SqlAuditLog

RWAKIT = [sys.executable, "-m", "rwakit.cli"]


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """The environment without the developer's RWAKIT_* settings (commands also run in tmp_path, away
    from the repository's .env)."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("RWAKIT_")}
    return {**clean, "RWAKIT_DATA_DIR": str(tmp_path / "data")}


@pytest.fixture
def running_chain(env: dict[str, str], tmp_path: Path) -> Iterator[subprocess.Popen[str]]:
    process = subprocess.Popen([*RWAKIT, "chain", "--port", str(free_port())], env=env, text=True, cwd=tmp_path,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)  # fmt: skip
    record = tmp_path / "data" / "node.json"
    deadline = time.monotonic() + 30
    while not record.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert record.exists(), "rwakit chain did not start"
    yield process
    process.terminate()
    process.wait(15)
    assert not record.exists(), "rwakit chain left its node record behind"


def rwakit(env: dict[str, str], *args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
    cwd = Path(env["RWAKIT_DATA_DIR"]).parent  # not the repository: its .env is the developer's
    done = subprocess.run([*RWAKIT, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=120)
    assert (done.returncode == 0) == ok, done.stdout + done.stderr
    return done


def test_issuer_workflow_through_the_cli(env: dict[str, str], running_chain: subprocess.Popen[str]) -> None:
    rwakit(env, "deploy")
    wallet = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"  # the local chain's second funded account
    rwakit(env, "investor", "register", "HK-0001", "--wallet", wallet, "--country", "HK",
           "--class", "professional", "--kyc-expiry", "2099-01-01")  # fmt: skip
    shown = rwakit(env, "investor", "show", "HK-0001").stdout
    assert "verified" in shown and "country HK," in shown
    rwakit(env, "asset", "create", "--name", "Harbour View Tower", "--symbol", "HVT", "--shares", "1000000")
    rwakit(env, "issue", "HVT", "HK-0001", "12.5")
    assert "12.5" in rwakit(env, "holdings", "HK-0001").stdout
    assert "HK-0001" in rwakit(env, "asset", "cap-table", "HVT").stdout
    refused = rwakit(env, "issue", "HVT", "0x" + "11" * 20, "1", ok=False)
    assert "error [compliance_refused]" in refused.stderr and "receiver_not_registered" in refused.stderr
    assert f"issue 1 HVT to {'0x' + '11' * 20} refused" in refused.stderr  # shares as given, not base units
    # A lost wallet: the registrar adds the new one and removes the lost one, then the issuer recovers.
    new = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"
    rwakit(env, "investor", "add-wallet", "HK-0001", new)
    early = rwakit(env, "control", "recover", wallet, new, "HK-0001", "--reason", "lost", ok=False)
    assert "AssetRecoveryWalletRegistered" in early.stderr
    assert "removed" in rwakit(env, "investor", "remove-wallet", "HK-0001", wallet).stdout
    assert "wallet_not_found" in rwakit(env, "investor", "remove-wallet", "HK-0001", wallet, ok=False).stderr
    rwakit(env, "control", "recover", wallet, new, "HK-0001", "--reason", "lost phone")
    assert "12.5" in rwakit(env, "holdings", "HK-0001").stdout
    refused = rwakit(env, "issue", "HVT", wallet, "1", ok=False)  # the lost wallet receives nothing more
    assert "receiver_not_registered" in refused.stderr


def test_commands_without_a_chain_say_what_to_do(env: dict[str, str]) -> None:
    refused = rwakit(env, "deploy", ok=False)
    assert "error [chain_unavailable]" in refused.stderr and "rwakit chain" in refused.stderr


@pytest.mark.parametrize(
    ("args", "says"),
    [(("rules", "max-holders", "HVT", "ten"), "'ten' is not a whole number"),
     (("rules", "lockup", "HVT", "30/06/2027"), "'30/06/2027' is not a date")],
)  # fmt: skip
def test_a_malformed_rule_value_is_refused_before_anything_runs(
    env: dict[str, str], args: tuple[str, ...], says: str
) -> None:
    refused = rwakit(env, *args, ok=False)
    assert refused.returncode == 2 and says in refused.stderr and "Traceback" not in refused.stderr


def test_version_prints_the_package_version(env: dict[str, str]) -> None:
    assert rwakit(env, "--version").stdout == f"rwakit {version('rwakit')}\n"


@pytest.mark.parametrize(
    "args",
    [("chain", "--kind", "ganash"),
     ("investor", "register", "HK-0001", "--wallet", "0x" + "11" * 20, "--country", "HK",
      "--kyc-expiry", "2099-01-01", "--class", "vip"),
     ("asset", "create", "--name", "T", "--symbol", "T", "--shares", "1", "--kind", "bond"),
     ("rules", "allow-list", "HVT", "maybe")],
)  # fmt: skip
def test_a_choice_outside_its_set_is_a_usage_error(env: dict[str, str], args: tuple[str, ...]) -> None:
    refused = rwakit(env, *args, ok=False)
    assert refused.returncode == 2 and "Invalid value" in refused.stderr and "Traceback" not in refused.stderr


@pytest.mark.parametrize("kind", ["ganache", "tester"])  # on Anvil: test_serve (`rwakit serve --demo`)
def test_the_demo_runs_on_every_chain(env: dict[str, str], kind: str) -> None:
    out = rwakit(env, "demo", "--kind", kind).stdout
    assert "Refused: PRIF to GB-0001 (a retail investor): class_not_allowed (code 17)" in out
    assert "receiver_not_registered (code 3)" in out and "Cap table of Pearl River Income Fund" in out


def test_the_demo_refuses_an_unknown_chain_kind_before_starting_anything(env: dict[str, str]) -> None:
    refused = rwakit(env, "demo", "--kind", "ganash", ok=False)
    assert "error [invalid_chain_kind]" in refused.stderr and "anvil, ganache or tester" in refused.stderr
    assert "Started" not in refused.stdout


def test_compile_check_passes_on_the_shipped_artifacts(env: dict[str, str]) -> None:
    assert "match" in rwakit(env, "compile", "--check").stdout


def test_rules_and_controls_through_the_cli(env: dict[str, str], running_chain: subprocess.Popen[str]) -> None:
    rwakit(env, "deploy")
    hk, sg = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8", "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"
    for investor_id, wallet, country in (("HK-0001", hk, "HK"), ("SG-0001", sg, "SG")):
        rwakit(env, "investor", "register", investor_id, "--wallet", wallet, "--country", country,
               "--class", "professional", "--kyc-expiry", "2099-01-01")  # fmt: skip
    rwakit(env, "asset", "create", "--name", "Tower", "--symbol", "TWR", "--shares", "1000")
    rwakit(env, "rules", "allow-countries", "TWR", "SG")
    rwakit(env, "rules", "allow-list", "TWR", "on")
    refused = rwakit(env, "issue", "TWR", "HK-0001", "1", ok=False)
    assert "country_not_allowed" in refused.stderr
    rwakit(env, "issue", "TWR", "SG-0001", "10")
    assert "[702]" in rwakit(env, "rules", "show", "TWR").stdout
    needs_reason = rwakit(env, "control", "forced-transfer", "TWR", sg, hk, "1", ok=False)
    assert "error [reason_required]" in needs_reason.stderr
    rwakit(env, "control", "freeze-tokens", "TWR", sg, "4", "--reason", "dispute")
    rwakit(env, "control", "redeem", "TWR", sg, "10", "--reason", "redemption")
    assert "SG-0001" not in rwakit(env, "asset", "cap-table", "TWR").stdout


def test_rule_changes_and_controls_through_the_cli_are_in_the_audit_trail(
    env: dict[str, str], running_chain: subprocess.Popen[str], tmp_path: Path
) -> None:
    """The CLI records its audit trail in the API's database, where `GET /audit` reads it."""
    env["RWAKIT_DATABASE_URL"] = db_url = f"sqlite:///{(tmp_path / 'api.db').as_posix()}"
    operator, holder = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266", "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
    rwakit(env, "deploy")
    rwakit(env, "investor", "register", "HK-0001", "--wallet", holder, "--country", "HK",
           "--class", "professional", "--kyc-expiry", "2099-01-01")  # fmt: skip
    created = rwakit(env, "asset", "create", "--name", "Tower", "--symbol", "TWR", "--shares", "1000").stdout
    asset = created.split(" at ")[1].strip()
    rwakit(env, "rules", "block-countries", "TWR", "KP", "US", "--reason", "sanctions list 2026-11")
    rwakit(env, "rules", "classes", "TWR", "professional")  # a reason is optional for rule changes
    rwakit(env, "rules", "max-holders", "TWR", "5", ok=False)  # refused: TWR keeps no investor totals
    rwakit(env, "issue", "TWR", "HK-0001", "10")
    rwakit(env, "control", "freeze", "TWR", holder, "--reason", "AML case 17")

    trail = SqlAuditLog(make_engine(db_url)).entries()
    assert [(e.actor, e.action, e.asset, e.reason) for e in trail] == [
        (operator, "block_countries", asset, "sanctions list 2026-11"),
        (operator, "set_allowed_classes", asset, ""),
        (operator, "freeze_wallet", asset, "AML case 17"),
    ]
    assert [e.details for e in trail] == [
        {"countries": ["KP", "US"]}, {"classes": ["professional"]}, {"wallet": holder}
    ]  # fmt: skip
    w3 = Web3(Web3.HTTPProvider(json.loads((tmp_path / "data" / "node.json").read_text())["url"]))
    token = load_artifact("AssetToken").at(w3, asset)
    sent = [w3.eth.get_transaction(HexStr(e.tx_hash)) for e in trail]
    assert all(w3.eth.get_transaction_receipt(HexStr(e.tx_hash))["status"] == 1 for e in trail)
    assert [(tx["from"], tx["to"]) for tx in sent] == [(operator, asset)] * 3
    assert [token.decode_function_input(tx["input"])[0].fn_name for tx in sent] == [
        "setBlockedCountries", "setAllowedClasses", "setAddressFrozen"
    ]  # fmt: skip


def test_audit_lists_the_rule_changes_and_controls_sent_through_the_cli(
    env: dict[str, str], running_chain: subprocess.Popen[str], tmp_path: Path
) -> None:
    """`rwakit audit` reads the trail the rules and control commands wrote, with the hashes they printed."""
    env["RWAKIT_DATABASE_URL"] = f"sqlite:///{(tmp_path / 'api.db').as_posix()}"
    operator, holder = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266", "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
    rwakit(env, "deploy")
    assert rwakit(env, "audit").stdout.strip() == "the audit trail is empty: no rule change or control yet"
    asset = rwakit(env, "asset", "create", "--name", "Tower", "--symbol", "TWR", "--shares", "1000").stdout
    asset = asset.split(" at ")[1].strip()
    rule = rwakit(env, "rules", "block-countries", "TWR", "KP", "--reason", "sanctions list 2026-11").stdout
    control = rwakit(env, "control", "freeze", "TWR", holder, "--reason", "AML case 17").stdout
    assert rule.startswith("block-list updated in 0x") and control.startswith("done in 0x")
    rule_hash, control_hash = rule.split(" in ")[1].strip(), control.split(" in ")[1].strip()
    assert len(rule_hash) == len(control_hash) == 66

    header, *rows = rwakit(env, "audit").stdout.splitlines()
    assert header.split() == ["time", "(UTC)", "actor", "action", "asset", "reason", "tx"]
    expected = [  # newest first, each cell under its heading
        (operator, "freeze_wallet", "TWR", "AML case 17", f"{control_hash[:10]}...{control_hash[-4:]}"),
        (operator, "block_countries", "TWR", "sanctions list 2026-11", f"{rule_hash[:10]}...{rule_hash[-4:]}"),
    ]
    columns = [header.index(heading) for heading in ("actor", "action", "asset", "reason", "tx")]
    assert len(rows) == len(expected)
    for row, cells in zip(rows, expected, strict=True):
        assert [row.index(cell) for cell in cells] == columns
        assert row.endswith(cells[-1])

    entries = json.loads(rwakit(env, "audit", "--json").stdout)
    assert [e["tx_hash"] for e in entries] == [control_hash, rule_hash]
    assert entries[1] == {
        "id": entries[1]["id"], "at": entries[1]["at"], "actor": operator, "action": "block_countries",
        "asset": "TWR", "asset_address": asset, "reason": "sanctions list 2026-11", "tx_hash": rule_hash,
        "details": {"countries": ["KP"]},
    }  # fmt: skip
    assert entries[0]["details"] == {"wallet": holder} and entries[0]["id"] > entries[1]["id"]

    def actions(*filters: str) -> list[str]:
        return [e["action"] for e in json.loads(rwakit(env, "audit", "--json", *filters).stdout)]

    assert actions("--tx-hash", rule_hash.upper().replace("0X", "0x")) == ["block_countries"]
    assert actions("--action", "freeze_wallet") == ["freeze_wallet"]
    assert actions("--asset", "TWR") == actions("--asset", asset.lower()) == ["freeze_wallet", "block_countries"]
    assert actions("--actor", operator[:8]) == ["freeze_wallet", "block_countries"]
    assert actions("--limit", "1", "--offset", "1") == ["block_countries"]
    assert actions("--actor", "api-key:") == []
    newest = rwakit(env, "audit", "--limit", "1")
    assert [row.split()[3] for row in newest.stdout.splitlines()[1:]] == ["freeze_wallet"]
    assert "--offset 1" in newest.stderr  # says how to see older entries
    assert rwakit(env, "audit", "--action", "pause").stdout.strip() == "no audit entries match"
    unknown = rwakit(env, "audit", "--asset", "NOPE", ok=False)
    assert "error [asset_not_found]" in unknown.stderr and "NOPE" in unknown.stderr
