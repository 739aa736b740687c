import html
from datetime import timedelta
from decimal import Decimal

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged
from odoo.tools import float_compare, mute_logger

from .. import const
from .common import ENGINE_LOGGERS
from .kashoo_mapping_common import KashooCanadaCommon

QUARANTINE_ACTIVITY = "kashoo_connector.mail_activity_type_kashoo_quarantine"
# Sandbox invoice (seed 42) with one line taxed with the unmappable Eco Fee: 1,494.55 CAD
# to Muskoka Provisions Ltd (contact 4003).
ECO_INVOICE = 50029


@tagged("post_install", "-at_install")
class TestKashooQuarantine(KashooCanadaCommon):
    """An accountant resolves the quarantine: guided fixes, retry, ignore, activity, lineage.

    The sandbox's deliberately unmappable records (three invoices with the Eco Fee tax, two
    documents on the Suspense account) are staged and processed for real; they quarantine
    with the mapper's error and the Kashoo object at fault.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._map_everything()
        cls.accountant = new_test_user(
            cls.env,
            "quarantine_accountant",
            company_id=cls.company.id,
            company_ids=[cls.company.id],
            groups="account.group_account_user,kashoo_connector.kashoo_connector_group_user",
        )
        cls.portal_user = new_test_user(cls.env, "quarantine_portal", groups="base.group_portal")
        cls.eco_tax = cls.backend.kashoo_tax_ids.filtered(
            lambda tax: tax.kashoo_id == cls.fixtures["unmappableTax"][0]
        )
        cls.suspense = cls.backend.kashoo_account_ids.filtered(
            lambda account: account.kashoo_id == cls.fixtures["unmappableAccount"][0]
        )
        cls.kashoo_records = {
            record["id"]: record for record in cls._records(cls.fixtures["unmappableRecords"])
        }
        cls._stage(list(cls.kashoo_records.values()))

    @classmethod
    def _stage(cls, records, batch_size=100):
        cls.env["kashoo.transaction"]._kashoo_upsert_records(cls.backend, records)
        with mute_logger(*ENGINE_LOGGERS):
            cls.backend._kashoo_process_batches(time_budget=600, batch_size=batch_size)

    def _row(self, kashoo_id):
        return self.env["kashoo.transaction"].search(
            [("backend_id", "=", self.backend.id), ("kashoo_id", "=", kashoo_id)]
        )

    def _quarantined(self, error_type):
        return self.env["kashoo.transaction"].search(
            [
                ("backend_id", "=", self.backend.id),
                ("state", "=", "quarantined"),
                ("error_type", "=", error_type),
            ]
        )

    def _quarantine_activities(self):
        return self.env["mail.activity"].search(
            [
                ("res_model", "=", "kashoo.backend"),
                ("res_id", "=", self.backend.id),
                ("activity_type_id", "=", self.env.ref(QUARANTINE_ACTIVITY).id),
            ]
        )

    def _map_suspense(self):
        target = (
            self.env["account.account"]
            .search(
                [("company_ids", "in", self.company.id), ("deprecated", "=", False)], order="code"
            )
            .filtered(self.suspense._kashoo_is_compatible)[:1]
        )
        self.suspense.account_id = target

    def _assert_imported(self, row):
        record = self.kashoo_records[row.kashoo_id]
        self.assertEqual(row.state, "done", row.error_message)
        self.assertEqual(row.move_id.state, "posted")
        self.assertEqual(row.move_id.kashoo_id, row.kashoo_id)
        self.assertEqual(
            Decimal(str(abs(row.move_id.amount_total))).quantize(Decimal("0.01")),
            (Decimal(abs(record["amount"])) / 100).quantize(Decimal("0.01")),
        )

    def _new_invoice(self):
        """A CAD invoice of the sandbox that is not staged yet."""
        record = next(
            record
            for record in self._all_records()
            if record["type"] == "invoice"
            and record["currency"] == "CAD"
            and record["id"] not in self.kashoo_records
            and not record.get("removed")
        )
        self.kashoo_records[record["id"]] = record
        return record

    def _messages(self, row):
        return row.message_ids.mapped(lambda message: message.body or "")

    # === WHAT THE ACCOUNTANT SEES === #

    def test_quarantine_row_keeps_the_error_and_the_kashoo_object(self):
        row = self._row(ECO_INVOICE).with_user(self.accountant)
        self.assertEqual((row.state, row.error_type), ("quarantined", "unmapped_tax"))
        self.assertEqual(
            (row.fix_action, row.fix_ref_kind, row.fix_ref_key),
            ("map_tax", "tax", str(self.eco_tax.kashoo_id)),
        )
        self.assertIn("Eco Fee", row.fix_ref_label)
        self.assertEqual(row.fix_kashoo_tax_id, self.eco_tax)
        self.assertTrue(row.fix_tax_creatable)
        self.assertEqual(row.error_label, "Kashoo tax not mapped")
        self.assertTrue(row.suggested_fix)
        # Partner of the Kashoo contact (matched or created by the reference data), amount.
        record = self.kashoo_records[ECO_INVOICE]
        contact = self.env["kashoo.contact"].search(
            [("backend_id", "=", self.backend.id), ("kashoo_id", "=", record["contact"])]
        )
        self.assertTrue(contact.partner_id)
        self.assertEqual(row.partner_id, contact.partner_id)
        self.assertEqual(row.contact_name, contact.partner_id.display_name)
        self.assertEqual(row.currency_id, self.env.ref("base.CAD"))
        self.assertEqual(float_compare(row.amount, record["amount"] / 100, 2), 0)
        self.assertIn("<pre", row.payload_html)
        self.assertIn('"contactName": "Muskoka Provisions Ltd"', html.unescape(row.payload_html))
        self.assertEqual(row.attempt_count, 1)
        self.assertEqual(row.sync_log_ids.resolution, "open")
        suspense_rows = self._quarantined("unmapped_account")
        self.assertEqual(len(suspense_rows), 2)
        self.assertEqual(suspense_rows.fix_kashoo_account_id, self.suspense)

    def test_contact_name_without_mapping_comes_from_the_payload(self):
        row = self._row(ECO_INVOICE)
        contact = self.env["kashoo.contact"].search(
            [
                ("backend_id", "=", self.backend.id),
                ("kashoo_id", "=", self.kashoo_records[ECO_INVOICE]["contact"]),
            ]
        )
        contact.partner_id = False
        row.invalidate_recordset(["contact_name", "partner_id"])
        self.assertFalse(row.partner_id)
        self.assertEqual(row.contact_name, "Muskoka Provisions Ltd")

    # === RETRY === #

    def test_retry_one_after_creating_the_tax(self):
        row = self._row(ECO_INVOICE)
        action = row.action_kashoo_create_tax()
        self.assertEqual(
            (action["res_model"], action["domain"]), ("kashoo.tax", [("id", "=", self.eco_tax.id)])
        )
        self.assertTrue(self.eco_tax.sale_tax_id and self.eco_tax.purchase_tax_id)
        row.invalidate_recordset(["fix_tax_creatable"])
        self.assertFalse(row.fix_tax_creatable)
        first_log = row.sync_log_ids
        notification = row.with_user(self.accountant).action_kashoo_retry()
        self.assertEqual(notification["params"]["type"], "success")
        self._assert_imported(row)
        self.assertFalse(row.fix_ref_key)
        self.assertEqual(first_log.resolution, "resolved")
        self.assertEqual(row.sync_log_ids.sorted("id")[-1].outcome, "done")
        messages = self._messages(row)
        self.assertTrue(any("Odoo taxes created" in body for body in messages), messages)
        self.assertTrue(
            any("Retry asked by" in body and self.accountant.name in body for body in messages),
            messages,
        )
        # The other Eco Fee invoices were not retried.
        self.assertEqual(len(self._quarantined("unmapped_tax")), 2)

    def test_retry_many_after_mapping_the_account(self):
        rows = self._quarantined("unmapped_account")
        action = rows[0].action_kashoo_fix_account()
        self.assertEqual(
            (action["res_model"], action["domain"]),
            ("kashoo.account", [("id", "=", self.suspense.id)]),
        )
        self._map_suspense()
        rows.with_user(self.accountant).action_kashoo_retry()
        for row in rows:
            self.assertEqual(row.state, "done", row.error_message)
            self.assertEqual(row.move_id.state, "posted")
            self.assertEqual(row.sync_log_ids.mapped("resolution").count("resolved"), 1)

    def test_retry_without_a_fix_quarantines_again(self):
        row = self._row(ECO_INVOICE)
        notification = row.with_user(self.accountant).action_kashoo_retry()
        self.assertEqual(notification["params"]["type"], "warning")
        self.assertEqual((row.state, row.fix_ref_key), ("quarantined", str(self.eco_tax.kashoo_id)))
        first, second = row.sync_log_ids.sorted("id")
        self.assertEqual((first.resolution, second.resolution), ("retried", "open"))

    def test_retry_all_with_this_error_after_a_mapping_fix(self):
        eco_rows = self._quarantined("unmapped_tax")
        self.assertEqual(len(eco_rows), 3)
        # Taxes unmapped then mapped back: an existing Odoo tax is chosen by hand.
        self.eco_tax.action_create_odoo_taxes()
        sale_tax = self.eco_tax.sale_tax_id
        self.eco_tax.sale_tax_id = False
        eco_rows.action_kashoo_retry()
        self.assertEqual(self._quarantined("unmapped_tax"), eco_rows)
        self.eco_tax.sale_tax_id = sale_tax
        eco_rows[0].with_user(self.accountant).action_kashoo_retry_same_error()
        for row in eco_rows:
            self._assert_imported(row)
            self.assertIn(sale_tax, row.move_id.invoice_line_ids.tax_ids)
        # Rows stuck on another error were left alone.
        self.assertEqual(len(self._quarantined("unmapped_account")), 2)

    def test_retry_all_with_this_error_hands_a_big_set_to_the_cron(self):
        eco_rows = self._quarantined("unmapped_tax")
        self.eco_tax.action_create_odoo_taxes()
        self.patch(const, "RETRY_NOW_LIMIT", 2)
        notification = eco_rows[0].action_kashoo_retry_same_error()
        self.assertEqual(notification["params"]["title"], "Retry scheduled")
        # Not imported in the request (they would be, the tax is there): the cron does it.
        self.assertEqual(set(eco_rows.mapped("state")), {"pending"})
        with mute_logger(*ENGINE_LOGGERS):
            self.backend._kashoo_process_batches(time_budget=600)
        for row in eco_rows:
            self._assert_imported(row)

    # === IGNORE === #

    def test_ignore_with_a_reason(self):
        row = self._row(ECO_INVOICE).with_user(self.accountant)
        action = row.action_kashoo_ignore()
        self.assertEqual(action["res_model"], "kashoo.quarantine.ignore.wizard")
        wizard = (
            self.env[action["res_model"]]
            .with_user(self.accountant)
            .with_context(**action["context"])
            .create({"reason": "Entered by hand in Odoo as INV/2026/0042"})
        )
        self.assertEqual(wizard.transaction_ids, row)
        wizard.action_ignore()
        self.assertEqual(row.state, "ignored")
        self.assertEqual(row.ignore_reason, "Entered by hand in Odoo as INV/2026/0042")
        self.assertEqual(row.ignored_by_id, self.accountant)
        self.assertTrue(row.ignored_at)
        self.assertEqual(row.sync_log_ids.resolution, "ignored")
        self.assertTrue(
            any("INV/2026/0042" in body and "Ignored by" in body for body in self._messages(row))
        )
        # A reason is required.
        with self.assertRaises(UserError):
            self._row(50091).with_user(self.accountant)._kashoo_ignore("   ")
        # Retrying an ignored row brings it back, without the stale reason.
        row.action_kashoo_retry()
        self.assertEqual(row.state, "quarantined")
        self.assertFalse(row.ignore_reason)

    # === ACTIVITY === #

    def test_one_activity_per_backend_updated_not_duplicated(self):
        activity = self._quarantine_activities()
        self.assertEqual(len(activity), 1)
        self.assertEqual(activity.user_id, self.accountant)
        self.assertIn("5 Kashoo transactions", activity.summary)
        # More failures, over several batches: still one activity, with the new count.
        rows = self._quarantined("unmapped_tax")
        rows.sudo().write({"state": "pending", "force": True})
        with mute_logger(*ENGINE_LOGGERS):
            self.backend._kashoo_process_batches(time_budget=600, batch_size=1)
        self.assertEqual(self._quarantine_activities(), activity)
        self.assertIn("5 Kashoo transactions", activity.summary)
        self.eco_tax.action_create_odoo_taxes()
        rows[0].action_kashoo_retry_same_error()
        self.assertEqual(self._quarantine_activities(), activity)
        self.assertIn("2 Kashoo transactions", activity.summary)
        # The quarantine empties: the activity is done; the next failure opens a new one.
        self._map_suspense()
        self._quarantined("unmapped_account").action_kashoo_retry()
        self.assertFalse(self._quarantine_activities())
        self.assertFalse(activity.exists())
        record = self._new_invoice()
        self.company.fiscalyear_lock_date = fields.Date.to_date(record["date"])
        self._stage([record])
        self.assertEqual(self._row(record["id"]).state, "quarantined")
        self.assertEqual(len(self._quarantine_activities()), 1)
        self.assertIn("1 Kashoo transactions", self._quarantine_activities().summary)

    # === GUIDED FIXES === #

    def test_lock_date_fix_reopens_the_period(self):
        record = self._new_invoice()
        self.company.fiscalyear_lock_date = fields.Date.to_date(record["date"])
        self._stage([record])
        row = self._row(record["id"])
        self.assertEqual(
            (row.state, row.error_type, row.fix_action),
            ("quarantined", "locked_period", "reopen_period"),
        )
        action = row.action_kashoo_fix_lock_date()
        wizard = self.env[action["res_model"]].with_context(**action["context"]).create({})
        self.assertEqual(wizard.fiscalyear_lock_date, self.company.fiscalyear_lock_date)
        wizard.fiscalyear_lock_date = row.kashoo_date - timedelta(days=1)
        wizard.action_apply()
        self.assertEqual(self.company.fiscalyear_lock_date, row.kashoo_date - timedelta(days=1))
        self.assertTrue(any("Lock dates changed" in body for body in self._messages(row)))
        row.action_kashoo_retry()
        self._assert_imported(row)
        # Accountants who are not accounting administrators cannot move lock dates.
        with self.assertRaises(UserError):
            row.with_user(self.accountant).action_kashoo_fix_lock_date()

    def test_link_the_partner(self):
        # Kashoo deleted the contact an old invoice names: no partner is matched for it.
        record = self.kashoo_records[ECO_INVOICE]
        contact = self.env["kashoo.contact"].search(
            [("backend_id", "=", self.backend.id), ("kashoo_id", "=", record["contact"])]
        )
        partner = contact.partner_id
        contact.write({"partner_id": False, "removed": True})
        self.eco_tax.action_create_odoo_taxes()
        row = self._row(ECO_INVOICE)
        row.action_kashoo_retry()
        self.assertEqual(
            (row.state, row.error_type, row.fix_ref_kind),
            ("quarantined", "unknown_contact", "contact"),
        )
        action = row.action_kashoo_fix_contact()
        self.assertEqual(
            (action["res_model"], action["domain"]), ("kashoo.contact", [("id", "=", contact.id)])
        )
        # The manager links the partner by hand on the row the guided fix opened.
        contact.partner_id = partner
        row.action_kashoo_retry()
        self._assert_imported(row)
        self.assertEqual(row.move_id.partner_id, partner)
        self.assertTrue(
            any(
                "Guided fix used" in body and "Kashoo contact" in body
                for body in self._messages(row)
            )
        )

    def test_create_the_missing_contact(self):
        # Kashoo no longer lists the contact at all: the guided fix mirrors it from the
        # record and matches or creates its partner.
        row = self._row(ECO_INVOICE)
        record = self.kashoo_records[ECO_INVOICE]
        self.env["kashoo.contact"].search(
            [("backend_id", "=", self.backend.id), ("kashoo_id", "=", record["contact"])]
        ).unlink()
        row.sudo().write(
            {
                "fix_action": "map_contact",
                "fix_ref_kind": "contact",
                "fix_ref_key": str(record["contact"]),
            }
        )
        action = row.action_kashoo_fix_contact()
        contact = self.env["kashoo.contact"].browse(action["domain"][0][2])
        self.assertEqual(
            (contact.kashoo_id, contact.name), (record["contact"], "Muskoka Provisions Ltd")
        )
        self.assertTrue(contact.partner_id)

    # === LOGS AND LINEAGE === #

    def test_sync_log_links_to_transaction_and_document(self):
        row = self._row(ECO_INVOICE)
        self.eco_tax.action_create_odoo_taxes()
        row.action_kashoo_retry()
        failed, done = row.sync_log_ids.sorted("id").with_user(self.accountant)
        self.assertEqual(failed.resolution, "resolved")
        self.assertFalse(done.resolution)
        self.assertEqual(failed.action_kashoo_open_transaction()["res_id"], row.id)
        self.assertEqual(done.action_kashoo_open_move()["res_id"], row.move_id.id)
        resolved = (
            self.env["kashoo.sync.log"]
            .with_user(self.accountant)
            .search([("backend_id", "=", self.backend.id), ("resolution", "=", "resolved")])
        )
        self.assertEqual(resolved, failed)

    def test_lineage_button_of_an_imported_move(self):
        row = self._row(ECO_INVOICE)
        self.eco_tax.action_create_odoo_taxes()
        row.action_kashoo_retry()
        self.env["kashoo.webhook.event"]._kashoo_store(
            self.backend, "msg_lineage_1", "transaction.updated", ECO_INVOICE, row.kashoo_version
        )
        move = row.move_id.with_user(self.accountant)
        action = move.action_kashoo_open_lineage()
        self.assertEqual((action["res_model"], action["res_id"]), ("kashoo.transaction", row.id))
        lineage = self.env["kashoo.transaction"].with_user(self.accountant).browse(row.id)
        self.assertEqual(lineage.webhook_event_ids.webhook_id, "msg_lineage_1")
        self.assertEqual(lineage.sync_log_ids.mapped("outcome"), ["done", "quarantined"])
        self.assertIn(str(ECO_INVOICE), lineage.payload_html)
        # The button is for Kashoo users only.
        invoice_user = new_test_user(
            self.env,
            "invoice_clerk",
            company_id=self.company.id,
            groups="account.group_account_invoice",
        )
        arch = (
            self.env["account.move"]
            .with_user(self.accountant)
            .get_views([(False, "form")])["views"]["form"]["arch"]
        )
        self.assertIn("action_kashoo_open_lineage", arch)
        arch = (
            self.env["account.move"]
            .with_user(invoice_user)
            .get_views([(False, "form")])["views"]["form"]["arch"]
        )
        self.assertNotIn("action_kashoo_open_lineage", arch)

    # === ACCESS === #

    def test_access(self):
        row = self._row(ECO_INVOICE)
        # An accountant sees the item and retries it; mapping fixes are for managers, who
        # get the buttons, while the accountant gets the hint instead.
        accountant_row = row.with_user(self.accountant)
        self.assertFalse(accountant_row.can_edit_mappings)
        with self.assertRaises(UserError):
            accountant_row.action_kashoo_fix_tax()
        arch = (
            self.env["kashoo.transaction"]
            .with_user(self.accountant)
            .get_views([(False, "form")])["views"]["form"]["arch"]
        )
        self.assertNotIn("action_kashoo_fix_tax", arch)
        self.assertIn("o_kashoo_fix_hint", arch)
        self.assertIn("action_kashoo_retry_same_error", arch)
        arch = self.env["kashoo.transaction"].get_views([(False, "form")])["views"]["form"]["arch"]
        self.assertIn("action_kashoo_fix_tax", arch)
        # A portal user sees nothing.
        Transaction = self.env["kashoo.transaction"].with_user(self.portal_user)
        with self.assertRaises(AccessError):
            Transaction.search([])
        with self.assertRaises(AccessError):
            row.with_user(self.portal_user).action_kashoo_retry()
        with self.assertRaises(AccessError):
            self.env["kashoo.sync.log"].with_user(self.portal_user).search([])
        with self.assertRaises(AccessError):
            self.env["kashoo.quarantine.ignore.wizard"].with_user(self.portal_user).create(
                {"transaction_ids": [(6, 0, row.ids)], "reason": "no"}
            )
        self.assertEqual(row.state, "quarantined")
