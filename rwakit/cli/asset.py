"""`rwakit asset ...`: create assets, list them, print a cap table and write the register of holders."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from rwakit.cli.common import AssetKindName, JsonOption, echo_json, platform, print_table, reported, rich_table
from rwakit.cli.indexed import caught_up, parse_date

if TYPE_CHECKING:
    from rich.table import Table

    from rwakit.indexer.queries import IndexedCapTable, InvestorRecord

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
def list_assets(as_json: JsonOption = False) -> None:
    """List the platform's assets."""
    with reported():
        assets = platform().assets.list()
    if as_json:
        echo_json([{"symbol": a.symbol, "kind": a.kind.name.lower(), "address": a.address,
                    "issued": a.display(a.total_supply), "authorised": a.display(a.shares_authorised)}
                   for a in assets])  # fmt: skip
        return
    if not assets:
        typer.echo("no assets")
        return
    rows = rich_table("symbol", "kind", "address", ">issued", ">authorised")
    for asset in assets:
        rows.add_row(asset.symbol, asset.kind.name.lower(), asset.address, asset.display(asset.total_supply),
                     asset.display(asset.shares_authorised))  # fmt: skip
    print_table(rows)


BlockOption = Annotated[int | None, typer.Option(min=0, help="As of this block (at most the index's head)")]
AtOption = Annotated[str | None, typer.Option(help="As of the end of this UTC day, YYYY-MM-DD")]


@app.command("cap-table")
def cap_table(asset: str, block: BlockOption = None, at: AtOption = None, as_json: JsonOption = False) -> None:
    """Print an asset's holders, grouped by investor, from the index: now, as of a block or a date."""
    from rwakit.indexer import queries

    with reported():
        day = parse_date(at)
        engine, chain_id = caught_up(show_progress=not as_json)
        with queries.snapshot(engine) as connection:
            table = queries.cap_table(connection, chain_id, asset, block=block, at=day)
            ids = [e.investor_id for e in table.entries if e.investor_id is not None]
            records = queries.investors(connection, chain_id, ids, table.as_of.past)
    if as_json:
        echo_json(cap_table_data(table, records))
        return
    typer.echo(cap_table_heading(table))
    print_table(cap_table_rows(table, records))


class RegisterFormat(StrEnum):
    CSV = "csv"
    XLSX = "xlsx"


@app.command("register")
def register(
    asset: str,
    output: Annotated[Path, typer.Option(help="The file to write")],
    at: AtOption = None,
    block: BlockOption = None,
    format: Annotated[RegisterFormat, typer.Option(case_sensitive=False)] = RegisterFormat.CSV,
) -> None:
    """Write the register of holders (a transfer agent's filing) as of the end of a UTC day, a block, or now."""
    from rwakit.indexer import exports, queries

    with reported():
        day = parse_date(at)
        engine, chain_id = caught_up()
        with queries.snapshot(engine) as connection:
            reg = exports.register(connection, chain_id, asset, at=day, block=block)
        output.write_bytes(exports.render(reg, exports.ExportFormat(format.value)))
    when = reg.table.as_of
    typer.echo(
        f"wrote {output}: {reg.table.holders} holders of {reg.table.asset.symbol} as of block {when.block_number}"
        + (f" ({when.time:%Y-%m-%d %H:%M:%S} UTC)" if when.time else "")
        + ("" if when.final else "; the index has not passed that date yet: not final")
    )


def cap_table_heading(table: IndexedCapTable) -> str:
    asset, when = table.asset, table.as_of
    return (
        f"Cap table of {asset.name} ({asset.symbol}) as_of_block {when.block_number}"
        + (f" ({when.time:%Y-%m-%d %H:%M:%S} UTC)" if when.time else "")
        + f": {asset.display(table.total_supply)} shares issued, {table.holders} holders"
    )


def _country(entry_id: str | None, records: dict[str, InvestorRecord]) -> str:
    from rwakit.units import country_alpha2

    record = records.get(entry_id) if entry_id is not None else None
    return (country_alpha2(record.country) or "?") if record else "-"


def cap_table_rows(table: IndexedCapTable, records: dict[str, InvestorRecord]) -> Table:
    """One row per investor (wallets no investor holds: one `(unknown)` row each)."""
    rows = rich_table("investor", "country", ">wallets", ">shares", ">% issued")
    for entry in table.entries:
        rows.add_row(entry.investor_id or "(unknown)", _country(entry.investor_id, records), str(len(entry.wallets)),
                     table.asset.display(entry.amount), table.share_of_supply(entry.amount))  # fmt: skip
    return rows


def cap_table_data(table: IndexedCapTable, records: dict[str, InvestorRecord]) -> dict[str, Any]:
    asset, when = table.asset, table.as_of
    return {
        "asset": asset.symbol, "name": asset.name, "address": asset.address, "as_of_block": when.block_number,
        "as_of_time": f"{when.time:%Y-%m-%dT%H:%M:%SZ}" if when.time else None, "final": when.final,
        "issued": asset.display(table.total_supply), "holders": table.holders,
        "entries": [{"investor_id": e.investor_id, "country": _country(e.investor_id, records),
                     "wallets": {w: asset.display(v) for w, v in e.wallets.items()}, "shares": asset.display(e.amount),
                     "percent_issued": table.share_of_supply(e.amount)} for e in table.entries],
    }  # fmt: skip
