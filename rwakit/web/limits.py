"""A small in-process rate limiter for the dashboard's sign-in endpoints: at most `limit` attempts per client
address in any `window` seconds (a sliding window), so a script cannot try API keys or flood the nonce table
from one address. It lives in one process: behind several workers each counts its own (the limit is then per
worker); uvicorn gives the client's address from X-Forwarded-For only when the proxy is trusted."""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable

from fastapi import Request

from rwakit.errors import RwakitError

SIGN_IN_LIMIT = 30  # attempts per address per window: a person retrying a few times never meets it
SIGN_IN_WINDOW = 60.0  # seconds
MAX_CLIENTS = 10_000  # addresses remembered; the oldest are forgotten past it (memory stays bounded)


class RateLimited(RwakitError):
    """Too many attempts from one address: answered 429 with Retry-After."""

    code = "rate_limited"


class RateLimiter:
    def __init__(self, limit: int = SIGN_IN_LIMIT, window: float = SIGN_IN_WINDOW,
                 clock: Callable[[], float] = time.monotonic) -> None:  # fmt: skip
        if limit < 1 or window <= 0:
            raise ValueError("a rate limit allows at least one attempt in a window longer than zero")
        self.limit, self.window, self.clock = limit, window, clock
        self._seen: dict[str, deque[float]] = {}
        self._lock = threading.Lock()  # FastAPI runs sync routes' dependencies in a thread pool

    def hit(self, client: str) -> None:
        """Count one attempt from `client`, or refuse it (RateLimited) when its window is full."""
        now = self.clock()
        with self._lock:
            times = self._seen.pop(client, None) or deque()
            while times and times[0] <= now - self.window:
                times.popleft()
            self._seen[client] = times  # re-inserted: the dict's order is least recently seen first
            if len(times) >= self.limit:
                retry = max(1, math.ceil(times[0] + self.window - now))
                raise RateLimited(f"Too many sign-in attempts from {client}: try again in {retry} s",
                                  retry_after=retry)  # fmt: skip
            times.append(now)
            while len(self._seen) > MAX_CLIENTS:
                del self._seen[next(iter(self._seen))]

    def reset(self) -> None:
        with self._lock:
            self._seen.clear()


def client_address(request: Request) -> str:
    return request.client.host if request.client is not None else "unknown"


def limited(request: Request) -> None:
    """A dependency: count this request against its client's sign-in attempts (the app's limiter)."""
    limiter: RateLimiter = request.app.state.web_sign_in_limiter
    limiter.hit(client_address(request))
