import json

from odoo.tests import HttpCase, tagged

from .common import allow_management_without_2fa


@tagged("post_install", "-at_install")
class TestSettings(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        allow_management_without_2fa(cls.env)
        # Start from a company with no connection, as an administrator meets it after install.
        cls.env["kashoo.backend"].search([]).unlink()

    def _settings_form_arch(self, login):
        self.authenticate(login, login)
        response = self.url_open(
            "/web/dataset/call_kw/res.config.settings/get_views",
            data=self._json_rpc("res.config.settings", "get_views", [[[False, "form"]]]),
            headers={"Content-Type": "application/json"},
        )
        response.raise_for_status()
        return response.json()["result"]["views"]["form"]["arch"]

    @staticmethod
    def _json_rpc(model, method, args):
        return json.dumps(
            {
                "jsonrpc": "2.0",
                "method": "call",
                "params": {"model": model, "method": method, "args": args, "kwargs": {}},
            }
        )

    def test_settings_page_has_the_kashoo_block_for_administrators(self):
        arch = self._settings_form_arch("admin")
        self.assertIn('id="kashoo_integration"', arch)
        self.assertIn("Kashoo Integration", arch)
        self.assertIn('name="action_kashoo_open_backend"', arch)

    def test_settings_button_creates_then_opens_the_company_backend(self):
        self.assertFalse(self.env["kashoo.backend"]._get_for_company(self.env.company))
        settings = self.env["res.config.settings"].create({})
        action = settings.action_kashoo_open_backend()
        backend = self.env["kashoo.backend"].browse(action["res_id"])
        self.assertEqual(backend.company_id, self.env.company)
        again = self.env["res.config.settings"].create({}).action_kashoo_open_backend()
        self.assertEqual(again["res_id"], backend.id)

    def test_settings_tour(self):
        self.start_tour("/odoo", "kashoo_settings_tour", login="admin")
        backend = self.env["kashoo.backend"]._get_for_company(self.env.company)
        self.assertEqual(backend.name, "Kashoo - Tour Company")
