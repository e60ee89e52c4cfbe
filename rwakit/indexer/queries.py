"""Reads of the index: cap tables, holder counts, holdings, transfer history, KYC expiries and asset
settings, each now (the current tables) or as of a block or a date (the history tables), and each
saying which block it reflects.

Plain SQLAlchemy Core over the tables in tables.py, the same statements on SQLite and PostgreSQL.
"As of block N" takes, per key, the latest history row at or before N (a window function over
the key's rows, which the history tables' primary keys order). A read runs in one snapshot
(``snapshot``), so the head it names and the rows it returns come from the same commit of the
indexer. Rows come back as small tuples and dataclasses: a cap table of 10,000 holders is built
without an ORM object per row.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from operator import attrgetter
from typing import Any, Literal, cast

from sqlalchemy import BigInteger, Select, String, Table, and_, case, false, func, or_, select, true, type_coerce
from sqlalchemy import cast as cast_
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import SQLModel
from web3 import Web3

from rwakit.errors import InvalidInput, NotFound, RwakitError
from rwakit.indexer.tables import (
    UINT256_DIGITS,
    Balance,
    BalanceChange,
    IndexCursor,
    IndexedBlock,
    IndexedContract,
    IndexedTransfer,
    Investor,
    InvestorChange,
    Setting,
    SettingChange,
    Wallet,
    WalletChange,
)
from rwakit.units import format_units

ZERO_ADDRESS = "0x" + "00" * 20
DAY = 86_400
MAX_PAGE = 1000
SLICE = 6  # digits per slice of a stored amount summed in SQL (UINT256_DIGITS = 78 = 13 slices)
MoveKind = Literal["issue", "redeem", "in", "out", "internal"]


class IndexNotReady(RwakitError):
    """The index has not reached the block asked for (yet), or holds no block as early as the date."""

    code = "block_not_indexed"


class IndexBehind(RwakitError):
    """The index has indexed nothing on this chain, or did not reach a block in the time a read waits."""

    code = "index_behind"


def _t(model: type[SQLModel]) -> Table:
    return cast(Table, model.__table__)  # type: ignore[attr-defined]


CURSOR, BLOCK, CONTRACT, TRANSFER = _t(IndexCursor), _t(IndexedBlock), _t(IndexedContract), _t(IndexedTransfer)
BALANCE, BALANCE_H = _t(Balance), _t(BalanceChange)
WALLET, WALLET_H = _t(Wallet), _t(WalletChange)
INVESTOR, INVESTOR_H = _t(Investor), _t(InvestorChange)
SETTING, SETTING_H = _t(Setting), _t(SettingChange)


# -- one snapshot, and which block it reflects ---------------------------------------------------


@contextmanager
def snapshot(engine: Engine) -> Iterator[Connection]:
    """A connection whose reads all see one commit of the indexer: PostgreSQL's REPEATABLE READ;
    on SQLite (WAL) a read transaction, which keeps its snapshot until it ends (said explicitly: the
    sqlite3 module begins a transaction only before a write)."""
    with engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            connection = connection.execution_options(isolation_level="REPEATABLE READ")
        with connection.begin():
            if connection.dialect.name == "sqlite":
                connection.exec_driver_sql("BEGIN")
            yield connection


@dataclass(frozen=True, slots=True)
class AsOf:
    """The block a read reflects. ``final`` is False for a date the index has not yet passed: the
    answer is the latest indexed state, and blocks of that date may still come."""

    block_number: int
    block_hash: str | None = None
    timestamp: int | None = None
    final: bool = True
    head: int = 0  # the index's head when the read ran
    head_hash: str = ""

    @property
    def past(self) -> int | None:
        """The block to read the history tables at, or None at the head (the current tables answer)."""
        return None if self.block_number == self.head else self.block_number

    @property
    def time(self) -> datetime | None:
        return None if self.timestamp is None else datetime.fromtimestamp(self.timestamp, UTC)


def as_of(connection: Connection, chain_id: int, *, block: int | None = None, at: date | None = None) -> AsOf:
    """The block a read answers for: the index's head (neither given), ``block`` (at most the head),
    or the last indexed block at or before the end of the UTC day ``at``."""
    if block is not None and at is not None:
        raise InvalidInput("Give a block or a date (at), not both", code="block_and_date")
    cursor = connection.execute(
        select(CURSOR.c.block_number, CURSOR.c.block_hash).where(CURSOR.c.chain_id == chain_id)
    ).first()
    if cursor is None:
        raise IndexBehind(
            "Nothing is indexed on this chain yet: start the indexer (`rwakit index`, or the API's background "
            "indexer) and retry",
            code="index_empty",
        )
    head, head_hash = int(cursor[0]), str(cursor[1])
    if at is not None:
        return _as_of_date(connection, chain_id, at, head, head_hash)
    if block is None or block == head:
        return AsOf(head, head_hash, _timestamp(connection, chain_id, head), head=head, head_hash=head_hash)
    if block < 0:
        raise InvalidInput(f"Block {block} is negative", code="invalid_block")
    if block > head:
        raise IndexNotReady(
            f"The index has reached block {head}; block {block} is not indexed yet (retry later, or pass "
            f"min_block={block} to wait for it)",
            head=head,
            block=block,
        )
    known = connection.execute(
        select(BLOCK.c.hash, BLOCK.c.timestamp).where(BLOCK.c.chain_id == chain_id, BLOCK.c.number == block)
    ).first()
    if known is None:
        return AsOf(block, head=head, head_hash=head_hash)
    return AsOf(block, str(known[0]), int(known[1]), head=head, head_hash=head_hash)


def _timestamp(connection: Connection, chain_id: int, number: int) -> int | None:
    found = connection.execute(
        select(BLOCK.c.timestamp).where(BLOCK.c.chain_id == chain_id, BLOCK.c.number == number)
    ).scalar()
    return None if found is None else int(found)


def end_of_day(day: date) -> int:
    """The last second of a UTC day, in unix seconds."""
    if day >= date.max:
        return int(datetime.combine(date.max, time.max, UTC).timestamp())
    return int(datetime.combine(day + timedelta(days=1), time(0), UTC).timestamp()) - 1


def _as_of_date(connection: Connection, chain_id: int, day: date, head: int, head_hash: str) -> AsOf:
    until = end_of_day(day)
    found = connection.execute(
        select(BLOCK.c.number, BLOCK.c.hash, BLOCK.c.timestamp)
        .where(BLOCK.c.chain_id == chain_id, BLOCK.c.number <= head, BLOCK.c.timestamp <= until)
        .order_by(BLOCK.c.number.desc())
        .limit(1)
    ).first()
    if found is None:
        raise IndexNotReady(
            f"The index holds no block on or before {day.isoformat()} (UTC): the platform was deployed later",
            code="date_before_index",
            date=day.isoformat(),
        )
    head_time = _timestamp(connection, chain_id, head)
    final = head_time is not None and head_time > until
    return AsOf(int(found[0]), str(found[1]), int(found[2]), final=final, head=head, head_hash=head_hash)


# -- assets --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class IndexedAsset:
    address: str
    symbol: str
    name: str
    decimals: int
    block_number: int  # the block that created it

    def display(self, amount: int) -> str:
        return format_units(amount, self.decimals)


def asset(connection: Connection, chain_id: int, ref: str) -> IndexedAsset:
    """An asset of the platform by symbol (any case) or address, as the index knows it."""
    if Web3.is_address(ref):
        match: ColumnElement[bool] = CONTRACT.c.address == Web3.to_checksum_address(ref)
    else:
        match = CONTRACT.c.symbol == (ref.upper() if ref.isascii() else ref)
    row = connection.execute(
        select(CONTRACT.c.address, CONTRACT.c.symbol, CONTRACT.c.name, CONTRACT.c.decimals, CONTRACT.c.block_number)
        .where(CONTRACT.c.chain_id == chain_id, CONTRACT.c.kind == "asset", match)
        .limit(1)
    ).first()
    if row is None:
        raise NotFound(
            f"No asset {ref!r} on this platform (as far as the index has read)", code="asset_not_found", asset=ref
        )
    return IndexedAsset(str(row[0]), str(row[1]), str(row[2]), int(row[3]), int(row[4]))


def assets(connection: Connection, chain_id: int) -> list[IndexedAsset]:
    """Every asset of the platform the index knows, in the order they were created."""
    c = CONTRACT
    query = (
        select(c.c.address, c.c.symbol, c.c.name, c.c.decimals, c.c.block_number)
        .where(c.c.chain_id == chain_id, c.c.kind == "asset")
        .order_by(c.c.block_number, c.c.address)
    )
    return [IndexedAsset(*row) for row in connection.execute(query)]


def total_supply(connection: Connection, chain_id: int, address: str, block: int | None = None) -> int:
    """The sum of every wallet's balance of the asset, exact. Now: summed in SQL over 6-digit slices
    of the stored fixed-width decimals (each slice's sum fits a BIGINT for any number of holders a
    database holds), recombined here; as of a block: summed here over the history's latest rows."""
    if block is not None:
        return sum(int(row[1]) for row in wallet_balances(connection, chain_id, address, block))
    slices = [
        func.sum(cast_(func.substr(BALANCE.c.amount, start, SLICE), BigInteger))
        for start in range(1, UINT256_DIGITS + 1, SLICE)
    ]
    sums = connection.execute(select(*slices).where(BALANCE.c.chain_id == chain_id, BALANCE.c.asset == address)).one()
    return sum(int(part or 0) * 10 ** (UINT256_DIGITS - SLICE * (i + 1)) for i, part in enumerate(sums))


# -- latest rows at or before a block ------------------------------------------------------------


def _latest(table: Table, columns: Sequence[str], key: Sequence[str], block: int, *where: Any) -> Any:
    """The rows of `table` with, per `key`, the latest change at or before `block` (as a subquery with
    `columns`)."""
    rank = func.row_number().over(
        partition_by=[table.c[k] for k in key], order_by=(table.c.block_number.desc(), table.c.log_index.desc())
    )
    ranked = select(*(table.c[c] for c in columns), rank.label("rank")).where(table.c.block_number <= block, *where)
    return ranked.subquery()


def _wallet_investor(active: Any, investor_id: Any) -> Any:
    """A wallet's investor; None when the registry has removed the wallet (its shares stay, under no one)."""
    return case((active == true(), investor_id), else_=None)


# -- cap tables ----------------------------------------------------------------------------------


@dataclass(slots=True)
class CapTableEntry:
    investor_id: str | None  # None: wallets the registry does not (or no longer) know
    amount: int
    wallets: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class IndexedCapTable:
    asset: IndexedAsset
    as_of: AsOf
    total_supply: int
    entries: list[CapTableEntry]

    @property
    def holders(self) -> int:
        """Investors with a non-zero balance (what the asset's holder limit counts)."""
        return sum(1 for entry in self.entries if entry.investor_id is not None)

    def share_of_supply(self, amount: int) -> str:
        return share_of_supply(amount, self.total_supply)


def share_of_supply(amount: int, total_supply: int) -> str:
    """Percent of issued shares, exact to 4 decimal places (rounded down)."""
    return "0" if total_supply == 0 else format_units(amount * 1_000_000 // total_supply, 4)


def _current_balances(chain_id: int, address: str, *where: Any) -> Select[Any]:
    b, w = BALANCE, WALLET
    return (
        select(b.c.wallet, type_coerce(b.c.amount, String), _wallet_investor(w.c.active, w.c.investor_id))
        .select_from(b.outerjoin(w, and_(w.c.chain_id == b.c.chain_id, w.c.wallet == b.c.wallet)))
        .where(b.c.chain_id == chain_id, b.c.asset == address, *where)
    )


def wallet_balances(connection: Connection, chain_id: int, address: str, block: int | None) -> Sequence[Any]:
    """(wallet, amount, investor_id or None) of every wallet holding the asset, now or as of `block`; the
    amount as stored, a fixed-width decimal string (int() it: cheaper than a type processor per row)."""
    if block is None:
        query = _current_balances(chain_id, address, BALANCE.c.amount != 0)
    else:
        # Each wallet's investor as of the block: its latest registry row, one backward index lookup
        # per wallet (a subquery ordered and limited), which needs no statistics to be fast; joining
        # two ranked subqueries instead can go quadratic (neither side has an index to join on).
        bh = _latest(BALANCE_H, ("wallet", "amount"), ("wallet",), block,
                     BALANCE_H.c.chain_id == chain_id, BALANCE_H.c.asset == address)
        wh = WALLET_H.alias("wh")
        investor = (
            select(_wallet_investor(wh.c.active, wh.c.investor_id))
            .where(wh.c.wallet == bh.c.wallet, wh.c.chain_id == chain_id, wh.c.block_number <= block)
            .order_by(wh.c.block_number.desc(), wh.c.log_index.desc())
            .limit(1)
            .scalar_subquery()
        )
        query = select(bh.c.wallet, type_coerce(bh.c.amount, String), investor).where(
            bh.c.rank == 1, bh.c.amount != 0
        )  # fmt: skip
    return connection.execute(query).all()


def balances_of(connection: Connection, chain_id: int, address: str, wallets: Sequence[str]) -> Sequence[Any]:
    """wallet_balances now, of the given wallets only (zero balances included)."""
    rows: list[Any] = []
    for first in range(0, len(wallets), MAX_PAGE):  # bound the statement's parameters
        chunk = wallets[first : first + MAX_PAGE]
        rows += connection.execute(_current_balances(chain_id, address, BALANCE.c.wallet.in_(chunk))).all()
    return rows


@dataclass(frozen=True, slots=True)
class CapTableVersion:
    """What an asset's cap table at the index's head is built from: the asset's last Transfer and the
    registry's last wallet change, each as (block number, block hash). A new block that touches neither
    leaves the version (and the cap table) as it was; a reorg that replaces either block changes its hash."""

    transfer: tuple[int, str]
    wallets: tuple[int, str]


def cap_table_version(connection: Connection, chain_id: int, address: str) -> CapTableVersion:
    last_transfer = select(func.max(TRANSFER.c.block_number)).where(
        TRANSFER.c.chain_id == chain_id, TRANSFER.c.asset == address
    )
    last_wallet = select(func.max(WALLET.c.block_number)).where(WALLET.c.chain_id == chain_id)
    t, w = connection.execute(select(last_transfer.scalar_subquery(), last_wallet.scalar_subquery())).one()
    hashes = block_hashes(connection, chain_id, [n for n in (t, w) if n is not None])
    return CapTableVersion(
        (-1, "") if t is None else (int(t), hashes.get(int(t), "")),
        (-1, "") if w is None else (int(w), hashes.get(int(w), "")),
    )


def block_hashes(connection: Connection, chain_id: int, numbers: Sequence[int]) -> dict[int, str]:
    """The hashes of those indexed blocks the index holds."""
    rows = connection.execute(
        select(BLOCK.c.number, BLOCK.c.hash).where(BLOCK.c.chain_id == chain_id, BLOCK.c.number.in_(numbers))
    )
    return {int(number): str(block_hash) for number, block_hash in rows}


def wallets_moved(connection: Connection, chain_id: int, address: str, after_block: int) -> set[str]:
    """The wallets that sent or received the asset in a block after `after_block`."""
    rows = connection.execute(
        select(TRANSFER.c.sender, TRANSFER.c.receiver).where(
            TRANSFER.c.chain_id == chain_id, TRANSFER.c.asset == address, TRANSFER.c.block_number > after_block
        )
    )
    return {wallet for pair in rows for wallet in pair} - {ZERO_ADDRESS}


def cap_table(
    connection: Connection, chain_id: int, ref: str, *, block: int | None = None, at: date | None = None
) -> IndexedCapTable:
    """Holders of an asset grouped by investor, largest first: now, as of a block, or as of a date."""
    return cap_table_at(
        connection, chain_id, asset(connection, chain_id, ref), as_of(connection, chain_id, block=block, at=at)
    )


def cap_table_at(connection: Connection, chain_id: int, found: IndexedAsset, when: AsOf) -> IndexedCapTable:
    """The cap table of an asset already resolved, at a block already resolved (see as_of)."""
    rows = wallet_balances(connection, chain_id, found.address, when.past)
    by_investor: dict[str | None, CapTableEntry] = {}
    total = 0
    for wallet, stored, investor_id in rows:
        amount = int(stored)
        total += amount
        entry = by_investor.get(investor_id)
        if entry is None:
            by_investor[investor_id] = CapTableEntry(investor_id, amount, {wallet: amount})
        else:
            entry.amount += amount
            entry.wallets[wallet] = amount
    # Largest first, ties by investor id: two stable sorts with C-level keys beat one tuple key per entry.
    entries = sorted(by_investor.values(), key=_investor_key)
    entries.sort(key=attrgetter("amount"), reverse=True)
    return IndexedCapTable(found, when, total, entries)


def _investor_key(entry: CapTableEntry) -> str:
    return entry.investor_id or ""


def holder_count(connection: Connection, chain_id: int, address: str, block: int | None = None) -> int:
    """Investors holding a non-zero balance of the asset (their registered wallets summed), now or as of `block`."""
    if block is None:
        b, w = BALANCE, WALLET
        query = (
            select(func.count(func.distinct(w.c.investor_id)))
            .select_from(b.join(w, and_(w.c.chain_id == b.c.chain_id, w.c.wallet == b.c.wallet)))
            .where(b.c.chain_id == chain_id, b.c.asset == address, b.c.amount != 0, w.c.active == true())
        )
        return int(connection.execute(query).scalar_one())
    return len({row[2] for row in wallet_balances(connection, chain_id, address, block) if row[2] is not None})


# -- investors -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class InvestorRecord:
    investor_id: str
    number: int
    country: int
    investor_class: int
    kyc_expiry: int
    revoked: bool


_INVESTOR_COLUMNS = ("investor_id", "number", "country", "investor_class", "kyc_expiry", "revoked")


def investors(
    connection: Connection, chain_id: int, ids: Sequence[str] | None, block: int | None = None
) -> dict[str, InvestorRecord]:
    """Registry records by investor id (those named, or all when `ids` is None), now or as of `block`."""
    if block is None:
        query: Select[Any] = select(*(INVESTOR.c[c] for c in _INVESTOR_COLUMNS)).where(INVESTOR.c.chain_id == chain_id)
        if ids is not None:
            query = query.where(INVESTOR.c.investor_id.in_(ids))
    else:
        where = [INVESTOR_H.c.chain_id == chain_id]
        if ids is not None:
            where.append(INVESTOR_H.c.investor_id.in_(ids))
        latest = _latest(INVESTOR_H, _INVESTOR_COLUMNS, ("investor_id",), block, *where)
        query = select(*(latest.c[c] for c in _INVESTOR_COLUMNS)).where(latest.c.rank == 1)
    return {row[0]: InvestorRecord(*row) for row in connection.execute(query)}


def investor_wallets(connection: Connection, chain_id: int, investor_id: str, block: int | None = None) -> list[str]:
    """The wallets registered to the investor now (or as of `block`); raises NotFound for an unknown investor."""
    if not investors(connection, chain_id, [investor_id], block):
        raise NotFound(
            f"No investor {investor_id!r} in the registry", code="investor_not_found", investor_id=investor_id
        )
    if block is None:
        query: Select[Any] = select(WALLET.c.wallet).where(
            WALLET.c.chain_id == chain_id, WALLET.c.investor_id == investor_id, WALLET.c.active == true()
        )
    else:
        latest = _latest(
            WALLET_H,
            ("wallet", "investor_id", "active"),
            ("wallet",),
            block,
            WALLET_H.c.chain_id == chain_id,
            WALLET_H.c.wallet.in_(
                select(WALLET_H.c.wallet).where(WALLET_H.c.chain_id == chain_id, WALLET_H.c.investor_id == investor_id)
            ),
        )
        query = select(latest.c.wallet).where(
            latest.c.rank == 1, latest.c.investor_id == investor_id, latest.c.active == true()
        )
    return sorted(str(w) for w in connection.execute(query).scalars())


def kyc_expiring(
    connection: Connection, chain_id: int, until: int, *, offset: int = 0, limit: int = MAX_PAGE
) -> list[InvestorRecord]:
    """Investors not revoked whose KYC expires at or before `until` (unix seconds; lapsed ones too), soonest
    first, one page."""
    query = (
        select(*(INVESTOR.c[c] for c in _INVESTOR_COLUMNS))
        .where(INVESTOR.c.chain_id == chain_id, INVESTOR.c.revoked == false(), INVESTOR.c.kyc_expiry <= until)
        .order_by(INVESTOR.c.kyc_expiry, INVESTOR.c.investor_id)
        .offset(offset)
        .limit(min(limit, MAX_PAGE))
    )
    return [InvestorRecord(*row) for row in connection.execute(query)]


# -- holdings and history ------------------------------------------------------------------------


@dataclass(slots=True)
class IndexedHolding:
    asset: IndexedAsset
    amount: int = 0
    wallets: dict[str, int] = field(default_factory=dict)


def holdings(connection: Connection, chain_id: int, investor_id: str, block: int | None = None) -> list[IndexedHolding]:
    """What the investor holds in every asset, summed over the wallets registered to them, by symbol."""
    wallets = investor_wallets(connection, chain_id, investor_id, block)
    if not wallets:
        return []
    c = CONTRACT
    if block is None:
        b = BALANCE
        query: Select[Any] = select(b.c.asset, b.c.wallet, b.c.amount).where(
            b.c.chain_id == chain_id, b.c.wallet.in_(wallets), b.c.amount != 0
        )
    else:
        assets = select(c.c.address).where(c.c.chain_id == chain_id, c.c.kind == "asset")
        latest = _latest(
            BALANCE_H,
            ("asset", "wallet", "amount"),
            ("asset", "wallet"),
            block,
            BALANCE_H.c.chain_id == chain_id,
            BALANCE_H.c.asset.in_(assets),
            BALANCE_H.c.wallet.in_(wallets),
        )
        query = select(latest.c.asset, latest.c.wallet, latest.c.amount).where(latest.c.rank == 1, latest.c.amount != 0)
    held = query.subquery()
    rows = connection.execute(
        select(c.c.address, c.c.symbol, c.c.name, c.c.decimals, c.c.block_number, held.c.wallet, held.c.amount)
        .select_from(held.join(c, and_(c.c.chain_id == chain_id, c.c.address == held.c.asset)))
        .order_by(c.c.symbol, held.c.wallet)
    )
    result: dict[str, IndexedHolding] = {}
    for address, symbol, name, decimals, created, wallet, amount in rows:
        holding = result.get(address)
        if holding is None:
            holding = result[address] = IndexedHolding(IndexedAsset(address, symbol, name, decimals, created))
        holding.amount += amount
        holding.wallets[wallet] = amount
    return list(result.values())


@dataclass(frozen=True, slots=True)
class IndexedMove:
    asset: IndexedAsset
    block_number: int
    tx_hash: str
    log_index: int
    sender: str
    receiver: str
    amount: int
    forced: bool

    def kind(self, mine: set[str]) -> MoveKind:
        """issue, redeem, in, out, or internal (between two of `mine`)."""
        if self.sender == ZERO_ADDRESS:
            return "issue"
        if self.receiver == ZERO_ADDRESS:
            return "redeem"
        if self.sender in mine:
            return "internal" if self.receiver in mine else "out"
        return "in"


def transfers(
    connection: Connection,
    chain_id: int,
    wallets: Sequence[str],
    *,
    to_block: int,
    offset: int = 0,
    limit: int = MAX_PAGE,
) -> list[IndexedMove]:
    """Moves of any asset to or from `wallets` up to `to_block`, oldest first, one page."""
    if not wallets:
        return []
    t, c = TRANSFER, CONTRACT
    query = (
        select(
            c.c.address,
            c.c.symbol,
            c.c.name,
            c.c.decimals,
            c.c.block_number,
            t.c.block_number,
            t.c.tx_hash,
            t.c.log_index,
            t.c.sender,
            t.c.receiver,
            t.c.amount,
            t.c.forced,
        )
        .select_from(t.join(c, and_(c.c.chain_id == t.c.chain_id, c.c.address == t.c.asset)))
        .where(
            t.c.chain_id == chain_id,
            t.c.block_number <= to_block,
            or_(t.c.sender.in_(wallets), t.c.receiver.in_(wallets)),
        )
        .order_by(t.c.block_number, t.c.log_index)
        .offset(offset)
        .limit(min(limit, MAX_PAGE))
    )
    assets: dict[str, IndexedAsset] = {}
    moves = []
    for address, symbol, name, decimals, created, *move in connection.execute(query):
        found = assets.get(address) or assets.setdefault(
            address, IndexedAsset(address, symbol, name, decimals, created)
        )
        moves.append(IndexedMove(found, *move))
    return moves


# -- settings ------------------------------------------------------------------------------------


def settings(
    connection: Connection, chain_id: int, contract: str, block: int | None = None
) -> dict[str, dict[str, Any]]:
    """A contract's settings by name and key (see tables.SettingState), values decoded from JSON; a
    removed setting (null) is left out."""
    if block is None:
        query: Select[Any] = select(SETTING.c.name, SETTING.c.key, SETTING.c.value).where(
            SETTING.c.chain_id == chain_id, SETTING.c.contract == contract
        )
    else:
        latest = _latest(
            SETTING_H,
            ("name", "key", "value"),
            ("name", "key"),
            block,
            SETTING_H.c.chain_id == chain_id,
            SETTING_H.c.contract == contract,
        )
        query = select(latest.c.name, latest.c.key, latest.c.value).where(latest.c.rank == 1)
    found: dict[str, dict[str, Any]] = {}
    for name, key, value in connection.execute(query.order_by("name", "key")):
        decoded = json.loads(value)
        if decoded is not None:
            found.setdefault(name, {})[key] = decoded
    return found
