from decimal import Decimal

import psycopg2
import requests

from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import ENGINE_LOGGERS
from .kashoo_mapping_common import KashooCanadaCommon


@tagged("post_install", "-at_install")
class TestKashooSyncImport(KashooCanadaCommon):
    """The whole engine on the sandbox's books: poll, process, update, delete, quarantine."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._map_everything()
        cls.backend.sync_start_date = "2020-01-01"
        cls.records = {record["id"]: record for record in cls._all_records()}
        # The sandbox keeps its changes across tests (Odoo rolls back, Kashoo does not):
        # every test changes an invoice of its own.
        cls.used_invoices = set()
        with mute_logger(*ENGINE_LOGGERS):
            cls.backend._kashoo_fetch()
            cls.backend._kashoo_process_batches(time_budget=600)

    def _sandbox(self, method, path, body=None):
        response = requests.request(method, self.sandbox.url + path, json=body, timeout=10)
        response.raise_for_status()
        return response.json() if response.content else None

    def _row(self, kashoo_id):
        return self.env["kashoo.transaction"].search(
            [("backend_id", "=", self.backend.id), ("kashoo_id", "=", kashoo_id)]
        )

    def _sync(self):
        with mute_logger(*ENGINE_LOGGERS):
            self.backend._kashoo_fetch()
            self.backend._kashoo_process_batches(time_budget=600)

    def _unpaid_invoice(self, record_type="invoice"):
        unmappable = set(self.fixtures["unmappableRecords"])
        for record in self.records.values():
            if (
                record["type"] == record_type
                and not record.get("removed")
                and record["amount"] > 0
                and record["balanceDue"] == record["amount"]
                and record["currency"] == "CAD"
                and record["id"] not in unmappable
                and record["id"] not in self.used_invoices
                and self._row(record["id"]).state == "done"
            ):
                self.used_invoices.add(record["id"])
                return record
        self.fail(f"the sandbox has no unpaid CAD {record_type}")

    def _bump_quantity(self, record):
        lines = [
            {
                "account": line["account"],
                "description": line.get("description") or "",
                "quantity": str(Decimal(line["quantity"]) + 1),
                "unitPrice": line["unitPrice"],
                "discount": line.get("discount") or 0,
                "taxes": [tax["tax"] for tax in line.get("taxes") or []],
            }
            for line in record["lineItems"]
        ]
        return self._sandbox("PATCH", f"/_sandbox/records/{record['id']}", {"lineItems": lines})

    def test_every_import_is_in_the_audit_log(self):
        moves = self.env["account.move"].search(
            [("kashoo_backend_id", "=", self.backend.id), ("state", "=", "posted")]
        )
        self.assertTrue(moves)
        entries = self.env["kashoo.audit.log"].search(
            [("action", "=", "import"), ("res_model", "=", "account.move")]
        )
        self.assertLessEqual(set(moves.ids), set(entries.mapped("res_id")))
        entry = entries.filtered(lambda entry: entry.res_id == moves[0].id)
        self.assertIn(str(moves[0].kashoo_id), entry.after_values)

    def test_every_record_imported_once_or_quarantined_with_a_reason(self):
        rows = self.env["kashoo.transaction"].search([("backend_id", "=", self.backend.id)])
        self.assertEqual(set(rows.mapped("kashoo_id")), set(self.records))
        self.assertFalse(
            rows.filtered(lambda row: row.state in ("pending", "retry")),
            rows.filtered(lambda row: row.state in ("pending", "retry")).mapped("error_message"),
        )
        for row in rows.filtered(lambda row: row.state == "quarantined"):
            self.assertTrue(row.error_type and row.error_message and row.suggested_fix)
            self.assertTrue(row.payload)
        for kashoo_id in set(self.fixtures["unmappableRecords"]):
            self.assertEqual(self._row(kashoo_id).state, "quarantined")
        done = rows.filtered(lambda row: row.state == "done")
        self.assertGreater(len(done), len(rows) * 0.8)
        moves = self.env["account.move"].search(
            [("company_id", "=", self.company.id), ("kashoo_id", "!=", False)]
        )
        self.assertEqual(len(moves), len(set(moves.mapped("kashoo_id"))))
        self.assertEqual(set(done.move_id.mapped("state")), {"posted"})
        for row in done:
            record = self.records[row.kashoo_id]
            self.assertEqual(row.move_id.kashoo_id, row.kashoo_id)
            if record["type"] in ("invoice", "bill") and record["currency"] == "CAD":
                self.assertEqual(
                    Decimal(str(abs(row.move_id.amount_total))).quantize(Decimal("0.01")),
                    (Decimal(abs(record["amount"])) / 100).quantize(Decimal("0.01")),
                    record["id"],
                )
        # Every attempt left a sync-log row.
        self.assertTrue(all(row.sync_log_ids for row in rows))

    def test_reprocessing_and_resync_create_nothing_new(self):
        domain = [("company_id", "=", self.company.id), ("kashoo_id", "!=", False)]
        before = self.env["account.move"].search(domain)
        self.backend.resync_from = "2020-01-01"
        self._sync()
        self.assertEqual(self.env["account.move"].search(domain), before)

    def test_unique_index_allows_one_live_document_per_kashoo_id(self):
        move = self._row(self._unpaid_invoice()["id"]).move_id
        with (
            mute_logger("odoo.sql_db"),
            self.assertRaises(psycopg2.IntegrityError),
            self.env.cr.savepoint(),
        ):
            move.copy({"kashoo_id": move.kashoo_id})
            self.env.flush_all()

    def test_update_of_a_posted_document_rewrites_it(self):
        record = self._unpaid_invoice()
        move = self._row(record["id"]).move_id
        self.assertEqual(move.state, "posted")
        updated = self._bump_quantity(record)
        self._sync()
        row = self._row(record["id"])
        self.assertEqual(
            (row.state, row.move_id, row.kashoo_version), ("done", move, updated["version"])
        )
        self.assertEqual(move.state, "posted")
        self.assertEqual(move.kashoo_version, updated["version"])
        self.assertAlmostEqual(move.amount_total, updated["amount"] / 100, places=2)
        self.assertEqual(row.sync_log_ids.sorted("id")[-1].outcome, "updated")

    def test_update_of_a_draft_document_rewrites_it(self):
        record = self._unpaid_invoice()
        move = self._row(record["id"]).move_id
        move.button_draft()
        updated = self._bump_quantity(record)
        self._sync()
        self.assertEqual(self._row(record["id"]).move_id, move)
        self.assertEqual(move.kashoo_version, updated["version"])
        self.assertAlmostEqual(move.amount_total, updated["amount"] / 100, places=2)

    def test_delete_of_a_posted_document_reverses_it(self):
        record = self._unpaid_invoice()
        move = self._row(record["id"]).move_id
        self._sandbox("DELETE", f"/_sandbox/records/{record['id']}")
        self._sync()
        row = self._row(record["id"])
        self.assertEqual(row.state, "deleted")
        self.assertEqual(row.move_id, move)
        self.assertEqual(len(move.reversal_move_ids), 1)
        # A repeated delete event does not reverse twice.
        self.env["kashoo.transaction"]._kashoo_upsert_hints(
            self.backend, [(record["id"], row.kashoo_version + 1, True)]
        )
        self._sync()
        self.assertEqual(len(move.reversal_move_ids), 1)

    def test_delete_of_a_posted_vendor_bill_reverses_it_with_a_refund_date(self):
        # Odoo refuses to post a vendor refund without a bill date (customer refunds get
        # today's): the reversal carries the original's date as its invoice date.
        record = self._unpaid_invoice("bill")
        move = self._row(record["id"]).move_id
        self._sandbox("DELETE", f"/_sandbox/records/{record['id']}")
        self._sync()
        self.assertEqual(self._row(record["id"]).state, "deleted")
        refund = move.reversal_move_ids
        self.assertEqual((refund.move_type, refund.state), ("in_refund", "posted"))
        self.assertEqual(refund.invoice_date, move.date)
        self.assertEqual(move.payment_state, "reversed")

    def test_delete_of_a_draft_document_removes_it(self):
        record = self._unpaid_invoice()
        move = self._row(record["id"]).move_id
        move.button_draft()
        self._sandbox("DELETE", f"/_sandbox/records/{record['id']}")
        self._sync()
        row = self._row(record["id"])
        self.assertEqual(row.state, "deleted")
        self.assertFalse(move.exists())
        self.assertFalse(row.move_id)

    def test_update_in_a_locked_period_is_quarantined(self):
        record = self._unpaid_invoice()
        move = self._row(record["id"]).move_id
        self.company.fiscalyear_lock_date = move.date
        self._bump_quantity(record)
        self._sync()
        row = self._row(record["id"])
        self.assertEqual((row.state, row.error_type), ("quarantined", "locked_period"))
        self.assertTrue(row.suggested_fix)
        self.assertEqual(move.kashoo_version, record["version"])
