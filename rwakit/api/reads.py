"""The index as the API reads it: the background indexer, and the wait that lets a client read its
own writes.

The API process runs the indexer in a thread (``api_indexer``; off for a read-only replica that
another process indexes). Every transaction this process sends is noted with its block; a read
waits until the index has reached the later of that block and the ``min_block`` it names, so a
client reads its own writes by default, and another client's by passing the block the write
answered with. The wait wakes the indexer at once instead of sleeping a poll interval, and is
bounded (``api_read_wait_seconds``): past it the read answers 503 ``index_behind``; a ``min_block``
beyond the chain's head answers 409 ``block_not_mined`` at once.

A reorg below finality (``reorg_beyond_finality``) stops the API's indexer and frees the index lock, so
that `rwakit index --rebuild` can take it; until the index is back on the node's chain every read
answers 503 ``index_reorg_beyond_finality`` rather than a register that chain no longer has.
"""

from __future__ import annotations

import logging
import threading
import time
from contextvars import ContextVar
from typing import TYPE_CHECKING

from sqlalchemy.engine import Engine
from starlette.types import ASGIApp, Receive, Scope, Send
from web3 import Web3
from web3.exceptions import BlockNotFound

from rwakit.api.answers import Answers
from rwakit.chain.transactions import TxJournal, TxRecord
from rwakit.config import Settings
from rwakit.errors import RwakitError
from rwakit.indexer.follower import OtherDeployment, ReorgBeyondFinality
from rwakit.indexer.queries import IndexBehind, IndexNotReady

if TYPE_CHECKING:
    from rwakit.indexer.follower import Indexer
    from rwakit.platform import Platform

log = logging.getLogger("rwakit.api")
POLL = 0.02  # seconds between looks at the cursor while the indexer handles a reorg


_request_blocks: ContextVar[list[int] | None] = ContextVar("rwakit_request_blocks", default=None)


class NotingJournal:
    """A TxJournal that passes every record on and notes the block of each mined transaction: for the
    process (reads wait for it) and for the request that sent it (its response names it)."""

    def __init__(self, inner: TxJournal, reads: ReadModel) -> None:
        self.inner = inner
        self.reads = reads

    def record(self, record: TxRecord) -> None:
        self.inner.record(record)
        if record.block_number is not None:
            self.reads.written(record.block_number)
            blocks = _request_blocks.get()
            if blocks is not None:
                blocks.append(record.block_number)


def written_block() -> int | None:
    """The last block a transaction of the current request was mined in (None if it sent none)."""
    blocks = _request_blocks.get()
    return max(blocks) if blocks else None


class WrittenBlocks:
    """ASGI middleware: each request collects the blocks of the transactions it sends (the list is
    shared with the worker thread a sync route runs in, which gets a copy of this context)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        token = _request_blocks.set([])
        try:
            await self.app(scope, receive, send)
        finally:
            _request_blocks.reset(token)


class ReadModel:
    def __init__(self, engine: Engine, settings: Settings) -> None:
        self.engine = engine
        self.settings = settings
        self._indexer: Indexer | None = None
        self._thread: threading.Thread | None = None
        self._kick = threading.Event()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self.answers = Answers()
        self._written = 0
        self._writes = 0  # transactions mined so far: a new one may sit at the height of a replaced block
        self._checked = 0  # the writes a read has seen indexed on the node's chain
        self._halted: RwakitError | None = None  # a reorg below finality stopped the indexer: reads refuse
        self._deployment_known = False  # the index has recorded this deployment (not another's)

    def written(self, block: int) -> None:
        """A transaction of this process was mined in `block`: later reads wait for the index to reach it."""
        with self._lock:
            self._written = max(self._written, block)
            self._writes += 1

    # -- the background indexer ---------------------------------------------------------------------

    def start(self, platform: Platform) -> Indexer:
        """Open the indexer over the platform's deployment; run it in a thread unless ``api_indexer`` is off.
        Nothing happens if it already runs."""
        from rwakit.indexer.follower import Indexer, IndexerOptions

        with self._lock:
            if self._indexer is not None:
                return self._indexer
            self._written = self._writes = self._checked = 0  # an earlier run's writes are indexed or dropped
            self._halted = None
            self._deployment_known = False
            self.answers.clear()
            options = IndexerOptions.from_settings(self.settings)
            indexer = Indexer(platform.chain.w3, self.engine, platform.deployment, options)
            self._indexer = indexer
            self._spawn(indexer)
            return indexer

    def _spawn(self, indexer: Indexer) -> None:
        """Run the follow loop in a thread (called with ``_lock`` held), unless ``api_indexer`` is off."""
        if self.settings.api_indexer:
            self._stop.clear()
            self._thread = threading.Thread(
                target=self._follow, args=(indexer,), name="rwakit-api-indexer", daemon=True
            )
            self._thread.start()

    def stop(self) -> None:
        with self._lock:
            indexer, thread = self._indexer, self._thread
            self._indexer = self._thread = None
        if indexer is None:
            return
        self._stop.set()
        self._kick.set()
        indexer.stop()  # a catch-up in progress leaves between two batches; the lock is released
        if thread is not None:
            thread.join(30)
        indexer.close()  # in case the thread took the lock again before it saw the stop

    def _follow(self, indexer: Indexer) -> None:
        """Catch up, then again when a read asks (a kick) or every poll interval. Only with the index
        lock in hand: while another process holds it (it indexes this database) this one just retries
        the lock each interval, and takes over when that process dies. A reorg below finality ends the loop
        and frees the lock (reads then refuse until the index is rebuilt: ``_rebuilt``); a database that
        indexes another deployment is left alone (the lock untaken), and checked again each interval."""
        while not self._stop.is_set():
            try:
                indexer.check_deployment()  # before the lock: another deployment's indexer may want it
                if indexer.lock.try_acquire():
                    indexer.catch_up()
            except OtherDeployment as exc:  # reads refuse it too (ready); retried should the index be rebuilt
                log.error("indexer: %s", exc.message)
                indexer.close()
            except ReorgBeyondFinality as exc:  # retrying cannot help: free the lock for `rwakit index --rebuild`
                log.error("indexer stopped: %s", exc.message)
                with self._lock:
                    self._halted = exc
                indexer.close()
                return
            except Exception as exc:  # a node or database hiccup: logged, retried at the next poll
                log.warning("indexer: %s", exc.message if isinstance(exc, RwakitError) else exc)
            self._kick.wait(self.settings.index_poll_interval)
            self._kick.clear()

    # -- reads ----------------------------------------------------------------------------------------

    def ready(self, platform: Platform, min_block: int | None) -> None:
        """Return once the index has reached `min_block`, the last block this process wrote, and the
        deployment block, and, after a write of this process, once the index is on the node's chain (a
        reorg may have replaced the block the index last read); raise IndexBehind (503) if that takes
        longer than ``api_read_wait_seconds``."""
        from rwakit.indexer.store import read_cursor

        indexer = self.start(platform)
        with self._lock:
            written, writes, checked, halted = self._written, self._writes, self._checked, self._halted
        if not self._deployment_known:
            self._deployment_known = indexer.check_deployment()  # 503 index_other_deployment
        if halted is not None:
            self._rebuilt(platform, indexer, halted)
        target = max(min_block or 0, written, platform.deployment.block_number)
        cursor = read_cursor(self.engine, indexer.chain_id)
        if cursor is not None and cursor.number >= target and writes == checked:
            return  # the common case: no database or node round trip beyond the cursor
        w3 = platform.chain.w3
        head = int(w3.eth.block_number)
        if min_block is not None and min_block > head:
            raise IndexNotReady(
                f"Block {min_block} is beyond the chain's head ({head}): pass the block_number a write answered with",
                code="block_not_mined",
                head=head,
                indexed_block=cursor.number if cursor else None,
            )
        target = min(target, head)  # a block this process wrote that a reorg has since dropped
        deadline = time.monotonic() + self.settings.api_read_wait_seconds
        while cursor is None or cursor.number < target or not _on_node_chain(w3, cursor.number, cursor.hash):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise IndexBehind(
                    f"The index has reached block {cursor.number if cursor else None}, not yet block {target} of the "
                    f"node's chain, after {self.settings.api_read_wait_seconds:g} s: retry later"
                    + ("" if self.settings.api_indexer else " (this API does not index: is `rwakit index --follow` "
                       "running?)"),
                    indexed_block=cursor.number if cursor else None,
                    min_block=target,
                )  # fmt: skip
            if self._halted is not None:  # the indexer met a reorg below finality while this read waited
                self._rebuilt(platform, indexer, self._halted)
            self._kick.set()
            if cursor is not None and cursor.number >= target:
                time.sleep(min(POLL, remaining))  # on a replaced block: the indexer rolls back and reads again
            else:
                indexer.wait_for(target, timeout=min(remaining, 1.0))  # woken as soon as a batch lands
            cursor = read_cursor(self.engine, indexer.chain_id)
        with self._lock:
            self._checked = max(self._checked, writes)

    def _rebuilt(self, platform: Platform, indexer: Indexer, halted: RwakitError) -> None:
        """After a reorg below finality: refuse (503) until the index is back on the node's chain (rebuilt,
        or being rebuilt: no cursor yet), then follow again."""
        from rwakit.indexer.store import read_cursor

        cursor = read_cursor(self.engine, indexer.chain_id)
        if cursor is not None and not _on_node_chain(platform.chain.w3, cursor.number, cursor.hash):
            raise IndexBehind(
                f"{halted.message}. Until then reads are refused: the index holds blocks the chain no longer has",
                code="index_reorg_beyond_finality",
                indexed_block=cursor.number,
                **halted.details,
            )
        with self._lock:
            if self._halted is halted and self._indexer is indexer:
                self._halted = None
                self._spawn(indexer)


def _on_node_chain(w3: Web3, number: int, block_hash: str) -> bool:
    try:
        return bool(w3.eth.get_block(number)["hash"].to_0x_hex() == block_hash)
    except BlockNotFound:
        return False
