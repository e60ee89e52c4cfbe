"""`rwakit issue` (new shares to an investor), `rwakit issue-batch` (to many, from a CSV), `rwakit holdings`
(what an investor holds) and `rwakit history`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from rwakit.cli.common import (
    JsonOption,
    NoProgressOption,
    echo_json,
    one_proposal,
    platform,
    print_table,
    progress_bar,
    read_csv,
    reported,
    rich_table,
    stopped_after,
)
from rwakit.cli.indexed import caught_up, parse_date
from rwakit.config import get_settings
from rwakit.errors import ContractRevert


def issue(asset: str, to: Annotated[str, typer.Argument(help="Investor id or wallet")], amount: str) -> None:
    """Issue shares of an asset (symbol or address) to an investor: amount in shares, e.g. 12.5."""
    with reported():
        try:
            receipt = platform().assets.issue(asset, to, amount)
        except ContractRevert as exc:
            raise exc.described_as(f"issue {amount} {asset} to {to}") from None
    typer.echo(f"issued {amount} {asset} to {to} in {receipt['transactionHash'].to_0x_hex()}")


def issue_batch(
    asset: str,
    file: Annotated[Path, typer.Argument(help="CSV of `to,amount` rows (investor id or wallet, shares)")],
    chunk_size: Annotated[
        int | None, typer.Option(min=1, max=1000, help="Rows per transaction [default: issuance_chunk_size]")
    ] = None,
    no_progress: NoProgressOption = False,
    as_json: JsonOption = False,
) -> None:
    """Issue shares of an asset to every row of a CSV, in chunks of one batchMint transaction each.
    Every row is checked before anything is sent; a chunk refused stops the run and says how many
    rows were issued before it."""
    with reported():
        rows = read_csv(file, ["to", "amount"])
        size = chunk_size or get_settings().issuance_chunk_size
        opened = platform()
        one_proposal(opened, len(rows), size)
        with (
            stopped_after(len(rows), "issued") as tally,
            progress_bar(f"issuing {asset}", enabled=not (no_progress or as_json)) as bar,
        ):
            receipts = opened.assets.issue_chunked(
                asset, [(to, amount) for to, amount in rows], chunk_size=size, progress=tally.also(bar)
            )
    hashes = [r["transactionHash"].to_0x_hex() for r in receipts]
    if as_json:
        echo_json({"asset": asset, "issued": len(rows), "transactions": hashes})
        return
    typer.echo(f"issued {asset} to {len(rows)} holders in {len(hashes)} transaction(s): {', '.join(hashes)}")


def holdings(
    investor_id: str,
    block: Annotated[int | None, typer.Option(min=0, help="As of this block")] = None,
    at: Annotated[str | None, typer.Option(help="As of the end of this UTC day, YYYY-MM-DD")] = None,
    as_json: JsonOption = False,
) -> None:
    """An investor's holdings across all assets, from the index."""
    from rwakit.indexer import queries

    with reported():
        day = parse_date(at)
        engine, chain_id = caught_up(show_progress=not as_json)
        with queries.snapshot(engine) as connection:
            when = queries.as_of(connection, chain_id, block=block, at=day)
            held = queries.holdings(connection, chain_id, investor_id, when.past)
    if as_json:
        data = [{"asset": h.asset.symbol, "address": h.asset.address, "shares": h.asset.display(h.amount),
                 "wallets": {w: h.asset.display(v) for w, v in h.wallets.items()}} for h in held]  # fmt: skip
        echo_json({"investor_id": investor_id, "as_of_block": when.block_number, "holdings": data})
        return
    typer.echo(f"{investor_id} as_of_block {when.block_number}" + ("" if held else ": holds nothing"))
    if held:
        rows = rich_table("asset", ">shares", ">wallets", "address")
        for h in held:
            rows.add_row(h.asset.symbol, h.asset.display(h.amount), str(len(h.wallets)), h.asset.address)
        print_table(rows)


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
    if moves:
        rows = rich_table(">block", "kind", "asset", ">shares", "from", "to")
        for m in moves:
            rows.add_row(str(m.block_number), m.kind(mine), m.asset.symbol, m.asset.display(m.amount), m.sender,
                         m.receiver)  # fmt: skip
        print_table(rows)
