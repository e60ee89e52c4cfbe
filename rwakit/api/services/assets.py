"""Assets: the token on chain (through AssetService) and its off-chain record (description,
jurisdiction, document) in the database, written in one step: nothing half-created."""

from __future__ import annotations

from sqlmodel import Session

from rwakit.api.errors import Conflict
from rwakit.api.schemas.assets import (
    AssetCreate,
    AssetDetail,
    AssetKindName,
    AssetPublic,
    CapTableEntryPublic,
    CapTablePublic,
)
from rwakit.db.journal import journal_ref
from rwakit.db.records import AssetRecord, asset_records_by_address, get_asset_record
from rwakit.platform import Platform
from rwakit.tokenize import Asset, AssetSpec, CapTable


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
    return asset_public(asset, record)


def list_assets(*, session: Session, platform: Platform) -> list[AssetPublic]:
    records = asset_records_by_address(session)
    return [asset_public(asset, records.get(asset.address)) for asset in platform.assets.list()]


def get_asset(*, session: Session, platform: Platform, asset: str, with_cap_table: bool) -> AssetDetail:
    table = platform.assets.cap_table(asset)
    record = asset_records_by_address(session).get(table.asset.address)
    public = asset_public(table.asset, record)
    entries = _entries(table) if with_cap_table else None
    return AssetDetail(
        **public.model_dump(), holders=len(table.entries), block_number=table.block_number, cap_table=entries
    )


def cap_table(*, platform: Platform, asset: str) -> CapTablePublic:
    table = platform.assets.cap_table(asset)
    info = table.asset
    return CapTablePublic(
        symbol=info.symbol,
        block_number=table.block_number,
        total_supply=info.display(info.total_supply),
        shares_authorised=info.display(info.shares_authorised),
        holders=len(table.entries),
        entries=_entries(table),
    )


def get_public(*, session: Session, platform: Platform, asset: str) -> AssetPublic:
    info = platform.assets.get(asset)
    return asset_public(info, asset_records_by_address(session).get(info.address))


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


def _entries(table: CapTable) -> list[CapTableEntryPublic]:
    asset = table.asset
    return [
        CapTableEntryPublic(
            investor_id=entry.investor_id,
            amount=asset.display(entry.amount),
            share_of_supply=table.share_of_supply(entry),
            wallets={wallet: asset.display(amount) for wallet, amount in entry.wallets.items()},
        )
        for entry in table.entries
    ]
