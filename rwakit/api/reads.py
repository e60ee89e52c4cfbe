"""The index as the API reads it: the background indexer, and the wait that lets a client read its
own writes.

The API process runs the indexer in a thread (``api_indexer``; off for a read-only replica that
another process indexes). Every transaction this process sends is noted with its block; a read
waits until the index has reached the later of that block and the ``min_block`` it names, so a
client reads its own writes by default, and another client's by passing the block the write
answered with. The wait wakes the indexer at once instead of sleeping a poll interval, and is
bounded (``api_read_wait_seconds``): past it the read answers 503 ``index_behind``.
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING

from sqlalchemy.engine import Engine

from rwakit.chain.transactions import TxJournal, TxRecord
from rwakit.config import Settings
from rwakit.errors import RwakitError
from rwakit.indexer.queries import IndexBehind

if TYPE_CHECKING:
    from rwakit.indexer.follower import Indexer
    from rwakit.platform import Platform

log = logging.getLogger("rwakit.api")


class NotingJournal:
    """A TxJournal that passes every record on and notes the block of each mined transaction."""

    def __init__(self, inner: TxJournal, reads: ReadModel) -> None:
        self.inner = inner
        self.reads = reads

    def record(self, record: TxRecord) -> None:
        self.inner.record(record)
        if record.block_number is not None:
            self.reads.written(record.block_number)


class ReadModel:
    def __init__(self, engine: Engine, settings: Settings) -> None:
        self.engine = engine
        self.settings = settings
        self._indexer: Indexer | None = None
        self._platform: Platform | None = None
        self._thread: threading.Thread | None = None
        self._kick = threading.Event()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._written = 0

    @property
    def chain_id(self) -> int:
        if self._platform is None:
            raise RwakitError("The read model is not started", code="index_not_started")
        return self._platform.deployment.chain_id

    def written(self, block: int) -> None:
        """A transaction of this process was mined in `block`: later reads wait for the index to reach it."""
        with self._lock:
            self._written = max(self._written, block)

    # -- the background indexer ---------------------------------------------------------------------

    def start(self, platform: Platform) -> None:
        """Open the indexer over the platform's deployment; run it in a thread unless ``api_indexer`` is off.
        Nothing happens if it already runs."""
        from rwakit.indexer.follower import Indexer, IndexerOptions

        with self._lock:
            if self._indexer is not None:
                return
            self._platform = platform
            self._written = 0  # a write of an earlier run is either indexed or was dropped with its block
            indexer = Indexer(
                platform.chain.w3, self.engine, platform.deployment, IndexerOptions.from_settings(self.settings)
            )
            self._indexer = indexer
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
        indexer.stop()  # ends a wait for the index lock, and releases it
        if thread is not None:
            thread.join(30)
        indexer.close()  # in case the thread took the lock again before it saw the stop

    def _follow(self, indexer: Indexer) -> None:
        """Catch up, then again when a read asks (a kick) or every poll interval."""
        while not self._stop.is_set():
            try:
                indexer.catch_up()
            except RwakitError as exc:
                if exc.code == "indexer_stopped":
                    return
                log.warning("indexer: %s", exc.message)
            except Exception as exc:  # a node or database hiccup: logged, retried at the next poll
                log.warning("indexer: %s", exc)
            self._kick.wait(self.settings.index_poll_interval)
            self._kick.clear()

    # -- reads ----------------------------------------------------------------------------------------

    def ready(self, platform: Platform, min_block: int | None) -> None:
        """Return once the index has reached `min_block`, the last block this process wrote, and the
        deployment block; raise IndexBehind (503) if it does not within ``api_read_wait_seconds``."""
        self.start(platform)
        indexer = self._indexer
        assert indexer is not None
        with self._lock:
            written = self._written
        target = max(min_block or 0, written, platform.deployment.block_number)
        reached = indexer.indexed_block()
        if reached is not None and reached >= target:
            return
        head = int(platform.chain.w3.eth.block_number)
        if min_block is not None and min_block > head:
            raise IndexBehind(
                f"Block {min_block} is beyond the chain's head ({head}): pass the block_number a write answered with",
                head=head,
                indexed_block=reached,
            )
        target = min(target, head)  # a block this process wrote that a reorg has since dropped
        self._kick.set()
        if not indexer.wait_for(target, timeout=self.settings.api_read_wait_seconds):
            reached = indexer.indexed_block()
            raise IndexBehind(
                f"The index has reached block {reached}, not yet block {target}, after "
                f"{self.settings.api_read_wait_seconds:g} s: retry later"
                + (
                    ""
                    if self.settings.api_indexer
                    else " (this API does not index: is `rwakit index --follow` running?)"
                ),
                indexed_block=reached,
                min_block=target,
            )
