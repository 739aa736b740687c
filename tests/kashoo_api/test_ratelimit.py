import threading
import time

import pytest
from kashoo_api.ratelimit import TokenBucket


class FakeTime:
    """A clock that only moves when something sleeps."""

    def __init__(self):
        self.now = 100.0
        self.sleeps = []

    def clock(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


def test_bucket_spaces_requests_at_the_configured_rate():
    fake = FakeTime()
    bucket = TokenBucket(rate=10, clock=fake.clock, sleep=fake.sleep)
    start = fake.now
    moments = []
    for _ in range(21):
        bucket.acquire()
        moments.append(fake.now)
    assert moments[0] == start
    assert moments[-1] - start == pytest.approx(2.0)
    # No one-second window holds more than 10 requests.
    for index in range(len(moments) - 10):
        assert moments[index + 10] - moments[index] >= 1.0 - 1e-9


def test_bucket_allows_a_burst_up_to_capacity_then_throttles():
    fake = FakeTime()
    bucket = TokenBucket(rate=10, capacity=5, clock=fake.clock, sleep=fake.sleep)
    waits = [bucket.acquire() for _ in range(6)]
    assert waits[:5] == [0.0] * 5
    assert waits[5] == pytest.approx(0.1)


def test_bucket_refills_after_idle_time_but_not_beyond_capacity():
    fake = FakeTime()
    bucket = TokenBucket(rate=10, capacity=2, clock=fake.clock, sleep=fake.sleep)
    bucket.acquire()
    bucket.acquire()
    fake.now += 60
    assert [bucket.acquire() for _ in range(3)] == [0.0, 0.0, pytest.approx(0.1)]


def test_bucket_is_thread_safe():
    bucket = TokenBucket(rate=2000)
    started = time.monotonic()
    threads = [
        threading.Thread(target=lambda: [bucket.acquire() for _ in range(5)]) for _ in range(20)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # 100 tokens at 2000/s: the last one cannot be had before 99 intervals have passed.
    assert time.monotonic() - started >= 99 / 2000 - 0.005


@pytest.mark.parametrize(("rate", "capacity"), [(0, 1), (-1, 1), (10, 0.5)])
def test_bucket_refuses_bad_settings(rate, capacity):
    with pytest.raises(ValueError):
        TokenBucket(rate=rate, capacity=capacity)
