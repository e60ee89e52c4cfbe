"""An investor's holdings across every asset and their transfer history, from the index."""

from __future__ import annotations

from rwakit.api.deps import IndexRead
from rwakit.api.schemas.holdings import HistoryPublic, HoldingPublic, HoldingsPublic, TransferEvent
from rwakit.indexer import queries
from rwakit.indexer.queries import snapshot


def holdings(*, read: IndexRead, investor_id: str) -> HoldingsPublic:
    """Every balance of every wallet registered to the investor, in every asset, as of one indexed block."""
    with snapshot(read.engine) as connection:
        when = queries.as_of(connection, read.chain_id, block=read.block, at=read.at)
        held = queries.holdings(connection, read.chain_id, investor_id, when.past)
    return HoldingsPublic(
        investor_id=investor_id,
        block_number=when.block_number,
        block_hash=when.block_hash,
        as_of_block=when.block_number,
        holdings=[
            HoldingPublic(
                asset=h.asset.address,
                symbol=h.asset.symbol,
                decimals=h.asset.decimals,
                amount=h.asset.display(h.amount),
                base_units=str(h.amount),
                wallets={wallet: h.asset.display(amount) for wallet, amount in h.wallets.items()},
            )
            for h in held
        ],
    )


def history(*, read: IndexRead, investor_id: str, offset: int, limit: int) -> HistoryPublic:
    """Moves of shares to or from the wallets registered to the investor (as of the block read), oldest first."""
    with snapshot(read.engine) as connection:
        when = queries.as_of(connection, read.chain_id, block=read.block, at=read.at)
        wallets = queries.investor_wallets(connection, read.chain_id, investor_id, when.past)
        moves = queries.transfers(connection, read.chain_id, wallets, to_block=when.block_number, offset=offset,
                                  limit=limit)  # fmt: skip
    mine = set(wallets)
    return HistoryPublic(
        investor_id=investor_id,
        to_block=when.block_number,
        as_of_block=when.block_number,
        offset=offset,
        limit=limit,
        transfers=[
            TransferEvent(
                asset=m.asset.address,
                symbol=m.asset.symbol,
                block_number=m.block_number,
                tx_hash=m.tx_hash,
                log_index=m.log_index,
                kind=m.kind(mine),
                sender=m.sender,
                receiver=m.receiver,
                amount=m.asset.display(m.amount),
                forced=m.forced,
            )
            for m in moves
        ],
    )
