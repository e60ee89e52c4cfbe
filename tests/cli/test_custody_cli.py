"""SafeProposals through the CLI: keys into keystores, a platform deployed with its roles on a 2-of-3 Safe, an
asset created as a proposal, approved by two owners (a keystore and the dev mnemonic), executed once."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.cli.test_cli import env as env  # the fixtures of the CLI's tests
from tests.cli.test_cli import running_chain as running_chain
from tests.cli.test_cli import rwakit

OWNERS = ["0x70997970C51812dc3A010C7d01b50e0d17dc79C8", "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"]  # dev 1, 2
DEV_KEY_1 = "59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d"  # the public dev account 1


def private_file(path: Path, text: str) -> None:
    path.write_text(text)
    path.chmod(0o600)  # a passphrase file the group or others may read is refused (passphrase_file_too_open)


def test_keys_go_into_keystores_and_never_to_the_terminal(env: dict[str, str], tmp_path: Path) -> None:
    private_file(tmp_path / "pass", "a long passphrase\n")
    store = tmp_path / "keys" / "owner.json"
    done = subprocess.run([sys.executable, "-m", "rwakit.cli", "key", "import", "--keystore", str(store),
                           "--passphrase-file", str(tmp_path / "pass")], input=f"{DEV_KEY_1}\n", env=env,
                          capture_output=True, text=True, timeout=60, cwd=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert DEV_KEY_1 not in done.stdout + done.stderr and OWNERS[0] in done.stdout
    assert rwakit(env, "key", "show", str(store)).stdout.strip() == OWNERS[0]
    again = rwakit(env, "key", "new", "--keystore", str(store), "--passphrase-file", str(tmp_path / "pass"), ok=False)
    assert "keystore_exists" in again.stderr
    (tmp_path / "pass").chmod(0o644)
    shown = rwakit(env, "key", "new", "--keystore", str(tmp_path / "k2.json"), "--passphrase-file",
                   str(tmp_path / "pass"), ok=False)  # fmt: skip
    assert "passphrase_file_too_open" in shown.stderr and not (tmp_path / "k2.json").exists()


def test_a_safe_holds_the_roles_and_two_owners_create_an_asset(
    env: dict[str, str], running_chain: subprocess.Popen[str], tmp_path: Path
) -> None:
    third = "0x90F79bf6EB2c4f870365E785982E1f101E93b906"
    refused = rwakit(env, "deploy", "--safe", "2-of-3", "--owner", OWNERS[0], "--owner", OWNERS[1], ok=False)
    assert "invalid_safe_spec" in refused.stderr
    alone = rwakit(env, "deploy", "--safe", "1-of-2", "--owner", OWNERS[0], "--owner", OWNERS[1], ok=False)
    assert "safe_threshold_too_low" in alone.stderr  # one owner could execute alone: no four eyes
    not_a_safe = rwakit(env, "deploy", "--safe-address", OWNERS[0], ok=False)
    assert "safe_not_found" in not_a_safe.stderr
    assert not (Path(env["RWAKIT_DATA_DIR"]) / "deployment.json").exists()  # refused before deploying anything
    deployed = rwakit(env, "deploy", "--safe", "2-of-3", "--owner", OWNERS[0], "--owner", OWNERS[1], "--owner", third)
    safe = json.loads((Path(env["RWAKIT_DATA_DIR"]) / "deployment.json").read_text())["safe"]
    assert safe in deployed.stdout
    proposed = rwakit(env, "asset", "create", "--name", "Safe Tower", "--symbol", "SAFE", "--shares", "1000")
    assert proposed.stdout.startswith("proposed: create asset SAFE") and "proposal 1" in proposed.stdout
    assert "#1" in rwakit(env, "proposal", "list").stdout
    assert "safe_tx_hash 0x" in rwakit(env, "proposal", "show", "1").stdout
    private_file(tmp_path / "pass", "a long passphrase\n")
    store = tmp_path / "owner.json"
    subprocess.run([sys.executable, "-m", "rwakit.cli", "key", "import", "--keystore", str(store), "--passphrase-file",
                    str(tmp_path / "pass")], input=f"{DEV_KEY_1}\n", env=env, capture_output=True, text=True,
                   timeout=60, cwd=tmp_path, check=True)  # fmt: skip
    first = rwakit(
        env, "proposal", "approve", "1", "--keystore", str(store), "--passphrase-file", str(tmp_path / "pass")
    )
    assert "pending" in first.stdout and "1/2 approvals" in first.stdout
    twice = rwakit(env, "proposal", "approve", "1", "--dev-account", "1", ok=False)
    assert "already_approved" in twice.stderr
    for index in ("-1", "99999999999"):
        bad = rwakit(env, "proposal", "approve", "1", "--dev-account", index, ok=False)
        assert "invalid_dev_account" in bad.stderr and "Traceback" not in bad.stderr, bad.stderr
    second = rwakit(env, "proposal", "approve", "1", "--dev-account", "2")
    assert "executed" in second.stdout and "2/2 approvals" in second.stdout
    assert "SAFE" in rwakit(env, "asset", "list").stdout
    assert "no pending proposals" in rwakit(env, "proposal", "list").stdout
    trail = rwakit(env, "audit", "--json").stdout
    assert "proposal_executed" in trail and DEV_KEY_1 not in trail
    rows = tmp_path / "rows.csv"
    rows.write_text(f"{OWNERS[0]},1\n{OWNERS[1]},1\n")  # two chunks of one: two proposals, refused before either
    split = rwakit(env, "issue-batch", "SAFE", str(rows), "--chunk-size", "1", ok=False)
    assert "batch_exceeds_proposal" in split.stderr and "no pending proposals" in rwakit(env, "proposal", "list").stdout
    again = rwakit(env, "deploy", "--safe-address", safe)  # another platform under the same, existing Safe
    assert safe in again.stdout and "holds none" in again.stdout
