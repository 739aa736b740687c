from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import mute_logger

from .common import ENGINE_LOGGERS, allow_management_without_2fa
from .kashoo_mapping_common import KashooCanadaCommon
from .tour_screenshots import final_screenshot

ECO_INVOICE = 50029  # the sandbox invoice (seed 42) taxed with Kashoo's Eco Fee 2 %


@tagged("post_install", "-at_install")
class TestKashooQuarantineTour(KashooCanadaCommon, HttpCase):
    """An accountant fixes an unmapped tax from the quarantine and retries, in the browser.

    The tour user is a Kashoo User and also a Kashoo Manager: the guided fix edits a tax
    mapping, which only managers may change (plain Kashoo users get a hint instead, see
    TestKashooQuarantine.test_access).
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        allow_management_without_2fa(cls.env)
        cls._map_everything()
        cls.eco_tax = cls.backend.kashoo_tax_ids.filtered(
            lambda tax: tax.kashoo_id == cls.fixtures["unmappableTax"][0]
        )
        # The Odoo taxes exist, but the sale side is unmapped: the invoice quarantines.
        cls.eco_tax.action_create_odoo_taxes()
        cls.eco_sale_tax = cls.eco_tax.sale_tax_id
        cls.eco_tax.sale_tax_id = False
        cls.tour_user = new_test_user(
            cls.env,
            "kashoo_quarantine_accountant",
            company_id=cls.company.id,
            company_ids=[cls.company.id],
            groups="account.group_account_user,kashoo_connector.kashoo_connector_group_user,"
            "kashoo_connector.kashoo_connector_group_manager",
        )
        cls.env["kashoo.transaction"]._kashoo_upsert_records(
            cls.backend, cls._records([ECO_INVOICE])
        )
        with mute_logger(*ENGINE_LOGGERS):
            cls.backend._kashoo_process_batches(time_budget=600)
        cls.row = cls.env["kashoo.transaction"].search(
            [("backend_id", "=", cls.backend.id), ("kashoo_id", "=", ECO_INVOICE)]
        )

    def test_quarantine_tour(self):
        self.assertEqual((self.row.state, self.row.error_type), ("quarantined", "unmapped_tax"))
        with final_screenshot("kashoo_quarantine_form_") as saved:
            self.start_tour("/odoo", "kashoo_quarantine_tour", login=self.tour_user.login)
        self.assertEqual(len(saved), 1)
        self.assertEqual(self.eco_tax.sale_tax_id, self.eco_sale_tax)
        self.assertEqual(self.row.state, "done")
        move = self.row.move_id
        self.assertEqual(
            (move.state, move.move_type, move.kashoo_id), ("posted", "out_invoice", ECO_INVOICE)
        )
        self.assertIn(self.eco_sale_tax, move.invoice_line_ids.tax_ids)
        self.assertTrue(
            any("Retry asked by" in (message.body or "") for message in self.row.message_ids)
        )
