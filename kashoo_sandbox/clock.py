"""The sandbox's notion of "now": real time plus an offset tests can move."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timezone


def iso_utc(moment: datetime) -> str:
    """``2026-11-25T17:00:00Z``: the timestamp format of ``modifiedAt`` and webhook payloads."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso_utc(text: str) -> datetime:
    """Parse ``2026-11-25``, ``2026-11-25T17:00:00Z`` or any ISO-8601 form with an offset."""
    value = text.strip()
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed.astimezone(timezone.utc)


class Clock:
    """Wall clock shifted by ``offset_seconds`` (token expiry, codes, ``modifiedAt``)."""

    def __init__(self) -> None:
        self._offset = 0.0
        self._lock = threading.Lock()

    @property
    def offset_seconds(self) -> float:
        return self._offset

    def set_offset(self, seconds: float) -> None:
        with self._lock:
            self._offset = float(seconds)

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._offset += float(seconds)

    def time(self) -> float:
        return time.time() + self._offset

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.time(), tz=timezone.utc)
