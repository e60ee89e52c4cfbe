"""`rwakit compile`: the contracts' artifacts shipped in the package."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from rwakit.cli.common import reported


def compile_contracts(
    check: Annotated[bool, typer.Option(help="Fail if the shipped artifacts differ from a fresh compile")] = False,
) -> None:
    """Compile contracts/ and write the artifacts shipped in the package, with the Safe contracts' copied
    from node_modules (@safe-global/safe-contracts)."""
    from rwakit.contracts.compiler import ARTIFACTS_DIR, compile_sources, find_solc, write_artifacts
    from rwakit.contracts.safe_artifacts import SAFE_ARTIFACTS_DIR, safe_artifacts_from_npm, write_safe_artifacts

    typer.echo(f"solc: {find_solc()}")
    artifacts = compile_sources()
    with reported():
        safe = safe_artifacts_from_npm()
    if check:
        stale = [name for name, data in artifacts.items() if not _same_artifact(ARTIFACTS_DIR / f"{name}.json", data)]
        stale += [
            f"safe/{name}"
            for name, data in safe.items()
            if not _same_artifact(SAFE_ARTIFACTS_DIR / f"{name}.json", data)
        ]
        if stale:
            typer.echo(f"error [artifacts_stale]: rerun `rwakit compile`; differing: {', '.join(stale)}", err=True)
            raise typer.Exit(1)
        typer.echo(f"{len(artifacts)} artifacts match the sources, {len(safe)} Safe artifacts match node_modules")
        return
    for path in [*write_artifacts(artifacts), *write_safe_artifacts(safe)]:
        typer.echo(f"wrote {path}")


def _same_artifact(path: Path, data: dict[str, object]) -> bool:
    return path.exists() and json.loads(path.read_text()) == data
