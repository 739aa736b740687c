from odoo.tests import HttpCase, tagged

from .common import allow_management_without_2fa, start_sandbox
from .kashoo_mapping_common import create_connected_backend
from .tour_screenshots import final_screenshot


@tagged("post_install", "-at_install")
class TestKashooMappingTour(HttpCase):
    """An administrator maps accounts and creates a missing PST in the browser."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        allow_management_without_2fa(cls.env)
        cls.sandbox = start_sandbox(cls, auto_approve=True)
        cls.company = cls.env["res.company"].create(
            {
                "name": "Maple Leaf Supplies (Odoo)",
                "country_id": cls.env.ref("base.ca").id,
                "currency_id": cls.env.ref("base.CAD").id,
            }
        )
        cls.env["account.chart.template"].try_loading("ca_2023", cls.company, install_demo=False)
        admin = cls.env.ref("base.user_admin")
        admin.write({"company_ids": [(4, cls.company.id)], "company_id": cls.company.id})
        admin.groups_id += cls.env.ref("kashoo_connector.kashoo_connector_group_manager")
        cls.backend = create_connected_backend(cls.env, cls.company, cls.sandbox)
        cls.backend._kashoo_refresh_reference_data()

    def test_mapping_tour(self):
        with final_screenshot("kashoo_tax_mapping_") as saved:
            self.start_tour("/odoo", "kashoo_mapping_tour", login="admin")
        self.assertEqual(len(saved), 1)
        accounts = self.backend.kashoo_account_ids
        confident = accounts.filtered(lambda account: account.suggestion_confidence >= 80)
        self.assertTrue(confident)
        for account in confident:
            self.assertEqual(account.account_id, account.suggested_account_id)
        wages = accounts.filtered(lambda account: account.name == "Wages and Salaries")
        self.assertEqual(wages.account_id, wages.suggested_account_id)
        eco = self.backend.kashoo_tax_ids.filtered(lambda tax: tax.name == "Eco Fee 2%")
        self.assertEqual(eco.sale_tax_id.amount, 2.0)
        self.assertEqual(eco.purchase_tax_id.type_tax_use, "purchase")
        self.assertEqual(eco.sale_tax_id.company_id, self.company)
        qst = self.backend.kashoo_tax_ids.filtered(lambda tax: tax.name == "QST")
        self.assertEqual(qst.sale_tax_id.name, "9.975% QST")
