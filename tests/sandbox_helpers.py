"""Helpers of the pytest suites that talk to a Kashoo sandbox (HTTP calls, OAuth flow, webhook
receiver): the sandbox's own tests, the integration tests and the end-to-end tests."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import requests

from kashoo_sandbox import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_REDIRECT_URIS, SandboxServer

TIMEOUT = 5  # seconds, for every request the tests make
REPO_ROOT = Path(__file__).resolve().parents[1]


def bearer(tokens: dict) -> dict:
    return {"Authorization": f"Bearer {tokens['access_token']}"}


def control(
    server: SandboxServer, method: str, path: str, timeout: float = TIMEOUT, **kwargs
) -> requests.Response:
    """Call the sandbox's control API, ``/_sandbox{path}``, whatever the answer."""
    return requests.request(method, f"{server.url}/_sandbox{path}", timeout=timeout, **kwargs)


def create_transfer(server: SandboxServer, amount: int, date: str) -> requests.Response:
    """Create a transfer between two seeded accounts of business 1001 (one record, one event)."""
    spec = {
        "businessId": 1001,
        "type": "transfer",
        "date": date,
        "fromAccount": 2001,
        "toAccount": 2002,
        "amount": amount,
    }
    return control(server, "POST", "/records", json=spec)


def control_json(server: SandboxServer, method: str, path: str, **kwargs):
    """Call the control API where it must succeed; its JSON answer, None when empty."""
    response = control(server, method, path, **kwargs)
    assert response.status_code < 300, response.text
    return response.json() if response.content else None


def api_get(server: SandboxServer, tokens: dict, path: str, **params) -> requests.Response:
    return requests.get(
        f"{server.api_url}{path}", headers=bearer(tokens), params=params, timeout=TIMEOUT
    )


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def authorize_params(
    challenge: str,
    state: str = "state-123",
    scope: str | None = None,
    client_id: str = DEMO_CLIENT_ID,
    redirect_uri: str = DEMO_REDIRECT_URIS[0],
) -> dict:
    params = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": redirect_uri,
        "state": state,
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    if scope is not None:
        params["scope"] = scope
    return params


def redirect_query(response: requests.Response) -> dict:
    assert response.status_code == 302, response.text
    return {k: v[0] for k, v in parse_qs(urlparse(response.headers["Location"]).query).items()}


def approve(
    server: SandboxServer, params: dict, email: str = "demo@kashoo.test", password: str = "demo"
) -> requests.Response:
    """Submit the consent form the way a browser would."""
    return requests.post(
        f"{server.url}/oauth/authorize",
        data={**params, "email": email, "password": password, "decision": "approve"},
        allow_redirects=False,
        timeout=TIMEOUT,
    )


def exchange_code(
    server: SandboxServer,
    code: str,
    verifier: str,
    redirect_uri: str = DEMO_REDIRECT_URIS[0],
    client: tuple[str, str] = (DEMO_CLIENT_ID, DEMO_CLIENT_SECRET),
):
    return requests.post(
        f"{server.url}/oauth/token",
        auth=client,
        timeout=TIMEOUT,
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "code_verifier": verifier,
        },
    )


def oauth_login(server: SandboxServer, scope: str | None = None) -> dict:
    """The whole code + PKCE flow through the consent form; returns the token response."""
    verifier, challenge = pkce_pair()
    params = authorize_params(challenge, scope=scope)
    code = redirect_query(approve(server, params))["code"]
    response = exchange_code(server, code, verifier)
    assert response.status_code == 200, response.text
    return response.json()


def wait_until(predicate, timeout: float = 5.0, interval: float = 0.02):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError("condition not met in time")


class WebhookReceiver:
    """A tiny threaded HTTP server that records requests and answers scripted statuses."""

    def __init__(self):
        self.requests: list[dict] = []
        self.responses: list[tuple[int, dict, float]] = []  # consumed in order
        self.default = (204, {}, 0.0)
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                body = self.rfile.read(length)
                with receiver._lock:
                    receiver.requests.append(
                        {
                            "headers": {k.lower(): v for k, v in self.headers.items()},
                            "body": body,
                            "received": time.monotonic(),
                            "path": self.path,
                        }
                    )
                    status, headers, delay = (
                        receiver.responses.pop(0) if receiver.responses else receiver.default
                    )
                if delay:
                    time.sleep(delay)
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.02,), daemon=True
        )
        self._thread.start()
        self.url = f"http://127.0.0.1:{self._server.server_port}/kashoo/webhook/transaction"

    def script(self, *statuses, headers: dict | None = None, delay: float = 0.0) -> None:
        with self._lock:
            self.responses.extend((s, headers or {}, delay) for s in statuses)

    def wait_for(self, count: int, timeout: float = 5.0) -> list[dict]:
        wait_until(lambda: len(self.requests) >= count, timeout)
        with self._lock:
            return list(self.requests)

    def events(self) -> list[dict]:
        with self._lock:
            return [json.loads(r["body"]) for r in self.requests]

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
