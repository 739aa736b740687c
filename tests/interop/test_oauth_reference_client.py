"""The sandbox's OAuth 2.0 server driven by a third-party client (Authlib), not by our own code.

If a standard client completes the authorization-code flow with PKCE, refreshes and calls the
API, the sandbox behaves like an RFC 6749 / 7636 / 6750 server, and our client is tested
against a server that standard clients agree with.
"""

import secrets
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from authlib.integrations.requests_client import OAuth2Session

from kashoo_sandbox import SandboxServer

REDIRECT_URI = "http://127.0.0.1:8069/kashoo/auth/callback"
SCOPE = "transactions:read accounts:read taxes:read company:read"


@pytest.fixture
def sandbox():
    with SandboxServer(seed=3, size=20, rate_limit=0, auto_approve=True) as server:
        yield server


@pytest.fixture
def client(sandbox):
    registration = requests.post(
        sandbox.url + "/_sandbox/clients",
        timeout=10,
        json={"name": "Authlib reference client", "redirect_uris": [REDIRECT_URI]},
    ).json()
    session = OAuth2Session(
        registration["client_id"],
        registration["client_secret"],
        scope=SCOPE,
        redirect_uri=REDIRECT_URI,
        code_challenge_method="S256",
        token_endpoint_auth_method="client_secret_basic",
    )
    yield session
    session.close()


def _authorize(sandbox, client, code_verifier):
    url, state = client.create_authorization_url(
        sandbox.url + "/oauth/authorize", code_verifier=code_verifier
    )
    consent = requests.get(url, allow_redirects=False, timeout=10)
    assert consent.status_code == 302
    callback = consent.headers["Location"]
    assert callback.startswith(REDIRECT_URI)
    assert parse_qs(urlsplit(callback).query)["state"] == [state]
    return callback


def test_code_flow_with_pkce_refresh_and_api_call(sandbox, client):
    code_verifier = secrets.token_urlsafe(48)
    callback = _authorize(sandbox, client, code_verifier)
    token = client.fetch_token(
        sandbox.url + "/oauth/token",
        authorization_response=callback,
        code_verifier=code_verifier,
        timeout=10,
    )
    assert token["token_type"].lower() == "bearer"
    assert set(token["scope"].split()) == set(SCOPE.split())

    me = client.get(sandbox.url + "/api/users/me", timeout=10)
    assert me.status_code == 200 and me.json()["id"]
    businesses = client.get(sandbox.url + "/api/users/me/businesses", timeout=10).json()
    assert 1001 in [business["id"] for business in businesses]

    first_refresh_token = token["refresh_token"]
    renewed = client.refresh_token(sandbox.url + "/oauth/token", timeout=10)
    assert renewed["refresh_token"] != first_refresh_token
    assert client.get(sandbox.url + "/api/businesses/1001", timeout=10).status_code == 200


def test_wrong_code_verifier_is_refused(sandbox, client):
    callback = _authorize(sandbox, client, secrets.token_urlsafe(48))
    with pytest.raises(Exception) as refused:
        client.fetch_token(
            sandbox.url + "/oauth/token",
            authorization_response=callback,
            code_verifier=secrets.token_urlsafe(48),
            timeout=10,
        )
    assert "invalid_grant" in str(refused.value)


def test_bearer_errors_follow_rfc_6750(sandbox):
    response = requests.get(
        sandbox.url + "/api/users/me", timeout=10, headers={"Authorization": "Bearer not-a-token"}
    )
    assert response.status_code == 401
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]
