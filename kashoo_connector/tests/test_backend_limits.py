import json

from odoo.exceptions import AccessError, ValidationError
from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from .common import KashooCommon, add_role_users


@tagged("post_install", "-at_install")
class TestKashooBackendLimits(KashooCommon):
    """The rotation window is bounded, and only Kashoo Managers trigger a sync."""

    def test_rotation_window_is_bounded(self):
        for hours in (0, 24, 168):
            self.backend.webhook_rotation_hours = hours
        for hours in (-1, 169, 10**6):
            with self.subTest(hours=hours), self.assertRaises(ValidationError):
                self.backend.webhook_rotation_hours = hours
                self.backend.flush_recordset()
        with self.assertRaises(ValidationError):
            self.env["kashoo.backend"].create(
                {"company_id": self.other_company.id, "webhook_rotation_hours": 100000}
            )

    def test_sync_now_is_for_managers(self):
        backend = self.backend.with_user(self.accountant)
        with self.assertRaises(AccessError):
            backend.action_kashoo_sync_now()
        self.backend.with_user(self.kashoo_manager).action_kashoo_sync_now()
        arch = (
            self.env["kashoo.backend"]
            .with_user(self.accountant)
            .get_views([(False, "form")])["views"]["form"]["arch"]
        )
        self.assertNotIn("action_kashoo_sync_now", arch)


@tagged("post_install", "-at_install")
class TestKashooSyncNowOverRpc(HttpCase):
    """Sync Now called over JSON-RPC by a Kashoo User (not a Manager) is refused."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        cls.other_company = cls.env["res.company"].create({"name": "Other Sync Now Company"})
        add_role_users(cls, "syncnow")
        cls.backend = cls.env["kashoo.backend"]._get_for_company(cls.company) or cls.env[
            "kashoo.backend"
        ].create({"company_id": cls.company.id})

    def _call(self, login):
        self.authenticate(login, login)
        response = self.url_open(
            "/web/dataset/call_kw/kashoo.backend/action_kashoo_sync_now",
            data=json.dumps(
                {
                    "jsonrpc": "2.0",
                    "method": "call",
                    "params": {
                        "model": "kashoo.backend",
                        "method": "action_kashoo_sync_now",
                        "args": [[self.backend.id]],
                        "kwargs": {},
                    },
                }
            ),
            headers={"Content-Type": "application/json"},
        )
        self.assertEqual(response.status_code, 200)
        return response.json()

    def test_user_cannot_sync_now_over_rpc(self):
        fetch = self.env.ref("kashoo_connector.ir_cron_kashoo_fetch")
        self.env["ir.cron.trigger"].search([("cron_id", "=", fetch.id)]).unlink()
        with mute_logger("odoo.http"):
            answer = self._call(self.accountant.login)
        self.assertEqual(answer["error"]["data"]["name"], "odoo.exceptions.AccessError")
        self.assertFalse(self.env["ir.cron.trigger"].search([("cron_id", "=", fetch.id)]))
        answer = self._call(self.kashoo_manager.login)
        self.assertNotIn("error", answer)
        self.assertTrue(self.env["ir.cron.trigger"].search([("cron_id", "=", fetch.id)]))
