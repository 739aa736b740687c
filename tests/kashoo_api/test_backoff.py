import itertools
import random
from email.utils import formatdate

import pytest
from api_fakes import NOW
from kashoo_api.backoff import full_jitter_delay, parse_retry_after, sync_retry_delay


class EdgeRng:
    """Always picks one end of the range, to expose the exact bounds."""

    def __init__(self, pick_upper):
        self.pick_upper = pick_upper
        self.ranges = []

    def uniform(self, low, high):
        self.ranges.append((low, high))
        return high if self.pick_upper else low


@pytest.mark.parametrize(
    ("retry_index", "ceiling"),
    [(0, 0.5), (1, 1.0), (2, 2.0), (3, 4.0), (6, 30.0), (10_000, 30.0)],
)
def test_full_jitter_draws_from_zero_to_capped_exponential(retry_index, ceiling):
    rng = EdgeRng(pick_upper=True)
    delay = full_jitter_delay(retry_index, base=0.5, cap=30.0, rng=rng)
    assert rng.ranges == [(0, ceiling)]
    assert delay == ceiling


def test_full_jitter_stays_within_bounds_over_many_draws():
    rng = random.Random(42)
    delays = [full_jitter_delay(3, base=1.0, cap=5.0, rng=rng) for _ in range(2000)]
    assert all(0 <= delay <= 5.0 for delay in delays)
    # Full jitter, not "equal jitter": small delays do occur.
    assert min(delays) < 0.5
    assert max(delays) > 4.5


def test_full_jitter_refuses_negative_index():
    with pytest.raises(ValueError):
        full_jitter_delay(-1)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("120", 120.0),
        (" 7 ", 7.0),
        ("0", 0.0),
        (formatdate(NOW + 30, usegmt=True), 30.0),
        (formatdate(NOW - 3600, usegmt=True), 0.0),
        ("Wed, 25 Nov 2026 17:01:00 -0000", 60.0),
    ],
)
def test_retry_after_reads_seconds_and_http_dates(header, expected):
    assert parse_retry_after(header, NOW) == pytest.approx(expected)


@pytest.mark.parametrize("header", [None, "", "soon", "-5", "1.5", "12abc", "Wed, 99 Foo 2026"])
def test_retry_after_ignores_garbage(header):
    assert parse_retry_after(header, NOW) is None


def test_sync_schedule_first_try_is_immediate_and_ninth_gives_up():
    assert sync_retry_delay(1) == 0.0
    assert sync_retry_delay(9) is None


def test_sync_schedule_doubles_and_fills_exactly_24_hours_without_jitter():
    delays = [sync_retry_delay(n, rng=EdgeRng(pick_upper=True)) for n in range(2, 9)]
    assert sum(delays) == pytest.approx(24 * 3600)
    assert all(later == pytest.approx(2 * earlier) for earlier, later in itertools.pairwise(delays))
    assert delays[0] == pytest.approx(86400 / 127)


def test_sync_schedule_with_jitter_never_exceeds_24_hours_and_keeps_spread():
    for seed in range(200):
        rng = random.Random(seed)
        delays = [sync_retry_delay(n, rng=rng) for n in range(1, 9)]
        assert sum(delays) <= 24 * 3600
        assert sum(delays) >= 0.75 * 24 * 3600


def test_sync_schedule_refuses_try_zero_and_bad_jitter():
    with pytest.raises(ValueError):
        sync_retry_delay(0)
    with pytest.raises(ValueError):
        sync_retry_delay(2, jitter_ratio=1.5)
