import base64
import hashlib
import http.server
import json
import logging
import os
import threading
import time
from unittest.mock import patch
from urllib.parse import urlencode

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import mute_logger

from .. import utils
from ..controllers.kashoo_oauth import KashooOAuthController
from ..kashoo_api import SecretBox, TokenSet, generate_key
from .common import KashooCommon, allow_management_without_2fa

OLD_ACCESS = "old-access-7c1f9e2b"
OLD_REFRESH = "old-refresh-3a8d5c0e"
BACKEND_LOGGER = "odoo.addons.kashoo_connector.models.connection.kashoo_backend"

#: A change of each field that says where the tokens go.
REDIRECTIONS = {
    "api_url": "https://evil.example",
    "api_prefix": "/evil",
    "api_version": "v9",
    "auth_mode": "classic",
    "client_id": "attacker-client",
    "kashoo_business_id": 666,
}


def _pin(data):
    return base64.b64encode(hashlib.sha256(data).digest()).decode("ascii")


class _Listener:
    """A plain HTTP server on 127.0.0.1 that records every request and answers like Kashoo."""

    def __init__(self):
        self.requests = []
        listener = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def _answer(self):
                length = int(self.headers.get("Content-Length") or 0)
                listener.requests.append(
                    {
                        "line": self.requestline,
                        "headers": dict(self.headers),
                        "body": self.rfile.read(length).decode("utf-8", "replace"),
                    }
                )
                body = json.dumps(
                    {"id": 1001, "name": "Listener", "access_token": "x", "expires_in": 3600}
                ).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = _answer  # noqa: N815

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc_info):
        self.httpd.shutdown()
        self.httpd.server_close()


@tagged("post_install", "-at_install")
class TestConnectionFields(KashooCommon):
    """Where the connection points is a system administrator's decision, checked on the
    server, and plain http is refused except on this machine."""

    def test_a_manager_cannot_redirect_the_connection(self):
        backend = self.backend.with_user(self.kashoo_manager)
        before = {name: self.backend[name] for name in REDIRECTIONS}
        for name, value in REDIRECTIONS.items():
            with self.subTest(field=name), self.assertRaises(AccessError):
                backend.write({name: value})
        self.assertEqual({name: self.backend[name] for name in REDIRECTIONS}, before)
        with self.assertRaises(AccessError):
            backend.write({"tls_spki_pins": _pin(b"attacker key")})

    def test_a_manager_keeps_the_other_settings_and_may_resend_unchanged_values(self):
        backend = self.backend.with_user(self.kashoo_manager)
        backend.write({"name": "Renamed", "api_url": self.backend.api_url, "api_prefix": "/api"})
        self.assertEqual(self.backend.name, "Renamed")

    def test_a_manager_creates_backends_only_with_the_default_connection(self):
        backends = self.env["kashoo.backend"].with_user(self.kashoo_manager)
        with self.assertRaises(AccessError):
            backends.create(
                {"company_id": self.other_company.id, "api_url": "https://evil.example"}
            )
        created = backends.create({"company_id": self.other_company.id})
        self.assertEqual(created.api_url, self.backend.api_url)

    def test_plain_http_only_for_this_machine(self):
        for url in (
            "http://evil.example",
            "http://127.0.0.1.evil.example",
            "http://localhost.evil.example:8075",
            "http://10.1.2.3:8075",
            "https://user:password@api.kashoo.com",
        ):
            with self.subTest(url=url), self.assertRaises(ValidationError):
                self.backend.write({"api_url": url})
        for url in (
            "http://127.0.0.1:8075",
            "http://127.8.9.1",
            "http://localhost:8075",
            "http://[::1]:8075",
            "https://api.kashoo.com",
        ):
            with self.subTest(url=url):
                self.backend.write({"api_url": url})
                self.assertEqual(self.backend.api_url, url)

    def test_pins_must_be_sha256_hashes(self):
        with self.assertRaises(ValidationError):
            self.backend.write({"tls_spki_pins": "not-a-pin"})
        pins = f"{_pin(b'key one')}, {_pin(b'key two')}"
        self.backend.write({"tls_spki_pins": pins})
        self.assertEqual(self.backend._kashoo_tls_pins(), [_pin(b"key one"), _pin(b"key two")])
        with self.backend._kashoo_client() as client:
            adapter = client._session.get_adapter("https://api.kashoo.com")
            self.assertEqual(adapter.ssl_context.sslsocket_class.__name__, "PinnedSSLSocket")


@tagged("post_install", "-at_install")
class TestConnectionRedirect(KashooCommon):
    """Pointing the connection elsewhere forgets the tokens of the old endpoint."""

    def _authorized(self):
        self.backend.write(
            {
                "api_url": "http://127.0.0.1:9",
                "client_id": "odoo-test",
                "client_secret": "client-secret-5d1e",
                "kashoo_business_id": 1001,
            }
        )
        self.env["kashoo.oauth.token"]._save(
            self.backend,
            TokenSet(
                access_token=OLD_ACCESS, refresh_token=OLD_REFRESH, expires_at=time.time() + 3600
            ),
        )
        self.backend.write({"state": "connected"})

    def test_a_new_url_drops_the_tokens_and_none_reaches_the_new_host(self):
        self._authorized()
        admin = self.env.ref("base.user_admin")
        with _Listener() as listener:
            self.backend.with_user(admin).write({"api_url": listener.url})
            self.assertEqual(self.backend.state, "reauthorize")
            self.assertFalse(self.backend.has_tokens)
            log = self.backend.auth_log_ids[:1]
            self.assertEqual((log.event, log.outcome), ("reconfigure", "success"))
            self.assertIn("API URL", log.message)
            self.assertIn("stored tokens were removed", self.backend.message_ids[0].body)
            with mute_logger(BACKEND_LOGGER), self.assertRaises(UserError):
                self.backend.with_user(admin).action_kashoo_verify()
        for request in listener.requests:
            self.assertNotIn("Authorization", request["headers"])
            seen = json.dumps(request)
            self.assertNotIn(OLD_ACCESS, seen)
            self.assertNotIn(OLD_REFRESH, seen)

    def test_every_redirection_drops_the_tokens(self):
        for name, value in REDIRECTIONS.items():
            if name == "kashoo_business_id":
                continue
            with self.subTest(field=name):
                self._authorized()
                self.backend.write({name: value})
                self.assertEqual(self.backend.state, "reauthorize")
                self.assertFalse(self.backend.has_tokens)
                self.backend.write({name: self.backend.default_get([name]).get(name) or False})

    def test_the_business_id_and_other_settings_keep_the_authorization(self):
        # Same server, same authorization: Kashoo decides which businesses it reaches.
        self._authorized()
        self.backend.write({"kashoo_business_id": 1002, "name": "Renamed"})
        self.assertEqual(self.backend.state, "connected")
        self.assertTrue(self.backend.has_tokens)

    def test_the_classic_token_is_dropped_too_unless_a_new_one_is_given(self):
        self.backend.write({"auth_mode": "classic", "classic_token": "classic-old-1"})
        self.backend.write({"api_prefix": "/other"})
        self.assertFalse(self.backend.sudo().classic_token_encrypted)
        self.assertEqual(self.backend.state, "reauthorize")
        self.backend.write({"api_prefix": "/api", "classic_token": "classic-new-2"})
        stored = self.backend.sudo().classic_token_encrypted
        self.assertEqual(utils.decrypt_secret(self.env, stored), "classic-new-2")


@tagged("post_install", "-at_install")
class TestSecretReencryption(KashooCommon):
    """Re-encrypting with the first key lets an old key be removed from the configuration."""

    def test_reencrypted_secrets_decrypt_with_the_new_key_alone(self):
        key_a, key_b = generate_key(), generate_key()
        with patch.dict(os.environ, {utils.ENCRYPTION_KEY_ENV: key_a}):
            box_a = SecretBox(key_a)
            self.backend.write({"client_id": "odoo-test", "client_secret": "client-secret-A"})
            self.backend.sudo().write(
                {
                    "classic_token_encrypted": box_a.encrypt("classic-A"),
                    "webhook_secret_encrypted": box_a.encrypt("whsec_current-A"),
                    "webhook_secret_previous_encrypted": box_a.encrypt("whsec_previous-A"),
                }
            )
            self.env["kashoo.oauth.token"]._save(
                self.backend, TokenSet(access_token="access-A", refresh_token="refresh-A")
            )
            self.backend.action_kashoo_authorize()  # stores an encrypted PKCE verifier
            verifier = (
                self.env["kashoo.oauth.state"]
                .search([("backend_id", "=", self.backend.id)])
                ._code_verifier()
            )
        expected = {
            "client_secret_encrypted": "client-secret-A",
            "classic_token_encrypted": "classic-A",
            "webhook_secret_encrypted": "whsec_current-A",
            "webhook_secret_previous_encrypted": "whsec_previous-A",
        }
        with patch.dict(os.environ, {utils.ENCRYPTION_KEY_ENV: f"{key_b},{key_a}"}):
            action = self.backend.action_kashoo_reencrypt_secrets()
        self.assertEqual(action["params"]["type"], "success")
        with patch.dict(os.environ, {utils.ENCRYPTION_KEY_ENV: key_b}):
            backend_sudo = self.backend.sudo()
            for column, plaintext in expected.items():
                self.assertEqual(utils.decrypt_secret(self.env, backend_sudo[column]), plaintext)
            tokens = self.env["kashoo.oauth.token"]._load(self.backend)
            self.assertEqual((tokens.access_token, tokens.refresh_token), ("access-A", "refresh-A"))
            state = self.env["kashoo.oauth.state"].search([("backend_id", "=", self.backend.id)])
            self.assertEqual(state._code_verifier(), verifier)

    def test_only_system_administrators_reencrypt(self):
        with self.assertRaises(UserError):
            self.backend.with_user(self.kashoo_manager).action_kashoo_reencrypt_secrets()

    def test_an_undecryptable_secret_stops_everything(self):
        self.backend.write({"client_secret": "client-secret-A"})
        stored = self.backend.sudo().client_secret_encrypted
        self.backend.sudo().classic_token_encrypted = SecretBox(generate_key()).encrypt("lost")
        with self.assertRaises(UserError):
            self.backend.action_kashoo_reencrypt_secrets()
        self.assertEqual(self.backend.sudo().client_secret_encrypted, stored)


@tagged("post_install", "-at_install")
class TestConnectionOverRpc(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        allow_management_without_2fa(cls.env)
        cls.backend = cls.env["kashoo.backend"].search([], limit=1) or cls.env[
            "kashoo.backend"
        ].create({"company_id": cls.env.company.id})
        cls.manager = new_test_user(
            cls.env, "rpc_kashoo_manager", groups="kashoo_connector.kashoo_connector_group_manager"
        )

    def _call_kw(self, method, args):
        return self.url_open(
            f"/web/dataset/call_kw/kashoo.backend/{method}",
            data=json.dumps(
                {
                    "jsonrpc": "2.0",
                    "method": "call",
                    "params": {
                        "model": "kashoo.backend",
                        "method": method,
                        "args": args,
                        "kwargs": {},
                    },
                }
            ),
            headers={"Content-Type": "application/json"},
        ).json()

    @mute_logger("odoo.http")
    def test_a_manager_cannot_redirect_the_connection_over_json_rpc(self):
        url_before = self.backend.api_url
        self.authenticate("rpc_kashoo_manager", "rpc_kashoo_manager")
        for name, value in REDIRECTIONS.items():
            with self.subTest(field=name):
                answer = self._call_kw("write", [[self.backend.id], {name: value}])
                self.assertEqual(answer["error"]["data"]["name"], "odoo.exceptions.AccessError")
        self.assertIn("result", self._call_kw("write", [[self.backend.id], {"name": "Renamed"}]))
        self.backend.invalidate_recordset()
        self.assertEqual(self.backend.api_url, url_before)

    def test_the_callback_code_and_state_stay_out_of_the_access_log(self):
        self.authenticate("admin", "admin")
        code, state = "authcode-9f3b7a1c", "state-value-2e6d4b8a"
        query = urlencode({"code": code, "state": state})
        with (
            mute_logger("odoo.addons.kashoo_connector.controllers.kashoo_oauth", "odoo.http"),
            self.assertLogs("werkzeug", logging.INFO) as logs,
        ):
            response = self.url_open(
                f"{KashooOAuthController._callback_url}?{query}",
                allow_redirects=False,
            )
        self.assertEqual(response.status_code, 403)
        lines = [record.getMessage() for record in logs.records]
        self.assertTrue(any(KashooOAuthController._callback_url in line for line in lines), lines)
        for line in lines:
            self.assertNotIn(code, line)
            self.assertNotIn(state, line)
