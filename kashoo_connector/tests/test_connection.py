from datetime import timedelta
from urllib.parse import urlsplit

import requests

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from .. import utils
from ..demo.sandbox_books import sandbox_request
from ..kashoo_api import KashooAuthRevoked, TokenSet, refresh_tokens, request_classic_token
from .common import allow_management_without_2fa, start_sandbox

PRIMARY_BUSINESS_ID = 1001
PRIMARY_BUSINESS_NAME = "Maple Leaf Supplies Ltd"  # the sandbox's seeded business 1001


@tagged("post_install", "-at_install")
class TestKashooConnection(HttpCase):
    """Authorize, verify and keep tokens fresh against the Kashoo sandbox over real HTTP."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        allow_management_without_2fa(cls.env)
        cls.sandbox = start_sandbox(cls, auto_approve=True, token_lifetime=3600)
        cls.admin = cls.env.ref("base.user_admin")
        cls.backend = cls.env["kashoo.backend"].search([], limit=1) or cls.env[
            "kashoo.backend"
        ].create({"company_id": cls.env.company.id})
        client = cls._sandbox_post(
            "/_sandbox/clients", {"name": "Odoo test", "redirect_uris": [cls.backend.redirect_uri]}
        )
        cls.backend.write(
            {
                "api_url": cls.sandbox.url,
                "client_id": client["client_id"],
                "client_secret": client["client_secret"],
                "kashoo_business_id": PRIMARY_BUSINESS_ID,
            }
        )

    @classmethod
    def _sandbox_post(cls, path, body):
        return sandbox_request(cls.sandbox.url, "POST", path, body)

    def _authorize(self):
        """Click Authorize as admin, let Kashoo consent, and follow its redirect to Odoo."""
        self.authenticate("admin", "admin")
        action = self.backend.with_user(self.admin).action_kashoo_authorize()
        consent = requests.get(action["url"], allow_redirects=False, timeout=10)
        self.assertEqual(consent.status_code, 302, consent.text)
        callback = urlsplit(consent.headers["Location"])
        self.assertEqual(
            f"{callback.scheme}://{callback.netloc}{callback.path}", self.backend.redirect_uri
        )
        return self.url_open(f"{callback.path}?{callback.query}", allow_redirects=False)

    def _tokens(self):
        return self.env["kashoo.oauth.token"]._load(self.backend)

    def _events(self):
        logs = self.env["kashoo.auth.log"].search(
            [("backend_id", "=", self.backend.id)], order="id"
        )
        return [(log.event, log.outcome) for log in logs]

    def test_authorize_then_verify(self):
        response = self._authorize()
        self.assertEqual(response.status_code, 303)
        self.assertIn("action-account.action_account_config", response.headers["Location"])
        self.assertIn("kashoo_auth=success", response.headers["Location"])
        self.assertEqual(self.backend.state, "connected")
        tokens = self._tokens()
        self.assertTrue(tokens.refresh_token)
        self.assertEqual(
            self.backend.token_scope, "transactions:read accounts:read taxes:read company:read"
        )

        self.backend.with_user(self.admin).action_kashoo_verify()
        self.assertEqual(self.backend.kashoo_business_name, PRIMARY_BUSINESS_NAME)
        self.assertEqual(
            self._events(), [("authorize", "success"), ("token", "success"), ("verify", "success")]
        )

    def test_code_cannot_be_replayed(self):
        self.authenticate("admin", "admin")
        action = self.backend.with_user(self.admin).action_kashoo_authorize()
        consent = requests.get(action["url"], allow_redirects=False, timeout=10)
        callback = urlsplit(consent.headers["Location"])
        first = self.url_open(f"{callback.path}?{callback.query}", allow_redirects=False)
        self.assertIn("kashoo_auth=success", first.headers["Location"])
        with mute_logger("odoo.addons.kashoo_connector.controllers.kashoo_oauth", "odoo.http"):
            second = self.url_open(f"{callback.path}?{callback.query}", allow_redirects=False)
        self.assertEqual(second.status_code, 403)

    def test_consent_refused(self):
        self._sandbox_post("/_sandbox/oauth", {"forceError": "access_denied", "count": 1})
        response = self._authorize()
        self.assertIn("kashoo_auth=error", response.headers["Location"])
        self.assertEqual(self.backend.state, "draft")
        self.assertEqual(self._events()[-1], ("callback", "failure"))

    def test_refresh_ahead_of_expiry_rotates_and_keeps_the_refresh_token(self):
        self._authorize()
        before = self._tokens()
        token_row = self.env["kashoo.oauth.token"].search([("backend_id", "=", self.backend.id)])
        token_row.expires_at = fields.Datetime.now() + timedelta(seconds=30)

        with self.backend._kashoo_client() as client:
            business = client.get_business()
        self.assertEqual(business["id"], PRIMARY_BUSINESS_ID)
        after = self._tokens()
        self.assertNotEqual(after.access_token, before.access_token)
        self.assertNotEqual(after.refresh_token, before.refresh_token)
        self.assertEqual(self._events()[-1], ("refresh", "success"))
        log = self.env["kashoo.auth.log"].search([("backend_id", "=", self.backend.id)], limit=1)
        self.assertIn("ahead of expiry", log.message)

    def test_refresh_on_401(self):
        self._authorize()
        before = self._tokens()
        self._sandbox_post("/_sandbox/tokens/expire", {"client_id": self.backend.client_id})
        with self.backend._kashoo_client() as client:
            client.get_business()
        self.assertNotEqual(self._tokens().access_token, before.access_token)
        log = self.env["kashoo.auth.log"].search([("backend_id", "=", self.backend.id)], limit=1)
        self.assertEqual((log.event, log.outcome), ("refresh", "success"))
        self.assertIn("after a 401", log.message)

    def test_refresh_token_reuse_pauses_the_backend_and_tells_administrators(self):
        self._authorize()
        stolen = self._tokens()
        # Someone else spends the refresh token first: ours becomes a replay.
        refresh_tokens(
            self.sandbox.url + "/oauth/token",
            stolen.refresh_token,
            self.backend.client_id,
            self._client_secret(),
            timeout=10,
        )
        token_row = self.env["kashoo.oauth.token"].search([("backend_id", "=", self.backend.id)])
        token_row.expires_at = fields.Datetime.now()

        self._assert_refused_without_rollback()
        self.assertEqual(self.backend.state, "reauthorize")
        self.assertEqual(self._events()[-1], ("refresh", "failure"))
        activity = self.backend.activity_ids.filtered(lambda a: a.user_id == self.admin)
        self.assertIn("authorized again", activity.summary)

        # No retry loop: a paused backend does not ask Kashoo again.
        refresh_count = self._events().count(("refresh", "failure"))
        self._assert_refused_without_rollback()
        self.assertEqual(self._events().count(("refresh", "failure")), refresh_count)

        # Authorizing again resumes.
        self._authorize()
        self.assertEqual(self.backend.state, "connected")

    def test_verify_explains_each_failure(self):
        self._authorize()
        backend = self.backend.with_user(self.admin)
        backend.kashoo_business_id = 999999
        with self.assertRaisesRegex(UserError, "does not know business 999999"):
            backend.action_kashoo_verify()

        backend.kashoo_business_id = PRIMARY_BUSINESS_ID
        narrow = self._sandbox_post(
            "/_sandbox/tokens", {"client_id": backend.client_id, "scope": "accounts:read"}
        )
        self.env["kashoo.oauth.token"]._save(
            backend,
            TokenSet(
                access_token=narrow["access_token"],
                refresh_token=narrow["refresh_token"],
                expires_at=None,
            ),
        )
        with self.assertRaisesRegex(UserError, "forbidden"):
            backend.action_kashoo_verify()

        self._sandbox_post("/_sandbox/tokens/revoke", {"client_id": backend.client_id})
        with self.assertRaisesRegex(UserError, "unauthorized"):
            backend.action_kashoo_verify()

        backend.api_url = "http://127.0.0.1:9"
        # Moving the connection forgot the tokens; give it some to reach the dead port with.
        self.env["kashoo.oauth.token"]._save(backend, TokenSet(access_token="token-for-port-9"))
        backend.write({"state": "connected"})
        with self.assertRaisesRegex(UserError, "unreachable"):
            backend.action_kashoo_verify()

    def test_classic_token_mode(self):
        requests.delete(self.sandbox.url + "/_sandbox/requests", timeout=10)
        token = request_classic_token(
            self.sandbox.url + "/api/authTokens", "demo@kashoo.test", "demo", timeout=10
        )
        backend = self.backend.with_user(self.admin)
        backend.write({"auth_mode": "classic", "classic_token": token})
        backend.action_kashoo_verify()
        self.assertEqual(backend.state, "connected")
        self.assertEqual(backend.kashoo_business_name, PRIMARY_BUSINESS_NAME)
        recent = requests.get(self.sandbox.url + "/_sandbox/requests", timeout=10).json()
        schemes = {
            entry["headers"].get("Authorization")
            for entry in recent
            if entry["path"].startswith("/api/businesses/")
        }
        self.assertEqual(schemes, {"TOKEN [redacted]"})

    def _assert_refused_without_rollback(self):
        # Not self.assertRaises: Odoo's version rolls back to a savepoint, and what must
        # survive the failed call (paused state, audit log, activity) would vanish with it.
        try:
            with self.backend._kashoo_client() as client:
                client.get_business()
        except KashooAuthRevoked:
            return
        self.fail("Kashoo accepted a call that should have been refused")

    def _client_secret(self):
        return utils.decrypt_secret(self.env, self.backend.sudo().client_secret_encrypted)


@tagged("post_install", "-at_install")
class TestConnectTour(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        allow_management_without_2fa(cls.env)
        cls.sandbox = start_sandbox(cls, auto_approve=True)
        cls.env["kashoo.backend"].search([]).unlink()
        cls.env["ir.config_parameter"].set_param("kashoo.api.url", cls.sandbox.url)
        redirect_uri = cls.env["kashoo.backend"].new({}).redirect_uri
        requests.post(
            cls.sandbox.url + "/_sandbox/clients",
            timeout=10.0,
            json={
                "name": "Odoo tour",
                "redirect_uris": [redirect_uri],
                "client_id": "odoo-tour-client",
                "client_secret": "tour-client-secret-value",
            },
        ).raise_for_status()

    def test_administrator_connects_from_settings(self):
        self.start_tour(
            "/odoo/action-account.action_account_config", "kashoo_connect_tour", login="admin"
        )
        backend = self.env["kashoo.backend"]._get_for_company(self.env.company)
        self.assertEqual(backend.state, "connected")
        self.assertEqual(backend.client_id, "odoo-tour-client")
        self.assertEqual(backend.kashoo_business_name, PRIMARY_BUSINESS_NAME)
        self.assertEqual(backend.api_url, self.sandbox.url)
