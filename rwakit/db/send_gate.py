"""One sender per signing key among every API process on one PostgreSQL (rwakit.chain.transactions.SendGate).

A sender holds a session advisory lock named by the chain and the key from reading the next nonce until
the node has the signed transaction: milliseconds, so every worker sends and none waits long. The
next nonce is the larger of the node's pending count and the one kept in ``sender_nonce`` by the
senders before (Anvil's pending count can miss a transaction while it is being mined; measured with
three processes sending at once, tests/services/test_send_gate.py). The lock belongs to a database
connection, so a sender killed mid-way (``kill -9``, a lost host) loses it when PostgreSQL drops the
connection, and the next sender takes the nonce the dead one never broadcast. Counts are kept per chain
by its genesis hash, so a new local chain with the same chain id starts from its own nonces. SQLite
serves one process, which counts its own nonces (LocalGate).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from eth_typing import ChecksumAddress
from sqlalchemy import BigInteger, DateTime, text
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Field, SQLModel
from web3 import Web3

from rwakit.chain.transactions import LocalGate, SendGate, SharedCount
from rwakit.db.clock import utcnow
from rwakit.db.engine import DB_ERRORS, DatabaseUnavailable, first_line

log = logging.getLogger("rwakit.db")


class SenderNonce(SQLModel, table=True):
    """The next nonce of one signing key on one chain, as the senders sharing the database counted it."""

    __tablename__ = "sender_nonce"

    chain: str = Field(primary_key=True, max_length=66)  # the genesis block's hash
    address: str = Field(primary_key=True, max_length=42)
    next_nonce: int = Field(sa_type=BigInteger)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))


class PostgresGate:
    def __init__(self, engine: Engine, w3: Web3) -> None:
        self.engine = engine
        self.chain = w3.eth.get_block(0)["hash"].to_0x_hex()
        # This process's senders of one key queue here, not in PostgreSQL: each waiting in pg_advisory_lock
        # would hold a pooled connection, and with the pool empty the holder could not journal (bench/load.py,
        # 16 clients on one worker: 500s after the pool's 30 s timeout).
        self._local: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def key(self, address: str) -> int:
        """The signed 64-bit advisory-lock key of (chain, address): the first 8 bytes of a Keccak hash."""
        digest = Web3.keccak(text=f"rwakit-sender:{self.chain}:{address.lower()}")
        return int.from_bytes(digest[:8], "big", signed=True)

    @contextmanager
    def hold(self, address: ChecksumAddress) -> Iterator[SharedCount | None]:
        with self._guard:
            local = self._local.setdefault(address.lower(), threading.Lock())
        with local, self._held(address) as shared:
            yield shared

    @contextmanager
    def _held(self, address: ChecksumAddress) -> Iterator[SharedCount]:
        key = self.key(address)
        names = {"chain": self.chain, "address": address}
        try:
            connection = self.engine.connect()
            connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": key})
            counted = connection.execute(
                text("SELECT next_nonce FROM sender_nonce WHERE chain = :chain AND address = :address"), names
            ).scalar()
            connection.commit()  # the advisory lock is the session's: it outlives the transaction
        except DB_ERRORS as exc:
            raise DatabaseUnavailable(
                f"Cannot take the sender lock of {address}: the database does not answer ({first_line(exc)})"
            ) from exc
        try:
            yield SharedCount(int(counted or 0), lambda nonce: _count(connection, names, nonce + 1))
        finally:
            try:
                connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})
                connection.commit()
            except DB_ERRORS as exc:  # the server went away: it released the lock with the connection
                log.warning("sender lock of %s not released by this process: %s", address, first_line(exc))
            finally:
                connection.close()

    def forget(self) -> None:
        with self.engine.begin() as connection:
            connection.execute(text("DELETE FROM sender_nonce WHERE chain = :chain"), {"chain": self.chain})


def _count(connection: Connection, names: dict[str, str], next_nonce: int) -> None:
    connection.execute(
        text(
            "INSERT INTO sender_nonce (chain, address, next_nonce, updated_at) VALUES (:chain, :address, :next, now()) "
            "ON CONFLICT (chain, address) DO UPDATE SET next_nonce = GREATEST(sender_nonce.next_nonce, "
            "EXCLUDED.next_nonce), updated_at = now()"
        ),
        {**names, "next": next_nonce},
    )
    connection.commit()


def send_gate(engine: Engine, w3: Web3) -> SendGate:
    """The gate for the processes that share `engine`'s database."""
    return PostgresGate(engine, w3) if engine.dialect.name == "postgresql" else LocalGate()
