from unittest.mock import patch

import requests

from odoo.exceptions import ValidationError
from odoo.tests import tagged

from ..kashoo_api import KashooTransientError
from ..kashoo_logic import account_suggestions
from ..kashoo_logic.tax_numbers import check_tax_numbers
from .kashoo_mapping_common import KashooCanadaCommon

# What an accountant maps the sandbox's chart onto in l10n_ca's ca_2023 (accepted answers).
EXPECTED_CA_2023 = {
    "1100": {"112110", "112100"},
    "1200": {"121120", "121110", "121122"},
    "1210": {"118100"},
    "1220": {"118200"},
    "1500": {"124107"},
    "2000": {"221110", "221120"},
    "2100": {"212120"},
    "2200": {"231000"},
    "2210": {"232000"},
    "2220": {"232000"},
    "3000": {"312100"},
    "3100": {"321000", "322000"},
    "4000": {"411100", "411110", "411120"},
    "4100": {"411200", "411230"},
    "5100": {"512110"},
    "5110": {"512120", "512121"},
}


@tagged("post_install", "-at_install")
class TestKashooReferenceData(KashooCanadaCommon):
    """Reference data refresh, suggestions, tax creation, contacts and the snapshot cache."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.backend._kashoo_refresh_reference_data()

    # === Accounts === #

    def test_refresh_mirrors_kashoo_and_is_idempotent(self):
        counts = {
            model: self.env[model].search_count([("backend_id", "=", self.backend.id)])
            for model in ("kashoo.account", "kashoo.tax", "kashoo.contact")
        }
        partners = self.env["res.partner"].search_count([])
        self.assertEqual(counts["kashoo.account"], 37)
        self.assertEqual(counts["kashoo.tax"], 13)
        self.backend._kashoo_refresh_reference_data()
        self.assertEqual(
            counts,
            {
                model: self.env[model].search_count([("backend_id", "=", self.backend.id)])
                for model in counts
            },
        )
        self.assertEqual(self.env["res.partner"].search_count([]), partners)
        self.assertEqual(self.backend.kashoo_business_province, "ON")
        methods = self.backend.kashoo_payment_method_ids.mapped("name")
        self.assertTrue({"Cheque", "Credit Card", "Electronic Transfer", "Cash"} <= set(methods))

    def test_suggestion_precision_on_the_sandbox_chart(self):
        confident = self.backend.kashoo_account_ids.filtered(
            lambda account: account.suggestion_confidence >= 80
        )
        judged = confident.filtered(lambda account: account.number in EXPECTED_CA_2023)
        right = judged.filtered(
            lambda account: account.suggested_account_id.code in EXPECTED_CA_2023[account.number]
        )
        self.assertGreaterEqual(len(judged), 10)
        self.assertGreaterEqual(
            len(right) / len(judged),
            0.9,
            [(a.name, a.suggested_account_id.display_name) for a in judged - right],
        )
        self.assertEqual(self._kashoo_account("4000").suggested_account_id.name, "Sales of Goods")
        # Type compatibility: never a revenue onto a receivable, nor anything incompatible.
        for account in self.backend.kashoo_account_ids.filtered("suggested_account_id"):
            self.assertTrue(account._kashoo_is_compatible(account.suggested_account_id))
        self.assertFalse(self._kashoo_account("9999").suggested_account_id)

    def test_revenue_never_onto_a_receivable(self):
        receivable = self.company_data["default_account_receivable"]
        self.assertEqual(
            account_suggestions.account_confidence(
                {"name": "Accounts Receivable Sales", "type": "REVENUE", "sub_type": "REVENUE"},
                {
                    "name": receivable.name,
                    "code": receivable.code,
                    "account_type": receivable.account_type,
                },
            ),
            0,
        )
        with self.assertRaises(ValidationError):
            self._kashoo_account("4000").account_id = receivable

    def test_accept_all_above_confidence(self):
        wizard = self.env["kashoo.account.accept.wizard"].create(
            {"backend_id": self.backend.id, "min_confidence": 85}
        )
        expected = self.backend.kashoo_account_ids.filtered(
            lambda account: account.suggestion_confidence >= 85 and not account.account_id
        )
        self.assertEqual(wizard.candidate_count, len(expected))
        wizard.action_accept()
        for account in expected:
            self.assertEqual(account.account_id, account.suggested_account_id)
        below = self.backend.kashoo_account_ids.filtered(
            lambda account: account.suggested_account_id and account.suggestion_confidence < 85
        )
        self.assertFalse(below.account_id)

    def test_warnings(self):
        self.assertIn("Retained earnings", self._kashoo_account("3100").mapping_warning)
        self.assertIn("GST/HST", self._kashoo_account("2200").mapping_warning)
        self.assertIn("bank journal", self._kashoo_account("1000").mapping_warning)
        self.assertIn("Credit card", self._kashoo_account("2100").mapping_warning)
        self.assertIn("Share Capital", self._kashoo_account("3000").mapping_warning)

    # === Taxes === #

    def test_tax_suggestions_by_rate_and_province(self):
        expected = {
            "GST": "5% GST",
            "HST ON": "13% HST",
            "HST NS": "14% HST",
            "PST BC": "7% PST BC",
            "PST SK": "6% PST SK",
            "RST MB": "7% PST MB",
            "QST": "9.975% QST",
        }
        for kashoo_name, odoo_name in expected.items():
            tax = self._kashoo_tax(kashoo_name)
            self.assertEqual(tax.suggested_sale_tax_id.name, odoo_name, kashoo_name)
            self.assertEqual(tax.suggested_sale_tax_id.type_tax_use, "sale")
            self.assertEqual(tax.suggested_purchase_tax_id.type_tax_use, "purchase")
        self.assertFalse(self._kashoo_tax("Eco Fee 2%").suggested_sale_tax_id)

    def test_purchase_gst_goes_to_the_recoverable_account(self):
        gst = self._kashoo_tax("GST")
        gst.action_accept_suggestion()
        account = gst.purchase_tax_id.invoice_repartition_line_ids.filtered(
            lambda line: line.repartition_type == "tax"
        ).account_id
        self.assertEqual(account.code, "118100")  # GST receivable (input tax credits)
        self.assertFalse(gst.mapping_warning)

    def test_create_missing_provincial_tax(self):
        eco = self._kashoo_tax("Eco Fee 2%")
        eco.action_create_odoo_taxes()
        self.assertEqual(eco.state, "mapped")
        self.assertEqual(eco.sale_tax_id.amount, 2.0)
        sale_account = eco.sale_tax_id.invoice_repartition_line_ids.filtered(
            lambda line: line.repartition_type == "tax"
        ).account_id
        self.assertEqual(sale_account.code, "232000")  # PST/QST to pay
        # PST paid is not recoverable: it stays in the cost of what was bought.
        self.assertFalse(
            eco.purchase_tax_id.invoice_repartition_line_ids.filtered(
                lambda line: line.repartition_type == "tax"
            ).account_id
        )
        self.assertEqual(len(eco.sale_tax_id.refund_repartition_line_ids), 2)

    def test_compound_tax_through_odoos_mechanism(self):
        self._kashoo_tax("GST").action_accept_suggestion()
        compound = self._kashoo_tax("Compound PST 8% (test)")
        compound.action_create_odoo_taxes()
        self.assertTrue(compound.sale_tax_id.is_base_affected)
        self.assertTrue(self._kashoo_tax("GST").sale_tax_id.include_base_amount)
        self.assertFalse(
            self.env["account.tax"]
            .search(
                [
                    ("company_id", "=", self.company.id),
                    ("name", "=", "7% PST BC"),
                    ("type_tax_use", "=", "sale"),
                ]
            )
            .is_base_affected
        )
        test = self.env["kashoo.tax.test"].create(
            {"kashoo_tax_id": compound.id, "base_amount": 100.0}
        )
        self.assertEqual(test.preceding_tax_id, self._kashoo_tax("GST"))
        self.assertTrue(test.matches, test.result_html)
        self.assertIn("8.40", test.result_html)  # 8 % of 105.00

    def test_tax_test_shows_both_sides(self):
        qst = self._kashoo_tax("QST")
        qst.action_accept_suggestion()
        action = qst.action_test_mapping()
        test = self.env["kashoo.tax.test"].browse(action["res_id"])
        test.base_amount = 123.45
        self.assertTrue(test.matches)
        self.assertIn("12.31", test.result_html)

    # === Contacts === #

    def test_contacts_become_partners_with_numbers_and_terms(self):
        contacts = self.backend.kashoo_contact_ids
        self.assertTrue(contacts)
        self.assertFalse(contacts.filtered(lambda contact: not contact.partner_id))
        contact = contacts.filtered(
            lambda c: c.terms == "NET30"
            and c.business_number
            and c.kashoo_id not in self.fixtures["invalidBusinessNumber"]
            and c.contact_type == "CUSTOMER"
        )[:1]
        partner = contact.partner_id
        self.assertEqual(partner.email, contact.email)
        self.assertEqual(partner.kashoo_business_number, contact.business_number)
        self.assertEqual(partner.kashoo_gst_number, contact.gst_number)
        term = partner.with_company(self.company).property_payment_term_id
        self.assertEqual(term.line_ids.nb_days, 30)
        self.assertFalse(partner.kashoo_needs_review)
        self.assertTrue(partner.country_id.code == "CA" and partner.city)

    def test_invalid_numbers_are_flagged_not_blocking(self):
        flagged = self.backend.kashoo_contact_ids.filtered(
            lambda contact: contact.kashoo_id in self.fixtures["invalidBusinessNumber"]
        )
        self.assertTrue(flagged)
        for contact in flagged:
            self.assertTrue(contact.partner_id)
            self.assertTrue(contact.partner_id.kashoo_needs_review, contact.business_number)
        review = self.env["res.partner"].search([("kashoo_needs_review", "=", True)])
        self.assertTrue(flagged.partner_id <= review)

    def test_match_by_email_then_tax_number(self):
        by_email = self.env["res.partner"].create(
            {"name": "Existing", "email": "Orders@Existing.example"}
        )
        by_number = self.env["res.partner"].create(
            {"name": "Registered", "kashoo_business_number": "123456782"}
        )
        contacts = self.env["kashoo.contact"].create(
            [
                {
                    "backend_id": self.backend.id,
                    "kashoo_id": 99001,
                    "name": "Existing Inc.",
                    "email": "orders@existing.example",
                },
                {
                    "backend_id": self.backend.id,
                    "kashoo_id": 99002,
                    "name": "Registered Ltd",
                    "gst_number": "123456782 RT 0001",
                },
                {
                    "backend_id": self.backend.id,
                    "kashoo_id": 99003,
                    "name": "New Co",
                    "email": "hello@new.example",
                    "terms": "NET45",
                },
            ]
        )
        contacts._kashoo_resolve_partners()
        self.assertEqual(contacts[0].partner_id, by_email)
        self.assertEqual(contacts[0].match_method, "email")
        self.assertEqual(contacts[1].partner_id, by_number)
        self.assertEqual(contacts[1].match_method, "tax_number")
        self.assertEqual(contacts[2].match_method, "created")
        self.assertEqual(contacts[2].partner_id.property_payment_term_id.line_ids.nb_days, 45)
        # Re-run, and a second contact for the same company: still no duplicate.
        twin = self.env["kashoo.contact"].create(
            {
                "backend_id": self.backend.id,
                "kashoo_id": 99004,
                "name": "New Co (vendor)",
                "email": "HELLO@new.example",
            }
        )
        (contacts | twin)._kashoo_resolve_partners()
        self.assertEqual(twin.partner_id, contacts[2].partner_id)
        self.assertEqual(
            self.env["res.partner"].search_count([("email", "=ilike", "hello@new.example")]), 1
        )

    def test_bn_validation(self):
        self.assertEqual(check_tax_numbers("123456782", "123456782RT0001", "1234567890TQ0001"), [])
        self.assertTrue(check_tax_numbers("123456789", None, None))  # bad check digit
        self.assertTrue(check_tax_numbers("12345678", None, None))  # wrong length
        self.assertTrue(check_tax_numbers(None, "123456782RC0001", None))  # not a GST account
        self.assertTrue(check_tax_numbers(None, None, "12345TQ0001"))  # malformed QST
        partner = self.env["res.partner"].create(
            {"name": "Typo Ltd", "kashoo_business_number": "123456789"}
        )
        self.assertTrue(partner.kashoo_needs_review)
        self.assertIn("checksum", partner.kashoo_tax_number_issue)
        partner.kashoo_business_number = "123456782"
        self.assertFalse(partner.kashoo_needs_review)

    # === Snapshot === #

    def test_snapshot_is_cached_until_a_mapping_changes(self):
        first = self.backend._kashoo_mapping_snapshot()
        again = self.backend._kashoo_mapping_snapshot()
        self.assertEqual(first.accounts, again.accounts)
        with self.assertQueryCount(3):  # version, currencies; the rest is cached
            self.backend._kashoo_mapping_snapshot()
        account = self._kashoo_account("4000")
        account.action_accept_suggestion()
        changed = self.backend._kashoo_mapping_snapshot()
        self.assertEqual(changed.accounts[account.kashoo_id], account.account_id.id)
        self.assertNotIn(account.kashoo_id, first.accounts)

    def test_cron_isolates_failing_backends(self):
        other = self.env["kashoo.backend"].create(
            {
                "name": "Broken",
                "company_id": self.env["res.company"].create({"name": "Broken Co"}).id,
                "api_url": "http://127.0.0.1:9",
                "state": "connected",
            }
        )
        self.assertTrue(other)
        Backend = type(self.env["kashoo.backend"])
        original = Backend._kashoo_refresh_reference_data
        calls = []

        def refresh(backend):
            calls.append(backend.id)
            if backend == other:
                raise KashooTransientError("unreachable")
            return original(backend)

        with patch.object(Backend, "_kashoo_refresh_reference_data", refresh):
            self.env["kashoo.backend"]._cron_kashoo_refresh_reference_data()
        self.assertIn(self.backend.id, calls)
        self.assertIn(other.id, calls)
        self.assertTrue(self.backend.kashoo_reference_refreshed_at)
        self.assertTrue(requests)  # the sandbox stayed reachable for the good backend
