from decimal import Decimal

from odoo.tests import tagged
from odoo.tools import mute_logger

from ..demo.sandbox_books import sandbox_request
from .common import ENGINE_LOGGERS
from .kashoo_mapping_common import KashooCanadaCommon


@tagged("post_install", "-at_install")
class TestImportHashLock(KashooCanadaCommon):
    """With "Lock imported entries with Odoo's hash", imported entries are inalterable and a
    new Kashoo version becomes a reversal plus a new document."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._map_everything()
        cls.builder = cls.env["kashoo.move.builder"]
        cls.backend.kashoo_lock_with_hash = True

    def _assert_books_balance(self):
        lines = self.env["account.move.line"].search(
            [("company_id", "=", self.company.id), ("parent_state", "=", "posted")]
        )
        self.assertTrue(lines)
        self.assertTrue(self.company.currency_id.is_zero(sum(lines.mapped("balance"))))

    def test_option_locks_the_import_journals(self):
        journals = self.backend._kashoo_import_journals()
        self.assertTrue({"sale", "purchase", "general", "bank"} <= set(journals.mapped("type")))
        self.assertTrue(all(journals.mapped("restrict_mode_hash_table")))

    def test_posted_imported_entries_carry_a_hash(self):
        ids = [self.fixtures["lineDiscount"][0], self.fixtures["partialPayment"][0]]
        payment = self._records([ids[1]])[0]
        invoice = self._records([payment["appliesTo"][0]["record"]])[0]
        results = self.builder._kashoo_build_moves(self.backend, [invoice, payment])
        self.assertFalse([result.error for result in results if result.error])
        for result in results:
            self.assertEqual(result.move.state, "posted")
            self.assertTrue(result.move.inalterable_hash, result.move.name)

    def test_new_version_of_a_hashed_entry_is_a_reversal_and_a_new_document(self):
        [record] = self._records([self.fixtures["lineDiscount"][0]])
        [result] = self.builder._kashoo_build_moves(self.backend, [record])
        move = result.move
        self.assertTrue(move.inalterable_hash)
        original_hash, original_total = move.inalterable_hash, move.amount_total
        line = dict(record["lineItems"][0])
        line["unitPrice"] += 100
        line["amount"] = round(Decimal(line["quantity"]) * line["unitPrice"]) - line["discount"]
        changed = dict(
            record,
            version=record["version"] + 1,
            lineItems=[line],
            amount=line["amount"] + sum(tax["amount"] for tax in line["taxes"]),
        )
        updated = self.builder._kashoo_rewrite_move(move, changed)
        self.assertFalse(updated.error, updated.error)
        self.assertEqual(updated.outcome, "updated")
        new = updated.move
        self.assertNotEqual(new, move)
        # The original is untouched (still hashed, same amounts) and reversed.
        self.assertEqual(move.state, "posted")
        self.assertEqual(move.inalterable_hash, original_hash)
        self.assertEqual(move.amount_total, original_total)
        reversal = self.env["account.move"].search([("reversed_entry_id", "=", move.id)])
        self.assertEqual(reversal.state, "posted")
        self.assertEqual(reversal.amount_total, original_total)
        self.assertEqual(move.payment_state, "reversed")
        # The new version is the live document of the Kashoo record, in the same lineage.
        self.assertEqual((new.kashoo_id, new.kashoo_version), (changed["id"], changed["version"]))
        self.assertEqual(new.kashoo_previous_move_id, move)
        self.assertEqual(new.state, "posted")
        self.assertTrue(new.inalterable_hash)
        self.assertEqual(
            Decimal(str(new.amount_total)).quantize(Decimal("0.01")),
            Decimal(changed["amount"]).scaleb(-2),
        )
        self.assertEqual(
            self.env["account.move"].search(
                [("company_id", "=", self.company.id), ("kashoo_id", "=", changed["id"])]
            ),
            new,
        )
        self._assert_books_balance()

    def _process(self, records):
        self.env["kashoo.transaction"]._kashoo_upsert_records(self.backend, records)
        with mute_logger(*ENGINE_LOGGERS):
            self.backend._kashoo_process_batches(time_budget=600)
        return self.env["kashoo.transaction"].search(
            [("backend_id", "=", self.backend.id), ("kashoo_id", "in", [r["id"] for r in records])]
        )

    def test_engine_points_the_staging_row_at_the_new_document(self):
        record = next(
            record
            for record in self._all_records()
            if record["type"] == "invoice"
            and record["currency"] == "CAD"
            and not record.get("removed")
            and record["id"] not in self.fixtures["lineDiscount"]
        )
        row = self._process([record])
        self.assertEqual(row.state, "done", row.error_message)
        first = row.move_id
        self.assertTrue(first.inalterable_hash)
        changed = sandbox_request(
            self.sandbox.url, "PATCH", f"/_sandbox/records/{record['id']}", {"memo": "changed"}
        )
        self.assertEqual(changed["version"], record["version"] + 1)
        row = self._process([changed])
        self.assertEqual(row.state, "done", row.error_message)
        self.assertNotEqual(row.move_id, first)
        self.assertEqual(row.move_id.kashoo_previous_move_id, first)
        self.assertEqual(row.move_id.kashoo_version, changed["version"])
        self.assertTrue(row.move_id.inalterable_hash)
        self.assertEqual(first.payment_state, "reversed")
        self._assert_books_balance()

    def test_new_version_of_a_hashed_payment_is_a_reversal_and_a_new_payment(self):
        payment = self._records([self.fixtures["partialPayment"][0]])[0]
        invoice = self._records([payment["appliesTo"][0]["record"]])[0]
        invoice_result, payment_result = self.builder._kashoo_build_moves(
            self.backend, [invoice, payment]
        )
        old = payment_result.move
        self.assertTrue(old.inalterable_hash)
        changed = dict(payment, version=payment["version"] + 1, memo="changed")
        updated = self.builder._kashoo_rewrite_move(old, changed)
        self.assertFalse(updated.error, updated.error)
        new = updated.move
        self.assertNotEqual(new, old)
        self.assertEqual(new.kashoo_previous_move_id, old)
        self.assertEqual(old.origin_payment_id.state, "canceled")
        self.assertTrue(new.origin_payment_id)
        # The invoice is settled by the new payment only, as much as before.
        invoice_move = invoice_result.move
        self.assertEqual(
            invoice_move.line_ids.matched_credit_ids.credit_move_id.move_id
            | invoice_move.line_ids.matched_debit_ids.debit_move_id.move_id,
            new,
        )
        self.assertEqual(invoice_move.payment_state, "partial")
        self._assert_books_balance()
