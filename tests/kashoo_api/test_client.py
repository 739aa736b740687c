import datetime
import logging
from decimal import Decimal
from email.utils import formatdate
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from api_fakes import API_URL, BUSINESS_URL, NOW
from kashoo_api.auth import AUTH_MODE_CLASSIC, ClassicTokenProvider, KashooAuth
from kashoo_api.exceptions import (
    KashooAuthExpired,
    KashooAuthRevoked,
    KashooBadRequest,
    KashooBadResponse,
    KashooConfigError,
    KashooForbidden,
    KashooNotFound,
    KashooPagingLimitExceeded,
    KashooRateLimited,
    KashooTransientError,
)
from kashoo_api.transport import parse_json_body

ME_URL = f"{API_URL}/users/me"
RECORDS_URL = f"{BUSINESS_URL}/records"


def query_of_url(url):
    return {name: values[0] for name, values in parse_qs(urlsplit(url).query).items()}


def query_of(call):
    return query_of_url(call.request.url)


# -- configuration and headers ------------------------------------------------------------


def test_every_request_identifies_the_integration_and_has_a_timeout(make_client, mocked_http):
    mocked_http.get(ME_URL, json={"id": 123456})
    assert make_client().get_me() == {"id": 123456}
    request = mocked_http.calls[0].request
    assert request.headers["Authorization"] == "Bearer token-0"
    assert request.headers["Accept"] == "application/json"
    assert request.headers["User-Agent"] == (
        "kashoo_connector/18.0.1.0.0 (+0b8e6f7e-5d3c-4c59-9a8e-6a4a3b2c1d0e)"
    )
    assert request.headers["X-Integration-Name"] == "kashoo_connector"
    assert request.headers["X-Integration-Version"] == "18.0.1.0.0"
    assert request.headers["X-Integration-Instance"] == "0b8e6f7e-5d3c-4c59-9a8e-6a4a3b2c1d0e"
    assert request.req_kwargs["timeout"] == (5.0, 30.0)


def test_a_single_number_timeout_covers_connect_and_read(make_client, mocked_http):
    mocked_http.get(ME_URL, json={"id": 1})
    make_client(timeout=10).get_me()
    assert mocked_http.calls[0].request.req_kwargs["timeout"] == 10


def test_classic_mode_sends_the_token_scheme(make_client, mocked_http):
    mocked_http.get(ME_URL, json={"id": 1})
    auth = KashooAuth(ClassicTokenProvider(token="3f1e8a52"), AUTH_MODE_CLASSIC)
    make_client(auth=auth).get_me()
    assert mocked_http.calls[0].request.headers["Authorization"] == "TOKEN uuid:3f1e8a52"


@pytest.mark.parametrize(
    ("prefix", "version", "expected"),
    [
        ("/api", "", "https://kashoo.test/api/users/me"),
        ("", "v2", "https://kashoo.test/v2/users/me"),
        ("/v2/", "", "https://kashoo.test/v2/users/me"),
        ("/api", "1.0", "https://kashoo.test/api/1.0/users/me"),
    ],
)
def test_prefix_and_version_are_settings(make_client, prefix, version, expected):
    client = make_client(api_prefix=prefix, api_version=version)
    assert client.url_for("/users/me") == expected


def test_without_instance_uuid_the_user_agent_is_short(make_client, mocked_http):
    mocked_http.get(ME_URL, json={"id": 1})
    make_client(instance_uuid=None).get_me()
    headers = mocked_http.calls[0].request.headers
    assert headers["User-Agent"] == "kashoo_connector/18.0.1.0.0"
    assert "X-Integration-Instance" not in headers


@pytest.mark.parametrize(
    "settings",
    [
        {"max_attempts": 0},
        {"page_size": 101},
        {"page_size": 0},
        {"max_pages": 0},
        {"timeout": (0, 30)},
        {"timeout": (5, 30, 1)},
        {"timeout": -1},
    ],
)
def test_bad_settings_are_configuration_errors(make_client, settings):
    with pytest.raises(KashooConfigError):
        make_client(**settings)


@pytest.mark.parametrize("base_url", ["", "api.kashoo.com", "ftp://kashoo.test", "https://"])
def test_bad_base_url_is_a_configuration_error(base_url):
    from kashoo_api import KashooClient

    with pytest.raises(KashooConfigError):
        KashooClient(base_url, auth=None)


def test_business_calls_need_a_business(make_client):
    with pytest.raises(KashooConfigError):
        make_client(business_id=None).get_business()


# -- retries ----------------------------------------------------------------------------


def test_server_errors_are_retried_with_jittered_backoff_then_succeed(
    make_client, mocked_http, sleeper
):
    mocked_http.get(ME_URL, status=500, body="boom")
    mocked_http.get(ME_URL, status=502, body="<html>Bad gateway</html>")
    mocked_http.get(ME_URL, status=504, body="")
    mocked_http.get(ME_URL, json={"id": 7})
    assert make_client().get_me() == {"id": 7}
    assert len(mocked_http.calls) == 4
    assert len(sleeper.delays) == 3
    for retry_index, delay in enumerate(sleeper.delays):
        assert 0 <= delay <= 0.5 * 2**retry_index


def test_server_errors_give_up_after_max_attempts(make_client, mocked_http, sleeper):
    mocked_http.get(ME_URL, status=503, body="down")
    with pytest.raises(KashooTransientError) as caught:
        make_client(max_attempts=4).get_me()
    assert caught.value.status == 503
    assert caught.value.is_retryable
    assert len(mocked_http.calls) == 4
    assert len(sleeper.delays) == 3


def test_retry_after_seconds_is_honoured(make_client, mocked_http, sleeper):
    mocked_http.get(
        ME_URL, status=429, headers={"Retry-After": "3"}, json={"error": "rate_limited"}
    )
    mocked_http.get(ME_URL, json={"id": 1})
    make_client().get_me()
    assert sleeper.delays == [3.0]


def test_retry_after_http_date_is_honoured_on_503(make_client, mocked_http, sleeper):
    retry_at = formatdate(NOW + 12, usegmt=True)
    mocked_http.get(ME_URL, status=503, headers={"Retry-After": retry_at}, body="maintenance")
    mocked_http.get(ME_URL, json={"id": 1})
    make_client().get_me()
    assert sleeper.delays == [pytest.approx(12.0)]


def test_rate_limit_storm_gives_up_with_retry_after(make_client, mocked_http, sleeper):
    mocked_http.get(
        ME_URL, status=429, headers={"Retry-After": "1"}, json={"error": "rate_limited"}
    )
    with pytest.raises(KashooRateLimited) as caught:
        make_client(max_attempts=5).get_me()
    assert caught.value.retry_after == 1.0
    assert caught.value.is_retryable
    assert len(mocked_http.calls) == 5
    assert sleeper.delays == [1.0] * 4


def test_rate_limit_without_retry_after_backs_off(make_client, mocked_http, sleeper):
    mocked_http.get(ME_URL, status=429, body="")
    mocked_http.get(ME_URL, json={"id": 1})
    make_client().get_me()
    assert len(sleeper.delays) == 1 and 0 <= sleeper.delays[0] <= 0.5


def test_retry_after_beyond_the_cap_is_handed_back_at_once(make_client, mocked_http, sleeper):
    mocked_http.get(ME_URL, status=429, headers={"Retry-After": "3600"}, body="")
    with pytest.raises(KashooRateLimited) as caught:
        make_client(max_retry_after=30).get_me()
    assert caught.value.retry_after == 3600.0
    assert len(mocked_http.calls) == 1
    assert sleeper.delays == []


@pytest.mark.parametrize(
    ("failure", "code"),
    [
        (requests.ReadTimeout("read timed out"), "read_timeout"),
        (requests.ConnectTimeout("connect timed out"), "connect_timeout"),
        (requests.ConnectionError("connection reset by peer"), "connection_error"),
        (requests.exceptions.ChunkedEncodingError("cut"), "truncated_body"),
    ],
)
def test_transport_failures_are_retried_then_raised(
    make_client, mocked_http, sleeper, failure, code
):
    mocked_http.get(ME_URL, body=failure)
    with pytest.raises(KashooTransientError) as caught:
        make_client(max_attempts=3).get_me()
    assert caught.value.code == code
    assert len(mocked_http.calls) == 3
    assert len(sleeper.delays) == 2


def test_timeout_then_success(make_client, mocked_http):
    mocked_http.get(ME_URL, body=requests.ReadTimeout("slow"))
    mocked_http.get(ME_URL, json={"id": 2})
    assert make_client().get_me() == {"id": 2}


def test_post_is_not_retried_when_the_server_may_have_acted(make_client, mocked_http):
    mocked_http.post(f"{BUSINESS_URL}/webhooks", status=500, body="")
    with pytest.raises(KashooTransientError):
        make_client().register_webhook("https://odoo.test/kashoo/webhook/transaction")
    assert len(mocked_http.calls) == 1


def test_post_is_retried_after_a_rate_limit_or_connect_timeout(make_client, mocked_http):
    url = f"{BUSINESS_URL}/webhooks"
    mocked_http.post(url, status=429, headers={"Retry-After": "1"}, body="")
    mocked_http.post(url, body=requests.ConnectTimeout("no route"))
    mocked_http.post(url, status=201, json={"id": 9, "secret": "whsec_abc"})
    created = make_client().register_webhook("https://odoo.test/kashoo/webhook/transaction")
    assert created == {"id": 9, "secret": "whsec_abc"}
    assert len(mocked_http.calls) == 3
    assert mocked_http.calls[0].request.body == (
        b'{"url": "https://odoo.test/kashoo/webhook/transaction", "events": '
        b'["transaction.created", "transaction.updated", "transaction.deleted"]}'
    )


# -- bodies -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        '{"id": 12',
        "<!DOCTYPE html><html><body>Maintenance</body></html>",
        "",
        '{"amount": NaN}',
        b"\xff\xfe\x00",
    ],
)
def test_unusable_success_bodies_are_bad_responses(make_client, mocked_http, body):
    mocked_http.get(ME_URL, body=body, content_type="application/json")
    with pytest.raises(KashooBadResponse) as caught:
        make_client(max_attempts=2).get_me()
    assert caught.value.is_retryable
    assert len(mocked_http.calls) == 2


def test_body_shorter_than_content_length_is_refused_even_if_it_parses(make_client, mocked_http):
    mocked_http.get(
        ME_URL, body="12", headers={"Content-Length": "123"}, auto_calculate_content_length=False
    )
    # urllib3 1.x hands the short body over and the client's own length check refuses it
    # (KashooBadResponse); urllib3 2.x enforces Content-Length itself, so the read fails first
    # (KashooTransientError from the transport). Either way: refused, retryable, same code.
    with pytest.raises(KashooTransientError) as caught:
        make_client(max_attempts=1).get_me()
    assert caught.value.code == "truncated_body"
    assert caught.value.is_retryable
    assert len(mocked_http.calls) == 1


def test_client_length_check_refuses_a_short_body_that_parses():
    # The check of its own, whatever urllib3 enforces: a response built by hand, no HTTP read.
    response = requests.Response()
    response.status_code = 200
    response.headers["Content-Length"] = "123"
    response._content = b"12"
    with pytest.raises(KashooBadResponse) as caught:
        parse_json_body(response)
    assert caught.value.code == "truncated_body"


def test_bad_response_then_good_one_recovers(make_client, mocked_http):
    mocked_http.get(ME_URL, body="<html>proxy</html>")
    mocked_http.get(ME_URL, json={"id": 3})
    assert make_client().get_me() == {"id": 3}


def test_numbers_with_fractions_become_decimals(make_client, mocked_http):
    mocked_http.get(f"{BUSINESS_URL}/records/5", body='{"id": 5, "exchangeRate": 1.3654}')
    record = make_client().get_record(5)
    assert record["exchangeRate"] == Decimal("1.3654")
    assert isinstance(record["id"], int)


def test_object_expected_but_array_given(make_client, mocked_http):
    mocked_http.get(ME_URL, json=[1, 2])
    with pytest.raises(KashooBadResponse):
        make_client(max_attempts=1).get_me()


# -- error mapping ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "headers", "payload", "error_class", "code"),
    [
        (
            403,
            {"WWW-Authenticate": 'Bearer error="insufficient_scope", scope="transactions:read"'},
            {"error": "insufficient_scope"},
            KashooForbidden,
            "insufficient_scope",
        ),
        (403, {}, {"error": "forbidden"}, KashooForbidden, "forbidden"),
        (404, {}, {"error": "not_found"}, KashooNotFound, "not_found"),
        (
            400,
            {},
            {"error": "invalid_request", "field": "startDate"},
            KashooBadRequest,
            "invalid_request",
        ),
        (422, {}, None, KashooBadRequest, None),
        (302, {"Location": "https://evil.test/"}, None, KashooConfigError, None),
    ],
)
def test_client_errors_are_mapped_and_not_retried(
    make_client, mocked_http, sleeper, status, headers, payload, error_class, code
):
    if payload is None:
        mocked_http.get(ME_URL, status=status, headers=headers, body="")
    else:
        mocked_http.get(ME_URL, status=status, headers=headers, json=payload)
    with pytest.raises(error_class) as caught:
        make_client().get_me()
    assert caught.value.status == status
    assert caught.value.code == code
    assert not caught.value.is_retryable
    assert len(mocked_http.calls) == 1
    assert sleeper.delays == []


# -- 401 and token renewal ---------------------------------------------------------------


def test_401_renews_the_token_once_and_retries(make_client, mocked_http, token_provider):
    invalid = {"WWW-Authenticate": 'Bearer error="invalid_token", error_description="expired"'}
    mocked_http.get(ME_URL, status=401, headers=invalid, json={"error": "invalid_token"})
    mocked_http.get(ME_URL, json={"id": 1})
    assert make_client().get_me() == {"id": 1}
    assert token_provider.refreshes == 1
    sent = [call.request.headers["Authorization"] for call in mocked_http.calls]
    assert sent == ["Bearer token-0", "Bearer token-1"]


def test_second_401_is_raised_without_another_renewal(make_client, mocked_http, token_provider):
    mocked_http.get(ME_URL, status=401, json={"error": "invalid_token"})
    with pytest.raises(KashooAuthExpired) as caught:
        make_client().get_me()
    assert caught.value.code == "invalid_token"
    assert token_provider.refreshes == 1
    assert len(mocked_http.calls) == 2


def test_401_renewal_does_not_eat_retry_attempts(make_client, mocked_http, token_provider):
    mocked_http.get(ME_URL, status=401, body="")
    mocked_http.get(ME_URL, status=500, body="")
    mocked_http.get(ME_URL, json={"id": 1})
    assert make_client(max_attempts=2).get_me() == {"id": 1}
    assert token_provider.refreshes == 1


def test_rotated_tokens_are_persisted_before_the_new_token_is_used(make_client, mocked_http):
    from kashoo_api.auth import InMemoryTokenStore, OAuthTokenManager, TokenSet

    events = []

    def refresh(refresh_token):
        events.append(f"refresh with {refresh_token}")
        return TokenSet("at-new", "rt-new", expires_at=NOW + 3600)

    def persist(token_set):
        events.append(f"persist {token_set.refresh_token}")

    def api_callback(request):
        events.append(f"call with {request.headers['Authorization']}")
        if request.headers["Authorization"] == "Bearer at-old":
            return 401, {}, '{"error": "invalid_token"}'
        return 200, {}, '{"id": 1}'

    manager = OAuthTokenManager(
        InMemoryTokenStore(TokenSet("at-old", "rt-old", expires_at=NOW + 3600), persist),
        refresh,
        clock=lambda: NOW,
    )
    mocked_http.add_callback("GET", ME_URL, callback=api_callback)
    make_client(auth=KashooAuth(manager)).get_me()
    assert events == [
        "call with Bearer at-old",
        "refresh with rt-old",
        "persist rt-new",
        "call with Bearer at-new",
    ]


def test_revoked_grant_during_renewal_stops_the_call(make_client, mocked_http):
    class RevokedProvider:
        def get_access_token(self, force_refresh=False):
            if force_refresh:
                raise KashooAuthRevoked("grant revoked", code="invalid_grant")
            return "at-old"

    mocked_http.get(ME_URL, status=401, body="")
    with pytest.raises(KashooAuthRevoked):
        make_client(auth=KashooAuth(RevokedProvider())).get_me()
    assert len(mocked_http.calls) == 1


# -- logging ----------------------------------------------------------------------------

SECRETS = [
    "token-0",
    "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjMifQ.sig-part",
    "refresh-SECRET-1",
    "client-SECRET-2",
    "AUTHCODE-3",
    "whsec_c2VjcmV0LXdlYmhvb2s=",
    "3f1e8a52-ffff",
]


def test_logs_and_errors_mask_secrets_and_truncate_bodies(make_client, mocked_http, caplog):
    leaky_body = (
        '{"error": "server_error",'
        ' "access_token": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjMifQ.sig-part",'
        ' "refresh_token": "refresh-SECRET-1", "client_secret": "client-SECRET-2",'
        ' "echo": "code=AUTHCODE-3&state=x", "hook": "whsec_c2VjcmV0LXdlYmhvb2s=",'
        ' "header": "Authorization: TOKEN uuid:3f1e8a52-ffff", "bearer": "Bearer token-0",'
        f' "padding": "{"x" * 2000}"}}'
    )
    mocked_http.get(ME_URL, status=500, body=leaky_body)
    caplog.set_level(logging.DEBUG)
    with pytest.raises(KashooTransientError) as caught:
        make_client(max_attempts=2).get_me()
    error = caught.value
    visible = caplog.text + str(error) + error.body
    for secret in SECRETS:
        assert secret not in visible
    assert "***" in error.body
    assert len(error.body) < 600
    assert "more characters" in error.body
    assert "server_error" in caplog.text


def test_request_log_never_shows_the_authorization_header(make_client, mocked_http, caplog):
    mocked_http.get(ME_URL, status=401, body="")
    mocked_http.get(ME_URL, json={"id": 1})
    caplog.set_level(logging.DEBUG)
    make_client().get_me()
    assert "token-0" not in caplog.text and "token-1" not in caplog.text
    assert "HTTP 401" in caplog.text


# -- paging -----------------------------------------------------------------------------


def rows(start, count):
    return [{"id": record_id, "type": "invoice"} for record_id in range(start, start + count)]


def test_empty_listing_is_one_request(make_client, mocked_http):
    mocked_http.get(RECORDS_URL, json=[])
    assert list(make_client().iter_records()) == []
    assert len(mocked_http.calls) == 1
    assert query_of(mocked_http.calls[0]) == {"limit": "100", "offset": "0"}


def test_exactly_one_full_page_needs_a_confirming_empty_page(make_client, mocked_http):
    mocked_http.get(RECORDS_URL, json=rows(1, 100))
    mocked_http.get(RECORDS_URL, json=[])
    assert [row["id"] for row in make_client().iter_records()] == list(range(1, 101))
    assert [query_of(call)["offset"] for call in mocked_http.calls] == ["0", "100"]


def test_250_rows_take_three_pages_and_stop_on_the_short_one(make_client, mocked_http):
    mocked_http.get(RECORDS_URL, json=rows(1, 100))
    mocked_http.get(RECORDS_URL, json=rows(101, 100))
    mocked_http.get(RECORDS_URL, json=rows(201, 50))
    found = [row["id"] for row in make_client().iter_records()]
    assert found == list(range(1, 251))
    assert [query_of(call)["offset"] for call in mocked_http.calls] == ["0", "100", "200"]


def test_duplicates_from_offset_drift_are_dropped(make_client, mocked_http):
    # A row inserted before offset 100 between the two requests shifts id 100 onto page 2.
    mocked_http.get(RECORDS_URL, json=rows(1, 100))
    mocked_http.get(RECORDS_URL, json=rows(100, 30))
    found = [row["id"] for row in make_client().iter_records()]
    assert found == list(range(1, 130))


def test_endless_full_pages_hit_the_page_cap(make_client, mocked_http):
    counter = iter(range(1, 10**9, 10))

    def endless(request):
        start = next(counter)
        body = ",".join(f'{{"id": {i}}}' for i in range(start, start + 10))
        return 200, {}, f"[{body}]"

    mocked_http.add_callback("GET", RECORDS_URL, callback=endless)
    client = make_client(page_size=10, max_pages=5)
    with pytest.raises(KashooPagingLimitExceeded):
        list(client.iter_records())
    assert len(mocked_http.calls) == 5


def test_page_longer_than_the_limit_is_refused(make_client, mocked_http):
    mocked_http.get(RECORDS_URL, json=rows(1, 101))
    with pytest.raises(KashooBadResponse):
        list(make_client(max_attempts=1).iter_records())


@pytest.mark.parametrize("payload", [{"records": []}, [1, 2]])
def test_listing_with_the_wrong_shape_is_refused(make_client, mocked_http, payload):
    mocked_http.get(RECORDS_URL, json=payload)
    with pytest.raises(KashooBadResponse):
        list(make_client().iter_records())


def test_record_filters_are_formatted(make_client, mocked_http):
    mocked_http.get(RECORDS_URL, json=[])
    eastern = datetime.timezone(datetime.timedelta(hours=-5))
    list(
        make_client().iter_records(
            start_date=datetime.date(2026, 1, 1),
            end_date=datetime.date(2026, 12, 31),
            modified_since=datetime.datetime(2026, 11, 25, 12, 0, 5, 999, tzinfo=eastern),
            record_type="invoice",
        )
    )
    assert query_of(mocked_http.calls[0]) == {
        "startDate": "2026-01-01",
        "endDate": "2026-12-31",
        "modifiedSince": "2026-11-25T17:00:05Z",
        "type": "invoice",
        "limit": "100",
        "offset": "0",
    }


def test_naive_modified_since_is_read_as_utc(make_client, mocked_http):
    mocked_http.get(RECORDS_URL, json=[])
    list(make_client().iter_records(modified_since=datetime.datetime(2026, 11, 25, 17, 0)))
    assert query_of(mocked_http.calls[0])["modifiedSince"] == "2026-11-25T17:00:00Z"


def test_datetime_given_as_a_date_is_refused(make_client):
    with pytest.raises(TypeError):
        make_client().iter_records(start_date=datetime.datetime(2026, 1, 1))


def test_reference_listings_use_business_paths(make_client, mocked_http):
    for resource in ("accounts", "taxes", "contacts"):
        mocked_http.get(f"{BUSINESS_URL}/{resource}", json=[{"id": 1}])
    client = make_client()
    assert list(client.iter_accounts(account_type="ASSET")) == [{"id": 1}]
    assert list(client.iter_taxes()) == [{"id": 1}]
    assert list(client.iter_contacts(contact_type="vendors")) == [{"id": 1}]
    queries = [query_of(call) for call in mocked_http.calls]
    assert queries[0]["type"] == "ASSET"
    assert "type" not in queries[1]
    assert queries[2]["type"] == "vendors"


def test_businesses_and_business(make_client, mocked_http):
    mocked_http.get(f"{API_URL}/users/me/businesses", json=[{"id": 1001}, {"id": 1002}])
    mocked_http.get(BUSINESS_URL, json={"id": 1001, "name": "Maple Leaf Supplies Ltd"})
    client = make_client()
    assert [business["id"] for business in client.list_businesses()] == [1001, 1002]
    assert client.get_business()["name"] == "Maple Leaf Supplies Ltd"


# -- batch fetch ------------------------------------------------------------------------


def test_get_records_uses_ids_in_batches(make_client, mocked_http):
    def by_ids(request):
        wanted = query_of_url(request.url)["ids"].split(",")
        existing = [int(record_id) for record_id in wanted if int(record_id) != 3]
        body = ",".join(f'{{"id": {record_id}}}' for record_id in existing)
        return 200, {}, f"[{body}]"

    mocked_http.add_callback("GET", RECORDS_URL, callback=by_ids)
    found = make_client(batch_size=2).get_records([1, 2, 3, 2, 4])
    assert sorted(found) == [1, 2, 4]
    assert [query_of(call)["ids"] for call in mocked_http.calls] == ["1,2", "3,4"]


def test_get_records_falls_back_when_ids_is_ignored(make_client, mocked_http):
    # A server without the extension answers with its first page of all records.
    mocked_http.get(RECORDS_URL, json=rows(1, 5))
    mocked_http.get(f"{RECORDS_URL}/7", json={"id": 7})
    mocked_http.get(f"{RECORDS_URL}/8", status=404, json={"error": "not_found"})
    mocked_http.get(f"{RECORDS_URL}/9", json={"id": 9})
    client = make_client(batch_size=2)
    assert client.get_records([7, 8, 9]) == {7: {"id": 7}, 9: {"id": 9}}
    # Only the first batch probes the extension; afterwards records come one by one.
    assert [urlsplit(call.request.url).path for call in mocked_http.calls] == [
        "/api/businesses/1001/records",
        "/api/businesses/1001/records/7",
        "/api/businesses/1001/records/8",
        "/api/businesses/1001/records/9",
    ]


def test_get_records_falls_back_when_ids_is_refused(make_client, mocked_http):
    mocked_http.get(RECORDS_URL, status=400, json={"error": "invalid_request", "field": "ids"})
    mocked_http.get(f"{RECORDS_URL}/7", json={"id": 7})
    assert make_client().get_records([7]) == {7: {"id": 7}}


def test_get_records_of_nothing_sends_nothing(make_client, mocked_http):
    assert make_client().get_records([]) == {}
    assert len(mocked_http.calls) == 0
