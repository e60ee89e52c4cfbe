"""An asset's documents and one wallet's state in it (balance, freezes, investor), from the index: now,
as of a block or a date, each naming the block it reflects."""

from __future__ import annotations

from rwakit.api.deps import IndexRead
from rwakit.api.schemas.controls import DocumentPublic, WalletStatus
from rwakit.errors import NotFound
from rwakit.indexer import queries, record_queries
from rwakit.indexer.queries import snapshot
from rwakit.units import from_timestamp


def documents(read: IndexRead, asset: str) -> list[DocumentPublic]:
    """The asset's documents in the contract's order (the offering document given at creation: `offering`)."""
    with snapshot(read.engine) as connection:
        found = queries.asset(connection, read.chain_id, asset)
        when = queries.as_of(connection, read.chain_id, block=read.block, at=read.at)
        listed = record_queries.documents(connection, read.chain_id, found, when)
    return [
        DocumentPublic(name=d.name, uri=d.uri, document_hash=d.document_hash,
                       last_modified=from_timestamp(d.last_modified), as_of_block=when.block_number)
        for d in listed
    ]  # fmt: skip


def document(read: IndexRead, asset: str, name: str) -> DocumentPublic:
    for found in documents(read, asset):
        if found.name == name:
            return found
    raise NotFound(f"{asset} has no document named {name!r}", code="document_not_found", asset=asset, name=name)


def wallet_status(read: IndexRead, asset: str, wallet: str) -> WalletStatus:
    """A wallet's balance, frozen flag and frozen shares in the asset, and its investor, at one indexed block."""
    with snapshot(read.engine) as connection:
        found = queries.asset(connection, read.chain_id, asset)
        when = queries.as_of(connection, read.chain_id, block=read.block, at=read.at)
        state = record_queries.wallet(connection, read.chain_id, found, wallet, when)
    return WalletStatus(
        asset=found.symbol,
        wallet=state.wallet,
        investor_id=state.investor_id,
        balance=found.display(state.balance),
        frozen=state.frozen,
        frozen_amount=found.display(state.frozen_amount),
        unfrozen_balance=found.display(max(state.balance - state.frozen_amount, 0)),
        as_of_block=when.block_number,
    )
