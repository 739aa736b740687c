from datetime import timedelta
from decimal import Decimal
from unittest.mock import patch

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import tagged
from odoo.tools.translate import code_translations

from ..kashoo_mapper import MappingError
from .kashoo_mapping_common import KashooCanadaCommon


def money(minor_units, decimals=2):
    return Decimal(minor_units).scaleb(-decimals)


@tagged("post_install", "-at_install")
class TestKashooMoveBuilder(KashooCanadaCommon):
    """Kashoo sandbox records become posted Odoo documents with Kashoo's exact amounts."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._map_everything()
        cls.builder = cls.env["kashoo.move.builder"]

    def _build(self, ids):
        records = self._records(ids)
        results = self.builder._kashoo_build_moves(self.backend, records)
        self.assertEqual([result.kashoo_id for result in results], ids)
        return records, results

    def _assert_document(self, record, move):
        """Balanced, posted, totals and taxes equal to Kashoo's to the cent."""
        decimals = move.currency_id.decimal_places
        self.assertEqual(move.state, "posted")
        self.assertTrue(move.currency_id.is_zero(sum(move.line_ids.mapped("amount_currency"))))
        self.assertTrue(move.company_currency_id.is_zero(sum(move.line_ids.mapped("balance"))))
        kashoo_tax = sum(tax["amount"] for line in record["lineItems"] for tax in line["taxes"])
        self.assertEqual(
            Decimal(str(move.amount_total)).quantize(money(1, decimals)),
            abs(money(record["amount"], decimals)),
        )
        self.assertEqual(
            Decimal(str(move.amount_tax)).quantize(money(1, decimals)),
            abs(money(kashoo_tax, decimals)),
        )
        self.assertEqual(move.kashoo_id, record["id"])
        self.assertEqual(move.kashoo_version, record["version"])
        self.assertTrue(move.kashoo_uuid)
        if kashoo_tax:
            self.assertIn("Total tax", move.narration)

    def test_invoice_is_a_customer_invoice_with_partner_and_term(self):
        [record], [result] = self._build([self.fixtures["lineDiscount"][0]])
        move = result.move
        self.assertFalse(result.error)
        self._assert_document(record, move)
        self.assertEqual(move.move_type, "out_invoice")
        contact = self.env["kashoo.contact"].search(
            [("backend_id", "=", self.backend.id), ("kashoo_id", "=", record["contact"])]
        )
        self.assertEqual(move.partner_id, contact.partner_id)
        self.assertEqual(move.invoice_date_due, fields.Date.to_date(record["dueDate"]))
        self.assertEqual(move.invoice_date, fields.Date.to_date(record["date"]))
        if contact.terms == "NET30":
            self.assertEqual(move.invoice_payment_term_id.line_ids.nb_days, 30)

    def test_taxes_and_tax_accounts(self):
        """GST/HST charged goes to the payable account of the mapped Odoo tax."""
        ids = [
            r["id"]
            for r in self._all_records()
            if r["type"] == "invoice"
            and not r.get("removed")
            and r["id"] not in self.fixtures["unmappableRecords"]
        ][:15]
        records, results = self._build(ids)
        for record, result in zip(records, results, strict=True):
            self.assertFalse(result.error, result.error)
            self._assert_document(record, result.move)
            kashoo_taxes = {
                tax["tax"] for line in record["lineItems"] for tax in line["taxes"] if tax["amount"]
            }
            mapped = self.env["kashoo.tax"].search(
                [("backend_id", "=", self.backend.id), ("kashoo_id", "in", list(kashoo_taxes))]
            )
            tax_lines = result.move.line_ids.filtered("tax_line_id")
            self.assertEqual(tax_lines.tax_line_id, mapped.sale_tax_id)
            for line in tax_lines:
                expected = line.tax_line_id.invoice_repartition_line_ids.filtered(
                    lambda rep: rep.repartition_type == "tax"
                ).account_id
                self.assertEqual(line.account_id, expected)

    def test_employee_claim_is_owed_on_the_reimbursement_payable(self):
        [record], [result] = self._build(self.fixtures["reimbursableExpense"][:1])
        self.assertFalse(result.error, result.error)
        move = result.move
        self._assert_document(record, move)
        self.assertEqual(move.move_type, "in_invoice")
        owed = move.line_ids.filtered(lambda line: line.display_type == "payment_term")
        self.assertEqual(owed.account_id, self.backend.kashoo_employee_payable_account_id)
        self.assertEqual(owed.partner_id.name, record["employee"]["name"])

    def test_compound_tax_amounts_are_kashoos(self):
        records, results = self._build(self.fixtures["compoundTaxRecords"])
        for record, result in zip(records, results, strict=True):
            self.assertFalse(result.error, result.error)
            self._assert_document(record, result.move)
            compound = self.env["kashoo.tax"].search(
                [("backend_id", "=", self.backend.id), ("compound", "=", True)]
            )
            compound_line = result.move.line_ids.filtered(
                lambda line, tax=compound.sale_tax_id: line.tax_line_id == tax
            )
            expected = sum(
                tax["amount"]
                for line in record["lineItems"]
                for tax in line["taxes"]
                if tax["tax"] == compound.kashoo_id
            )
            self.assertAlmostEqual(-compound_line.amount_currency, float(money(expected)))

    def test_credit_note_and_vendor_refund(self):
        ids = [self.fixtures["creditNote"][0], self.fixtures["vendorRefund"][0]]
        records, results = self._build(ids)
        self.assertEqual([r.move.move_type for r in results], ["out_refund", "in_refund"])
        for record, result in zip(records, results, strict=True):
            self._assert_document(record, result.move)

    def test_usd_invoice_keeps_rate_and_original_amount(self):
        [record], [result] = self._build([self.fixtures["usd"][0]])
        move = result.move
        self._assert_document(record, move)
        self.assertEqual(move.currency_id.name, "USD")
        rate = Decimal(record["exchangeRate"])
        self.assertAlmostEqual(move.kashoo_exchange_rate, float(rate), places=6)
        self.assertAlmostEqual(move.kashoo_original_amount, float(money(record["amount"])))
        receivable = move.line_ids.filtered(lambda line: line.display_type == "payment_term")
        self.assertAlmostEqual(
            receivable.balance, float((money(record["amount"]) * rate).quantize(Decimal("0.01")))
        )

    def test_jpy_bill_zero_decimals(self):
        [record], [result] = self._build(self.fixtures["jpy"])
        self.assertFalse(result.error, result.error)
        self._assert_document(record, result.move)
        self.assertEqual(result.move.move_type, "in_invoice")
        self.assertEqual(result.move.currency_id.name, "JPY")

    def test_payments_reconcile_with_their_invoices(self):
        payment_ids = (
            self.fixtures["earlyPaymentDiscount"]
            + self.fixtures["partialPayment"]
            + self.fixtures["multiDocumentPayment"]
            + [self.fixtures["usd"][1]]
        )
        payments = self._records(payment_ids)
        invoice_ids = sorted(
            {application["record"] for payment in payments for application in payment["appliesTo"]}
        )
        # One batch with the invoices and their payments: invoices are posted first.
        results = self.builder._kashoo_build_moves(
            self.backend, self._records(invoice_ids) + payments
        )
        self.assertFalse([result.error for result in results if result.error])
        by_id = {result.kashoo_id: result.move for result in results}
        for payment in payments:
            move = by_id[payment["id"]]
            self.assertEqual(move.state, "posted")
            self.assertTrue(move.origin_payment_id)
            for application in payment["appliesTo"]:
                invoice = by_id[application["record"]]
                settled = money(application["amount"] + (application.get("discount") or 0))
                paid = Decimal(str(invoice.amount_total - invoice.amount_residual)).quantize(
                    Decimal("0.01")
                )
                self.assertGreaterEqual(paid, settled)
        partial = by_id[self.fixtures["partialPayment"][0]]
        partial_invoice = by_id[
            self._records(self.fixtures["partialPayment"])[0]["appliesTo"][0]["record"]
        ]
        self.assertTrue(partial.line_ids.matched_debit_ids | partial.line_ids.matched_credit_ids)
        self.assertIn(partial_invoice.payment_state, ("partial", "in_payment", "paid"))
        discount_payment = by_id[self.fixtures["earlyPaymentDiscount"][0]]
        loss_account = self.company.account_journal_early_pay_discount_loss_account_id
        write_off = discount_payment.line_ids.filtered(lambda line: line.account_id == loss_account)
        self.assertTrue(write_off)

    def test_removed_and_unmappable_records(self):
        ids = [self.fixtures["removed"][0]] + self.fixtures["unmappableRecords"][:2]
        records, results = self._build(ids)
        self.assertEqual(results[0].outcome, "deleted")
        self.assertFalse(results[0].move)
        for result in results[1:]:
            self.assertIsInstance(result.error, MappingError)
            self.assertIn(result.error.error_type, ("unmapped_tax", "unmapped_account"))
            self.assertFalse(result.move)

    def test_prepare_returns_vals_or_errors_in_order(self):
        ids = [self.fixtures["lineDiscount"][0], self.fixtures["unmappableRecords"][0]]
        prepared = self.builder._kashoo_prepare(self.backend, self._records(ids))
        self.assertEqual([record["id"] for record, _vals in prepared], ids)
        self.assertEqual(prepared[0][1]["move_type"], "out_invoice")
        self.assertIsInstance(prepared[1][1], MappingError)

    def test_same_version_is_not_created_twice(self):
        ids = [self.fixtures["readOnly"][0]]
        _records, [first] = self._build(ids)
        _records, [second] = self._build(ids)
        self.assertEqual(second.outcome, "unchanged")
        self.assertEqual(second.move, first.move)

    def test_locked_period_is_a_typed_error(self):
        record = self._records([self.fixtures["lineDiscount"][0]])[0]
        self.company.sudo().fiscalyear_lock_date = fields.Date.to_date(record["date"])
        [result] = self.builder._kashoo_build_moves(self.backend, [record])
        self.assertEqual(result.error.error_type, "locked_period")
        self.assertFalse(result.move)

    def test_lock_date_and_reconciliation_errors_do_not_depend_on_the_language(self):
        """Odoo's refusals are translated: what they mean is read from the documents.

        A lock date set, or a payment matched, by someone else between the builder's own
        check and Odoo's work makes Odoo refuse in the user's language; the error is typed
        the same in French as in English.
        """
        self.env["res.lang"]._activate_lang("fr_FR")
        self.env["ir.module.module"]._load_module_terms(["base", "account"], ["fr_FR"])
        payment = self._records(self.fixtures["partialPayment"])[0]
        invoice = self._records([payment["appliesTo"][0]["record"]])[0]
        day = fields.Date.to_date(invoice["date"])
        Builder = type(self.builder)
        check = Builder._kashoo_change_blocker

        def racing(calls):
            # The builder's check before the change sees nothing; later looks are real.
            def blocker(builder, *args):
                calls.append(args)
                return None if len(calls) == 1 else check(builder, *args)

            return blocker

        def refused(move_self):
            # One of Odoo's own reconciliation refusals, in the user's language.
            source = "You are trying to reconcile some entries that are already reconciled."
            message = code_translations.get_python_translations("account", move_self.env.lang).get(
                source, source
            )
            messages.add(message)
            raise UserError(message)

        outcomes, messages = {}, set()
        for lang in ("en_US", "fr_FR"):
            builder = self.builder.with_context(lang=lang)
            with self.env.cr.savepoint(flush=False) as savepoint:
                [created] = builder._kashoo_build_moves(self.backend, [invoice])
                move = created.move.with_context(lang=lang)
                changed = dict(invoice, version=invoice["version"] + 1, memo="changed")
                self.company.sudo().fiscalyear_lock_date = day
                with self.assertRaises(UserError) as odoo_refusal:
                    with self.env.cr.savepoint():
                        move.button_draft()
                messages.add(str(odoo_refusal.exception))
                with patch.object(Builder, "_kashoo_change_blocker", racing([])):
                    locked = builder._kashoo_rewrite_move(move, changed).error
                self.company.sudo().fiscalyear_lock_date = False
                builder._kashoo_build_moves(self.backend, [payment])
                with (
                    patch.object(Builder, "_kashoo_change_blocker", racing([])),
                    patch.object(type(move), "button_draft", refused),
                ):
                    reconciled = builder._kashoo_rewrite_move(move, changed).error
                outcomes[lang] = (
                    locked.error_type,
                    locked.fix_action,
                    reconciled.error_type,
                    reconciled.fix_action,
                )
                savepoint.rollback()
        self.assertEqual(
            outcomes["en_US"], ("locked_period", "reopen_period", "reconciled", "unreconcile")
        )
        self.assertEqual(outcomes["fr_FR"], outcomes["en_US"])
        self.assertEqual(len(messages), 4, "Odoo refused twice in English, twice in French")

    def test_a_new_version_dated_in_a_locked_period_is_a_typed_error(self):
        [record], [result] = self._build([self.fixtures["lineDiscount"][0]])
        day = fields.Date.to_date(record["date"])
        self.company.sudo().fiscalyear_lock_date = day.replace(day=1) - timedelta(days=1)
        earlier = dict(
            record, version=record["version"] + 1, date=str(day.replace(year=day.year - 1))
        )
        error = self.builder._kashoo_rewrite_move(result.move, earlier).error
        self.assertEqual((error.error_type, error.fix_action), ("locked_period", "reopen_period"))
        self.assertEqual(result.move.date, day)

    def test_one_bad_record_does_not_sink_the_batch(self):
        good, other = self._records(
            [self.fixtures["lineDiscount"][0], self.fixtures["creditNote"][0]]
        )
        broken = dict(
            other,
            lineItems=[dict(other["lineItems"][0], account=999999)],
            amount=other["lineItems"][0]["amount"]
            + sum(tax["amount"] for tax in other["lineItems"][0]["taxes"]),
        )
        results = self.builder._kashoo_build_moves(self.backend, [good, broken])
        self.assertTrue(results[0].move)
        self.assertEqual(results[1].error.error_type, "unmapped_account")

    def test_rewrite_and_remove(self):
        [record], [result] = self._build([self.fixtures["lineDiscount"][0]])
        move = result.move
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
        self.assertEqual(updated.move, move)
        self.assertEqual(move.state, "posted")
        self.assertEqual(move.kashoo_version, changed["version"])
        self._assert_document(changed, move)

        removal = self.builder._kashoo_remove_move(move)
        self.assertEqual(removal.outcome, "deleted")
        self.assertEqual(removal.move.reversed_entry_id, move)
        self.assertIn(move.payment_state, ("reversed", "paid"))

    def test_rewrite_reconciled_invoice_is_refused(self):
        payment = self._records(self.fixtures["partialPayment"])[0]
        invoice = self._records([payment["appliesTo"][0]["record"]])[0]
        results = self.builder._kashoo_build_moves(self.backend, [invoice, payment])
        changed = dict(invoice, version=invoice["version"] + 1, memo="changed")
        result = self.builder._kashoo_rewrite_move(results[0].move, changed)
        self.assertEqual(result.error.error_type, "reconciled")

    def test_remove_draft_deletes_it(self):
        [_record], [result] = self._build([self.fixtures["creditNote"][1]])
        move = result.move
        move.button_draft()
        removal = self.builder._kashoo_remove_move(move)
        self.assertEqual(removal.outcome, "deleted")
        self.assertFalse(removal.move)
        self.assertFalse(move.exists())

    def test_batch_numbering_is_odoos_with_one_lookup_per_series(self):
        """Posted in one batch, documents get Odoo's own gapless numbers in date order, but
        the last number of a series is looked up once, not before every move."""
        unmappable = set(self.fixtures["unmappableRecords"])
        records = sorted(
            (
                record
                for record in self._all_records()
                if record["type"] in ("invoice", "expense") and record["id"] not in unmappable
            ),
            key=lambda record: (record["date"], record["id"]),
        )
        month = records[0]["date"][:7]
        batch = [record for record in records if record["date"].startswith(month)][:12]
        self.assertGreater(len({record["type"] for record in batch}), 1)
        Move = type(self.env["account.move"])
        lookups = []
        original = Move._get_last_sequence

        def counting(move, *args, **kwargs):
            lookups.append(move.journal_id.id)
            return original(move, *args, **kwargs)

        with patch.object(Move, "_get_last_sequence", counting):
            results = self.builder._kashoo_build_moves(self.backend, batch)
        moves = self.env["account.move"].union(*(result.move for result in results))
        self.assertFalse([result.error for result in results if result.error])
        self.assertEqual(set(moves.mapped("state")), {"posted"})
        for journal in moves.journal_id:
            named = moves.filtered(lambda move, journal=journal: move.journal_id == journal)
            numbers = named.sorted(lambda move: (move.date, move.id)).mapped("sequence_number")
            self.assertEqual(numbers, list(range(numbers[0], numbers[0] + len(named))))
            self.assertEqual(numbers[0], 1, "a fresh journal starts at 1: nothing skipped")
            # Odoo looks up each series at most twice (strict, then relaxed), not per move.
            self.assertLessEqual(lookups.count(journal.id), 2)
        self.assertEqual(len(set(moves.mapped("name"))), len(moves))

    def test_whole_sandbox_book(self):
        """Every sandbox record imports, or fails with a typed error where the sandbox says
        it is unmappable (or pays a record that is)."""
        records = sorted(self._all_records(), key=lambda record: (record["date"], record["id"]))
        results = []
        for start in range(0, len(records), 100):
            results += self.builder._kashoo_build_moves(self.backend, records[start : start + 100])
        unmappable = set(self.fixtures["unmappableRecords"])
        failures = {result.kashoo_id: result.error for result in results if result.error}
        for kashoo_id, error in failures.items():
            record = next(record for record in records if record["id"] == kashoo_id)
            targets = {application["record"] for application in record.get("appliesTo") or ()}
            self.assertTrue(
                kashoo_id in unmappable or targets & unmappable,
                f"record {kashoo_id} ({record['type']}) failed: {error}",
            )
            self.assertIsInstance(error, MappingError)
        self.assertTrue(unmappable <= set(failures))
