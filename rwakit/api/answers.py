"""Serialised answers of the index's heavy reads as of a past block or date (a cap table of 10,000
holders is ~1.4 MB of JSON and ~50 ms of work), kept while the index stands still; cap tables at the
head are kept across blocks instead (``cap_tables``, rwakit/api/cap_tables.py).

The key names the index's head (number and hash) besides the question: any block the indexer adds
or rolls back changes the head, so a kept answer is never served for another state of the index.
Least recently used answers go first once the kept bytes pass a bound.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable

from rwakit.api.cap_tables import CapTables

MAX_BYTES = 64 * 2**20


class Answers:
    def __init__(self, max_bytes: int = MAX_BYTES) -> None:
        self.max_bytes = max_bytes
        self._kept: OrderedDict[Hashable, bytes] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.cap_tables = CapTables()  # at the head: kept across blocks, patched as transfers come

    def get(self, key: Hashable) -> bytes | None:
        with self._lock:
            body = self._kept.get(key)
            if body is not None:
                self._kept.move_to_end(key)
            return body

    def put(self, key: Hashable, body: bytes) -> None:
        if len(body) > self.max_bytes:
            return
        with self._lock:
            if key in self._kept:
                return
            self._kept[key] = body
            self._bytes += len(body)
            while self._bytes > self.max_bytes:
                _, dropped = self._kept.popitem(last=False)
                self._bytes -= len(dropped)

    def clear(self) -> None:
        with self._lock:
            self._kept.clear()
            self._bytes = 0
        self.cap_tables.clear()
