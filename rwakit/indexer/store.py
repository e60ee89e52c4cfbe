"""Writing the index: one SQL transaction per batch of blocks, the rollback of a reorg, a rebuild.

Every write is an ``INSERT ... ON CONFLICT`` keyed on the rows' primary keys (chain id, transaction
hash and log index for events), through SQLAlchemy's SQLite and PostgreSQL dialects: history
rows are inserted or left as they are, current rows replaced. The batch's transaction also moves
the cursor, after checking that it still stands where the batch began: a batch is applied once,
or not at all.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Table, and_, delete, select, tuple_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine

from rwakit.db.clock import utcnow
from rwakit.errors import RwakitError
from rwakit.indexer.events import Event
from rwakit.indexer.fund_projection import FundAtCreation
from rwakit.indexer.logs import Header
from rwakit.indexer.projection import AssetAtCreation, Projection, table

WRITE_CHUNK = 1000

# history table -> (current table, the key columns both share besides chain_id)
STATES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("index_balance_history", "index_balance", ("asset", "wallet")),
    ("index_investor_history", "index_investor", ("investor_id",)),
    ("index_wallet_history", "index_wallet", ("wallet",)),
    ("index_setting_history", "index_setting", ("contract", "name", "key")),
    ("index_fund_history", "index_fund", ("vault",)),
    ("index_fund_nav_history", "index_fund_nav", ("vault", "nav_id")),
    ("index_fund_day_history", "index_fund_day", ("vault", "day")),
    ("index_fund_request_history", "index_fund_request", ("vault", "controller", "side")),
)
EVENT_TABLES = ("index_transfer", "index_block", "index_contract")
ALL_TABLES = (*(h for h, _, _ in STATES), *(c for _, c, _ in STATES), *EVENT_TABLES, "index_cursor")


class CursorMoved(RwakitError):
    """The cursor is not where this batch began: another indexer wrote to the same database."""

    code = "index_cursor_moved"


@dataclass(frozen=True)
class Cursor:
    number: int
    hash: str


@dataclass(frozen=True)
class Batch:
    """Blocks start..end of one chain: their events in chain order, the headers of the blocks to
    keep (those with events and the last), and what new assets' and vaults' constructors set."""

    chain_id: int
    start: int
    end: int
    events: Sequence[Event]
    blocks: Sequence[Header]
    created: dict[str, AssetAtCreation]
    platform: Sequence[dict[str, Any]] = ()  # the registry and factory rows, written by the first batch
    vaults: dict[str, FundAtCreation] = field(default_factory=dict)


def cursor(connection: Connection, chain_id: int, *, for_update: bool = False) -> Cursor | None:
    row_table = table("index_cursor")
    query = select(row_table.c.block_number, row_table.c.block_hash).where(row_table.c.chain_id == chain_id)
    if for_update and connection.dialect.name == "postgresql":
        query = query.with_for_update()
    row = connection.execute(query).first()
    return None if row is None else Cursor(int(row[0]), str(row[1]))


def read_cursor(engine: Engine, chain_id: int) -> Cursor | None:
    with engine.connect() as connection:
        return cursor(connection, chain_id)


def write_batch(engine: Engine, batch: Batch, *, expected: Cursor | None) -> int:
    """Apply `batch` in one transaction; returns how many events it held."""
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            # The index is derived: a server crash may lose the last batches, and the cursor goes
            # back with them, so the commit need not wait for the WAL flush.
            connection.exec_driver_sql("SET LOCAL synchronous_commit TO OFF")
        found = cursor(connection, batch.chain_id, for_update=True)
        if found != expected:
            raise CursorMoved(
                f"The index cursor moved from {expected} to {found} while a batch was read: is another indexer "
                "writing to this database without the lock?"
            )
        projection = Projection(batch.chain_id)
        projection.load(connection, batch.events)
        funds = projection.funds
        funds.timestamps = {h.number: h.timestamp for h in batch.blocks}
        funds.created = batch.vaults
        projection.apply(batch.events, batch.created)
        upsert(connection, "index_contract", [*batch.platform, *projection.contracts, *funds.contracts])
        insert_new(connection, "index_transfer", projection.transfers.values())
        insert_new(connection, "index_balance_history", projection.balance_changes.values())
        upsert(connection, "index_balance", projection.balances.values())
        insert_new(connection, "index_investor_history", projection.investor_changes.values())
        upsert(connection, "index_investor", projection.investors.values())
        insert_new(connection, "index_wallet_history", projection.wallet_changes.values())
        upsert(connection, "index_wallet", projection.wallets.values())
        insert_new(connection, "index_setting_history", projection.setting_changes.values())
        upsert(connection, "index_setting", projection.settings.values())
        for history, current, changes, rows in (
            ("index_fund_history", "index_fund", funds.fund_changes, funds.funds),
            ("index_fund_nav_history", "index_fund_nav", funds.nav_changes, funds.navs),
            ("index_fund_day_history", "index_fund_day", funds.day_changes, funds.days),
            ("index_fund_request_history", "index_fund_request", funds.request_changes, funds.requests),
        ):
            insert_new(connection, history, changes.values())
            upsert(connection, current, [r for r in rows.values() if "block_number" in r])
        upsert(connection, "index_block", [_block_row(batch.chain_id, h) for h in batch.blocks])
        last = next(h for h in batch.blocks if h.number == batch.end)
        _move_cursor(connection, batch.chain_id, Cursor(last.number, last.hash))
    return len(batch.events)


def _block_row(chain_id: int, header: Header) -> dict[str, Any]:
    return {"chain_id": chain_id, "number": header.number, "hash": header.hash, "parent_hash": header.parent_hash,
            "timestamp": header.timestamp}  # fmt: skip


def _move_cursor(connection: Connection, chain_id: int, to: Cursor | None) -> None:
    if to is None:
        connection.execute(delete(table("index_cursor")).where(table("index_cursor").c.chain_id == chain_id))
        return
    row = {"chain_id": chain_id, "block_number": to.number, "block_hash": to.hash, "updated_at": utcnow()}
    upsert(connection, "index_cursor", [row])


def _insert(connection: Connection, target: Table) -> Any:
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    return dialect.insert(target)


def insert_new(connection: Connection, name: str, rows: Iterable[dict[str, Any]]) -> None:
    """Insert rows, leaving alone those whose key is already there (a batch read twice)."""
    target = table(name)
    keys = [c.name for c in target.primary_key.columns]
    statement = _insert(connection, target).on_conflict_do_nothing(index_elements=keys)
    _execute(connection, statement, list(rows))


def upsert(connection: Connection, name: str, rows: Iterable[dict[str, Any]]) -> None:
    """Insert rows, replacing those whose key is already there."""
    target = table(name)
    keys = [c.name for c in target.primary_key.columns]
    statement = _insert(connection, target)
    excluded = statement.excluded
    statement = statement.on_conflict_do_update(
        index_elements=keys, set_={c.name: excluded[c.name] for c in target.columns if c.name not in keys}
    )
    _execute(connection, statement, list(rows))


def _execute(connection: Connection, statement: Any, rows: list[dict[str, Any]]) -> None:
    if connection.dialect.name == "postgresql":
        # SQLAlchemy sends an INSERT ... ON CONFLICT row by row (psycopg2's executemany) unless it
        # returns something; with RETURNING it goes as multi-row VALUES pages, ~10x faster.
        statement = statement.returning(*statement.table.primary_key.columns)
    for first in range(0, len(rows), WRITE_CHUNK):
        connection.execute(statement, rows[first : first + WRITE_CHUNK])


# -- reorgs and rebuilds ------------------------------------------------------------------------


def stored_blocks(engine: Engine, chain_id: int, *, below: int, limit: int) -> list[Cursor]:
    """The newest `limit` stored blocks under number `below`, newest first."""
    blocks = table("index_block")
    query = (
        select(blocks.c.number, blocks.c.hash)
        .where(blocks.c.chain_id == chain_id, blocks.c.number < below)
        .order_by(blocks.c.number.desc())
        .limit(limit)
    )
    with engine.connect() as connection:
        return [Cursor(int(n), str(h)) for n, h in connection.execute(query)]


def roll_back(engine: Engine, chain_id: int, ancestor: Cursor | None, *, first_block: int) -> int:
    """In one transaction, forget every block above `ancestor` (above first_block - 1 if None):
    history, transfers, blocks and assets created there are deleted, and the current rows of the
    keys they touched rebuilt from the latest surviving history row (or deleted). Returns how many
    history rows were removed."""
    keep = ancestor.number if ancestor else first_block - 1
    removed = 0
    with engine.begin() as connection:
        for history_name, current_name, key_columns in STATES:
            removed += _roll_back_state(connection, chain_id, keep, history_name, current_name, key_columns)
        for name in EVENT_TABLES:
            target = table(name)
            column = target.c.number if name == "index_block" else target.c.block_number
            connection.execute(delete(target).where(target.c.chain_id == chain_id, column > keep))
        _move_cursor(connection, chain_id, ancestor)
    return removed


def _roll_back_state(
    connection: Connection, chain_id: int, keep: int, history_name: str, current_name: str, keys: tuple[str, ...]
) -> int:
    history, current = table(history_name), table(current_name)
    above = and_(history.c.chain_id == chain_id, history.c.block_number > keep)
    touched = connection.execute(select(*(history.c[k] for k in keys)).where(above).distinct()).all()
    if not touched:
        return 0
    removed = connection.execute(delete(history).where(above)).rowcount
    state_columns = [c.name for c in current.columns if c.name != "chain_id"]
    survivors: list[dict[str, Any]] = []
    gone: list[tuple[Any, ...]] = []
    for key in touched:
        match = and_(history.c.chain_id == chain_id, *(history.c[k] == v for k, v in zip(keys, key, strict=True)))
        newest_first = (history.c.block_number.desc(), history.c.log_index.desc())
        latest = connection.execute(select(history).where(match).order_by(*newest_first).limit(1)).mappings().first()
        if latest is None:
            gone.append(tuple(key))
        else:
            survivors.append({"chain_id": chain_id, **{c: latest[c] for c in state_columns}})
    upsert(connection, current_name, survivors)
    for first in range(0, len(gone), WRITE_CHUNK):
        connection.execute(
            delete(current).where(
                current.c.chain_id == chain_id,
                tuple_(*(current.c[k] for k in keys)).in_(gone[first : first + WRITE_CHUNK]),
            )
        )
    return int(removed)


def drop(engine: Engine, chain_id: int) -> None:
    """Delete every index row of `chain_id` (a rebuild starts from nothing), in one transaction."""
    with engine.begin() as connection:
        for name in ALL_TABLES:
            target = table(name)
            connection.execute(delete(target).where(target.c.chain_id == chain_id))
