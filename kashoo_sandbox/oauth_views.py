"""HTTP side of authentication: /oauth/authorize (consent page), /oauth/token, /oauth/revoke,
the RFC 8414 metadata document and the classic ``POST {prefix}/authTokens``."""

from __future__ import annotations

import base64
import binascii
import html
import secrets
from typing import TYPE_CHECKING
from urllib.parse import unquote_plus, urlencode

from werkzeug.wrappers import Request, Response

from . import reference_data as ref
from .oauth import PKCE_CHALLENGE, REALM, OAuthClient, OAuthError, parse_scope
from .responses import html_page, json_response
from .routing import View

if TYPE_CHECKING:
    from .app import SandboxApp

NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
OAUTH_PARAMS = (
    "response_type",
    "client_id",
    "redirect_uri",
    "scope",
    "state",
    "code_challenge",
    "code_challenge_method",
)


def routes(prefix: str) -> list:
    return [
        ("/", ["GET"], View(index)),
        ("/oauth/authorize", ["GET", "POST"], View(authorize)),
        ("/oauth/token", ["POST"], View(token)),
        ("/oauth/revoke", ["POST"], View(revoke)),
        ("/.well-known/oauth-authorization-server", ["GET"], View(metadata)),
        (f"{prefix}/authTokens", ["POST"], View(classic_auth_token)),
    ]


def index(app: SandboxApp, request: Request) -> Response:
    return json_response(
        {
            "service": "kashoo-sandbox",
            "apiPrefix": app.api_prefix,
            "authorizationServer": "/.well-known/oauth-authorization-server",
            "control": "/_sandbox",
        }
    )


def metadata(app: SandboxApp, request: Request) -> Response:
    base = request.host_url.rstrip("/")
    return json_response(
        {
            "issuer": app.auth.issuer,
            "authorization_endpoint": f"{base}/oauth/authorize",
            "token_endpoint": f"{base}/oauth/token",
            "revocation_endpoint": f"{base}/oauth/revoke",
            "scopes_supported": list(ref.ALL_SCOPES),
            "response_types_supported": ["code"],
            "grant_types_supported": ["authorization_code", "refresh_token"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        }
    )


# --- /oauth/authorize --------------------------------------------------------------------------


def _error_page(message: str) -> Response:
    # RFC 6749 §4.1.2.1: never redirect to an unverified redirect_uri.
    return html_page("Authorization error", f"<p>{html.escape(message)}</p>", 400)


def _redirect(app: SandboxApp, redirect_uri: str, state: str | None, **fields) -> Response:
    _, state_mode = app.authorize_knobs.consume()
    if state_mode == "different":
        fields["state"] = f"tampered-{secrets.token_urlsafe(8)}"
    elif state_mode == "echo" and state is not None:
        fields["state"] = state
    separator = "&" if "?" in redirect_uri else "?"
    response = Response(status=302, headers=NO_STORE)
    response.headers["Location"] = f"{redirect_uri}{separator}{urlencode(fields)}"
    return response


def _consent_page(
    client: OAuthClient, params, scopes: tuple[str, ...], message: str | None = None
) -> Response:
    hidden = "".join(
        f'<input type="hidden" name="{name}" value="{html.escape(params.get(name) or "")}">'
        for name in OAUTH_PARAMS
        if params.get(name) is not None
    )
    scope_items = "".join(f"<li>{html.escape(s)}</li>" for s in scopes)
    notice = f'<p class="error">{html.escape(message)}</p>' if message else ""
    body = (
        f"<p>The app <strong>{html.escape(client.name)}</strong> is requesting permission to "
        f"view your Kashoo businesses.</p><ul>{scope_items}</ul>{notice}"
        '<form method="post" action="/oauth/authorize">'
        f"{hidden}"
        '<label>Email <input type="email" name="email" autocomplete="username"></label> '
        '<label>Password <input type="password" name="password" '
        'autocomplete="current-password"></label> '
        '<button type="submit" name="decision" value="approve">Allow</button> '
        '<button type="submit" name="decision" value="deny">Deny</button>'
        "</form>"
        f"<p><small>Sandbox demo login: {ref.DEMO_USER_EMAIL} / {ref.DEMO_USER_PASSWORD}"
        "</small></p>"
    )
    return html_page("Kashoo sandbox: authorize access", body)


def authorize(app: SandboxApp, request: Request) -> Response:
    params = request.form if request.method == "POST" else request.args
    client = app.auth.clients.get(params.get("client_id") or "")
    if client is None:
        return _error_page("Unknown client_id.")
    redirect_uri = params.get("redirect_uri")
    if not redirect_uri or redirect_uri not in client.redirect_uris:
        return _error_page("redirect_uri does not exactly match a registered redirect URI.")
    state = params.get("state")
    if params.get("response_type") != "code":
        return _redirect(
            app,
            redirect_uri,
            state,
            error="unsupported_response_type",
            error_description="only response_type=code is supported",
        )
    challenge = params.get("code_challenge")
    if not challenge or params.get("code_challenge_method") != "S256":
        return _redirect(
            app,
            redirect_uri,
            state,
            error="invalid_request",
            error_description="PKCE with code_challenge_method=S256 is required",
        )
    if not PKCE_CHALLENGE.match(challenge):
        return _redirect(
            app,
            redirect_uri,
            state,
            error="invalid_request",
            error_description="code_challenge must be 43 base64url characters",
        )
    scopes = parse_scope(params.get("scope"))
    if scopes is None:
        return _redirect(
            app,
            redirect_uri,
            state,
            error="invalid_scope",
            error_description="unknown scope requested",
        )

    knobs = app.authorize_knobs
    if knobs.force_error:
        return _redirect(
            app,
            redirect_uri,
            state,
            error=knobs.force_error,
            error_description="forced by the sandbox",
        )
    if knobs.auto_approve:
        user = app.auth.user_by_email(knobs.auto_approve_user or ref.DEMO_USER_EMAIL)
        if user is None:
            return _error_page("autoApproveUser is not a sandbox user.")
    elif request.method == "POST":
        if params.get("decision") == "deny":
            return _redirect(
                app,
                redirect_uri,
                state,
                error="access_denied",
                error_description="the user denied access",
            )
        user = app.auth.user_by_credentials(params.get("email"), params.get("password"))
        if user is None:
            return _consent_page(client, params, scopes, "Wrong email or password.")
    else:
        return _consent_page(client, params, scopes)
    code = app.auth.issue_code(client, redirect_uri, challenge, scopes, user)
    return _redirect(app, redirect_uri, state, code=code)


# --- /oauth/token and /oauth/revoke ------------------------------------------------------------


def _basic_credentials(request: Request) -> tuple[str, str] | None:
    header = request.headers.get("Authorization", "")
    if not header:
        return None
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic":
        raise OAuthError("invalid_client", "unsupported client authentication", 401, True)
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
        client_id, secret = decoded.split(":", 1)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise OAuthError("invalid_client", "malformed Basic credentials", 401, True) from None
    # RFC 6749 §2.3.1: both parts are form-urlencoded before base64.
    return unquote_plus(client_id), unquote_plus(secret)


def _oauth_error(exc: OAuthError) -> Response:
    headers = dict(NO_STORE)
    if exc.basic_challenge:
        headers["WWW-Authenticate"] = f'Basic realm="{REALM}"'
    return json_response(
        {"error": exc.error, "error_description": exc.description}, exc.status, headers
    )


def token(app: SandboxApp, request: Request) -> Response:
    try:
        client = app.auth.authenticate_client(_basic_credentials(request), request.form)
        grant_type = request.form.get("grant_type")
        if not grant_type:
            raise OAuthError("invalid_request", "grant_type is required")
        if grant_type == "authorization_code":
            body = app.auth.exchange_code(client, request.form)
        elif grant_type == "refresh_token":
            body = app.auth.refresh(client, request.form)
        else:
            raise OAuthError("unsupported_grant_type", f"grant_type {grant_type} not supported")
    except OAuthError as exc:
        return _oauth_error(exc)
    return json_response(body, 200, NO_STORE)


def revoke(app: SandboxApp, request: Request) -> Response:
    """RFC 7009: 200 whether or not the token was known."""
    try:
        client = app.auth.authenticate_client(_basic_credentials(request), request.form)
        value = request.form.get("token")
        if not value:
            raise OAuthError("invalid_request", "token is required")
    except OAuthError as exc:
        return _oauth_error(exc)
    app.auth.revoke(client, value)
    return Response(b"", status=200, headers=NO_STORE)


# --- classic mode ------------------------------------------------------------------------------


def classic_auth_token(app: SandboxApp, request: Request) -> Response:
    """``POST {prefix}/authTokens`` with Basic email:password (or form fields): a UUID as text."""
    email = password = None
    auth = request.authorization
    if auth is not None and auth.type == "basic":
        email, password = auth.username, auth.password
    elif request.form.get("email"):
        email, password = request.form.get("email"), request.form.get("password")
    user = app.auth.user_by_credentials(email, password)
    if user is None:
        return json_response(
            {"error": "invalid_credentials", "message": "wrong email or password"},
            401,
            {"WWW-Authenticate": f'Basic realm="{REALM}"'},
        )
    return Response(
        app.auth.issue_classic_token(user),
        status=200,
        content_type="text/plain; charset=utf-8",
        headers=NO_STORE,
    )
