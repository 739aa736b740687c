"""``kashoo_api`` against the real Kashoo sandbox: real HTTP, no mocks, no patched requests.

Waits are recorded instead of slept wherever the sandbox's behaviour does not depend on
time passing, so the suite stays fast; the rate-limit test really waits for Retry-After.
"""

import dataclasses
import functools
import time
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from kashoo_api import (
    AUTH_MODE_CLASSIC,
    CLIENT_SECRET_POST,
    ClassicTokenProvider,
    InMemoryTokenStore,
    KashooAuth,
    KashooAuthRejected,
    KashooAuthRevoked,
    KashooBadResponse,
    KashooClient,
    KashooForbidden,
    KashooNotFound,
    KashooPagingLimitExceeded,
    KashooTransientError,
    OAuthTokenManager,
    TokenBucket,
    build_authorize_url,
    code_challenge_s256,
    exchange_code,
    generate_code_verifier,
    generate_state,
    refresh_tokens,
    request_classic_token,
)
from kashoo_api.const import DEFAULT_SCOPES
from sandbox_helpers import TIMEOUT, control_json

from kashoo_sandbox import (
    DEMO_CLIENT_ID,
    DEMO_CLIENT_SECRET,
    DEMO_REDIRECT_URIS,
    DEMO_USER_EMAIL,
    DEMO_USER_PASSWORD,
    PRIMARY_BUSINESS_ID,
)

REDIRECT_URI = DEMO_REDIRECT_URIS[0]


class NoRateLimit:
    def acquire(self):
        return 0.0


class RecordingSleep:
    """Records waits; sleeps for real only when asked to (for time-based sandbox limits)."""

    def __init__(self, really_sleep=False):
        self.delays = []
        self.really_sleep = really_sleep

    def __call__(self, seconds):
        self.delays.append(seconds)
        if self.really_sleep:
            time.sleep(seconds)


def api_requests(server, path):
    """The sandbox's own log of API calls to ``path`` (exact match), oldest first."""
    return [entry for entry in control_json(server, "GET", "/requests") if entry["path"] == path]


def add_fault(server, path, **spec):
    control_json(server, "POST", "/faults", json={"path": path, "match": "exact", **spec})


def authorize(server, scope=DEFAULT_SCOPES):
    """Run the code + PKCE flow by following the auto-approved authorize redirect."""
    verifier = generate_code_verifier()
    state = generate_state()
    url = build_authorize_url(
        f"{server.url}/oauth/authorize",
        DEMO_CLIENT_ID,
        REDIRECT_URI,
        scope,
        state,
        code_challenge_s256(verifier),
    )
    redirect = requests.get(url, allow_redirects=False, timeout=TIMEOUT)
    assert redirect.status_code == 302, redirect.text
    location = urlsplit(redirect.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == REDIRECT_URI
    callback = {name: values[0] for name, values in parse_qs(location.query).items()}
    assert callback["state"] == state
    return callback["code"], verifier


def token_endpoint(server):
    return f"{server.url}/oauth/token"


def oauth_tokens(server, scope=DEFAULT_SCOPES):
    code, verifier = authorize(server, scope)
    return exchange_code(
        token_endpoint(server), code, REDIRECT_URI, verifier, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET
    )


class Rotations:
    """Stands in for the Odoo side's persistence of rotated tokens."""

    def __init__(self):
        self.saved = []

    def __call__(self, token_set):
        self.saved.append(token_set)


def token_manager(server, token_set, rotations, clock=time.time, margin=60):
    refresh = functools.partial(
        refresh_tokens,
        token_endpoint(server),
        client_id=DEMO_CLIENT_ID,
        client_secret=DEMO_CLIENT_SECRET,
        clock=clock,
    )
    store = InMemoryTokenStore(token_set, rotations)
    return OAuthTokenManager(store, refresh, margin_seconds=margin, clock=clock)


def make_client(server, auth, **settings):
    options = {
        "business_id": PRIMARY_BUSINESS_ID,
        "instance_uuid": "5a0c1f0e-1111-4222-8333-944455556666",
        "rate_limiter": NoRateLimit(),
        "sleep": RecordingSleep(),
        "timeout": (2.0, 5.0),
    }
    options.update(settings)
    return KashooClient(server.url, auth=auth, **options)


@dataclasses.dataclass
class Connection:
    """A client on a fresh OAuth grant, with the pieces tests look at."""

    client: KashooClient
    manager: OAuthTokenManager
    rotations: Rotations
    sleeper: RecordingSleep


@pytest.fixture
def connect(sandbox):
    """Build clients on fresh OAuth grants; ``connect(**client_settings)``."""
    clients = []

    def build(really_sleep=False, **settings):
        rotations = Rotations()
        manager = token_manager(sandbox, oauth_tokens(sandbox), rotations)
        sleeper = RecordingSleep(really_sleep)
        client = make_client(sandbox, KashooAuth(manager), sleep=sleeper, **settings)
        clients.append(client)
        return Connection(client, manager, rotations, sleeper)

    yield build
    for client in clients:
        client.close()


@pytest.fixture
def oauth_client(connect):
    return connect().client


# -- OAuth ------------------------------------------------------------------------------


def test_code_flow_with_pkce_then_a_data_call(sandbox):
    token_set = oauth_tokens(sandbox)
    assert token_set.refresh_token
    assert token_set.expires_at == pytest.approx(time.time() + 3600, abs=30)
    assert set(token_set.scope.split()) == set(DEFAULT_SCOPES.split())
    manager = token_manager(sandbox, token_set, Rotations())
    with make_client(sandbox, KashooAuth(manager)) as client:
        assert client.get_me()["email"] == DEMO_USER_EMAIL
        assert PRIMARY_BUSINESS_ID in [business["id"] for business in client.list_businesses()]
        assert client.get_business()["id"] == PRIMARY_BUSINESS_ID
    logged = api_requests(sandbox, "/api/users/me")[0]
    assert logged["headers"]["Authorization"] == "Bearer [redacted]"
    assert logged["headers"]["User-Agent"] == (
        "kashoo_connector/18.0.1.0.0 (+5a0c1f0e-1111-4222-8333-944455556666)"
    )
    assert logged["headers"]["X-Integration-Name"] == "kashoo_connector"
    assert logged["headers"]["X-Integration-Instance"] == "5a0c1f0e-1111-4222-8333-944455556666"


def test_client_secret_post_is_accepted(sandbox):
    code, verifier = authorize(sandbox)
    token_set = exchange_code(
        token_endpoint(sandbox),
        code,
        REDIRECT_URI,
        verifier,
        DEMO_CLIENT_ID,
        DEMO_CLIENT_SECRET,
        client_auth=CLIENT_SECRET_POST,
    )
    assert token_set.access_token


def test_wrong_pkce_verifier_and_reused_code_are_invalid_grant(sandbox):
    code, verifier = authorize(sandbox)
    with pytest.raises(KashooAuthRevoked) as caught:
        exchange_code(
            token_endpoint(sandbox),
            code,
            REDIRECT_URI,
            generate_code_verifier(),
            DEMO_CLIENT_ID,
            DEMO_CLIENT_SECRET,
        )
    assert caught.value.code == "invalid_grant"
    code, verifier = authorize(sandbox)
    arguments = (token_endpoint(sandbox), code, REDIRECT_URI, verifier, DEMO_CLIENT_ID)
    exchange_code(*arguments, DEMO_CLIENT_SECRET)
    with pytest.raises(KashooAuthRevoked):
        exchange_code(*arguments, DEMO_CLIENT_SECRET)


def test_wrong_client_secret_is_rejected(sandbox):
    code, verifier = authorize(sandbox)
    with pytest.raises(KashooAuthRejected) as caught:
        exchange_code(token_endpoint(sandbox), code, REDIRECT_URI, verifier, DEMO_CLIENT_ID, "nope")
    assert caught.value.code == "invalid_client"
    assert caught.value.status == 401


def test_refresh_ahead_of_expiry_rotates_without_any_401(sandbox):
    token_set = oauth_tokens(sandbox)
    rotations = Rotations()
    now = [time.time()]
    manager = token_manager(sandbox, token_set, rotations, clock=lambda: now[0], margin=60)
    with make_client(sandbox, KashooAuth(manager)) as client:
        client.get_me()
        # One hour later on both clocks: the old access token is now really expired.
        now[0] += 3600
        control_json(sandbox, "POST", "/clock", json={"advanceSeconds": 3600})
        assert client.get_me()["email"] == DEMO_USER_EMAIL
    assert len(rotations.saved) == 1
    assert rotations.saved[0].refresh_token != token_set.refresh_token
    assert [entry["status"] for entry in api_requests(sandbox, "/api/users/me")] == [200, 200]


def test_refresh_on_401_happens_once_and_persists_before_use(sandbox, connect):
    connection = connect()
    connection.client.get_me()
    control_json(sandbox, "POST", "/tokens/expire", json={})
    assert connection.client.get_me()["email"] == DEMO_USER_EMAIL
    assert [entry["status"] for entry in api_requests(sandbox, "/api/users/me")] == [200, 401, 200]
    assert len(connection.rotations.saved) == 1
    assert connection.manager.token_set is connection.rotations.saved[0]


def test_reused_refresh_token_revokes_the_grant(sandbox, connect):
    connection = connect()
    oauth_client = connection.client
    original_refresh_token = connection.manager.token_set.refresh_token
    oauth_client.get_me()
    control_json(sandbox, "POST", "/tokens/expire", json={})
    oauth_client.get_me()  # rotates: the original refresh token is now spent
    with pytest.raises(KashooAuthRevoked) as caught:
        refresh_tokens(
            token_endpoint(sandbox), original_refresh_token, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET
        )
    assert caught.value.code == "invalid_grant"
    assert not caught.value.is_retryable
    # The sandbox revoked the whole family: the client's current tokens die too.
    with pytest.raises(KashooAuthRevoked):
        oauth_client.get_me()


def test_insufficient_scope_and_lapsed_subscription_are_forbidden(sandbox):
    manager = token_manager(sandbox, oauth_tokens(sandbox, scope="company:read"), Rotations())
    with make_client(sandbox, KashooAuth(manager)) as client:
        with pytest.raises(KashooForbidden) as caught:
            list(client.iter_records())
        assert caught.value.code == "insufficient_scope"
        control_json(
            sandbox,
            "PATCH",
            f"/businesses/{PRIMARY_BUSINESS_ID}",
            json={"subscriptionLapsed": True},
        )
        with pytest.raises(KashooForbidden) as caught:
            client.get_business()
        assert caught.value.code == "forbidden"


# -- classic mode -------------------------------------------------------------------------


def test_classic_token_mode_logs_in_and_logs_in_again_after_expiry(sandbox):
    probe = make_client(sandbox, auth=None)
    login = functools.partial(
        request_classic_token, probe.url_for("/authTokens"), DEMO_USER_EMAIL, DEMO_USER_PASSWORD
    )
    auth = KashooAuth(ClassicTokenProvider(login), AUTH_MODE_CLASSIC)
    with make_client(sandbox, auth) as client:
        assert client.get_me()["email"] == DEMO_USER_EMAIL
        control_json(sandbox, "POST", "/tokens/expire", json={})
        assert client.get_me()["email"] == DEMO_USER_EMAIL
    statuses = [entry["status"] for entry in api_requests(sandbox, "/api/users/me")]
    assert statuses == [200, 401, 200]
    assert api_requests(sandbox, "/api/users/me")[0]["headers"]["Authorization"] == (
        "TOKEN [redacted]"
    )
    assert len(api_requests(sandbox, "/api/authTokens")) == 2


def test_classic_login_with_a_wrong_password_is_rejected(sandbox):
    url = make_client(sandbox, auth=None).url_for("/authTokens")
    with pytest.raises(KashooAuthRejected):
        request_classic_token(url, DEMO_USER_EMAIL, "wrong")


# -- rate limits and faults ---------------------------------------------------------------


def test_server_rate_limit_is_honoured_with_retry_after(sandbox, connect):
    control_json(sandbox, "POST", "/config", json={"rateLimit": 3})
    connection = connect(really_sleep=True)
    for _ in range(5):
        connection.client.get_me()
    statuses = [entry["status"] for entry in api_requests(sandbox, "/api/users/me")]
    assert statuses.count(429) >= 1
    assert statuses.count(200) == 5
    delays = connection.sleeper.delays
    assert delays and all(delay >= 1.0 for delay in delays)


def test_client_side_throttle_keeps_a_burst_within_the_server_limit(sandbox, connect):
    control_json(sandbox, "POST", "/config", json={"rateLimit": 10})
    oauth_client = connect(rate_limiter=TokenBucket(rate=8)).client
    for _ in range(12):
        oauth_client.get_me()
    statuses = [entry["status"] for entry in api_requests(sandbox, "/api/users/me")]
    assert statuses == [200] * 12


@pytest.mark.parametrize("retry_after_format", ["seconds", "http-date"])
def test_injected_429_retry_after_is_honoured(sandbox, connect, retry_after_format):
    connection = connect()
    add_fault(
        sandbox,
        "/api/users/me",
        kind="status",
        status=429,
        retryAfter=2,
        retryAfterFormat=retry_after_format,
    )
    connection.client.get_me()
    assert len(connection.sleeper.delays) == 1
    # An HTTP-date has whole seconds, so up to one second of it may already have passed.
    assert 1.0 <= connection.sleeper.delays[0] <= 2.0


@pytest.mark.parametrize(
    "fault",
    [
        {"kind": "status", "status": 500},
        {"kind": "status", "status": 502, "body": "html"},
        {"kind": "status", "status": 503, "body": "empty", "retryAfter": 1},
        {"kind": "status", "status": 504},
        {"kind": "reset"},
        {"kind": "truncated_json"},
        {"kind": "incomplete_body"},
        {"kind": "html_200"},
    ],
)
def test_injected_faults_are_retried_until_success(sandbox, connect, fault):
    connection = connect()
    add_fault(sandbox, "/api/users/me", count=2, **fault)
    assert connection.client.get_me()["email"] == DEMO_USER_EMAIL
    assert len(api_requests(sandbox, "/api/users/me")) == 3
    assert len(connection.sleeper.delays) == 2


def test_read_timeout_is_retried(sandbox, connect):
    connection = connect(timeout=(2.0, 0.5))
    add_fault(sandbox, "/api/users/me", kind="delay", delay=3)
    assert connection.client.get_me()["email"] == DEMO_USER_EMAIL
    assert len(connection.sleeper.delays) == 1


def test_persistent_faults_give_up_with_a_typed_error(sandbox, oauth_client):
    add_fault(sandbox, "/api/users/me", kind="status", status=503, count=10)
    with pytest.raises(KashooTransientError) as caught:
        oauth_client.get_me()
    assert caught.value.status == 503
    assert len(api_requests(sandbox, "/api/users/me")) == oauth_client.max_attempts
    control_json(sandbox, "DELETE", "/faults")
    add_fault(sandbox, "/api/users/me", kind="html_200", count=10)
    with pytest.raises(KashooBadResponse):
        oauth_client.get_me()


# -- paging -----------------------------------------------------------------------------


def records_path():
    return f"/api/businesses/{PRIMARY_BUSINESS_ID}/records"


def reset_with(server, size):
    counts = control_json(server, "POST", "/reset", json={"size": size})["records"]
    return counts[str(PRIMARY_BUSINESS_ID)]


@pytest.mark.parametrize(("size", "pages"), [(0, 1), (100, 2), (250, 3)])
def test_paging_edges(sandbox, oauth_client, size, pages):
    assert reset_with(sandbox, size) == size
    ids = [record["id"] for record in oauth_client.iter_records()]
    assert len(ids) == size
    assert ids == sorted(set(ids))
    assert len(api_requests(sandbox, records_path())) == pages


def test_rows_inserted_between_pages_are_not_duplicated(sandbox, oauth_client):
    reset_with(sandbox, 150)
    before = {record["id"] for record in oauth_client.iter_records()}
    control_json(sandbox, "POST", "/drift", json={"businessId": PRIMARY_BUSINESS_ID, "count": 3})
    seen = [record["id"] for record in oauth_client.iter_records()]
    assert len(seen) == len(set(seen))
    # Back-dated inserts push three already-served rows onto page two; none is lost.
    assert before <= set(seen)


def test_page_cap_stops_a_long_listing(sandbox, connect):
    reset_with(sandbox, 250)
    oauth_client = connect(max_pages=2).client
    with pytest.raises(KashooPagingLimitExceeded):
        list(oauth_client.iter_records())
    assert len(api_requests(sandbox, records_path())) == 2


def test_reference_data_and_filters(sandbox, oauth_client):
    assert list(oauth_client.iter_accounts())
    assert list(oauth_client.iter_taxes())
    vendors = list(oauth_client.iter_contacts(contact_type="vendors"))
    assert vendors and all(contact["type"] == "VENDOR" for contact in vendors)
    invoices = list(oauth_client.iter_records(record_type="invoice"))
    assert invoices and all(record["type"] == "invoice" for record in invoices)


def test_batch_fetch_uses_ids_and_skips_missing_records(sandbox, oauth_client):
    ids = [record["id"] for record in oauth_client.iter_records()][:5]
    control_json(sandbox, "DELETE", "/requests")
    found = oauth_client.get_records([*ids, 999_999])
    assert sorted(found) == sorted(ids)
    assert len(api_requests(sandbox, records_path())) == 1
    with pytest.raises(KashooNotFound):
        oauth_client.get_record(999_999)
