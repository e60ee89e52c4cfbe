"""Assets: the token on chain (through AssetService) and its off-chain record (description,
jurisdiction, document) in the database, written in one step: nothing half-created."""

from __future__ import annotations

import pydantic_core
from sqlalchemy.engine import Connection
from sqlmodel import Session
from starlette.responses import Response

from rwakit.api import cap_tables
from rwakit.api.deps import IndexRead
from rwakit.api.errors import Conflict
from rwakit.api.reads import written_block
from rwakit.api.schemas.assets import (
    AssetCreate,
    AssetKindName,
    AssetPublic,
)
from rwakit.db.journal import journal_ref
from rwakit.db.records import AssetRecord, asset_records_by_address, get_asset_record
from rwakit.indexer import exports, queries
from rwakit.indexer.exports import ExportFormat
from rwakit.indexer.queries import snapshot
from rwakit.platform import Platform
from rwakit.tokenize import Asset, AssetSpec

OFFERING_KEY = "0x" + b"offering".hex().ljust(64, "0")  # the ERC-1643 name of the document given at creation


def create_asset(*, session: Session, platform: Platform, data: AssetCreate) -> AssetPublic:
    """The token is created on chain, then its record committed; a refused creation leaves no row.

    No write transaction is held open while the chain works: SQLite has one writer, and the
    transaction log must be able to commit the signed transaction meanwhile."""
    if get_asset_record(session, symbol=data.symbol) is not None:
        raise Conflict(f"The symbol {data.symbol} is taken on this platform", code="symbol_taken", symbol=data.symbol)
    spec = AssetSpec(
        data.name,
        data.symbol,
        data.decimals,
        data.kind.value,
        data.shares_authorised,
        data.document_uri,
        data.document_hash,
        data.investor_limits,
    )
    with journal_ref(f"asset:{data.symbol}"):
        asset = platform.assets.create(spec)
    record = AssetRecord(
        symbol=data.symbol,
        address=asset.address,
        description=data.description,
        jurisdiction=data.jurisdiction,
        document_uri=data.document_uri,
        document_hash=data.document_hash.lower(),
    )
    session.add(record)
    session.commit()
    return asset_public(asset, record).model_copy(update={"block_number": written_block()})


def list_assets(*, session: Session, read: IndexRead) -> list[AssetPublic]:
    records = asset_records_by_address(session)
    with snapshot(read.engine) as connection:
        head = queries.as_of(connection, read.chain_id)
        return [
            _indexed_public(connection, read.chain_id, found, head, records.get(found.address))
            for found in queries.assets(connection, read.chain_id)
        ]


def get_asset(*, session: Session, read: IndexRead, asset: str, with_cap_table: bool) -> Response:
    """The asset from the index (an AssetDetail): its settings, supply and number of holders, counted in
    SQL; the cap table itself only for staff; as of the index's head, a block or a date."""
    with snapshot(read.engine) as connection:
        when = queries.as_of(connection, read.chain_id, block=read.block, at=read.at)
        found = queries.asset(connection, read.chain_id, asset)
        record = asset_records_by_address(session).get(found.address)
        entries: bytes | None = None
        if with_cap_table:
            holders, supply, entries = _cap_table(connection, read, found, when)
        else:
            holders = queries.holder_count(connection, read.chain_id, found.address, when.past)
            supply = queries.total_supply(connection, read.chain_id, found.address, when.past)
        public = _indexed_public(connection, read.chain_id, found, when, record, supply)
    detail = {**public.model_dump(), "holders": holders, "block_number": when.block_number}
    return Response(_with_entries(pydantic_core.to_json(detail), "cap_table", entries), media_type="application/json")


def cap_table(*, read: IndexRead, asset: str) -> Response:
    """A CapTablePublic, serialised straight from plain dicts: at the head from the
    table kept across blocks (rwakit/api/cap_tables.py), as of a past block kept while the index stands
    still (rwakit/api/answers.py)."""
    with snapshot(read.engine) as connection:
        when = queries.as_of(connection, read.chain_id, block=read.block, at=read.at)
        found = queries.asset(connection, read.chain_id, asset)
        key = ("cap-table", read.chain_id, found.address, when)
        if (body := read.answers.get(key)) is not None:
            return Response(body, media_type="application/json")
        holders, supply, entries = _cap_table(connection, read, found, when)
        settings = queries.settings(connection, read.chain_id, found.address, when.past)
    authorised = settings.get("shares_authorised", {})
    head = pydantic_core.to_json({
        "symbol": found.symbol,
        "block_number": when.block_number,
        "as_of_block": when.block_number,
        "as_of_time": when.time,
        "final": when.final,
        "total_supply": found.display(supply),
        "shares_authorised": found.display(int(authorised.get("", "0"))),
        "holders": holders,
    })  # fmt: skip
    body = _with_entries(head, "entries", entries)
    if when.past is not None:
        read.answers.put(key, body)
    return Response(body, media_type="application/json")


def _cap_table(
    connection: Connection, read: IndexRead, found: queries.IndexedAsset, when: queries.AsOf
) -> tuple[int, int, bytes]:
    """(holders, total supply, the entries as a JSON array) at `when`."""
    if when.past is None:
        kept = read.answers.cap_tables.at_head(connection, read.chain_id, found, when)
        return kept.holders, kept.total_supply, kept.entries
    table = queries.cap_table_at(connection, read.chain_id, found, when)
    return table.holders, table.total_supply, cap_tables.table_json(table)


def _with_entries(head: bytes, name: str, entries: bytes | None) -> bytes:
    """The JSON object `head` with one more member, `name`, whose value is the JSON `entries` (null if None):
    10,000 holders' entries are spliced in as serialised, not parsed again."""
    return b"".join((head[:-1], b',"', name.encode(), b'":', b"null" if entries is None else entries, b"}"))


def register(*, read: IndexRead, asset: str, fmt: ExportFormat) -> Response:
    """The register of holders as a file download."""
    with snapshot(read.engine) as connection:
        reg = exports.register(connection, read.chain_id, asset, at=read.at, block=read.block)
    headers = {
        "Content-Disposition": f'attachment; filename="{reg.filename(fmt)}"',
        "X-As-Of-Block": str(reg.table.as_of.block_number),
    }
    return Response(exports.render(reg, fmt), media_type=fmt.media_type, headers=headers)


def get_public(*, session: Session, platform: Platform, asset: str) -> AssetPublic:
    """The asset from the chain, after a write (pause, unpause): with the write's block."""
    info = platform.assets.get(asset)
    public = asset_public(info, asset_records_by_address(session).get(info.address))
    return public.model_copy(update={"block_number": written_block()})


def asset_public(asset: Asset, record: AssetRecord | None) -> AssetPublic:
    return AssetPublic(
        address=asset.address,
        symbol=asset.symbol,
        name=asset.name,
        kind=AssetKindName(asset.kind.name.lower()),
        decimals=asset.decimals,
        shares_authorised=asset.display(asset.shares_authorised),
        total_supply=asset.display(asset.total_supply),
        paused=asset.paused,
        document_uri=asset.document_uri,
        document_hash=asset.document_hash,
        investor_limits=asset.investor_limits,
        description=record.description if record else "",
        jurisdiction=record.jurisdiction if record else "",
    )


def _indexed_public(connection: Connection, chain_id: int, found: queries.IndexedAsset, when: queries.AsOf,
                    record: AssetRecord | None, supply: int | None = None) -> AssetPublic:  # fmt: skip
    """An asset as the index has it: name and decimals from its creation, the rest from its settings."""
    block = when.past
    settings = queries.settings(connection, chain_id, found.address, block)
    facts, single = settings.get("asset", {}), {name: keys.get("") for name, keys in settings.items()}
    offering = settings.get("document", {}).get(OFFERING_KEY) or {}
    if supply is None:
        supply = queries.total_supply(connection, chain_id, found.address, block)
    return AssetPublic(
        address=found.address,
        symbol=found.symbol,
        name=found.name,
        kind=AssetKindName(facts.get("kind", "property")),
        decimals=found.decimals,
        shares_authorised=found.display(int(single.get("shares_authorised") or 0)),
        total_supply=found.display(supply),
        paused=bool(single.get("paused")),
        document_uri=offering.get("uri", ""),
        document_hash=offering.get("hash", "0x" + "00" * 32),
        investor_limits=bool(facts.get("investor_limits")),
        description=record.description if record else "",
        jurisdiction=record.jurisdiction if record else "",
        as_of_block=when.block_number,
    )
