"""`rwakit issue` (new shares to an investor), `rwakit issue-batch` (to many, from a CSV), `rwakit holdings`
(what an investor holds) and `rwakit history`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

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
from rwakit.errors import ContractRevert, RwakitError

if TYPE_CHECKING:
    from rwakit.platform import Platform

LISTED = 10  # refused rows named in the error: the first few to fix, one screen


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
    Every row is checked before anything is sent, as the API checks a batch (the asset's rules, and the
    authorised shares, maximum holders and maximum balance over the rows together); a chunk refused all
    the same (the chain changed meanwhile) stops the run and says how many rows were issued before it."""
    with reported():
        rows = read_csv(file, ["to", "amount"])
        size = chunk_size or get_settings().issuance_chunk_size
        opened = platform()
        one_proposal(opened, len(rows), size)
        allocations = _checked(opened, asset, rows)
        with (
            stopped_after(len(rows), "issued") as tally,
            progress_bar(f"issuing {asset}", enabled=not (no_progress or as_json)) as bar,
        ):
            receipts = opened.assets.issue_chunked(asset, allocations, chunk_size=size, progress=tally.also(bar))
    hashes = [r["transactionHash"].to_0x_hex() for r in receipts]
    if as_json:
        echo_json({"asset": asset, "issued": len(rows), "transactions": hashes})
        return
    typer.echo(f"issued {asset} to {len(rows)} holders in {len(hashes)} transaction(s): {', '.join(hashes)}")


def _checked(opened: Platform, asset: str, rows: list[list[str]]) -> list[tuple[str, str | int]]:
    """The rows as wallets and base units, once every one passes what the token would check as the batch is
    sent (rwakit.tokenize.batch_checks); else nothing is sent: a chunk refused would leave the file part issued."""
    from rwakit.tokenize.batch_checks import Mint, check_batch

    assets = opened.assets
    token = assets.resolve(asset)
    wallets = [assets.recipient(to) for to, _ in rows]
    values = assets.amounts(token, [amount for _, amount in rows])
    decimals = assets.token(token).functions.decimals().call()
    mints = [Mint(wallet, value) for wallet, value in zip(wallets, values, strict=True)]
    refused = check_batch(opened.chain.w3, token, opened.registry.address, mints, decimals)
    if refused:
        listed = list(refused.items())[:LISTED]
        named = "; ".join(f"row {i + 1} ({rows[i][0]}): {r.reason}: {r.message}" for i, r in listed)
        more = f"; and {len(refused) - LISTED} more" if len(refused) > LISTED else ""
        raise RwakitError(
            f"{len(refused)} of {len(rows)} rows would be refused by the asset's rules or limits; nothing was sent: "
            f"{named}{more}",
            code="batch_ineligible",
        )
    return list(zip(wallets, values, strict=True))


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
