"""The client counts its HTTP exchanges and their time, for the addon's health metrics."""

import pytest
from api_fakes import API_URL
from kashoo_api.exceptions import KashooTransientError

ME_URL = f"{API_URL}/users/me"


class SteppingTimer:
    """A monotonic clock that advances by ``step`` seconds at every reading."""

    def __init__(self, step):
        self.step = step
        self.now = 100.0

    def __call__(self):
        self.now += self.step
        return self.now


def test_each_exchange_is_counted_with_its_time(make_client, mocked_http):
    mocked_http.get(ME_URL, json={"id": 1})
    client = make_client(timer=SteppingTimer(0.25))
    client.get_me()
    client.get_me()
    assert client.take_request_stats() == (2, pytest.approx(0.5))


def test_taking_the_stats_starts_counting_afresh(make_client, mocked_http):
    mocked_http.get(ME_URL, json={"id": 1})
    client = make_client(timer=SteppingTimer(0.1))
    assert client.take_request_stats() == (0, 0.0)
    client.get_me()
    client.take_request_stats()
    assert client.take_request_stats() == (0, 0.0)


def test_retries_and_failures_count_but_backoff_waits_do_not(make_client, mocked_http, sleeper):
    mocked_http.get(ME_URL, status=503)
    client = make_client(timer=SteppingTimer(0.5), max_attempts=3)
    with pytest.raises(KashooTransientError):
        client.get_me()
    calls, seconds = client.take_request_stats()
    assert calls == 3 == len(mocked_http.calls)
    assert seconds == pytest.approx(1.5)
    # The client did wait between tries, and none of that time is in the figure.
    assert len(sleeper.delays) == 2


def test_the_default_timer_measures_real_time(make_client, mocked_http):
    mocked_http.get(ME_URL, json={"id": 1})
    client = make_client()
    client.get_me()
    calls, seconds = client.take_request_stats()
    assert calls == 1
    assert 0.0 <= seconds < 5.0
