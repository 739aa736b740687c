from unittest.mock import patch

from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tests.common import JsonRpcException
from odoo.tools import mute_logger

from .. import const

PASSWORD = "kashoo-2fa-test-password"


@tagged("post_install", "-at_install")
class TestKashooTwoFactor(HttpCase):
    """Managing the integration over the web client's JSON-RPC asks for two-factor
    authentication; reviewing the quarantine does not."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        cls.backend = cls.env["kashoo.backend"]._get_for_company(cls.company) or cls.env[
            "kashoo.backend"
        ].create({"company_id": cls.company.id})
        groups = (
            "base.group_user,account.group_account_manager,"
            "kashoo_connector.kashoo_connector_group_user,"
            "kashoo_connector.kashoo_connector_group_manager"
        )
        cls.manager = new_test_user(cls.env, "kashoo_2fa_manager", password=PASSWORD, groups=groups)
        cls.protected_manager = new_test_user(
            cls.env, "kashoo_2fa_protected", password=PASSWORD, groups=groups
        )
        cls.env["ir.config_parameter"].sudo().set_param(const.PARAM_REQUIRE_2FA, "True")

    def _call(self, model, method, *args):
        return self.make_jsonrpc_request(
            f"/web/dataset/call_kw/{model}/{method}",
            {"model": model, "method": method, "args": list(args), "kwargs": {}},
        )

    def _manage(self):
        """Two management calls: a backend setting and a new payment-method mapping."""
        self._call("kashoo.backend", "write", [self.backend.id], {"sync_frequency": "daily"})
        self._call(
            "kashoo.payment.method",
            "create",
            [{"backend_id": self.backend.id, "name": "2FA test method"}],
        )

    def test_a_manager_without_two_factor_is_refused(self):
        self.authenticate(self.manager.login, PASSWORD)
        with mute_logger("odoo.http"), self.assertRaises(JsonRpcException) as caught:
            self._call("kashoo.backend", "write", [self.backend.id], {"sync_frequency": "daily"})
        self.assertEqual(caught.exception.args[0], "odoo.exceptions.AccessError")
        with mute_logger("odoo.http"), self.assertRaises(JsonRpcException):
            self._call(
                "kashoo.payment.method",
                "create",
                [{"backend_id": self.backend.id, "name": "refused"}],
            )
        self.assertEqual(self.backend.sync_frequency, "immediate")
        self.assertFalse(
            self.env["kashoo.payment.method"].search([("name", "=", "refused")]),
        )

    def test_a_manager_without_two_factor_is_refused_over_xml_rpc_too(self):
        # No web session there: the password authenticates each call.
        with mute_logger("odoo.http"), self.assertRaises(Exception) as caught:
            self.xmlrpc_object.execute_kw(
                self.env.cr.dbname,
                self.manager.id,
                PASSWORD,
                "kashoo.backend",
                "write",
                [[self.backend.id], {"sync_frequency": "daily"}],
            )
        self.assertIn("two-factor", str(caught.exception))
        self.assertEqual(self.backend.sync_frequency, "immediate")

    def test_reviewing_the_quarantine_needs_no_two_factor(self):
        accountant = new_test_user(
            self.env,
            "kashoo_2fa_accountant",
            password=PASSWORD,
            groups="base.group_user,account.group_account_user,"
            "kashoo_connector.kashoo_connector_group_user",
        )
        row = self.env["kashoo.transaction"].create(
            {"backend_id": self.backend.id, "kashoo_id": 777001, "state": "quarantined"}
        )
        self.authenticate(accountant.login, PASSWORD)
        self._call("kashoo.transaction", "action_kashoo_retry", [row.id])
        row.invalidate_recordset()
        self.assertEqual(row.state, "pending")

    def test_a_manager_with_two_factor_may_manage(self):
        self.authenticate(self.protected_manager.login, PASSWORD)
        protected = self.protected_manager.id
        users = type(self.env["res.users"])
        compute = users._compute_totp_enabled

        def enabled_for_the_protected_manager(records):
            # As enabling it in the profile does; the test session logs in without the code.
            compute(records)
            for user in records.filtered(lambda user: user.id == protected):
                user.totp_enabled = True

        with patch.object(users, "_compute_totp_enabled", enabled_for_the_protected_manager):
            self._manage()
        self.backend.invalidate_recordset()
        self.assertEqual(self.backend.sync_frequency, "daily")

    def test_the_requirement_can_be_turned_off_for_test_databases(self):
        self.env["ir.config_parameter"].sudo().set_param(const.PARAM_REQUIRE_2FA, False)
        self.authenticate(self.manager.login, PASSWORD)
        self._manage()
        self.backend.invalidate_recordset()
        self.assertEqual(self.backend.sync_frequency, "daily")

    def test_the_settings_checkbox_shows_and_turns_off_the_requirement(self):
        settings = self.env["res.config.settings"].create({})
        self.assertTrue(settings.kashoo_require_2fa)
        settings.kashoo_require_2fa = False
        settings.execute()
        self.assertFalse(self.env["res.config.settings"].create({}).kashoo_require_2fa)
        self.authenticate(self.manager.login, PASSWORD)
        self._manage()
        self.backend.invalidate_recordset()
        self.assertEqual(self.backend.sync_frequency, "daily")
