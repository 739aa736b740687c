from datetime import timedelta
from urllib.parse import parse_qs, urlencode, urlsplit

from odoo import fields
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import mute_logger

from ..controllers.kashoo_oauth import KashooOAuthController
from .common import allow_management_without_2fa


@tagged("post_install", "-at_install")
class TestOAuthCallbackRejections(HttpCase):
    """Every way the callback refuses to finish an authorization, without reaching Kashoo."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        allow_management_without_2fa(cls.env)
        cls.backend = cls.env["kashoo.backend"].search([], limit=1) or cls.env[
            "kashoo.backend"
        ].create({"company_id": cls.env.company.id})
        cls.backend.write(
            {
                "client_id": "odoo-test",
                "client_secret": "test-secret",
                "api_url": "http://127.0.0.1:9",
            }
        )
        cls.other_admin = new_test_user(cls.env, "other_admin", groups="base.group_system")

    def _start_authorization(self):
        """Return the state the Authorize button put in Kashoo's URL, as admin."""
        action = self.backend.with_user(self.env.ref("base.user_admin")).action_kashoo_authorize()
        return parse_qs(urlsplit(action["url"]).query)["state"][0]

    def _callback(self, **params):
        return self.url_open(
            f"{KashooOAuthController._callback_url}?{urlencode(params)}", allow_redirects=False
        )

    def _last_log(self):
        return self.env["kashoo.auth.log"].search([("backend_id", "=", self.backend.id)], limit=1)

    def test_authorize_url_carries_pkce_and_state(self):
        action = self.backend.action_kashoo_authorize()
        query = parse_qs(urlsplit(action["url"]).query)
        self.assertEqual(query["code_challenge_method"], ["S256"])
        self.assertEqual(query["redirect_uri"], [self.backend.redirect_uri])
        self.assertTrue(self.backend.redirect_uri.endswith("/kashoo/auth/callback"))
        self.assertEqual(
            query["scope"], ["transactions:read accounts:read taxes:read company:read"]
        )
        self.assertGreaterEqual(len(query["state"][0]), 32)

    @mute_logger("odoo.addons.kashoo_connector.controllers.kashoo_oauth", "odoo.http")
    def test_missing_state(self):
        self.authenticate("admin", "admin")
        self.assertEqual(self._callback(code="abc").status_code, 403)

    @mute_logger("odoo.addons.kashoo_connector.controllers.kashoo_oauth", "odoo.http")
    def test_forged_state(self):
        self._start_authorization()
        self.authenticate("admin", "admin")
        with self.assertLogs(
            "odoo.addons.kashoo_connector.controllers.kashoo_oauth", "WARNING"
        ) as logs:
            response = self._callback(code="abc", state="forged-state-value")
        self.assertEqual(response.status_code, 403)
        self.assertIn("unknown state", logs.output[0])

    @mute_logger("odoo.addons.kashoo_connector.controllers.kashoo_oauth", "odoo.http")
    def test_reused_state(self):
        state = self._start_authorization()
        self.authenticate("admin", "admin")
        first = self._callback(error="access_denied", state=state)
        self.assertEqual(first.status_code, 303)
        second = self._callback(code="abc", state=state)
        self.assertEqual(second.status_code, 403)
        self.assertEqual(self._last_log().outcome, "rejected")
        self.assertIn("reused", self._last_log().message)

    @mute_logger("odoo.addons.kashoo_connector.controllers.kashoo_oauth", "odoo.http")
    def test_expired_state(self):
        state = self._start_authorization()
        self.env["kashoo.oauth.state"].search([]).write(
            {"expires_at": fields.Datetime.now() - timedelta(seconds=1)}
        )
        self.authenticate("admin", "admin")
        self.assertEqual(self._callback(code="abc", state=state).status_code, 403)
        self.assertIn("expired", self._last_log().message)

    @mute_logger("odoo.addons.kashoo_connector.controllers.kashoo_oauth", "odoo.http")
    def test_state_of_another_user(self):
        state = self._start_authorization()
        self.authenticate("other_admin", "other_admin")
        self.assertEqual(self._callback(code="abc", state=state).status_code, 403)
        self.assertIn("other_user", self._last_log().message)

    @mute_logger("odoo.addons.kashoo_connector.controllers.kashoo_oauth", "odoo.http")
    def test_another_user_cannot_burn_an_administrators_authorization(self):
        state = self._start_authorization()
        self.authenticate("other_admin", "other_admin")
        self.assertEqual(self._callback(code="abc", state=state).status_code, 403)
        self.assertFalse(self.env["kashoo.oauth.state"].search([]).used)
        # The administrator who started it can still finish it.
        self.authenticate("admin", "admin")
        response = self._callback(error="access_denied", state=state)
        self.assertEqual(response.status_code, 303)
        self.assertEqual(self._last_log().outcome, "failure")

    def test_callback_requires_a_session(self):
        state = self._start_authorization()
        response = self._callback(code="abc", state=state)
        self.assertEqual(response.status_code, 303)
        self.assertIn("/web/login", response.headers["Location"])
        self.assertFalse(self.env["kashoo.oauth.state"].search([]).used)

    def test_error_response_is_explained(self):
        state = self._start_authorization()
        self.authenticate("admin", "admin")
        response = self._callback(
            error="access_denied", error_description="User said no", state=state
        )
        self.assertEqual(response.status_code, 303)
        self.assertIn("kashoo_auth=error", response.headers["Location"])
        self.assertEqual(self.backend.state, "draft")
        log = self._last_log()
        self.assertEqual((log.event, log.outcome), ("callback", "failure"))
        self.assertIn("access_denied: User said no", log.message)
        self.assertIn("Access was declined", self.backend.message_ids[0].body)

    def test_non_administrators_cannot_start_authorization(self):
        manager = new_test_user(
            self.env, "kashoo_mgr_only", groups="kashoo_connector.kashoo_connector_group_manager"
        )
        with self.assertRaisesRegex(Exception, "Only administrators"):
            self.backend.with_user(manager).action_kashoo_authorize()
