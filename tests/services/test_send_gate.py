"""Several processes sending with one key through one PostgreSQL (rwakit.db.send_gate): nonces in order,
no clash, and a sender that dies leaves the gate open."""

from __future__ import annotations

import threading
import time

import psycopg2

from rwakit.chain.connection import Chain
from rwakit.chain.transactions import MemoryJournal, TransactionManager
from rwakit.contracts import load_artifact
from rwakit.db import make_engine, migrate
from rwakit.db.send_gate import PostgresGate
from tests.postgres import fresh_database

PROCESSES, THREADS, SENDS = 3, 2, 6


def test_managers_that_share_a_gate_send_with_one_key_in_nonce_order(chain: Chain) -> None:
    """Three transaction managers stand for three API workers: each keeps its own nonce book, which
    without the gate would hand out the same nonces."""
    with fresh_database("gate") as url:
        engine = make_engine(url)
        migrate(engine)
        gate = PostgresGate(engine, chain.w3)
        journals = [MemoryJournal() for _ in range(PROCESSES)]
        managers = [TransactionManager(chain.w3, journal=j, gate=gate) for j in journals]
        token, _ = managers[0].deploy(chain.operator, load_artifact("PlainERC20").factory(chain.w3).constructor(),
                                      label="plain")  # fmt: skip
        contract = load_artifact("PlainERC20").at(chain.w3, token)
        first = chain.w3.eth.get_transaction_count(chain.operator.address)
        failures: list[BaseException] = []

        def send(manager: TransactionManager, thread: int) -> None:
            try:
                for i in range(SENDS):
                    manager.transact(chain.operator, contract.functions.mint(chain.signers[5].address, 1),
                                     label=f"mint {thread}/{i}")  # fmt: skip
            except BaseException as exc:  # reported by the assertion below
                failures.append(exc)

        workers = [threading.Thread(target=send, args=(m, i)) for i, m in enumerate(managers * THREADS)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        engine.dispose()
    assert failures == []
    total = PROCESSES * THREADS * SENDS
    # A journal shared by two threads lists a record again when another came between its updates.
    records = {id(r): r for j in journals for r in j.records if r.label.startswith("mint")}.values()
    assert sorted(r.nonce for r in records) == list(range(first, first + total))
    assert all(r.status == "mined" for r in records)
    assert contract.functions.balanceOf(chain.signers[5].address).call() == total


def test_the_gate_of_a_sender_that_died_opens_with_its_connection(chain: Chain) -> None:
    with fresh_database("gate") as url:
        engine = make_engine(url)
        migrate(engine)
        gate = PostgresGate(engine, chain.w3)
        dead = psycopg2.connect(url)  # a sender that took the gate, then was killed
        with dead.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", (gate.key(chain.operator.address),))
        taken = threading.Event()

        def next_sender() -> None:
            with gate.hold(chain.operator.address):
                taken.set()

        waiter = threading.Thread(target=next_sender)
        waiter.start()
        time.sleep(0.3)
        assert not taken.is_set()  # held: the next sender waits
        dead.close()  # the server drops a killed process's connection, and its locks with it
        waiter.join(timeout=10)
        assert taken.is_set()
        with gate.hold(chain.signers[1].address), gate.hold(chain.signers[2].address):
            pass  # keys do not wait on each other
        engine.dispose()
