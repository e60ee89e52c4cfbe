"""`rwakit issue` (new shares to an investor) and `rwakit holdings` (what an investor holds)."""

from __future__ import annotations

from typing import Annotated

import typer

from rwakit.cli.common import platform, reported
from rwakit.errors import ContractRevert


def issue(asset: str, to: Annotated[str, typer.Argument(help="Investor id or wallet")], amount: str) -> None:
    """Issue shares of an asset (symbol or address) to an investor: amount in shares, e.g. 12.5."""
    with reported():
        try:
            receipt = platform().assets.issue(asset, to, amount)
        except ContractRevert as exc:
            raise exc.described_as(f"issue {amount} {asset} to {to}") from None
    typer.echo(f"issued {amount} {asset} to {to} in {receipt['transactionHash'].to_0x_hex()}")


def holdings(investor_id: str) -> None:
    """An investor's holdings across all assets."""
    with reported():
        held = platform().assets.holdings(investor_id)
    if not held:
        typer.echo(f"{investor_id} holds nothing")
    for holding in held:
        typer.echo(f"{holding.symbol:<8} {holding.display:>22}  ({holding.asset})")
