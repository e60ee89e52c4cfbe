"""An index written row by row in SQL, as the indexer would leave it: the queries' unit tests state
exactly what history they read (wallet moves, removals, reorg-free), on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import Table, delete, insert
from sqlalchemy.engine import Connection, Engine
from sqlmodel import SQLModel

from rwakit.db import make_engine
from rwakit.indexer.queries import (
    BALANCE,
    BALANCE_H,
    BLOCK,
    CONTRACT,
    CURSOR,
    INVESTOR,
    INVESTOR_H,
    SETTING,
    SETTING_H,
    TRANSFER,
    WALLET,
    WALLET_H,
)

CHAIN = 31337
ZERO = "0x" + "00" * 20
INDEX_TABLES = [t for t in SQLModel.metadata.sorted_tables if t.name.startswith("index_")]  # registered by queries


def address(n: int) -> str:
    from web3 import Web3

    return Web3.to_checksum_address(f"0x{n:040x}")


def day(text: str) -> int:
    """Unix seconds at midnight UTC of an ISO date."""
    return int(datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp())


class Rows:
    """Writes history rows and keeps the current rows in step, as the indexer does."""

    def __init__(self, connection: Connection, chain_id: int = CHAIN) -> None:
        self.c = connection
        self.chain_id = chain_id
        self.log = 0

    def _next_log(self) -> int:
        self.log += 1
        return self.log

    def _state(self, current: Table, history: Table, key: dict[str, Any], values: dict[str, Any], block: int) -> None:
        row = {"chain_id": self.chain_id, **key, **values}
        self.c.execute(insert(history).values(**row, block_number=block, log_index=self._next_log()))
        self.c.execute(
            delete(current).where(*(current.c[k] == v for k, v in {"chain_id": self.chain_id, **key}.items()))
        )
        self.c.execute(insert(current).values(**row, block_number=block))

    def block(self, number: int, timestamp: int) -> None:
        self.c.execute(
            insert(BLOCK).values(
                chain_id=self.chain_id,
                number=number,
                hash=f"0x{number:064x}",
                parent_hash=f"0x{number - 1:064x}",
                timestamp=timestamp,
            )
        )

    def head(self, number: int) -> None:
        self.c.execute(delete(CURSOR).where(CURSOR.c.chain_id == self.chain_id))
        self.c.execute(
            insert(CURSOR).values(chain_id=self.chain_id, block_number=number, block_hash=f"0x{number:064x}")
        )

    def asset(self, at: str, symbol: str, decimals: int, block: int, name: str = "") -> None:
        self.c.execute(
            insert(CONTRACT).values(
                chain_id=self.chain_id,
                address=at,
                kind="asset",
                symbol=symbol,
                name=name or f"{symbol} Tower",
                decimals=decimals,
                block_number=block,
            )
        )

    def investor(
        self,
        investor_id: str,
        block: int,
        *,
        number: int = 1,
        country: int = 344,
        investor_class: int = 1,
        kyc_expiry: int = day("2030-01-01"),
        revoked: bool = False,
    ) -> None:
        values = {
            "number": number,
            "country": country,
            "investor_class": investor_class,
            "kyc_expiry": kyc_expiry,
            "revoked": revoked,
        }
        self._state(INVESTOR, INVESTOR_H, {"investor_id": investor_id}, values, block)

    def wallet(self, wallet: str, investor_id: str, block: int, *, active: bool = True) -> None:
        self._state(WALLET, WALLET_H, {"wallet": wallet}, {"investor_id": investor_id, "active": active}, block)

    def setting(self, contract: str, name: str, key: str, value: str, block: int) -> None:
        self._state(SETTING, SETTING_H, {"contract": contract, "name": name, "key": key}, {"value": value}, block)

    def move(self, asset: str, sender: str, receiver: str, amount: int, block: int, balances: dict[str, int]) -> None:
        """A Transfer, and the balances it leaves in `balances` (kept by the caller: wallet -> amount)."""
        log = self._next_log()
        self.c.execute(
            insert(TRANSFER).values(
                chain_id=self.chain_id,
                tx_hash=f"0x{block:032x}{log:032x}",
                log_index=log,
                block_number=block,
                asset=asset,
                sender=sender,
                receiver=receiver,
                amount=amount,
            )
        )
        for wallet, delta in ((sender, -amount), (receiver, amount)):
            if wallet == ZERO:
                continue
            balances[wallet] = balances.get(wallet, 0) + delta
            self._state(BALANCE, BALANCE_H, {"asset": asset, "wallet": wallet}, {"amount": balances[wallet]}, block)


def _postgres_url() -> str | None:
    return os.environ.get("RWAKIT_TEST_POSTGRES_URL") or None


@pytest.fixture(params=["sqlite", "postgresql"])
def index_engine(request: pytest.FixtureRequest, tmp_path: Any) -> Iterator[Engine]:
    """An empty index (its tables only), on SQLite, or in a schema of its own on the PostgreSQL server
    that RWAKIT_TEST_POSTGRES_URL names (skipped without it)."""
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'index.db'}")
        SQLModel.metadata.create_all(engine, tables=INDEX_TABLES)
        yield engine
        engine.dispose()
        return
    url = _postgres_url()
    if url is None:
        pytest.skip("RWAKIT_TEST_POSTGRES_URL is not set: postgres variant skipped")
    schema = f"wip_reads_{secrets.token_hex(4)}"
    admin = make_engine(url)
    with admin.begin() as connection:
        connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    engine = make_engine(url)
    engine = engine.execution_options(schema_translate_map={None: schema})
    try:
        SQLModel.metadata.create_all(engine, tables=INDEX_TABLES)
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as connection:
            connection.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        admin.dispose()
