"""Compile contracts/ into the artifacts shipped inside the package.

The compiler is solc 0.8.28: a native binary when one of that version is on PATH or installed by
py-solc-x, otherwise the project's ``tools/solc`` wrapper over the npm-pinned solc-js, which
answers py-solc-x exactly as a native solc would. Output is deterministic: the same sources give
the same artifact bytes, which a test checks against the shipped ones.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path
from typing import Any

import solcx
from solcx.exceptions import SolcError

from rwakit.errors import ToolchainError

SOLC_VERSION = "0.8.28"
COMPILER_SETTINGS: dict[str, Any] = {
    "optimizer": {"enabled": True, "runs": 200},
    "evmVersion": "shanghai",
    "remappings": ["@openzeppelin/=node_modules/@openzeppelin/"],
    "outputSelection": {"*": {"*": ["abi", "evm.bytecode.object", "evm.deployedBytecode.object"]}},
}
ARTIFACTS_DIR = Path(__file__).parent / "artifacts"
PACKAGE_ROOT = Path(__file__).resolve().parents[2]


def find_solc(project_root: Path = PACKAGE_ROOT) -> Path:
    """The solc to use: a native one of the pinned version if present, else the solc-js wrapper."""
    candidates: list[Path] = []
    if native := shutil.which("solc"):
        candidates.append(Path(native))
    installed = solcx.get_solcx_install_folder() / f"solc-v{SOLC_VERSION}"
    if installed.exists():
        candidates.append(installed)
    for candidate in candidates:
        try:
            if str(solcx.wrapper.get_solc_version(candidate)) == SOLC_VERSION:
                return candidate
        except (SolcError, OSError):
            continue
    wrapper = project_root / "tools" / "solc"
    if not (project_root / "node_modules" / "solc").is_dir():
        raise ToolchainError(
            f"No solc {SOLC_VERSION} found: run `npm ci` in {project_root} to install the pinned solc-js",
            code="solc_missing",
        )
    return wrapper


def source_files(project_root: Path) -> dict[str, Path]:
    """The project's Solidity sources keyed by their source unit name (path from the root)."""
    contracts = project_root / "contracts"
    if not contracts.is_dir():
        raise ToolchainError(f"No contracts/ folder in {project_root}", code="sources_missing")
    return {p.relative_to(project_root).as_posix(): p for p in sorted(contracts.rglob("*.sol"))}


def compile_sources(project_root: Path = PACKAGE_ROOT, solc: Path | None = None) -> dict[str, dict[str, Any]]:
    """Compile every contract under contracts/ and return artifacts by contract name."""
    sources = source_files(project_root)
    standard_input = {
        "language": "Solidity",
        "sources": {name: {"content": path.read_text()} for name, path in sources.items()},
        "settings": COMPILER_SETTINGS,
    }
    binary = solc or find_solc(project_root)
    try:
        output = solcx.compile_standard(
            standard_input,
            base_path=str(project_root),
            allow_paths=str(project_root),
            solc_binary=binary,
        )
    except SolcError as exc:
        raise ToolchainError(f"Compilation failed:\n{_compiler_errors(exc)}", code="compile_failed") from exc
    version = solcx.wrapper.get_version_str_from_solc_binary(binary)
    artifacts: dict[str, dict[str, Any]] = {}
    for source_name, contracts in output["contracts"].items():
        if source_name not in sources:
            continue  # OpenZeppelin's own contracts: reached through ours, not shipped
        source_hash = hashlib.sha256(sources[source_name].read_bytes()).hexdigest()
        for name, out in contracts.items():
            bytecode = out["evm"]["bytecode"]["object"]
            if not bytecode or not out["abi"]:
                continue  # interfaces, and libraries of internal functions (inlined where used)
            artifacts[name] = {
                "contractName": name,
                "sourceName": source_name,
                "sourceSha256": source_hash,
                "compiler": {"version": version, "settings": _without_output_selection()},
                "abi": out["abi"],
                "bytecode": "0x" + bytecode,
                "deployedBytecode": "0x" + out["evm"]["deployedBytecode"]["object"],
            }
    return artifacts


def write_artifacts(artifacts: dict[str, dict[str, Any]], directory: Path = ARTIFACTS_DIR) -> list[Path]:
    """Write one JSON file per contract, replacing what was there."""
    directory.mkdir(parents=True, exist_ok=True)
    for stale in directory.glob("*.json"):
        stale.unlink()
    written = []
    for name, artifact in sorted(artifacts.items()):
        path = directory / f"{name}.json"
        path.write_text(json.dumps(artifact, indent=1, sort_keys=True) + "\n")
        written.append(path)
    return written


def _compiler_errors(exc: SolcError) -> str:
    """The compiler's own error messages, not the whole JSON it printed."""
    try:
        errors = json.loads(exc.stdout_data or "")["errors"]
    except (TypeError, ValueError, KeyError):
        return str(exc.stderr_data or exc)
    return "\n".join(e["formattedMessage"] for e in errors if e.get("severity") == "error")


def _without_output_selection() -> dict[str, Any]:
    return {k: v for k, v in COMPILER_SETTINGS.items() if k != "outputSelection"}
