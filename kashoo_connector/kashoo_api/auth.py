"""Authorization for Kashoo API calls: OAuth 2.0 (default) and the classic ``TOKEN`` scheme.

The client only ever sees :class:`KashooAuth`, the one seam that builds the
``Authorization`` header. Behind it, a token provider hands out access tokens: the
:class:`OAuthTokenManager` (OAuth) or :class:`ClassicTokenProvider`. The manager keeps its
tokens in a :class:`TokenStore`: :class:`InMemoryTokenStore` here, or the Odoo backend's
store, which holds a row lock and commits the rotated tokens around each refresh. Production
and tests run the same refresh logic; only where the tokens live differs.
"""

import base64
import contextlib
import dataclasses
import logging
import re
import threading
import time
from collections.abc import Callable
from typing import Protocol
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

import requests

from .backoff import parse_retry_after
from .const import DEFAULT_TIMEOUT, DEFAULT_TOKEN_REFRESH_MARGIN, TOKEN_RESPONSE_MAX_BYTES
from .exceptions import (
    KashooAuthRejected,
    KashooAuthRevoked,
    KashooBadResponse,
    KashooRateLimited,
    KashooTransientError,
)
from .transport import parse_json_body, response_text, secure_session, send

_logger = logging.getLogger(__name__)

AUTH_MODE_OAUTH = "oauth"
AUTH_MODE_CLASSIC = "classic"

_HEADER_FORMATS = {AUTH_MODE_OAUTH: "Bearer {}", AUTH_MODE_CLASSIC: "TOKEN uuid:{}"}

CLIENT_SECRET_BASIC = "client_secret_basic"
CLIENT_SECRET_POST = "client_secret_post"

# RFC 6749 §4.1.2.1 and §5.2 codes that mean "the server is struggling, try later".
_TRANSIENT_OAUTH_ERRORS = frozenset({"server_error", "temporarily_unavailable"})
# Printable ASCII without spaces: anything else could not travel in a header anyway.
_HEADER_SAFE_TOKEN = re.compile(r"[\x21-\x7e]+", re.ASCII)


@dataclasses.dataclass(frozen=True)
class TokenSet:
    """The tokens from one OAuth token response.

    Token values are left out of ``repr`` so they cannot leak into logs or tracebacks.

    :ivar str access_token: the bearer token for API calls.
    :ivar str|None refresh_token: the token to get the next access token with.
    :ivar float|None expires_at: Unix time the access token expires at; ``None`` if unknown.
    :ivar str|None scope: the granted scopes, space-separated.
    """

    access_token: str = dataclasses.field(repr=False)
    refresh_token: str | None = dataclasses.field(default=None, repr=False)
    expires_at: float | None = None
    scope: str | None = None

    def expires_within(self, seconds, now):
        """Tell whether the access token expires less than ``seconds`` after ``now``.

        A token with an unknown expiry never counts as expiring: it is refreshed when an
        API call is refused instead.

        :param float seconds: the safety margin.
        :param float now: the current Unix time.
        :rtype: bool
        """
        return self.expires_at is not None and self.expires_at - now < seconds


class TokenProvider(Protocol):
    """What the client needs from whoever holds the credentials."""

    def get_access_token(self, force_refresh=False):
        """Return a usable access token.

        :param bool force_refresh: get a new token even if the current one looks valid,
            because the API has just refused it.
        :rtype: str
        :raises KashooAuthError: when no token can be had; ``KashooAuthRevoked`` means a
            person must authorize again.
        """


class KashooAuth:
    """The one seam that turns a token provider into an ``Authorization`` header value.

    :param TokenProvider token_provider: where access tokens come from.
    :param str mode: :data:`AUTH_MODE_OAUTH` gives ``Bearer <token>``;
        :data:`AUTH_MODE_CLASSIC` gives Kashoo's ``TOKEN uuid:<token>``.
    """

    def __init__(self, token_provider, mode=AUTH_MODE_OAUTH):
        if mode not in _HEADER_FORMATS:
            raise ValueError(f"unknown auth mode {mode!r}")
        self.token_provider = token_provider
        self.mode = mode

    def header_value(self, force_refresh=False):
        """Return the ``Authorization`` header value for the next request.

        :param bool force_refresh: passed on to the token provider.
        :rtype: str
        """
        token = self.token_provider.get_access_token(force_refresh=force_refresh)
        return _HEADER_FORMATS[self.mode].format(token)


def build_authorize_url(authorize_endpoint, client_id, redirect_uri, scope, state, code_challenge):
    """Return the URL that starts the authorization-code flow with PKCE ``S256``.

    Query parameters already present in ``authorize_endpoint`` are kept.

    :param str authorize_endpoint: the authorization server's authorize URL.
    :param str client_id: the registered client id.
    :param str redirect_uri: the registered redirect URI, exactly as registered.
    :param str scope: space-separated scopes.
    :param str state: a fresh single-use value from :func:`~kashoo_api.pkce.generate_state`.
    :param str code_challenge: from :func:`~kashoo_api.pkce.code_challenge_s256`.
    :rtype: str
    """
    parts = urlsplit(authorize_endpoint)
    query = parse_qsl(parts.query, keep_blank_values=True)
    query += [
        ("response_type", "code"),
        ("client_id", client_id),
        ("redirect_uri", redirect_uri),
        ("scope", scope),
        ("state", state),
        ("code_challenge", code_challenge),
        ("code_challenge_method", "S256"),
    ]
    return urlunsplit(parts._replace(query=urlencode(query, quote_via=quote)))


def exchange_code(
    token_endpoint,
    code,
    redirect_uri,
    code_verifier,
    client_id,
    client_secret=None,
    *,
    client_auth=CLIENT_SECRET_BASIC,
    session=None,
    timeout=DEFAULT_TIMEOUT,
    clock=time.time,
    tls_pins=None,
):
    """Exchange an authorization code for tokens (RFC 6749 §4.1.3, RFC 7636 §4.5).

    :param str token_endpoint: the token URL.
    :param str code: the code from the callback.
    :param str redirect_uri: the same redirect URI as in the authorization request.
    :param str code_verifier: the PKCE verifier kept for this flow.
    :param str client_id: the client id.
    :param str|None client_secret: the client secret; ``None`` for a public client.
    :param str client_auth: :data:`CLIENT_SECRET_BASIC` or :data:`CLIENT_SECRET_POST`.
    :param requests.Session|None session: the session to use; a new one when omitted.
    :param tuple timeout: ``(connect, read)`` timeouts in seconds.
    :param clock: returns the current Unix time; used to compute ``expires_at``.
    :param tls_pins: SPKI pins of the server's key, for the session made when none is given.
    :rtype: TokenSet
    :raises KashooAuthRevoked: ``invalid_grant`` (code expired, reused or PKCE mismatch).
    :raises KashooAuthRejected: the server refused the client or the request.
    :raises KashooTransientError: the server or the network failed; try again later.
    """
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": redirect_uri,
        "code_verifier": code_verifier,
    }
    payload = _token_request(
        token_endpoint,
        form,
        client_id,
        client_secret,
        client_auth,
        session,
        timeout,
        clock,
        tls_pins,
    )
    return _token_set_from(payload, clock(), previous_refresh_token=None)


def refresh_tokens(
    token_endpoint,
    refresh_token,
    client_id,
    client_secret=None,
    *,
    client_auth=CLIENT_SECRET_BASIC,
    session=None,
    timeout=DEFAULT_TIMEOUT,
    clock=time.time,
    tls_pins=None,
):
    """Get new tokens with a refresh token (RFC 6749 §6).

    The request is sent once and never retried here: if the server rotated the refresh
    token but the answer was lost, sending the old token again would look like reuse and
    revoke the whole grant. The caller decides when to try again.

    :param str token_endpoint: the token URL.
    :param str refresh_token: the current refresh token.
    :param str client_id: the client id.
    :param str|None client_secret: the client secret; ``None`` for a public client.
    :param str client_auth: :data:`CLIENT_SECRET_BASIC` or :data:`CLIENT_SECRET_POST`.
    :param requests.Session|None session: the session to use; a new one when omitted.
    :param tuple timeout: ``(connect, read)`` timeouts in seconds.
    :param clock: returns the current Unix time; used to compute ``expires_at``.
    :param tls_pins: SPKI pins of the server's key, for the session made when none is given.
    :return: the new tokens; the old refresh token is kept when the server sends none.
    :rtype: TokenSet
    :raises KashooAuthRevoked: ``invalid_grant``: a person must authorize again.
    :raises KashooAuthRejected: the server refused the client or the request.
    :raises KashooTransientError: the server or the network failed; try again later.
    """
    form = {"grant_type": "refresh_token", "refresh_token": refresh_token}
    payload = _token_request(
        token_endpoint,
        form,
        client_id,
        client_secret,
        client_auth,
        session,
        timeout,
        clock,
        tls_pins,
    )
    return _token_set_from(payload, clock(), previous_refresh_token=refresh_token)


def _token_request(  # noqa: PLR0913 - the token request's parts, passed through
    endpoint, form, client_id, client_secret, client_auth, session, timeout, clock, tls_pins
):
    headers = {"Accept": "application/json"}
    form = dict(form)
    if client_secret is None:
        form["client_id"] = client_id
    elif client_auth == CLIENT_SECRET_BASIC:
        headers["Authorization"] = _basic_credentials(client_id, client_secret)
    elif client_auth == CLIENT_SECRET_POST:
        form.update(client_id=client_id, client_secret=client_secret)
    else:
        raise ValueError(f"unknown client authentication method {client_auth!r}")
    response = _post(session, endpoint, timeout, tls_pins, headers=headers, data=form)
    _logger.info(
        "Kashoo token request %s to %s: HTTP %s",
        form["grant_type"],
        endpoint,
        response.status_code,
    )
    if response.status_code != 200:
        raise _token_error(response, clock())
    payload = parse_json_body(response)
    if not isinstance(payload, dict) or not isinstance(payload.get("access_token"), str):
        raise KashooBadResponse(
            "token response has no access_token", status=200, body=response_text(response)
        )
    return payload


def _post(session, url, timeout, tls_pins, **kwargs):
    # A token answer is tiny: a large one is refused unread, whoever sends it.
    kwargs.setdefault("max_bytes", TOKEN_RESPONSE_MAX_BYTES)
    if session is not None:
        return send(session, "POST", url, timeout=timeout, **kwargs)
    with secure_session(tls_pins) as own_session:
        return send(own_session, "POST", url, timeout=timeout, **kwargs)


def _basic_credentials(client_id, client_secret):
    # RFC 6749 §2.3.1: both parts are form-encoded before Basic encoding.
    pair = f"{quote(client_id, safe='')}:{quote(client_secret, safe='')}"
    return "Basic " + base64.b64encode(pair.encode("utf-8")).decode("ascii")


def _token_set_from(payload, now, previous_refresh_token):
    return TokenSet(
        access_token=payload["access_token"],
        refresh_token=payload.get("refresh_token") or previous_refresh_token,
        expires_at=_expiry(payload.get("expires_in"), now),
        scope=payload.get("scope"),
    )


def _expiry(expires_in, now):
    # A missing, zero or malformed lifetime means "unknown": such a token is renewed when
    # the API refuses it, instead of before every call.
    if isinstance(expires_in, bool):
        return None
    if isinstance(expires_in, str) and expires_in.isdigit():
        expires_in = int(expires_in)
    if isinstance(expires_in, int) and expires_in > 0:
        return now + expires_in
    return None


def _token_error(response, now):
    """Map a failed token-endpoint response (RFC 6749 §5.2) to a typed error."""
    status = response.status_code
    body = response_text(response)
    try:
        payload = parse_json_body(response)
    except KashooBadResponse:
        payload = None
    code = payload.get("error") if isinstance(payload, dict) else None
    code = code if isinstance(code, str) else None
    description = payload.get("error_description") if isinstance(payload, dict) else None
    message = f"token endpoint refused the request: HTTP {status} {code or ''}".rstrip()
    if isinstance(description, str) and description:
        message = f"{message}: {description}"
    details = {"status": status, "code": code, "body": body}
    if status == 429:
        retry_after = parse_retry_after(response.headers.get("Retry-After"), now)
        return KashooRateLimited(message, retry_after=retry_after, **details)
    if status >= 500 or code in _TRANSIENT_OAUTH_ERRORS:
        return KashooTransientError(message, **details)
    if code == "invalid_grant":
        return KashooAuthRevoked(message, **details)
    return KashooAuthRejected(message, **details)


class TokenStore(Protocol):
    """Where an :class:`OAuthTokenManager` keeps its tokens."""

    def load(self):
        """Return the current :class:`TokenSet` (no lock held).

        :raises KashooAuthError: when the stored authorization is known to be unusable.
        """

    def refreshing(self):
        """A context manager that holds the store's refresh lock and yields the current
        :class:`TokenSet`, read under that lock. Only one holder refreshes at a time."""

    def save(self, token_set, forced):
        """Keep ``token_set`` durably *before* its access token is used; called inside
        :meth:`refreshing`. If it raises, the new tokens are not used.

        :param bool forced: the refresh follows a refused token (a 401), not the expiry.
        """


class InMemoryTokenStore:
    """A :class:`TokenStore` in memory, serialised with a thread lock.

    :param TokenSet token_set: the current tokens.
    :param on_rotate: ``on_rotate(new_token_set)``, called with every new token set before
        it is kept (the caller persists the rotated refresh token there).
    """

    def __init__(self, token_set, on_rotate=None):
        self._token_set = token_set
        self._on_rotate = on_rotate
        self._lock = threading.Lock()

    def load(self):
        return self._token_set

    @contextlib.contextmanager
    def refreshing(self):
        with self._lock:
            yield self._token_set

    def save(self, token_set, forced):  # noqa: ARG002 - the protocol's signature
        if self._on_rotate is not None:
            self._on_rotate(token_set)
        self._token_set = token_set


class OAuthTokenManager:
    """The :class:`TokenProvider` of an OAuth connection: refreshes ahead of expiry and
    after a refused token, one refresh at a time, each refresh token spent once.

    :param TokenStore store: where the tokens live.
    :param refresh_fn: ``refresh_fn(refresh_token) -> TokenSet``, typically
        :func:`refresh_tokens` with its endpoint and client arguments bound.
    :param float margin_seconds: refresh when less than this much validity remains.
    :param clock: returns the current Unix time.
    """

    def __init__(
        self,
        store,
        refresh_fn,
        margin_seconds=DEFAULT_TOKEN_REFRESH_MARGIN,
        clock=time.time,
    ):
        self._store = store
        self._refresh_fn = refresh_fn
        self._margin_seconds = margin_seconds
        self._clock = clock

    @property
    def token_set(self):
        """The tokens currently stored.

        :rtype: TokenSet
        """
        return self._store.load()

    def get_access_token(self, force_refresh=False):
        """Return an access token, refreshing first if forced or about to expire.

        :param bool force_refresh: refresh even if the token looks valid (it was refused).
        :rtype: str
        :raises KashooAuthRevoked: there is no refresh token, or the server refused it.
        """
        seen = self._store.load()
        if not force_refresh and not self._expiring(seen):
            return seen.access_token
        with self._store.refreshing() as current:
            if current.access_token != seen.access_token and not self._expiring(current):
                # Another holder refreshed while this one waited for the lock: use its token
                # rather than spend the rotated refresh token again.
                return current.access_token
            if not current.refresh_token:
                raise KashooAuthRevoked(
                    "the access token needs renewing but there is no refresh token",
                    code="no_refresh_token",
                )
            new_token_set = self._refresh_fn(current.refresh_token)
            self._store.save(new_token_set, force_refresh)
            return new_token_set.access_token

    def _expiring(self, token_set):
        return token_set.expires_within(self._margin_seconds, self._clock())


def request_classic_token(
    auth_tokens_url,
    email,
    password,
    *,
    session=None,
    timeout=DEFAULT_TIMEOUT,
    clock=time.time,
    tls_pins=None,
):
    """Log in with Kashoo's classic ``POST /api/authTokens`` and return the token text.

    The credentials travel as HTTP Basic; the answer is the bare token as ``text/plain``.

    :param str auth_tokens_url: the full URL of ``/api/authTokens``.
    :param str email: the Kashoo user's e-mail.
    :param str password: the Kashoo user's password.
    :param requests.Session|None session: the session to use; a new one when omitted.
    :param tuple timeout: ``(connect, read)`` timeouts in seconds.
    :param clock: returns the current Unix time (for ``Retry-After`` dates).
    :param tls_pins: SPKI pins of the server's key, for the session made when none is given.
    :rtype: str
    :raises KashooAuthRejected: wrong credentials.
    :raises KashooTransientError: the server or the network failed.
    """
    response = _post(
        session,
        auth_tokens_url,
        timeout,
        tls_pins,
        headers={"Accept": "text/plain"},
        auth=requests.auth.HTTPBasicAuth(email, password),
    )
    _logger.info("Kashoo classic login to %s: HTTP %s", auth_tokens_url, response.status_code)
    body = response_text(response)
    if response.status_code in (401, 403):
        raise KashooAuthRejected(
            "Kashoo refused the e-mail or password",
            status=response.status_code,
            code="invalid_credentials",
            body=body,
        )
    if response.status_code != 200:
        raise _token_error(response, clock())
    token = body.strip().strip('"')
    if not _HEADER_SAFE_TOKEN.fullmatch(token):
        raise KashooBadResponse("authTokens returned no usable token", status=200, body=body)
    return token


class ClassicTokenProvider:
    """A :class:`TokenProvider` for the classic ``TOKEN uuid:`` scheme.

    :param login: a callable returning a new token, e.g. :func:`request_classic_token`
        with its arguments bound; ``None`` when only a stored token is available.
    :param token: a token obtained earlier, used until the API refuses it; or a callable
        that reads the stored token when it is first needed.
    """

    def __init__(self, login: Callable[[], str] | None = None, token=None):
        if login is None and not token:
            raise ValueError("a classic token provider needs a token or a way to log in")
        self._login = login
        self._token = token
        self._lock = threading.Lock()

    def get_access_token(self, force_refresh=False):
        """Return the classic token, logging in first when there is none or it was refused.

        :param bool force_refresh: log in again even if a token is held.
        :rtype: str
        :raises KashooAuthRevoked: the token was refused and there is no way to log in: a
            person must enter a new one.
        """
        with self._lock:
            if callable(self._token):
                self._token = self._token()
            if self._token and not force_refresh:
                return self._token
            if self._login is None:
                raise KashooAuthRevoked(
                    "the classic token was refused and no credentials are available to renew it",
                    code="invalid_token",
                )
            self._token = self._login()
            return self._token
