"""Checks that Brownie and rwakit agree, run with the main venv by `make brownie-test` / `make ganache-test`:

    .venv/bin/python -m pytest tools/brownie_checks.py      # after `make brownie` and `brownie compile`

- Brownie's build has the same bytecode as `rwakit compile`, for every contract rwakit ships
  (none is named here: contracts come and go).
- `brownie run scripts/deploy.py --network rwakit-anvil|rwakit-ganache`, attached to a node rwakit
  started, writes the deployment record rwakit reads, and the rwakit CLI and Python API then work
  on that deployment.

Not part of `make test` (testpaths is tests/, and this needs the Brownie environment).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import fields
from pathlib import Path
from typing import Any

import pytest

from rwakit.chain.connection import connect_url, dev_signers
from rwakit.chain.node import port_is_free, start_node
from rwakit.config import Settings
from rwakit.contracts.compiler import compile_sources
from rwakit.deployment import Deployment
from rwakit.platform import Platform

ROOT = Path(__file__).resolve().parents[1]
BROWNIE_BIN = ROOT / ".venv-brownie" / "bin"
BUILD = ROOT / "build" / "contracts"
WALLET = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"  # the dev mnemonic's second account
NETWORKS = {  # network id -> (node kind, port, chain id), as `make brownie` defined them
    "rwakit-anvil": ("anvil", int(os.environ.get("ANVIL_PORT", "8545")), 31337),
    "rwakit-ganache": ("ganache", int(os.environ.get("GANACHE_PORT", "8555")), 1337),
}


@pytest.fixture(scope="module")
def brownie_build() -> dict[str, dict[str, Any]]:
    if not BUILD.is_dir():
        pytest.fail(f"No Brownie build in {BUILD}: run `make brownie-compile` first")
    return {p.stem: json.loads(p.read_text()) for p in BUILD.glob("*.json")}


def test_brownie_compiles_the_same_bytecode_as_rwakit(brownie_build: dict[str, dict[str, Any]]) -> None:
    """Creation and runtime bytecode byte for byte, the CBOR metadata (source hashes, compiler,
    settings, remappings) included: brownie-config.yaml uses rwakit's exact remapping string."""
    rwakit = compile_sources()
    assert rwakit, "rwakit compiled no contracts"
    for name, artifact in rwakit.items():
        assert name in brownie_build, f"Brownie did not build {name}"
        built = brownie_build[name]
        assert built["sourcePath"] == artifact["sourceName"]
        assert built["compiler"]["version"] == artifact["compiler"]["version"]
        assert "0x" + built["deployedBytecode"] == artifact["deployedBytecode"], f"{name}: runtime bytecode differs"
        assert "0x" + built["bytecode"] == artifact["bytecode"], f"{name}: creation bytecode differs"
        assert built["abi"] == artifact["abi"], f"{name}: ABI differs"
    # and Brownie builds nothing deployable of ours that rwakit would not ship
    ours = {n for n, b in brownie_build.items() if b["sourcePath"].startswith("contracts/") and b["bytecode"]}
    ours = {n for n in ours if brownie_build[n]["abi"]}
    assert ours == set(rwakit)


@pytest.mark.parametrize("network", sorted(NETWORKS))
def test_deploy_script_under_brownie_writes_the_record_rwakit_uses(network: str, tmp_path: Path) -> None:
    kind, port, chain_id = NETWORKS[network]
    if not port_is_free(port):
        pytest.fail(f"port {port} ({network}) is in use: stop that node, or set the port with `make brownie`")
    data_dir = tmp_path / "data"
    with start_node(kind, port=port) as node:  # type: ignore[arg-type]
        env = {**os.environ, "RWAKIT_DATA_DIR": str(data_dir), "PATH": f"{BROWNIE_BIN}:{os.environ['PATH']}"}
        env.pop("RWAKIT_RPC_URL", None)
        run = subprocess.run(
            [str(BROWNIE_BIN / "brownie"), "run", "scripts/deploy.py", "--network", network],
            cwd=project_dir_for_brownie_run(tmp_path), env=env, capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        assert run.returncode == 0, run.stdout + run.stderr
        assert "Attached to local RPC client" in run.stdout  # deployed to rwakit's node, not one of its own
        assert node.process.poll() is None, "Brownie stopped a node it did not start"

        # the record is rwakit's own: same fields, same chain, contracts present
        record = json.loads((data_dir / "deployment.json").read_text())
        assert list(record) == [f.name for f in fields(Deployment)]
        deployment = Deployment.load(data_dir / "deployment.json")
        assert deployment.chain_id == chain_id
        assert deployment.compiler_version == compile_sources()["InvestorRegistry"]["compiler"]["version"]
        chain = connect_url(node.url, dev_signers(Settings(_env_file=None)))  # type: ignore[call-arg]
        deployment.check_chain(chain)
        assert deployment.operator == chain.operator.address

        # the CLI works on it ...
        cli_env = {**env, "RWAKIT_RPC_URL": node.url}
        for args in (
            ["investor", "register", "HK-0001", "--wallet", WALLET, "--country", "HK", "--class", "professional",
             "--kyc-expiry", "2030-12-31"],
            ["asset", "create", "--name", "Harbour View Tower", "--symbol", "HVT", "--shares", "1000000",
             "--decimals", "6", "--kind", "property"],
            ["issue", "HVT", "HK-0001", "12.5"],
        ):  # fmt: skip
            cli(args, cli_env, tmp_path)
        assert "12.5" in cli(["holdings", "HK-0001"], cli_env, tmp_path)

        # ... and so does the Python API
        platform = Platform.from_settings(Settings(_env_file=None, rpc_url=node.url, data_dir=data_dir))  # type: ignore[call-arg]
        assert platform.registry.count() == 1
        assert [a.symbol for a in platform.assets.list()] == ["HVT"]


def project_dir_for_brownie_run(tmp_path: Path) -> Path:
    """This checkout, unless a folder on its path has a dot in its name (as `mktemp -d` makes):
    Brownie 1.22 imports a script as a module named after its absolute path (/tmp/tmp.x/... ->
    `tmp.tmp.x...`), which a dot breaks. Then a copy of what `brownie run` needs, on a path without one."""
    if not any("." in part for part in ROOT.parts[1:]):
        return ROOT
    mirror = tmp_path / "project"
    assert not any("." in part for part in mirror.parts[1:]), f"{mirror} has a dot too"
    mirror.mkdir()
    shutil.copy2(ROOT / "brownie-config.yaml", mirror)
    for folder in ("contracts", "scripts", "build"):
        if (ROOT / folder).is_dir():
            shutil.copytree(ROOT / folder, mirror / folder)
    (mirror / "node_modules").symlink_to(ROOT / "node_modules")
    (mirror / "tests" / "brownie").mkdir(parents=True)  # Brownie creates its folders, but not parents
    return mirror


def cli(args: list[str], env: dict[str, str], cwd: Path) -> str:
    rwakit = Path(sys.executable).with_name("rwakit")
    done = subprocess.run([str(rwakit), *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, f"rwakit {' '.join(args)}: {done.stdout}{done.stderr}"
    return done.stdout
