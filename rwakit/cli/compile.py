"""`rwakit compile`: the contracts' artifacts shipped in the package."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer


def compile_contracts(
    check: Annotated[bool, typer.Option(help="Fail if the shipped artifacts differ from a fresh compile")] = False,
) -> None:
    """Compile contracts/ and write the artifacts shipped in the package."""
    from rwakit.contracts.compiler import ARTIFACTS_DIR, compile_sources, find_solc, write_artifacts

    typer.echo(f"solc: {find_solc()}")
    artifacts = compile_sources()
    if check:
        stale = [name for name, data in artifacts.items() if not _same_artifact(ARTIFACTS_DIR / f"{name}.json", data)]
        if stale:
            typer.echo(f"error [artifacts_stale]: rerun `rwakit compile`; differing: {', '.join(stale)}", err=True)
            raise typer.Exit(1)
        typer.echo(f"{len(artifacts)} artifacts match the sources")
        return
    for path in write_artifacts(artifacts):
        typer.echo(f"wrote {path}")


def _same_artifact(path: Path, data: dict[str, object]) -> bool:
    return path.exists() and json.loads(path.read_text()) == data
