"""Cap tables kept between reads, brought up to date from what changed instead of rebuilt.

A cap table at the index's head is a function of the asset's balances and the registry's wallets
(queries.CapTableVersion names both by their last block and its hash). A read finds the asset's kept
table and:

- if the version is the kept one (the new blocks touched neither), reuses its serialised entries;
- if only the asset's transfers are newer, and the kept last-transfer block is still on the index's
  chain (so no reorg went below it), re-reads the balances of the wallets those transfers moved and
  patches the kept table: a block of a few transfers costs a few rows, not 10,000;
- otherwise (a wallet added, moved or removed, a reorg below the kept block, nothing kept) builds it
  from the balances, as queries.cap_table_at does.

A read as of a past block is not kept here (answers.Answers keeps its serialised answer). A kept
table is never changed once made: a patch makes a new one, so reads in other threads are unaffected.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import pydantic_core
from sqlalchemy.engine import Connection

from rwakit.indexer import queries
from rwakit.indexer.queries import CapTableVersion, IndexedAsset, IndexedCapTable, share_of_supply

MAX_KEPT = 16  # assets whose table is kept (least recently read dropped first): ~5 MB each at 10,000 holders
MAX_PATCH = 1_000  # more wallets moved than this since the kept table: rebuilding is as cheap

Investor = str | None  # None: wallets the registry does not (or no longer) know


@dataclass(frozen=True, slots=True)
class KeptCapTable:
    version: CapTableVersion
    total_supply: int
    holders: int  # investors with a balance (unknown wallets not counted)
    wallets: dict[Investor, dict[str, int]]  # each investor's wallets with a balance
    amounts: dict[Investor, int]
    rows: dict[Investor, dict[str, Any]]  # CapTableEntryPublic of each investor, as a plain dict
    entries: bytes  # the JSON array of rows, largest holding first


def render(
    asset: IndexedAsset, total_supply: int, investor: Investor, wallets: dict[str, int], amount: int
) -> dict[str, Any]:
    """One CapTableEntryPublic as a plain dict; a holder with one wallet (most) has its amount formatted once."""
    shown = asset.display(amount)
    if len(wallets) == 1:
        by_wallet = dict.fromkeys(wallets, shown)
    else:
        by_wallet = {wallet: asset.display(held) for wallet, held in sorted(wallets.items())}  # one order however built
    return {
        "investor_id": investor,
        "amount": shown,
        "share_of_supply": share_of_supply(amount, total_supply),
        "wallets": by_wallet,
    }


def entries_json(amounts: dict[Investor, int], rows: dict[Investor, dict[str, Any]]) -> bytes:
    """Largest holding first, ties by investor id: two stable sorts with C-level keys."""
    order = sorted(amounts, key=lambda investor: investor or "")
    order.sort(key=amounts.__getitem__, reverse=True)
    return pydantic_core.to_json([rows[investor] for investor in order])


def table_json(table: IndexedCapTable) -> bytes:
    """The entries of a cap table built whole (as of a past block), as a JSON array."""
    total, asset = table.total_supply, table.asset
    return pydantic_core.to_json([render(asset, total, e.investor_id, e.wallets, e.amount) for e in table.entries])


def from_table(table: IndexedCapTable, version: CapTableVersion) -> KeptCapTable:
    total, asset = table.total_supply, table.asset
    wallets = {entry.investor_id: entry.wallets for entry in table.entries}
    amounts = {entry.investor_id: entry.amount for entry in table.entries}
    rows = {investor: render(asset, total, investor, wallets[investor], amounts[investor]) for investor in amounts}
    return KeptCapTable(version, total, table.holders, wallets, amounts, rows, entries_json(amounts, rows))


def patched(kept: KeptCapTable, asset: IndexedAsset, version: CapTableVersion, moved: list[Any]) -> KeptCapTable:
    """`kept` with the balances of the wallets `moved` (rows of queries.balances_of) as they are now; the
    registry's wallets are unchanged since `kept`, so each wallet keeps its investor."""
    wallets, amounts = dict(kept.wallets), dict(kept.amounts)
    owner = {wallet: investor for investor, held in kept.wallets.items() for wallet in held}
    total, touched = kept.total_supply, set()
    for wallet, stored, investor in moved:
        amount = int(stored)
        key = owner.get(wallet, investor)  # the registry did not change: a wallet held keeps its investor
        held = dict(wallets.get(key, {}))
        total += amount - held.pop(wallet, 0)
        if amount:
            held[wallet] = amount
        touched.add(key)
        if held:
            wallets[key], amounts[key] = held, sum(held.values())
        else:
            wallets.pop(key, None)
            amounts.pop(key, None)
    if total != kept.total_supply:  # every share of supply changes, nothing else in the untouched rows
        untouched = ((investor, row) for investor, row in kept.rows.items() if investor not in touched)
        rows = {
            investor: {**row, "share_of_supply": share_of_supply(amounts[investor], total)}
            for investor, row in untouched
        }
    else:
        rows = {investor: row for investor, row in kept.rows.items() if investor not in touched}
    for investor in touched & amounts.keys():
        rows[investor] = render(asset, total, investor, wallets[investor], amounts[investor])
    holders = sum(1 for investor in amounts if investor is not None)
    return KeptCapTable(version, total, holders, wallets, amounts, rows, entries_json(amounts, rows))


class CapTables:
    """The kept cap tables of one API process, by (chain id, asset address)."""

    def __init__(self, max_kept: int = MAX_KEPT) -> None:
        self.max_kept = max_kept
        self.builds = 0  # tables built from every balance (not patched nor reused): tests and benches read it
        self._kept: OrderedDict[tuple[int, str], KeptCapTable] = OrderedDict()
        self._lock = threading.Lock()

    def at_head(self, connection: Connection, chain_id: int, asset: IndexedAsset, when: queries.AsOf) -> KeptCapTable:
        """The asset's cap table at the index's head (`when`, read in `connection`'s snapshot)."""
        key = (chain_id, asset.address)
        version = queries.cap_table_version(connection, chain_id, asset.address)
        with self._lock:
            kept = self._kept.get(key)
        if kept is not None and kept.version == version:
            fresh = kept
        elif kept is not None and self._patchable(connection, chain_id, kept, version):
            moved = sorted(queries.wallets_moved(connection, chain_id, asset.address, kept.version.transfer[0]))
            if len(moved) > MAX_PATCH:
                fresh = self._build(connection, chain_id, asset, when, version)
            else:
                fresh = patched(
                    kept, asset, version, list(queries.balances_of(connection, chain_id, asset.address, moved))
                )
        else:
            fresh = self._build(connection, chain_id, asset, when, version)
        with self._lock:
            self._kept[key] = fresh
            self._kept.move_to_end(key)
            while len(self._kept) > self.max_kept:
                self._kept.popitem(last=False)
        return fresh

    def clear(self) -> None:
        with self._lock:
            self._kept.clear()

    def _build(
        self, connection: Connection, chain_id: int, asset: IndexedAsset, when: queries.AsOf, version: CapTableVersion
    ) -> KeptCapTable:
        self.builds += 1
        return from_table(queries.cap_table_at(connection, chain_id, asset, when), version)

    @staticmethod
    def _patchable(connection: Connection, chain_id: int, kept: KeptCapTable, version: CapTableVersion) -> bool:
        """Only the asset's transfers are newer, and the kept last-transfer block is still indexed as it was."""
        last, last_hash = kept.version.transfer
        if version.wallets != kept.version.wallets or version.transfer[0] <= last:
            return False
        return last < 0 or queries.block_hashes(connection, chain_id, [last]).get(last) == last_hash
