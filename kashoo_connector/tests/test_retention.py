import json
from datetime import timedelta
from pathlib import Path

from freezegun import freeze_time

from odoo import fields
from odoo.exceptions import ValidationError
from odoo.tests import tagged

from ..kashoo_logic import audit_chain
from .common import KashooCommon

NEUTRALIZE_SQL = Path(__file__).resolve().parent.parent / "data" / "neutralize.sql"


@tagged("post_install", "-at_install")
class TestRetention(KashooCommon):
    """Records are kept at least six years; the purge after that follows the backend."""

    def _transaction(self, kashoo_id, state="done"):
        return (
            self.env["kashoo.transaction"]
            .sudo()
            .create(
                {
                    "backend_id": self.backend.id,
                    "kashoo_id": kashoo_id,
                    "state": state,
                    "payload": {"id": kashoo_id},
                }
            )
        )

    def _log(self, transaction=None, outcome="done", **values):
        return (
            self.env["kashoo.sync.log"]
            .sudo()
            .create(
                {
                    "backend_id": self.backend.id,
                    "transaction_id": transaction.id if transaction else False,
                    "kashoo_id": transaction.kashoo_id if transaction else 0,
                    "outcome": outcome,
                    **values,
                }
            )
        )

    def _age(self, records, column, **delta):
        self.env.flush_all()
        moment = fields.Datetime.now() - timedelta(**delta)
        self.env.cr.execute(
            f"UPDATE {records._table} SET {column} = %s WHERE id IN %s",
            [moment, tuple(records.ids)],
        )
        records.invalidate_recordset()

    def test_the_retention_setting_is_at_least_six_years(self):
        self.assertEqual(self.backend.kashoo_retention_years, 7)
        for years in (1, 5, -1):
            with self.subTest(years=years), self.assertRaises(ValidationError):
                self.backend.kashoo_retention_years = years
        self.backend.kashoo_retention_years = 6
        self.backend.kashoo_retention_years = 0  # never purge

    def test_the_autovacuum_keeps_import_attempts_and_drops_old_run_failures(self):
        transaction = self._transaction(1001)
        attempt = self._log(transaction, outcome="quarantined")
        orphan_attempt = self._log(outcome="retry", kashoo_id=1002)
        run_failure = self._log(outcome="error", message="fetch: boom")
        recent_failure = self._log(outcome="paused", message="fetch: 401")
        self._age(attempt | orphan_attempt | run_failure, "create_date", days=100)
        self._age(recent_failure, "create_date", days=10)

        self.env["kashoo.sync.log"]._gc_kashoo_sync_logs()

        self.assertTrue(attempt.exists())
        self.assertTrue(orphan_attempt.exists())
        self.assertFalse(run_failure.exists())
        self.assertTrue(recent_failure.exists())

    def test_the_purge_keeps_five_year_old_records_and_removes_older_ones(self):
        young, old = self._transaction(2001), self._transaction(2002)
        open_old = self._transaction(2003, state="quarantined")
        young_log, old_log = self._log(young), self._log(old)
        self._age(young, "write_date", days=5 * 365)
        self._age(young_log, "create_date", days=5 * 365)
        self._age(old | open_old, "write_date", days=7 * 365 + 10)
        self._age(old_log, "create_date", days=7 * 365 + 10)

        self.env["kashoo.backend"]._cron_kashoo_retention_purge()

        self.assertTrue(young.exists())
        self.assertTrue(young_log.exists())
        self.assertFalse(old.exists())
        self.assertFalse(old_log.exists())
        self.assertTrue(open_old.exists(), "a quarantined row is open business: kept")

        # Six years: the five-year-old rows still stay.
        self.backend.kashoo_retention_years = 6
        self.env["kashoo.backend"]._cron_kashoo_retention_purge()
        self.assertTrue(young.exists())
        self.assertTrue(young_log.exists())

    def test_nothing_is_purged_when_the_setting_says_never(self):
        old = self._transaction(3001)
        old_log = self._log(old)
        self._age(old, "write_date", days=20 * 365)
        self._age(old_log, "create_date", days=20 * 365)
        self.backend.kashoo_retention_years = 0
        self.env["kashoo.backend"]._cron_kashoo_retention_purge()
        self.assertTrue(old.exists())
        self.assertTrue(old_log.exists())

    def test_nothing_is_purged_before_six_years_even_if_set_lower_in_sql(self):
        log = self._log(self._transaction(3101))
        self._age(log, "create_date", days=5 * 365)
        self.env.cr.execute(
            "UPDATE kashoo_backend SET kashoo_retention_years = 1 WHERE id = %s",
            [self.backend.id],
        )
        self.backend.invalidate_recordset()
        self.env["kashoo.backend"]._cron_kashoo_retention_purge()
        self.assertTrue(log.exists())

    def test_the_audit_log_purge_keeps_the_chain_verifiable(self):
        Audit = self.env["kashoo.audit.log"]
        methods = self.env["kashoo.payment.method"].create(
            [{"backend_id": self.backend.id, "name": f"Old {n}"} for n in range(3)]
        )
        now = fields.Datetime.now()
        with freeze_time(now - timedelta(days=8 * 365)):
            old_entries = Audit._kashoo_record("import", methods[:2])
            Audit._kashoo_seal()
            last_old_sequence = old_entries[-1].sequence
        with freeze_time(now - timedelta(days=5 * 365)):
            kept_entries = Audit._kashoo_record("import", methods[2:])
            Audit._kashoo_seal()

        self.env["kashoo.backend"]._cron_kashoo_retention_purge()

        self.assertFalse(old_entries.exists())
        self.assertTrue(kept_entries.exists())
        purge = Audit.sudo().search(
            [("company_id", "=", self.company.id), ("action", "=", "purge")]
        )
        self.assertEqual(len(purge), 1)
        anchor = json.loads(purge.after_values)
        self.assertEqual(anchor[audit_chain.PURGED_THROUGH_SEQUENCE], last_old_sequence)
        self.assertEqual(anchor["count"], 2)
        report = Audit._kashoo_verify(self.company)[self.company]
        self.assertTrue(report.ok, report.problems)
        # A second purge finds nothing more to remove and writes no entry.
        self.env["kashoo.backend"]._cron_kashoo_retention_purge()
        self.assertEqual(
            Audit.sudo().search_count(
                [("company_id", "=", self.company.id), ("action", "=", "purge")]
            ),
            1,
        )


@tagged("post_install", "-at_install")
class TestNeutralize(KashooCommon):
    def test_personal_data_of_kashoo_contacts_is_pseudonymised(self):
        linked = self.env["res.partner"].create(
            {
                "name": "Jeanne Tremblay",
                "email": "jeanne@example.ca",
                "phone": "+1 514 555 0101",
                "street": "1 rue Sainte-Catherine",
                "city": "Montréal",
                "zip": "H2X 1Y1",
                "vat": "123456789RT0001",
                "kashoo_gst_number": "123456789RT0001",
            }
        )
        unrelated = self.env["res.partner"].create(
            {"name": "Not From Kashoo", "email": "keep@example.ca", "phone": "+1 416 555 0199"}
        )
        contact = self.env["kashoo.contact"].create(
            {
                "backend_id": self.backend.id,
                "kashoo_id": 777,
                "name": "Jeanne Tremblay",
                "email": "jeanne@example.ca",
                "business_number": "123456789",
                "gst_number": "123456789RT0001",
                "qst_number": "1234567890TQ0001",
                "partner_id": linked.id,
                "raw": {"name": "Jeanne Tremblay", "email": "jeanne@example.ca"},
            }
        )
        self.env.flush_all()

        self.env.cr.execute(NEUTRALIZE_SQL.read_text())
        self.env.invalidate_all()

        for value in (contact.name, contact.email, linked.name, linked.email):
            self.assertNotIn("Jeanne", value or "")
        self.assertFalse(contact.business_number or contact.gst_number or contact.qst_number)
        self.assertFalse(contact.raw)
        self.assertFalse(linked.phone or linked.street or linked.city or linked.zip)
        self.assertFalse(linked.vat or linked.kashoo_gst_number)
        self.assertEqual(unrelated.name, "Not From Kashoo")
        self.assertEqual(unrelated.email, "keep@example.ca")
        self.assertEqual(unrelated.phone, "+1 416 555 0199")
