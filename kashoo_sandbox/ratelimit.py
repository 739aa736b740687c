"""Per-client sliding-window rate limiter (Kashoo's documented 10 requests/s, via Codat)."""

from __future__ import annotations

import math
import threading
import time
from collections import deque


class RateLimiter:
    """At most ``limit`` accepted requests per client in any ``window`` seconds; 0 = off."""

    def __init__(self, limit: int, window: float = 1.0):
        self.limit = limit
        self.window = window
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def check(self, key: str) -> int | None:
        """Record a hit and return None, or return the Retry-After seconds when over the limit.

        Rejected requests are not recorded, so a client that backs off for Retry-After seconds
        is served again.
        """
        if self.limit <= 0:
            return None
        now = time.monotonic()
        with self._lock:
            hits = self._hits.setdefault(key, deque())
            while hits and hits[0] <= now - self.window:
                hits.popleft()
            if len(hits) >= self.limit:
                return max(1, math.ceil(hits[0] + self.window - now))
            hits.append(now)
            return None

    def reset(self) -> None:
        with self._lock:
            self._hits.clear()
