"""OAuth 2.0 authorization server (code + PKCE S256, rotating refresh tokens) and classic tokens.

Behaviour follows RFC 6749 / 6750 / 7009 / 7636 and RFC 9700 (OAuth 2.0 Security BCP):

* authorization codes are single-use, bound to client, redirect URI and PKCE challenge, and live
  10 minutes; reusing one is ``invalid_grant`` and revokes every token issued from it;
* access tokens are HS256 JWTs (``iss aud sub exp iat nbf jti scope client_id businesses``) that
  the server also tracks by ``jti``, so they can be revoked or forcibly expired;
* refresh tokens are opaque and rotate on every use; replaying a rotated one is
  ``invalid_grant`` and revokes the whole family (all refresh and access tokens of that grant);
* classic mode: ``POST /api/authTokens`` returns a UUID used as ``Authorization: TOKEN uuid:<t>``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
import threading
import uuid
from dataclasses import dataclass, field

import jwt

from .clock import Clock
from .reference_data import ALL_SCOPES, DEMO_CLIENT_ID, DEMO_USER_EMAIL

CODE_LIFETIME_SECONDS = 600
JWT_ALGORITHM = "HS256"
JWT_AUDIENCE = "kashoo-api"
JWT_LEEWAY_SECONDS = 0
PKCE_VERIFIER = re.compile(r"^[A-Za-z0-9\-._~]{43,128}$")
PKCE_CHALLENGE = re.compile(r"^[A-Za-z0-9\-_]{43}$")
REALM = "kashoo-sandbox"


class OAuthError(Exception):
    """An RFC 6749 §5.2 token-endpoint error."""

    def __init__(
        self, error: str, description: str, status: int = 400, basic_challenge: bool = False
    ):
        super().__init__(description)
        self.error = error
        self.description = description
        self.status = status
        self.basic_challenge = basic_challenge


class ResourceAuthError(Exception):
    """An RFC 6750 §3 protected-resource error (401 / 403)."""

    def __init__(
        self,
        status: int,
        error: str | None,
        description: str,
        scheme: str = "Bearer",
        scope: str | None = None,
    ):
        super().__init__(description)
        self.status = status
        self.error = error
        self.description = description
        self.scheme = scheme
        self.scope = scope

    def www_authenticate(self) -> str:
        parts = [f'realm="{REALM}"']
        if self.error:
            parts.append(f'error="{self.error}"')
            parts.append(f'error_description="{self.description}"')
        if self.scope:
            parts.append(f'scope="{self.scope}"')
        return f"{self.scheme} " + ", ".join(parts)


@dataclass
class OAuthClient:
    client_id: str
    client_secret: str
    name: str
    redirect_uris: list[str]

    def public_view(self, with_secret: bool = False) -> dict:
        view = {
            "client_id": self.client_id,
            "name": self.name,
            "redirect_uris": list(self.redirect_uris),
        }
        if with_secret:
            view["client_secret"] = self.client_secret
        return view


@dataclass
class User:
    user_id: int
    email: str
    password: str
    name: str


@dataclass
class AuthorizationCode:
    code: str
    client_id: str
    redirect_uri: str
    code_challenge: str
    scopes: tuple[str, ...]
    user_id: int
    business_ids: tuple[int, ...]
    expires_at: float
    used: bool = False
    family_id: str | None = None


@dataclass
class TokenFamily:
    """Every token descending from one authorization (code or direct issue)."""

    family_id: str
    client_id: str
    user_id: int
    scopes: tuple[str, ...]
    business_ids: tuple[int, ...]
    revoked: bool = False
    access_jtis: list[str] = field(default_factory=list)


@dataclass
class RefreshToken:
    token: str
    family_id: str
    expires_at: float
    status: str = "active"  # active | rotated | revoked


@dataclass
class AccessTokenState:
    jti: str
    family_id: str
    client_id: str
    expires_at: float
    revoked: bool = False
    force_expired: bool = False


@dataclass
class ClassicToken:
    token: str
    user_id: int
    revoked: bool = False
    force_expired: bool = False


@dataclass(frozen=True)
class Principal:
    """Who is calling: the result of authenticating a request."""

    user_id: int
    scopes: frozenset[str]
    business_ids: frozenset[int]
    client_id: str | None
    kind: str  # "oauth" | "classic"

    @property
    def rate_limit_key(self) -> str:
        return f"client:{self.client_id}" if self.client_id else f"classic-user:{self.user_id}"


def pkce_s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def parse_scope(raw: str | None) -> tuple[str, ...] | None:
    """Space-separated scopes, de-duplicated in request order; None if one is unknown."""
    if not raw:
        return ALL_SCOPES
    requested = []
    for scope in raw.split():
        if scope not in ALL_SCOPES:
            return None
        if scope not in requested:
            requested.append(scope)
    return tuple(requested)


class AuthServer:
    def __init__(self, clock: Clock, token_lifetime: int, refresh_token_lifetime: int):
        self.clock = clock
        self.token_lifetime = token_lifetime
        self.refresh_token_lifetime = refresh_token_lifetime
        self.issuer = "http://127.0.0.1"
        self._signing_key = secrets.token_bytes(32)
        self._lock = threading.RLock()
        self.clients: dict[str, OAuthClient] = {}
        self.users: dict[int, User] = {}
        self.user_businesses: dict[int, tuple[int, ...]] = {}
        self._codes: dict[str, AuthorizationCode] = {}
        self._families: dict[str, TokenFamily] = {}
        self._refresh_tokens: dict[str, RefreshToken] = {}
        self._access_tokens: dict[str, AccessTokenState] = {}
        self._classic_tokens: dict[str, ClassicToken] = {}

    # --- registry ------------------------------------------------------------------------------

    def add_user(self, user: User, business_ids: tuple[int, ...]) -> None:
        self.users[user.user_id] = user
        self.user_businesses[user.user_id] = business_ids

    def register_client(
        self,
        name: str,
        redirect_uris: list[str],
        client_id: str | None = None,
        client_secret: str | None = None,
    ) -> OAuthClient:
        client = OAuthClient(
            client_id=client_id or f"sbx-{secrets.token_hex(8)}",
            client_secret=client_secret or secrets.token_urlsafe(32),
            name=name,
            redirect_uris=list(redirect_uris),
        )
        with self._lock:
            self.clients[client.client_id] = client
        return client

    def user_by_credentials(self, email: str | None, password: str | None) -> User | None:
        for user in self.users.values():
            if email and user.email.lower() == email.strip().lower():
                if hmac.compare_digest((password or "").encode(), user.password.encode()):
                    return user
                return None
        return None

    def user_by_email(self, email: str) -> User | None:
        return next((u for u in self.users.values() if u.email.lower() == email.lower()), None)

    # --- client authentication (RFC 6749 §2.3.1) ------------------------------------------------

    def authenticate_client(self, basic: tuple[str, str] | None, form: dict) -> OAuthClient:
        body_id, body_secret = form.get("client_id"), form.get("client_secret")
        if basic and body_secret:
            raise OAuthError("invalid_request", "use one client authentication method only")
        if basic:
            client_id, secret = basic
        elif body_id and body_secret is not None:
            client_id, secret = body_id, body_secret
        else:
            raise OAuthError(
                "invalid_client", "client authentication required", 401, basic_challenge=True
            )
        client = self.clients.get(client_id)
        if client is None or not hmac.compare_digest(
            secret.encode(), client.client_secret.encode()
        ):
            # RFC 6749 §5.2: 401 + WWW-Authenticate when the client tried HTTP Basic.
            raise OAuthError(
                "invalid_client",
                "client authentication failed",
                401 if basic else 400,
                basic_challenge=bool(basic),
            )
        if body_id and body_id != client.client_id:
            raise OAuthError("invalid_request", "client_id does not match the credentials")
        return client

    # --- authorization codes -------------------------------------------------------------------

    def issue_code(
        self,
        client: OAuthClient,
        redirect_uri: str,
        code_challenge: str,
        scopes: tuple[str, ...],
        user: User,
    ) -> str:
        code = secrets.token_urlsafe(32)
        with self._lock:
            self._codes[code] = AuthorizationCode(
                code=code,
                client_id=client.client_id,
                redirect_uri=redirect_uri,
                code_challenge=code_challenge,
                scopes=scopes,
                user_id=user.user_id,
                business_ids=self.user_businesses.get(user.user_id, ()),
                expires_at=self.clock.time() + CODE_LIFETIME_SECONDS,
            )
        return code

    def exchange_code(self, client: OAuthClient, form: dict) -> dict:
        code_value = form.get("code")
        redirect_uri = form.get("redirect_uri")
        verifier = form.get("code_verifier")
        if not code_value or not redirect_uri or not verifier:
            raise OAuthError("invalid_request", "code, redirect_uri and code_verifier are required")
        with self._lock:
            code = self._codes.get(code_value)
            if code is None:
                raise OAuthError("invalid_grant", "unknown authorization code")
            if code.used:
                # RFC 6749 §4.1.2: a replayed code revokes what it produced.
                if code.family_id:
                    self._revoke_family(code.family_id)
                raise OAuthError("invalid_grant", "authorization code already used")
            if code.client_id != client.client_id:
                raise OAuthError("invalid_grant", "code was issued to another client")
            # The code is spent by any exchange attempt that reaches this point.
            code.used = True
            if self.clock.time() >= code.expires_at:
                raise OAuthError("invalid_grant", "authorization code expired")
            if redirect_uri != code.redirect_uri:
                raise OAuthError("invalid_grant", "redirect_uri does not match the authorization")
            if not PKCE_VERIFIER.match(verifier) or not hmac.compare_digest(
                pkce_s256(verifier), code.code_challenge
            ):
                raise OAuthError("invalid_grant", "PKCE verification failed")
            family = self._new_family(
                client.client_id, code.user_id, code.scopes, code.business_ids
            )
            code.family_id = family.family_id
            return self._token_response(family, with_refresh=True)

    # --- tokens --------------------------------------------------------------------------------

    def _new_family(
        self, client_id: str, user_id: int, scopes: tuple[str, ...], business_ids: tuple[int, ...]
    ) -> TokenFamily:
        family = TokenFamily(secrets.token_hex(8), client_id, user_id, scopes, business_ids)
        self._families[family.family_id] = family
        return family

    def issue_without_consent(
        self, client_id: str | None = None, email: str | None = None, scope: str | None = None
    ) -> dict:
        """Tokens as if ``email`` had consented (tests skip the browser); demo client/user by
        default. Raises ValueError for an unknown client, user or scope."""
        client = self.clients.get(client_id or DEMO_CLIENT_ID)
        user = self.user_by_email(email or DEMO_USER_EMAIL)
        scopes = parse_scope(scope)
        if client is None or user is None or scopes is None:
            raise ValueError("unknown client_id, user or scope")
        with self._lock:
            family = self._new_family(
                client.client_id, user.user_id, scopes, self.user_businesses.get(user.user_id, ())
            )
            return self._token_response(family, with_refresh=True)

    def _token_response(
        self, family: TokenFamily, with_refresh: bool, scopes: tuple[str, ...] | None = None
    ) -> dict:
        now = int(self.clock.time())
        lifetime = int(self.token_lifetime)
        scopes = scopes or family.scopes
        jti = uuid.uuid4().hex
        claims = {
            "iss": self.issuer,
            "aud": JWT_AUDIENCE,
            "sub": str(family.user_id),
            "iat": now,
            "nbf": now,
            "exp": now + lifetime,
            "jti": jti,
            "scope": " ".join(scopes),
            "client_id": family.client_id,
            "businesses": list(family.business_ids),
        }
        access_token = jwt.encode(claims, self._signing_key, algorithm=JWT_ALGORITHM)
        self._access_tokens[jti] = AccessTokenState(
            jti, family.family_id, family.client_id, now + lifetime
        )
        family.access_jtis.append(jti)
        response = {
            "access_token": access_token,
            "token_type": "Bearer",
            "expires_in": lifetime,
            "scope": " ".join(scopes),
        }
        if with_refresh:
            refresh = RefreshToken(
                secrets.token_urlsafe(32), family.family_id, now + self.refresh_token_lifetime
            )
            self._refresh_tokens[refresh.token] = refresh
            response["refresh_token"] = refresh.token
        return response

    def refresh(self, client: OAuthClient, form: dict) -> dict:
        value = form.get("refresh_token")
        if not value:
            raise OAuthError("invalid_request", "refresh_token is required")
        with self._lock:
            token = self._refresh_tokens.get(value)
            if token is None:
                raise OAuthError("invalid_grant", "unknown refresh token")
            family = self._families[token.family_id]
            if family.client_id != client.client_id:
                raise OAuthError("invalid_grant", "refresh token was issued to another client")
            if token.status == "rotated":
                # RFC 9700 §4.14.2: reuse of a rotated token means it leaked; kill the family.
                self._revoke_family(family.family_id)
                raise OAuthError("invalid_grant", "refresh token reuse detected; grant revoked")
            if token.status == "revoked" or family.revoked:
                raise OAuthError("invalid_grant", "refresh token revoked")
            if self.clock.time() >= token.expires_at:
                raise OAuthError("invalid_grant", "refresh token expired")
            scopes = family.scopes
            if form.get("scope"):
                narrowed = parse_scope(form["scope"])
                if narrowed is None or not set(narrowed) <= set(family.scopes):
                    raise OAuthError("invalid_scope", "scope exceeds the original grant")
                scopes = narrowed
            token.status = "rotated"
            return self._token_response(family, with_refresh=True, scopes=scopes)

    def _revoke_family(self, family_id: str) -> None:
        family = self._families[family_id]
        family.revoked = True
        for jti in family.access_jtis:
            self._access_tokens[jti].revoked = True
        for token in self._refresh_tokens.values():
            if token.family_id == family_id:
                token.status = "revoked"

    def revoke(self, client: OAuthClient | None, token_value: str) -> bool:
        """RFC 7009: revoke a refresh token (whole family) or an access token. Unknown: no-op."""
        with self._lock:
            refresh = self._refresh_tokens.get(token_value)
            if refresh is not None:
                family = self._families[refresh.family_id]
                if client is None or family.client_id == client.client_id:
                    self._revoke_family(family.family_id)
                    return True
                return False
            jti = self._jti_of(token_value)
            state = self._access_tokens.get(jti) if jti else None
            if state is not None and (client is None or state.client_id == client.client_id):
                state.revoked = True
                return True
            classic = self._classic_tokens.get(token_value)
            if classic is not None and client is None:
                classic.revoked = True
                return True
            return False

    def _jti_of(self, access_token: str) -> str | None:
        try:
            claims = jwt.decode(
                access_token,
                self._signing_key,
                algorithms=[JWT_ALGORITHM],
                audience=JWT_AUDIENCE,
                options={"verify_exp": False, "verify_nbf": False, "verify_iat": False},
            )
        except jwt.PyJWTError:
            return None
        return claims.get("jti")

    def revoke_all(self, client_id: str | None = None) -> int:
        with self._lock:
            count = 0
            for family in self._families.values():
                if not family.revoked and client_id in (None, family.client_id):
                    self._revoke_family(family.family_id)
                    count += 1
            if client_id is None:
                for classic in self._classic_tokens.values():
                    classic.revoked = True
                    count += 1
            return count

    def expire_access_tokens(
        self, token_value: str | None = None, client_id: str | None = None
    ) -> int:
        """Make live access tokens (all, one, or one client's) answer ``invalid_token``."""
        with self._lock:
            if token_value:
                jti = self._jti_of(token_value)
                targets = [self._access_tokens[jti]] if jti in self._access_tokens else []
                classic = self._classic_tokens.get(token_value)
                if classic:
                    classic.force_expired = True
                    return 1
            else:
                targets = [
                    s for s in self._access_tokens.values() if client_id in (None, s.client_id)
                ]
                if client_id is None:
                    for classic in self._classic_tokens.values():
                        classic.force_expired = True
            for state in targets:
                state.force_expired = True
            return len(targets)

    # --- classic mode --------------------------------------------------------------------------

    def issue_classic_token(self, user: User) -> str:
        token = str(uuid.uuid4())
        with self._lock:
            self._classic_tokens[token] = ClassicToken(token, user.user_id)
        return token

    # --- resource requests ---------------------------------------------------------------------

    def authenticate_request(self, authorization: str | None) -> Principal:
        if not authorization:
            raise ResourceAuthError(401, None, "authentication required")
        scheme, _, credentials = authorization.partition(" ")
        if scheme.lower() == "bearer" and credentials:
            return self._authenticate_jwt(credentials.strip())
        if scheme.upper() == "TOKEN" and credentials.startswith("uuid:"):
            return self._authenticate_classic(credentials[len("uuid:") :].strip())
        if scheme.upper() == "TOKEN" and credentials.startswith("json:"):
            # The newer web-app form: TOKEN json:{"authenticationCode": "<token>", ...}
            try:
                code = json.loads(credentials[len("json:") :])["authenticationCode"]
            except (ValueError, KeyError, TypeError):
                raise ResourceAuthError(
                    401, "invalid_request", "malformed TOKEN json header", "TOKEN"
                ) from None
            return self._authenticate_classic(str(code))
        raise ResourceAuthError(401, "invalid_request", "unsupported Authorization header")

    def _authenticate_jwt(self, token: str) -> Principal:
        try:
            # Expiry is checked against the sandbox clock below (PyJWT only knows wall time).
            claims = jwt.decode(
                token,
                self._signing_key,
                algorithms=[JWT_ALGORITHM],
                audience=JWT_AUDIENCE,
                issuer=self.issuer,
                options={
                    "require": ["exp", "iat", "nbf", "sub", "jti"],
                    "verify_exp": False,
                    "verify_nbf": False,
                    "verify_iat": False,
                },
            )
        except jwt.PyJWTError as exc:
            raise ResourceAuthError(401, "invalid_token", "The access token is invalid") from exc
        with self._lock:
            state = self._access_tokens.get(claims["jti"])
            if state is None or state.revoked or self._families[state.family_id].revoked:
                raise ResourceAuthError(401, "invalid_token", "The access token was revoked")
            now = self.clock.time()
            if state.force_expired or now >= claims["exp"]:
                raise ResourceAuthError(401, "invalid_token", "The access token expired")
            if now + JWT_LEEWAY_SECONDS < claims["nbf"]:
                raise ResourceAuthError(401, "invalid_token", "The access token is not yet valid")
        return Principal(
            user_id=int(claims["sub"]),
            scopes=frozenset(claims.get("scope", "").split()),
            business_ids=frozenset(claims.get("businesses", [])),
            client_id=claims.get("client_id"),
            kind="oauth",
        )

    def _authenticate_classic(self, token: str) -> Principal:
        with self._lock:
            classic = self._classic_tokens.get(token)
            if classic is None or classic.revoked:
                raise ResourceAuthError(401, "invalid_token", "The API token is invalid", "TOKEN")
            if classic.force_expired:
                raise ResourceAuthError(401, "invalid_token", "The API token expired", "TOKEN")
        return Principal(
            user_id=classic.user_id,
            scopes=frozenset(ALL_SCOPES),
            business_ids=frozenset(self.user_businesses.get(classic.user_id, ())),
            client_id=None,
            kind="classic",
        )

    def verify_access_token_claims(self, token: str) -> dict:
        """Decode and fully validate a sandbox JWT (for tests that inspect the claims)."""
        return jwt.decode(
            token,
            self._signing_key,
            algorithms=[JWT_ALGORITHM],
            audience=JWT_AUDIENCE,
            issuer=self.issuer,
            options={"require": ["exp", "iat", "nbf", "sub", "jti"]},
        )
