"""Client-side throttling so one client stays at or under Kashoo's request rate."""

import threading
import time

from .const import DEFAULT_RATE_LIMIT_PER_SECOND


class TokenBucket:
    """A thread-safe token bucket: ``rate`` requests per second with bursts of ``capacity``.

    The default capacity of 1 spaces requests evenly (100 ms apart at 10/s), so no window of
    one second ever holds more than ``rate`` requests. Waiting callers reserve their slot
    under the lock and sleep outside it, so threads queue fairly without holding the lock.

    :param float rate: tokens added per second; must be positive.
    :param float capacity: the most tokens the bucket holds (the largest burst).
    :param clock: a monotonic clock returning seconds.
    :param sleep: the function used to wait.
    """

    def __init__(
        self,
        rate=DEFAULT_RATE_LIMIT_PER_SECOND,
        capacity=1.0,
        *,
        clock=time.monotonic,
        sleep=time.sleep,
    ):
        if rate <= 0:
            raise ValueError("rate must be positive")
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        self.rate = rate
        self.capacity = capacity
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._tokens = capacity
        self._updated_at = clock()

    def acquire(self):
        """Take one token, waiting as long as needed for it.

        :return: the number of seconds waited.
        :rtype: float
        """
        with self._lock:
            now = self._clock()
            elapsed = max(0.0, now - self._updated_at)
            self._tokens = min(self.capacity, self._tokens + elapsed * self.rate)
            self._updated_at = now
            # Going below zero reserves a future token for this caller.
            self._tokens -= 1
            wait = -self._tokens / self.rate if self._tokens < 0 else 0.0
        if wait:
            self._sleep(wait)
        return wait
