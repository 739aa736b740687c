import base64
import threading
import time
from urllib.parse import parse_qs, parse_qsl, urlsplit

import pytest
import requests
from api_fakes import NOW
from kashoo_api.auth import (
    AUTH_MODE_CLASSIC,
    CLIENT_SECRET_POST,
    ClassicTokenProvider,
    InMemoryTokenStore,
    KashooAuth,
    OAuthTokenManager,
    TokenSet,
    build_authorize_url,
    exchange_code,
    refresh_tokens,
    request_classic_token,
)
from kashoo_api.exceptions import (
    KashooAuthRejected,
    KashooAuthRevoked,
    KashooBadResponse,
    KashooRateLimited,
    KashooTransientError,
)

TOKEN_URL = "https://auth.kashoo.test/oauth/token"
AUTH_TOKENS_URL = "https://kashoo.test/api/authTokens"
TOKEN_RESPONSE = {
    "access_token": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl",
    "token_type": "Bearer",
    "expires_in": 3600,
    "refresh_token": "rt-2",
    "scope": "transactions:read accounts:read",
}


def form_of(call):
    return dict(parse_qsl(call.request.body))


def exchange(**overrides):
    arguments = {
        "code": "auth-code",
        "redirect_uri": "https://odoo.test/kashoo/auth/callback",
        "code_verifier": "v" * 43,
        "client_id": "odoo-demo",
        "client_secret": "s3cret:with/odd chars",
        "clock": lambda: NOW,
    }
    arguments.update(overrides)
    return exchange_code(TOKEN_URL, **arguments)


# -- authorize URL ----------------------------------------------------------------------


def test_authorize_url_carries_pkce_state_and_keeps_existing_query():
    url = build_authorize_url(
        "https://auth.kashoo.test/oauth/authorize?prompt=consent",
        client_id="odoo-demo",
        redirect_uri="https://odoo.test/kashoo/auth/callback",
        scope="transactions:read accounts:read",
        state="st&te",
        code_challenge="E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
    )
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    assert parts.netloc == "auth.kashoo.test" and parts.path == "/oauth/authorize"
    assert query == {
        "prompt": ["consent"],
        "response_type": ["code"],
        "client_id": ["odoo-demo"],
        "redirect_uri": ["https://odoo.test/kashoo/auth/callback"],
        "scope": ["transactions:read accounts:read"],
        "state": ["st&te"],
        "code_challenge": ["E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"],
        "code_challenge_method": ["S256"],
    }
    assert "scope=transactions%3Aread%20accounts%3Aread" in parts.query


# -- token endpoint ---------------------------------------------------------------------


def test_exchange_code_uses_basic_client_auth_and_form_body(mocked_http):
    mocked_http.post(TOKEN_URL, json=TOKEN_RESPONSE)
    token_set = exchange()
    call = mocked_http.calls[0]
    assert call.request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    scheme, encoded = call.request.headers["Authorization"].split(" ")
    assert scheme == "Basic"
    # RFC 6749 §2.3.1: form-encode each part before Basic encoding.
    assert base64.b64decode(encoded).decode() == "odoo-demo:s3cret%3Awith%2Fodd%20chars"
    assert form_of(call) == {
        "grant_type": "authorization_code",
        "code": "auth-code",
        "redirect_uri": "https://odoo.test/kashoo/auth/callback",
        "code_verifier": "v" * 43,
    }
    assert call.request.req_kwargs["timeout"] == (5.0, 30.0)
    assert token_set.access_token == TOKEN_RESPONSE["access_token"]
    assert token_set.refresh_token == "rt-2"
    assert token_set.expires_at == NOW + 3600
    assert token_set.scope == "transactions:read accounts:read"


def test_exchange_code_with_client_secret_post(mocked_http):
    mocked_http.post(TOKEN_URL, json=TOKEN_RESPONSE)
    exchange(client_auth=CLIENT_SECRET_POST)
    call = mocked_http.calls[0]
    assert "Authorization" not in call.request.headers
    form = form_of(call)
    assert form["client_id"] == "odoo-demo"
    assert form["client_secret"] == "s3cret:with/odd chars"


def test_exchange_code_as_public_client_sends_only_client_id(mocked_http):
    mocked_http.post(TOKEN_URL, json=TOKEN_RESPONSE)
    exchange(client_secret=None)
    call = mocked_http.calls[0]
    assert "Authorization" not in call.request.headers
    assert form_of(call)["client_id"] == "odoo-demo"
    assert "client_secret" not in form_of(call)


def test_refresh_rotates_and_keeps_old_refresh_token_when_none_is_returned(mocked_http):
    mocked_http.post(TOKEN_URL, json=TOKEN_RESPONSE)
    mocked_http.post(TOKEN_URL, json={"access_token": "at-3", "expires_in": 60})
    rotated = refresh_tokens(TOKEN_URL, "rt-1", "odoo-demo", "secret", clock=lambda: NOW)
    kept = refresh_tokens(TOKEN_URL, "rt-2", "odoo-demo", "secret", clock=lambda: NOW)
    assert form_of(mocked_http.calls[0]) == {"grant_type": "refresh_token", "refresh_token": "rt-1"}
    assert rotated.refresh_token == "rt-2"
    assert kept.refresh_token == "rt-2"
    assert kept.expires_at == NOW + 60


@pytest.mark.parametrize("expires_in", [None, 0, -5, "soon", True, 12.5])
def test_missing_or_unusable_expires_in_means_unknown_expiry(mocked_http, expires_in):
    payload = dict(TOKEN_RESPONSE, expires_in=expires_in)
    mocked_http.post(TOKEN_URL, json=payload)
    assert exchange().expires_at is None


def test_string_expires_in_is_accepted(mocked_http):
    mocked_http.post(TOKEN_URL, json=dict(TOKEN_RESPONSE, expires_in="120"))
    assert exchange().expires_at == NOW + 120


@pytest.mark.parametrize(
    ("status", "payload", "error_class", "code"),
    [
        (
            400,
            {"error": "invalid_grant", "error_description": "code reused"},
            KashooAuthRevoked,
            "invalid_grant",
        ),
        (401, {"error": "invalid_client"}, KashooAuthRejected, "invalid_client"),
        (400, {"error": "invalid_scope"}, KashooAuthRejected, "invalid_scope"),
        (400, {"error": "unsupported_grant_type"}, KashooAuthRejected, "unsupported_grant_type"),
        (
            400,
            {"error": "temporarily_unavailable"},
            KashooTransientError,
            "temporarily_unavailable",
        ),
        (503, {"error": "server_error"}, KashooTransientError, "server_error"),
        (500, None, KashooTransientError, None),
        (400, None, KashooAuthRejected, None),
    ],
)
def test_token_errors_are_mapped(mocked_http, status, payload, error_class, code):
    if payload is None:
        mocked_http.post(TOKEN_URL, status=status, body="<html>oops</html>")
    else:
        mocked_http.post(TOKEN_URL, status=status, json=payload)
    with pytest.raises(error_class) as caught:
        exchange()
    assert caught.value.status == status
    assert caught.value.code == code
    assert type(caught.value) is error_class


def test_invalid_grant_is_not_retryable_and_keeps_description(mocked_http):
    mocked_http.post(
        TOKEN_URL, status=400, json={"error": "invalid_grant", "error_description": "reused"}
    )
    with pytest.raises(KashooAuthRevoked) as caught:
        refresh_tokens(TOKEN_URL, "rt-old", "odoo-demo", "secret")
    assert not caught.value.is_retryable
    assert "reused" in caught.value.message
    assert len(mocked_http.calls) == 1


def test_token_rate_limit_carries_retry_after(mocked_http):
    mocked_http.post(
        TOKEN_URL, status=429, headers={"Retry-After": "7"}, json={"error": "slow_down"}
    )
    with pytest.raises(KashooRateLimited) as caught:
        exchange()
    assert caught.value.retry_after == 7.0


@pytest.mark.parametrize(
    "body", ['{"access_token": "at"', "<html>ok</html>", '{"token": "x"}', "[]"]
)
def test_unusable_success_body_is_a_bad_response(mocked_http, body):
    mocked_http.post(TOKEN_URL, body=body, content_type="application/json")
    with pytest.raises(KashooBadResponse):
        exchange()


def test_token_request_timeout_is_transient_and_sent_once(mocked_http):
    mocked_http.post(TOKEN_URL, body=requests.ReadTimeout("slow"))
    with pytest.raises(KashooTransientError) as caught:
        refresh_tokens(TOKEN_URL, "rt-1", "odoo-demo", "secret")
    assert caught.value.code == "read_timeout"
    # Never resent: the server may already have rotated the refresh token.
    assert len(mocked_http.calls) == 1


def test_token_set_repr_hides_tokens():
    token_set = TokenSet("access-value", "refresh-value", expires_at=NOW)
    assert "access-value" not in repr(token_set)
    assert "refresh-value" not in repr(token_set)


# -- token manager ----------------------------------------------------------------------


class RefreshRecorder:
    def __init__(self, clock_value=NOW, lifetime=3600):
        self.spent = []
        self.events = []
        self.clock_value = clock_value
        self.lifetime = lifetime

    def refresh(self, refresh_token):
        self.spent.append(refresh_token)
        number = len(self.spent)
        self.events.append(f"refresh {number}")
        return TokenSet(f"at-{number}", f"rt-{number}", expires_at=self.clock_value + self.lifetime)

    def on_rotate(self, token_set):
        self.events.append(f"persist {token_set.access_token}")


def manager_for(recorder, expires_at, margin=120, refresh_token="rt-0"):
    return OAuthTokenManager(
        InMemoryTokenStore(
            TokenSet("at-0", refresh_token, expires_at=expires_at), recorder.on_rotate
        ),
        refresh_fn=recorder.refresh,
        margin_seconds=margin,
        clock=lambda: NOW,
    )


def test_manager_keeps_a_fresh_token():
    recorder = RefreshRecorder()
    manager = manager_for(recorder, expires_at=NOW + 121)
    assert manager.get_access_token() == "at-0"
    assert recorder.spent == []


def test_manager_refreshes_ahead_of_expiry_and_persists_first():
    recorder = RefreshRecorder()
    manager = manager_for(recorder, expires_at=NOW + 119)
    assert manager.get_access_token() == "at-1"
    assert recorder.spent == ["rt-0"]
    assert recorder.events == ["refresh 1", "persist at-1"]
    # The next call reuses the new token and spends the rotated refresh token later.
    assert manager.get_access_token() == "at-1"
    assert manager.get_access_token(force_refresh=True) == "at-2"
    assert recorder.spent == ["rt-0", "rt-1"]
    assert manager.token_set.refresh_token == "rt-2"


def test_manager_with_unknown_expiry_refreshes_only_on_demand():
    recorder = RefreshRecorder()
    manager = manager_for(recorder, expires_at=None)
    assert manager.get_access_token() == "at-0"
    assert manager.get_access_token(force_refresh=True) == "at-1"
    assert recorder.spent == ["rt-0"]


def test_manager_does_not_use_tokens_it_could_not_persist():
    recorder = RefreshRecorder()

    def failing_persist(token_set):
        raise RuntimeError("database is gone")

    manager = OAuthTokenManager(
        InMemoryTokenStore(TokenSet("at-0", "rt-0", expires_at=NOW - 1), failing_persist),
        recorder.refresh,
        clock=lambda: NOW,
    )
    with pytest.raises(RuntimeError):
        manager.get_access_token()
    assert manager.token_set.access_token == "at-0"


def test_manager_without_refresh_token_asks_for_reauthorization():
    manager = manager_for(RefreshRecorder(), expires_at=NOW - 1, refresh_token=None)
    with pytest.raises(KashooAuthRevoked) as caught:
        manager.get_access_token()
    assert caught.value.code == "no_refresh_token"


def test_manager_propagates_revocation_from_refresh():
    def revoked(refresh_token):
        raise KashooAuthRevoked("gone", code="invalid_grant")

    manager = OAuthTokenManager(
        InMemoryTokenStore(TokenSet("at-0", "rt-0", expires_at=NOW - 1)), revoked, clock=lambda: NOW
    )
    with pytest.raises(KashooAuthRevoked):
        manager.get_access_token()


def test_manager_serialises_concurrent_refreshes():
    inside = []
    overlaps = []
    spent = []

    def slow_refresh(refresh_token):
        inside.append(1)
        overlaps.append(len(inside))
        spent.append(refresh_token)
        time.sleep(0.01)
        inside.pop()
        number = len(spent)
        return TokenSet(f"at-{number}", f"rt-{number}", expires_at=NOW + 3600)

    manager = OAuthTokenManager(
        InMemoryTokenStore(TokenSet("at-0", "rt-0", NOW + 3600)), slow_refresh, clock=lambda: NOW
    )
    tokens = []
    threads = [
        threading.Thread(target=lambda: tokens.append(manager.get_access_token(force_refresh=True)))
        for _ in range(5)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert max(overlaps) == 1
    # Each refresh spent the token the previous one produced, none twice; a caller that
    # waited while another refreshed takes that caller's new token instead of spending it.
    assert spent == [f"rt-{number}" for number in range(len(spent))]
    assert len(tokens) == 5 and set(tokens) <= {f"at-{n + 1}" for n in range(len(spent))}


def test_a_caller_that_waited_for_another_refresh_takes_its_token():
    recorder = RefreshRecorder()

    class RacedStore(InMemoryTokenStore):
        def refreshing(self):
            # Another holder refreshes while this caller waits for the lock.
            self.save(TokenSet("at-other", "rt-other", expires_at=NOW + 3600), forced=True)
            return super().refreshing()

    manager = OAuthTokenManager(
        RacedStore(TokenSet("at-0", "rt-0", expires_at=NOW + 3600)),
        recorder.refresh,
        clock=lambda: NOW,
    )
    # "at-0" was refused, but it is already replaced: nothing more is spent.
    assert manager.get_access_token(force_refresh=True) == "at-other"
    assert recorder.spent == []


# -- header adapter and classic mode ------------------------------------------------------


def test_auth_adapter_builds_both_header_formats():
    provider = ClassicTokenProvider(token="3f1e8a52-0000-4000-8000-000000000001")
    assert KashooAuth(provider).header_value() == "Bearer 3f1e8a52-0000-4000-8000-000000000001"
    classic = KashooAuth(provider, AUTH_MODE_CLASSIC)
    assert classic.header_value() == "TOKEN uuid:3f1e8a52-0000-4000-8000-000000000001"
    with pytest.raises(ValueError):
        KashooAuth(provider, "apikey")


def test_classic_login_posts_basic_credentials_and_reads_text(mocked_http):
    mocked_http.post(
        AUTH_TOKENS_URL, body="3f1e8a52-0000-4000-8000-000000000001\n", content_type="text/plain"
    )
    token = request_classic_token(AUTH_TOKENS_URL, "demo@kashoo.test", "demo")
    assert token == "3f1e8a52-0000-4000-8000-000000000001"
    expected = base64.b64encode(b"demo@kashoo.test:demo").decode()
    assert mocked_http.calls[0].request.headers["Authorization"] == f"Basic {expected}"
    assert mocked_http.calls[0].request.req_kwargs["timeout"] == (5.0, 30.0)


def test_classic_login_with_wrong_password_is_rejected(mocked_http):
    mocked_http.post(AUTH_TOKENS_URL, status=401, body="Unauthorized")
    with pytest.raises(KashooAuthRejected) as caught:
        request_classic_token(AUTH_TOKENS_URL, "demo@kashoo.test", "wrong")
    assert caught.value.code == "invalid_credentials"


@pytest.mark.parametrize("body", ["", "two words", "<html>\n</html>"])
def test_classic_login_with_unusable_body_is_a_bad_response(mocked_http, body):
    mocked_http.post(AUTH_TOKENS_URL, body=body, content_type="text/plain")
    with pytest.raises(KashooBadResponse):
        request_classic_token(AUTH_TOKENS_URL, "demo@kashoo.test", "demo")


def test_classic_provider_logs_in_lazily_and_again_when_forced():
    logins = []

    def login():
        logins.append(1)
        return f"uuid-{len(logins)}"

    provider = ClassicTokenProvider(login)
    assert provider.get_access_token() == "uuid-1"
    assert provider.get_access_token() == "uuid-1"
    assert provider.get_access_token(force_refresh=True) == "uuid-2"
    assert len(logins) == 2


def test_classic_provider_without_credentials_cannot_renew():
    provider = ClassicTokenProvider(token="uuid-1")
    assert provider.get_access_token() == "uuid-1"
    with pytest.raises(KashooAuthRevoked):
        provider.get_access_token(force_refresh=True)
    with pytest.raises(ValueError):
        ClassicTokenProvider()


def test_token_endpoint_never_followed_to_another_host(mocked_http):
    mocked_http.post(TOKEN_URL, status=302, headers={"Location": "https://evil.test/steal"})
    with pytest.raises(KashooAuthRejected):
        exchange()
    assert len(mocked_http.calls) == 1
