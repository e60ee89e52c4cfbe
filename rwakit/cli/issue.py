"""`rwakit issue` (new shares to an investor), `rwakit holdings` (what an investor holds) and `rwakit history`."""

from __future__ import annotations

from typing import Annotated

import typer

from rwakit.cli.common import platform, reported
from rwakit.cli.indexed import caught_up, parse_date
from rwakit.errors import ContractRevert


def issue(asset: str, to: Annotated[str, typer.Argument(help="Investor id or wallet")], amount: str) -> None:
    """Issue shares of an asset (symbol or address) to an investor: amount in shares, e.g. 12.5."""
    with reported():
        try:
            receipt = platform().assets.issue(asset, to, amount)
        except ContractRevert as exc:
            raise exc.described_as(f"issue {amount} {asset} to {to}") from None
    typer.echo(f"issued {amount} {asset} to {to} in {receipt['transactionHash'].to_0x_hex()}")


def holdings(
    investor_id: str,
    block: Annotated[int | None, typer.Option(min=0, help="As of this block")] = None,
    at: Annotated[str | None, typer.Option(help="As of the end of this UTC day, YYYY-MM-DD")] = None,
) -> None:
    """An investor's holdings across all assets, from the index."""
    from rwakit.indexer import queries

    with reported():
        day = parse_date(at)
        engine, chain_id = caught_up()
        with queries.snapshot(engine) as connection:
            when = queries.as_of(connection, chain_id, block=block, at=day)
            held = queries.holdings(connection, chain_id, investor_id, when.past)
    typer.echo(f"{investor_id} as_of_block {when.block_number}" + ("" if held else ": holds nothing"))
    for holding in held:
        typer.echo(f"{holding.asset.symbol:<8} {holding.asset.display(holding.amount):>22}  ({holding.asset.address})")


def history(
    investor_id: str,
    offset: Annotated[int, typer.Option(min=0)] = 0,
    limit: Annotated[int, typer.Option(min=1, max=1000)] = 100,
) -> None:
    """Issues, transfers and redemptions touching an investor's wallets, oldest first, from the index."""
    from rwakit.indexer import queries

    with reported():
        engine, chain_id = caught_up()
        with queries.snapshot(engine) as connection:
            when = queries.as_of(connection, chain_id)
            wallets = queries.investor_wallets(connection, chain_id, investor_id)
            moves = queries.transfers(connection, chain_id, wallets, to_block=when.block_number, offset=offset,
                                      limit=limit)  # fmt: skip
    mine = set(wallets)
    typer.echo(f"{investor_id} as_of_block {when.block_number}: {len(moves)} moves from #{offset}")
    for move in moves:
        typer.echo(
            f"  block {move.block_number:>8}  {move.kind(mine):<8} {move.asset.symbol:<8} "
            f"{move.asset.display(move.amount):>22}  {move.sender} -> {move.receiver}"
        )
