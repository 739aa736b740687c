from psycopg2 import IntegrityError

from odoo.exceptions import AccessError, ValidationError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import KashooCommon


# Tagged kashoo_install too: `make test` also runs this class on a database without l10n_ca.
@tagged("post_install", "-at_install", "kashoo_install")
class TestInstall(KashooCommon):
    def test_defaults_come_from_system_parameters(self):
        params = self.env["ir.config_parameter"].sudo()
        self.assertEqual(params.get_param("kashoo.api.url"), "https://api.kashoo.com")
        self.assertEqual(params.get_param("kashoo.api.version"), "v2")
        self.assertEqual(self.backend.api_url, "https://api.kashoo.com")
        self.assertEqual(self.backend.api_version, "v2")
        self.assertEqual(self.backend.state, "draft")

        params.set_param("kashoo.api.url", "http://127.0.0.1:8070")
        params.set_param("kashoo.api.version", "v9")
        backend = self.env["kashoo.backend"].create({"company_id": self.other_company.id})
        self.assertEqual(backend.api_url, "http://127.0.0.1:8070")
        self.assertEqual(backend.api_version, "v9")

    def test_one_backend_per_company(self):
        with mute_logger("odoo.sql_db"), self.assertRaises(IntegrityError):
            self.env["kashoo.backend"].create({"company_id": self.company.id})

    def test_api_url_must_be_http(self):
        for bad_url in ("api.kashoo.com", "ftp://api.kashoo.com", "https://"):
            with self.subTest(url=bad_url), self.assertRaises(ValidationError):
                self.backend.api_url = bad_url

    def test_groups_and_menus(self):
        manager_group = self.env.ref("kashoo_connector.kashoo_connector_group_manager")
        user_group = self.env.ref("kashoo_connector.kashoo_connector_group_user")
        self.assertIn(user_group, manager_group.implied_ids)
        self.assertIn(self.env.ref("base.user_admin"), manager_group.users)
        menu = self.env.ref("kashoo_connector.kashoo_connector_menu_root")
        self.assertEqual(menu.parent_id, self.env.ref("account.menu_finance"))
        visible = self.env["ir.ui.menu"].with_user(self.accountant)._visible_menu_ids()
        self.assertIn(menu.id, visible)
        with self.assertRaises(AccessError):
            menu.with_user(self.portal_user).read(["name"])

    def test_works_with_or_without_canadian_localization(self):
        """The connector needs only `account`; with l10n_ca it sits beside the CA chart."""
        l10n_ca = self.env["ir.module.module"]._get("l10n_ca")
        company = self.env["res.company"].create(
            {"name": "Maple Leaf Supplies", "country_id": self.env.ref("base.ca").id}
        )
        if l10n_ca.state == "installed":
            self.env["account.chart.template"].try_loading("ca_2023", company, install_demo=False)
            gst = self.env["account.tax"].search(
                [
                    ("company_id", "=", company.id),
                    ("name", "=", "5% GST"),
                    ("type_tax_use", "=", "sale"),
                ]
            )
            self.assertEqual(gst.amount, 5.0)
        else:
            self.assertEqual(l10n_ca.state, "uninstalled")
        backend = self.env["kashoo.backend"].create({"company_id": company.id})
        self.assertEqual(self.env["kashoo.backend"]._get_for_company(company), backend)

    def test_apps_screen_shows_icon_and_description(self):
        module = self.env["ir.module.module"]._get("kashoo_connector")
        self.assertEqual(module.icon, "/kashoo_connector/static/description/icon.png")
        self.assertIn("as posted journal entries, exactly once", module.description_html)
        self.assertIn("Books comparison", module.description_html)
        # The README, not a placeholder, is the module's plain-text description.
        self.assertIn("Kashoo Connector", module.description)
