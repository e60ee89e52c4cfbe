"""The Safe 1.4.1 contracts' artifacts, copied from the npm package ``@safe-global/safe-contracts``
(pinned in package.json) into rwakit/contracts/artifacts/safe/ so the installed package deploys and
drives Safes without node_modules. ``rwakit compile`` copies them; ``rwakit compile --check`` and a
test compare the shipped copies with node_modules' ones.

Only the ABI and the creation bytecode are kept, with where they came from: the npm artifacts are
Hardhat's, compiled by the Safe project (solc 0.7.6, its build-info), not by rwakit's compiler.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from rwakit.contracts.compiler import ARTIFACTS_DIR, PACKAGE_ROOT
from rwakit.errors import ToolchainError

SAFE_PACKAGE = "@safe-global/safe-contracts"
SAFE_VERSION = "1.4.1"
SAFE_ARTIFACTS_DIR = ARTIFACTS_DIR / "safe"
# name shipped -> path under the package's build/artifacts/contracts/
SAFE_CONTRACTS = {
    "Safe": "Safe.sol/Safe.json",
    "SafeProxyFactory": "proxies/SafeProxyFactory.sol/SafeProxyFactory.json",
    "CompatibilityFallbackHandler": "handler/CompatibilityFallbackHandler.sol/CompatibilityFallbackHandler.json",
}


def safe_artifacts_from_npm(project_root: Path = PACKAGE_ROOT) -> dict[str, dict[str, Any]]:
    """The shipped form of each Safe contract, read from node_modules (run `make deps` first)."""
    package = project_root / "node_modules" / SAFE_PACKAGE
    try:
        installed = json.loads((package / "package.json").read_text())["version"]
    except OSError:
        raise ToolchainError(f"{SAFE_PACKAGE} is not in node_modules: run `make deps` (npm ci)") from None
    if installed != SAFE_VERSION:
        raise ToolchainError(f"node_modules has {SAFE_PACKAGE} {installed}, rwakit ships {SAFE_VERSION}: run npm ci")
    artifacts = {}
    for name, path in SAFE_CONTRACTS.items():
        hardhat = json.loads((package / "build" / "artifacts" / "contracts" / path).read_text())
        build_info = json.loads(
            (package / "build" / "artifacts" / "contracts" / path.replace(".json", ".dbg.json")).read_text()
        )["buildInfo"]
        solc = json.loads(((package / "build" / "artifacts" / "contracts" / path).parent / build_info).read_text())
        artifacts[name] = {
            "contract": hardhat["contractName"],
            "abi": hardhat["abi"],
            "bytecode": hardhat["bytecode"],
            "compiler": {"version": solc["solcLongVersion"], "optimizer": solc["input"]["settings"]["optimizer"]},
            "source": {"npm": f"{SAFE_PACKAGE}@{SAFE_VERSION}", "path": f"build/artifacts/contracts/{path}"},
        }
    return artifacts


def write_safe_artifacts(artifacts: dict[str, dict[str, Any]], directory: Path = SAFE_ARTIFACTS_DIR) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, artifact in sorted(artifacts.items()):
        path = directory / f"{name}.json"
        path.write_text(json.dumps(artifact, indent=1, sort_keys=True) + "\n")
        written.append(path)
    return written
