"""The offline toolchain: deterministic artifacts, solc selection, and the package layout."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from rwakit.contracts.compiler import (
    ARTIFACTS_DIR,
    PACKAGE_ROOT,
    SOLC_VERSION,
    compile_sources,
    find_solc,
    write_artifacts,
)


def test_shipped_artifacts_equal_a_fresh_compile(tmp_path: Path) -> None:
    write_artifacts(compile_sources(), tmp_path)
    fresh = {p.name: p.read_bytes() for p in tmp_path.glob("*.json")}
    shipped = {p.name: p.read_bytes() for p in ARTIFACTS_DIR.glob("*.json")}
    assert fresh.keys() == shipped.keys()
    for name in fresh:
        assert fresh[name] == shipped[name], f"{name} is stale: run `rwakit compile`"


def test_artifacts_record_compiler_and_settings() -> None:
    artifact = compile_sources()["AssetToken"]
    assert artifact["compiler"]["version"].startswith(SOLC_VERSION)
    assert artifact["compiler"]["settings"]["evmVersion"] == "shanghai"
    assert len(artifact["sourceSha256"]) == 64


def test_without_native_solc_the_wrapper_is_used() -> None:
    solc = find_solc()
    version = subprocess.run([str(solc), "--version"], capture_output=True, text=True, check=True).stdout
    assert f"Version: {SOLC_VERSION}" in version


def test_running_from_the_repository_root_keeps_the_stdlib_tokenize() -> None:
    """A top-level package named `tokenize` would shadow the standard library's (pytest breaks)."""
    probe = "import tokenize, rwakit.tokenize; assert hasattr(tokenize, 'COMMENT'), tokenize.__file__"
    subprocess.run([sys.executable, "-c", probe], cwd=PACKAGE_ROOT, check=True)
    subprocess.run([sys.executable, "-m", "pytest", "--version"], cwd=PACKAGE_ROOT, check=True, capture_output=True)
    assert not (PACKAGE_ROOT / "tokenize").exists() and not (PACKAGE_ROOT / "tokenize.py").exists()
