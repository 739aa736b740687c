"""OAuth 2.0 code + PKCE, refresh rotation, scopes, classic tokens, RFC error behaviour."""

from __future__ import annotations

import base64
import json

import jwt
import pytest
import requests
from sandbox_helpers import (
    TIMEOUT,
    api_get,
    approve,
    authorize_params,
    bearer,
    control,
    exchange_code,
    oauth_login,
    pkce_pair,
    redirect_query,
)

from kashoo_sandbox import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_REDIRECT_URIS, SandboxServer

DEMO_CLIENT = (DEMO_CLIENT_ID, DEMO_CLIENT_SECRET)


def token_request(server, data, auth=DEMO_CLIENT, **kwargs) -> requests.Response:
    return requests.post(
        f"{server.url}/oauth/token", data=data, auth=auth, timeout=TIMEOUT, **kwargs
    )


def refresh(server, refresh_token, auth=DEMO_CLIENT, **extra) -> requests.Response:
    return token_request(
        server, {"grant_type": "refresh_token", "refresh_token": refresh_token, **extra}, auth=auth
    )


def get_authorize(server, params) -> requests.Response:
    return requests.get(
        f"{server.url}/oauth/authorize", params=params, allow_redirects=False, timeout=TIMEOUT
    )


def assert_invalid_token(response, description=None):
    assert response.status_code == 401
    challenge = response.headers["WWW-Authenticate"]
    assert challenge.startswith("Bearer ") and 'error="invalid_token"' in challenge
    if description:
        assert description in challenge
    assert response.json()["error"] == "invalid_token"


# --- the happy path ------------------------------------------------------------------------------


def test_full_code_flow_through_the_consent_page(sandbox):
    verifier, challenge = pkce_pair()
    params = authorize_params(challenge, state="xyz-state")
    page = get_authorize(sandbox, params)
    assert page.status_code == 200 and "text/html" in page.headers["Content-Type"]
    assert "Odoo 18 Demo Integration" in page.text and 'name="code_challenge"' in page.text

    redirect = approve(sandbox, params)
    location = redirect.headers["Location"]
    assert location.startswith(DEMO_REDIRECT_URIS[0] + "?")
    query = redirect_query(redirect)
    assert query["state"] == "xyz-state" and len(query["code"]) >= 40

    response = exchange_code(sandbox, query["code"], verifier)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    tokens = response.json()
    assert tokens["token_type"] == "Bearer" and tokens["expires_in"] == 3600
    assert tokens["scope"] == "transactions:read accounts:read taxes:read company:read"
    assert tokens["refresh_token"]
    assert api_get(sandbox, tokens, "/users/me").json()["email"] == "demo@kashoo.test"


def test_access_token_is_a_jwt_with_the_documented_claims(sandbox):
    tokens = oauth_login(sandbox, scope="transactions:read company:read")
    header = jwt.get_unverified_header(tokens["access_token"])
    claims = sandbox.app.auth.verify_access_token_claims(tokens["access_token"])
    assert header["alg"] == "HS256"
    assert claims["iss"] == sandbox.url and claims["aud"] == "kashoo-api"
    assert claims["sub"] == "123456" and claims["client_id"] == DEMO_CLIENT_ID
    assert claims["exp"] - claims["iat"] == 3600 and claims["nbf"] == claims["iat"]
    assert claims["scope"] == "transactions:read company:read"
    assert claims["businesses"] == [1001, 1002] and len(claims["jti"]) >= 16


def test_client_may_authenticate_in_the_body(sandbox):
    verifier, challenge = pkce_pair()
    code = redirect_query(approve(sandbox, authorize_params(challenge)))["code"]
    response = token_request(
        sandbox,
        {
            "grant_type": "authorization_code",
            "code": code,
            "code_verifier": verifier,
            "redirect_uri": DEMO_REDIRECT_URIS[0],
            "client_id": DEMO_CLIENT_ID,
            "client_secret": DEMO_CLIENT_SECRET,
        },
        auth=None,
    )
    assert response.status_code == 200


def test_auto_approve_skips_the_form(sandbox):
    control(sandbox, "POST", "/oauth", json={"autoApprove": True})
    verifier, challenge = pkce_pair()
    query = redirect_query(get_authorize(sandbox, authorize_params(challenge)))
    assert exchange_code(sandbox, query["code"], verifier).status_code == 200


def test_registered_client_can_run_the_flow(sandbox):
    created = control(
        sandbox,
        "POST",
        "/clients",
        json={"name": "Test app", "redirect_uris": ["http://localhost:9999/cb"]},
    )
    assert created.status_code == 201
    client = created.json()
    assert client["client_id"] and client["client_secret"]
    assert client["redirect_uris"] == ["http://localhost:9999/cb"]
    verifier, challenge = pkce_pair()
    params = authorize_params(
        challenge, client_id=client["client_id"], redirect_uri="http://localhost:9999/cb"
    )
    code = redirect_query(approve(sandbox, params))["code"]
    response = exchange_code(
        sandbox,
        code,
        verifier,
        "http://localhost:9999/cb",
        (client["client_id"], client["client_secret"]),
    )
    assert response.status_code == 200


def test_metadata_document(sandbox):
    meta = requests.get(
        f"{sandbox.url}/.well-known/oauth-authorization-server", timeout=TIMEOUT
    ).json()
    assert meta["issuer"] == sandbox.url
    assert meta["token_endpoint"] == f"{sandbox.url}/oauth/token"
    assert meta["code_challenge_methods_supported"] == ["S256"]


# --- authorize errors ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "change",
    [
        {"client_id": "no-such-client"},
        {"redirect_uri": DEMO_REDIRECT_URIS[0] + "/"},  # exact match only
        {"redirect_uri": "http://evil.example/kashoo/auth/callback"},
        {"redirect_uri": None},
    ],
)
def test_bad_client_or_redirect_uri_shows_an_error_page_without_redirecting(sandbox, change):
    _, challenge = pkce_pair()
    params = {k: v for k, v in {**authorize_params(challenge), **change}.items() if v is not None}
    response = get_authorize(sandbox, params)
    assert response.status_code == 400
    assert "Location" not in response.headers
    assert "text/html" in response.headers["Content-Type"]


@pytest.mark.parametrize(
    "change, error",
    [
        ({"response_type": "token"}, "unsupported_response_type"),
        ({"code_challenge": None}, "invalid_request"),
        ({"code_challenge_method": "plain"}, "invalid_request"),
        ({"code_challenge": "too-short"}, "invalid_request"),
        ({"scope": "transactions:write"}, "invalid_scope"),
    ],
)
def test_invalid_authorization_requests_redirect_with_an_error(sandbox, change, error):
    _, challenge = pkce_pair()
    params = {
        k: v
        for k, v in {**authorize_params(challenge, state="s1"), **change}.items()
        if v is not None
    }
    query = redirect_query(get_authorize(sandbox, params))
    assert query["error"] == error and query["state"] == "s1" and "code" not in query


def test_user_denies_or_mistypes_the_password(sandbox):
    _, challenge = pkce_pair()
    params = authorize_params(challenge, state="s2")
    wrong = approve(sandbox, params, password="not-demo")
    assert wrong.status_code == 200 and "Wrong email or password" in wrong.text
    denied = requests.post(
        f"{sandbox.url}/oauth/authorize",
        data={**params, "decision": "deny"},
        allow_redirects=False,
        timeout=TIMEOUT,
    )
    assert redirect_query(denied) == {
        "error": "access_denied",
        "error_description": "the user denied access",
        "state": "s2",
    }


def test_forced_access_denied_knob(sandbox):
    control(sandbox, "POST", "/oauth", json={"forceError": "access_denied", "count": 1})
    _, challenge = pkce_pair()
    params = authorize_params(challenge, state="s3")
    query = redirect_query(get_authorize(sandbox, params))
    assert query["error"] == "access_denied" and query["state"] == "s3"
    # count=1: the next authorization is normal again
    assert "code" in redirect_query(approve(sandbox, params))


@pytest.mark.parametrize("mode", ["different", "omit"])
def test_state_knobs(sandbox, mode):
    control(sandbox, "POST", "/oauth", json={"stateMode": mode})
    _, challenge = pkce_pair()
    query = redirect_query(approve(sandbox, authorize_params(challenge, state="original")))
    assert "code" in query
    if mode == "omit":
        assert "state" not in query
    else:
        assert query["state"] != "original" and query["state"]


def test_unknown_knob_values_are_rejected(sandbox):
    assert control(sandbox, "POST", "/oauth", json={"stateMode": "upside-down"}).status_code == 400
    assert control(sandbox, "POST", "/oauth", json={"forceError": "nope"}).status_code == 400


# --- token endpoint errors -----------------------------------------------------------------------


def new_code(server, **params):
    verifier, challenge = pkce_pair()
    return redirect_query(approve(server, authorize_params(challenge, **params)))["code"], verifier


def test_pkce_verifier_mismatch_is_invalid_grant_and_burns_the_code(sandbox):
    code, verifier = new_code(sandbox)
    other_verifier, _ = pkce_pair()
    response = exchange_code(sandbox, code, other_verifier)
    assert response.status_code == 400 and response.json()["error"] == "invalid_grant"
    assert response.headers["Cache-Control"] == "no-store"
    assert exchange_code(sandbox, code, verifier).json()["error"] == "invalid_grant"


def test_redirect_uri_must_match_the_authorization(sandbox):
    code, verifier = new_code(sandbox)
    response = exchange_code(sandbox, code, verifier, redirect_uri=DEMO_REDIRECT_URIS[1])
    assert response.json()["error"] == "invalid_grant"


def test_code_reuse_is_rejected_and_revokes_the_tokens_it_produced(sandbox):
    code, verifier = new_code(sandbox)
    tokens = exchange_code(sandbox, code, verifier).json()
    assert api_get(sandbox, tokens, "/users/me").status_code == 200
    replay = exchange_code(sandbox, code, verifier)
    assert replay.status_code == 400 and replay.json()["error"] == "invalid_grant"
    assert_invalid_token(api_get(sandbox, tokens, "/users/me"), "revoked")
    assert refresh(sandbox, tokens["refresh_token"]).json()["error"] == "invalid_grant"


def test_expired_code_is_invalid_grant(sandbox):
    code, verifier = new_code(sandbox)
    control(sandbox, "POST", "/clock", json={"advanceSeconds": 601})
    assert exchange_code(sandbox, code, verifier).json()["error"] == "invalid_grant"


def test_code_issued_to_another_client_is_invalid_grant(sandbox):
    other = control(
        sandbox, "POST", "/clients", json={"redirect_uris": [DEMO_REDIRECT_URIS[0]]}
    ).json()
    code, verifier = new_code(sandbox)
    response = exchange_code(
        sandbox, code, verifier, client=(other["client_id"], other["client_secret"])
    )
    assert response.json()["error"] == "invalid_grant"
    assert exchange_code(sandbox, code, verifier).status_code == 200  # still the owner's


def test_bad_client_credentials(sandbox):
    code, verifier = new_code(sandbox)
    data = {
        "grant_type": "authorization_code",
        "code": code,
        "code_verifier": verifier,
        "redirect_uri": DEMO_REDIRECT_URIS[0],
    }
    basic = token_request(sandbox, data, auth=(DEMO_CLIENT_ID, "wrong"))
    assert basic.status_code == 401 and basic.json()["error"] == "invalid_client"
    assert basic.headers["WWW-Authenticate"] == 'Basic realm="kashoo-sandbox"'
    body = token_request(
        sandbox, {**data, "client_id": DEMO_CLIENT_ID, "client_secret": "x"}, auth=None
    )
    assert body.status_code == 400 and body.json()["error"] == "invalid_client"
    anonymous = token_request(sandbox, data, auth=None)
    assert anonymous.status_code == 401 and anonymous.json()["error"] == "invalid_client"
    garbled = token_request(sandbox, data, auth=None, headers={"Authorization": "Basic !!!"})
    assert garbled.status_code == 401
    # the failed attempts did not spend the code
    assert exchange_code(sandbox, code, verifier).status_code == 200


@pytest.mark.parametrize(
    "data, error",
    [
        (
            {"grant_type": "password", "username": "demo@kashoo.test", "password": "demo"},
            "unsupported_grant_type",
        ),
        ({"grant_type": "client_credentials"}, "unsupported_grant_type"),
        ({}, "invalid_request"),
        ({"grant_type": "authorization_code"}, "invalid_request"),
        (
            {
                "grant_type": "authorization_code",
                "code": "nope",
                "code_verifier": "x" * 43,
                "redirect_uri": DEMO_REDIRECT_URIS[0],
            },
            "invalid_grant",
        ),
        ({"grant_type": "refresh_token"}, "invalid_request"),
        ({"grant_type": "refresh_token", "refresh_token": "nope"}, "invalid_grant"),
    ],
)
def test_token_request_errors(sandbox, data, error):
    response = token_request(sandbox, data)
    assert response.status_code == 400
    assert response.json()["error"] == error and response.json()["error_description"]


# --- refresh rotation ----------------------------------------------------------------------------


def test_refresh_rotates_and_reuse_revokes_the_family(sandbox):
    first = oauth_login(sandbox)
    second_response = refresh(sandbox, first["refresh_token"])
    assert second_response.status_code == 200
    assert second_response.headers["Cache-Control"] == "no-store"
    second = second_response.json()
    assert second["refresh_token"] != first["refresh_token"]
    assert second["access_token"] != first["access_token"]
    assert api_get(sandbox, second, "/users/me").status_code == 200

    replay = refresh(sandbox, first["refresh_token"])
    assert replay.status_code == 400 and replay.json()["error"] == "invalid_grant"
    # the whole family is gone: the newest refresh token and its access token too
    assert refresh(sandbox, second["refresh_token"]).json()["error"] == "invalid_grant"
    assert_invalid_token(api_get(sandbox, second, "/users/me"), "revoked")


def test_refresh_token_is_bound_to_its_client(sandbox):
    tokens = oauth_login(sandbox)
    other = control(sandbox, "POST", "/clients", json={"redirect_uris": ["http://x/cb"]}).json()
    response = refresh(
        sandbox, tokens["refresh_token"], auth=(other["client_id"], other["client_secret"])
    )
    assert response.json()["error"] == "invalid_grant"
    assert refresh(sandbox, tokens["refresh_token"]).status_code == 200


def test_refresh_may_narrow_but_not_widen_the_scope(sandbox):
    tokens = oauth_login(sandbox, scope="transactions:read company:read")
    wider = refresh(sandbox, tokens["refresh_token"], scope="accounts:read")
    assert wider.status_code == 400 and wider.json()["error"] == "invalid_scope"
    narrower = refresh(sandbox, tokens["refresh_token"], scope="company:read")
    assert narrower.status_code == 200 and narrower.json()["scope"] == "company:read"


def test_revocation_endpoint(sandbox):
    tokens = oauth_login(sandbox)
    other = oauth_login(sandbox)
    response = requests.post(
        f"{sandbox.url}/oauth/revoke",
        auth=DEMO_CLIENT,
        timeout=TIMEOUT,
        data={"token": other["access_token"]},
    )
    assert response.status_code == 200
    assert_invalid_token(api_get(sandbox, other, "/users/me"))
    assert refresh(sandbox, other["refresh_token"]).status_code == 200  # only the access token

    requests.post(
        f"{sandbox.url}/oauth/revoke",
        auth=DEMO_CLIENT,
        timeout=TIMEOUT,
        data={"token": tokens["refresh_token"]},
    )
    assert refresh(sandbox, tokens["refresh_token"]).json()["error"] == "invalid_grant"
    assert_invalid_token(api_get(sandbox, tokens, "/users/me"))
    unknown = requests.post(
        f"{sandbox.url}/oauth/revoke", auth=DEMO_CLIENT, timeout=TIMEOUT, data={"token": "unknown"}
    )
    assert unknown.status_code == 200  # RFC 7009: no oracle


# --- resource requests ---------------------------------------------------------------------------


def test_token_lifetime_and_expiry(sandbox):
    with SandboxServer(seed=1, size=0, rate_limit=0, token_lifetime=120) as short:
        tokens = oauth_login(short)
        assert tokens["expires_in"] == 120
        # The sandbox clock is the wall clock plus the offset: keep a margin for a slow machine
        # (the exact expiry edge is the JWT library's ``exp`` check).
        control(short, "POST", "/clock", json={"advanceSeconds": 100})
        assert api_get(short, tokens, "/users/me").status_code == 200
        control(short, "POST", "/clock", json={"advanceSeconds": 25})
        assert_invalid_token(api_get(short, tokens, "/users/me"), "expired")
        renewed = refresh(short, tokens["refresh_token"]).json()
        assert api_get(short, renewed, "/users/me").status_code == 200


def test_control_can_expire_and_revoke_tokens(sandbox):
    tokens = oauth_login(sandbox)
    assert control(sandbox, "POST", "/tokens/expire", json={}).json()["expired"] >= 1
    assert_invalid_token(api_get(sandbox, tokens, "/users/me"), "expired")
    renewed = refresh(sandbox, tokens["refresh_token"]).json()
    assert api_get(sandbox, renewed, "/users/me").status_code == 200
    revoked = control(
        sandbox, "POST", "/tokens/revoke", json={"refresh_token": renewed["refresh_token"]}
    )
    assert revoked.json() == {"revoked": 1}
    assert refresh(sandbox, renewed["refresh_token"]).json()["error"] == "invalid_grant"


def test_missing_or_malformed_authorization(sandbox):
    url = f"{sandbox.api_url}/users/me"
    missing = requests.get(url, timeout=TIMEOUT)
    assert missing.status_code == 401
    assert missing.headers["WWW-Authenticate"] == 'Bearer realm="kashoo-sandbox"'
    other_scheme = requests.get(url, headers={"Authorization": "Digest abc"}, timeout=TIMEOUT)
    assert other_scheme.status_code == 401
    assert other_scheme.json()["error"] == "invalid_request"
    assert_invalid_token(
        requests.get(url, headers={"Authorization": "Bearer abc.def.ghi"}, timeout=TIMEOUT)
    )


def test_tampered_or_unsigned_jwts_are_rejected(sandbox):
    tokens = oauth_login(sandbox)
    header, payload, signature = tokens["access_token"].split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["businesses"] = [1001, 1002, 9999]
    forged_payload = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    forged = {"access_token": f"{header}.{forged_payload}.{signature}"}
    assert_invalid_token(api_get(sandbox, forged, "/users/me"))
    unsigned = {"access_token": jwt.encode(claims, key=None, algorithm="none")}
    assert_invalid_token(api_get(sandbox, unsigned, "/users/me"))
    wrong_key = {"access_token": jwt.encode(claims, "x" * 32, algorithm="HS256")}
    assert_invalid_token(api_get(sandbox, wrong_key, "/users/me"))


@pytest.mark.parametrize(
    "scope, path, needed",
    [
        ("company:read", "/businesses/1001/accounts", "accounts:read"),
        ("company:read", "/businesses/1001/taxes", "taxes:read"),
        ("company:read", "/businesses/1001/records", "transactions:read"),
        ("company:read", "/businesses/1001/records/invoices", "transactions:read"),
        ("transactions:read", "/users/me/businesses", "company:read"),
        ("transactions:read", "/businesses/1001", "company:read"),
        ("transactions:read", "/businesses/1001/contacts", "company:read"),
        ("accounts:read", "/businesses/1001/webhooks", "transactions:read"),
    ],
)
def test_scopes_are_enforced_per_endpoint(sandbox, scope, path, needed):
    tokens = sandbox.issue_tokens(scope=scope)
    response = api_get(sandbox, tokens, path)
    assert response.status_code == 403
    assert response.json()["error"] == "insufficient_scope"
    challenge = response.headers["WWW-Authenticate"]
    assert 'error="insufficient_scope"' in challenge and f'scope="{needed}"' in challenge
    assert api_get(sandbox, tokens, "/users/me").status_code == 200  # any scope


def test_scoped_token_reaches_what_it_may(sandbox):
    tokens = sandbox.issue_tokens(scope="transactions:read")
    assert api_get(sandbox, tokens, "/businesses/1001/records").status_code == 200


def test_business_access_is_per_user(sandbox):
    bookkeeper = sandbox.issue_tokens(user="bookkeeper@kashoo.test")
    assert [b["id"] for b in api_get(sandbox, bookkeeper, "/users/me/businesses").json()] == [1002]
    hidden = api_get(sandbox, bookkeeper, "/businesses/1001/records")
    assert hidden.status_code == 404 and hidden.json()["error"] == "not_found"
    assert api_get(sandbox, bookkeeper, "/businesses/1002/records").status_code == 200
    assert api_get(sandbox, bookkeeper, "/businesses/4242").status_code == 404


def test_lapsed_subscription_is_403(sandbox):
    tokens = sandbox.issue_tokens()
    control(sandbox, "PATCH", "/businesses/1001", json={"subscriptionLapsed": True})
    response = api_get(sandbox, tokens, "/businesses/1001/records")
    assert response.status_code == 403 and response.json()["error"] == "forbidden"
    assert api_get(sandbox, tokens, "/businesses/1002/records").status_code == 200


# --- classic mode --------------------------------------------------------------------------------


def test_classic_auth_token_with_basic_credentials(sandbox):
    response = requests.post(
        f"{sandbox.api_url}/authTokens", auth=("demo@kashoo.test", "demo"), timeout=TIMEOUT
    )
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/plain")
    token = response.text
    assert len(token) == 36 and token.count("-") == 4
    headers = {"Authorization": f"TOKEN uuid:{token}"}
    me = requests.get(f"{sandbox.api_url}/users/me", headers=headers, timeout=TIMEOUT)
    assert me.status_code == 200 and me.json()["id"] == 123456
    records = requests.get(
        f"{sandbox.api_url}/businesses/1001/records", headers=headers, timeout=TIMEOUT
    )
    assert records.status_code == 200 and records.json()
    newer_form = {"authenticationCode": token, "expiryDate": 1798789858551, "myUserId": 123456}
    json_header = {"Authorization": f"TOKEN json:{json.dumps(newer_form)}"}
    assert (
        requests.get(
            f"{sandbox.api_url}/users/me", headers=json_header, timeout=TIMEOUT
        ).status_code
        == 200
    )
    broken = requests.get(
        f"{sandbox.api_url}/users/me",
        timeout=TIMEOUT,
        headers={"Authorization": "TOKEN json:{not json"},
    )
    assert broken.status_code == 401 and broken.json()["error"] == "invalid_request"


def test_classic_auth_token_with_form_fields_and_errors(sandbox):
    form = requests.post(
        f"{sandbox.api_url}/authTokens",
        timeout=TIMEOUT,
        data={"email": "demo@kashoo.test", "password": "demo"},
    )
    assert form.status_code == 200
    bad = requests.post(
        f"{sandbox.api_url}/authTokens", auth=("demo@kashoo.test", "nope"), timeout=TIMEOUT
    )
    assert bad.status_code == 401 and "WWW-Authenticate" in bad.headers
    unknown_token = "TOKEN uuid:00000000-0000-0000-0000-000000000000"
    wrong = requests.get(
        f"{sandbox.api_url}/users/me", timeout=TIMEOUT, headers={"Authorization": unknown_token}
    )
    assert wrong.status_code == 401
    assert wrong.headers["WWW-Authenticate"].startswith("TOKEN ")
    control(sandbox, "POST", "/tokens/expire", json={"access_token": form.text})
    expired = requests.get(
        f"{sandbox.api_url}/users/me",
        timeout=TIMEOUT,
        headers={"Authorization": f"TOKEN uuid:{form.text}"},
    )
    assert expired.status_code == 401 and "expired" in expired.headers["WWW-Authenticate"]


def test_control_api_issues_tokens_without_a_browser(sandbox):
    response = control(sandbox, "POST", "/tokens", json={"scope": "company:read"})
    assert response.status_code == 201
    tokens = response.json()
    assert tokens["scope"] == "company:read"
    assert (
        requests.get(
            f"{sandbox.api_url}/users/me/businesses", headers=bearer(tokens), timeout=TIMEOUT
        ).status_code
        == 200
    )
    assert control(sandbox, "POST", "/tokens", json={"client_id": "nope"}).status_code == 400
    assert control(sandbox, "POST", "/tokens", json={"scope": "admin"}).status_code == 400
