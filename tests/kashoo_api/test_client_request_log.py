"""The client keeps each HTTP exchange (method, path, status, time) for the access log."""

import pytest
from api_fakes import API_URL
from kashoo_api.exceptions import KashooNotFound

ME_URL = f"{API_URL}/users/me"


class SteppingTimer:
    def __init__(self, step):
        self.step = step
        self.now = 100.0

    def __call__(self):
        self.now += self.step
        return self.now


def test_each_exchange_is_logged_without_query_or_headers(make_client, mocked_http):
    mocked_http.get(ME_URL, json={"id": 1})
    client = make_client(timer=SteppingTimer(0.25))
    client.request("GET", "/users/me", params={"access_token": "leaked?"})
    (entry,) = client.take_request_log()
    assert set(entry) == {"at", "method", "path", "status", "seconds"}
    assert entry["method"] == "GET"
    assert entry["path"].endswith("/users/me")
    assert entry["status"] == 200
    assert entry["seconds"] == pytest.approx(0.25)
    assert "leaked" not in repr(entry)
    assert client.take_request_log() == []


def test_failed_exchanges_keep_their_status(make_client, mocked_http):
    mocked_http.get(ME_URL, status=404)
    client = make_client()
    with pytest.raises(KashooNotFound):
        client.get_me()
    assert [entry["status"] for entry in client.take_request_log()] == [404]


def test_the_log_is_bounded(make_client, mocked_http):
    mocked_http.get(ME_URL, json={"id": 1})
    client = make_client(request_log_size=3)
    for _ in range(5):
        client.get_me()
    assert len(client.take_request_log()) == 3
