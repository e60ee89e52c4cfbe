"""`rwakit asset ...`: create assets, list them, print a cap table."""

from __future__ import annotations

from typing import Annotated

import typer

from rwakit.cli.common import AssetKindName, platform, reported

app = typer.Typer(no_args_is_help=True, help="Create and inspect assets.")


@app.command("create")
def create(
    name: Annotated[str, typer.Option()],
    symbol: Annotated[str, typer.Option()],
    shares: Annotated[str, typer.Option(help="Shares authorised, whole shares")],
    decimals: Annotated[int, typer.Option()] = 6,
    kind: Annotated[AssetKindName, typer.Option(case_sensitive=False)] = AssetKindName.PROPERTY,
    document_uri: Annotated[str, typer.Option()] = "",
    document_hash: Annotated[str, typer.Option()] = "0x" + "00" * 32,
) -> None:
    """Create an asset token through the factory."""
    from rwakit.tokenize import AssetSpec

    spec = AssetSpec(name, symbol, decimals, kind.value, shares, document_uri, document_hash)
    with reported():
        asset = platform().assets.create(spec)
    typer.echo(f"created {asset.symbol} at {asset.address}")


@app.command("list")
def list_assets() -> None:
    """List the platform's assets."""
    with reported():
        assets = platform().assets.list()
    for asset in assets:
        typer.echo(
            f"{asset.symbol:<8} {asset.kind.name.lower():<9} {asset.address} "
            f"{asset.display(asset.total_supply)} / {asset.display(asset.shares_authorised)} issued"
        )


@app.command("cap-table")
def cap_table(asset: str) -> None:
    """Print an asset's holders, grouped by investor."""
    from rwakit.demo import format_cap_table

    with reported():
        opened = platform()
        typer.echo(format_cap_table(opened.assets.cap_table(asset), opened))
