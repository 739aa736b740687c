"""Rate-limit repetitive log lines: at most one line per key and window.

A public endpoint that logs every refusal lets anyone fill the log (and hide a real attack in
the noise) by sending junk. The caller logs only when :meth:`LogThrottle.admit` says so, and
says in that line how many similar lines were held back since the last one.
"""

import threading
import time

#: Stands for every key once the table is full: senders beyond it share one line a window.
OVERFLOW_KEY = ("*", "*")


class LogThrottle:
    """Per-process, thread-safe counter of log lines by key (e.g. reason and source address).

    :param float window: seconds during which a key logs one line only.
    :param int max_keys: keys remembered at most; more keys share :data:`OVERFLOW_KEY`, so a
        sender with many addresses cannot grow the table without bound.
    :param clock: monotonic seconds; replaceable (instance attribute) for tests.
    """

    def __init__(self, window=60.0, max_keys=1024, clock=time.monotonic):
        self.window = window
        self.max_keys = max_keys
        self.clock = clock
        self._lock = threading.Lock()
        self._keys = {}  # key -> [time of the last line logged, lines held back since]
        self._overflow = None

    def __len__(self):
        return len(self._keys)

    def admit(self, key):
        """Return ``None`` if the line of ``key`` should be held back now, else how many lines
        of this key were held back since its previous line (0 for the first)."""
        now = self.clock()
        with self._lock:
            entry = self._keys.get(key)
            if entry is None and len(self._keys) >= self.max_keys:
                self._forget_expired(now)
                if len(self._keys) >= self.max_keys:
                    return self._admit_overflow(now)
            if entry is None:
                self._keys[key] = [now, 0]
                return 0
            if now - entry[0] < self.window:
                entry[1] += 1
                return None
            held_back = entry[1]
            entry[0], entry[1] = now, 0
            return held_back

    def reset(self):
        with self._lock:
            self._keys.clear()
            self._overflow = None

    def _admit_overflow(self, now):
        if self._overflow is None or now - self._overflow[0] >= self.window:
            held_back = self._overflow[1] if self._overflow else 0
            self._overflow = [now, 0]
            return held_back
        self._overflow[1] += 1
        return None

    def _forget_expired(self, now):
        # Only when the table is full: a key whose window is over goes, with the count it
        # held back (lost rather than let stale keys push every new sender into overflow).
        for key in [
            key for key, (logged_at, _held) in self._keys.items() if now - logged_at >= self.window
        ]:
            del self._keys[key]
