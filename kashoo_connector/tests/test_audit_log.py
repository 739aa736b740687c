import json

from psycopg2 import errors as pg_errors

from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from ..kashoo_logic import audit_chain
from .common import KashooCommon


@tagged("post_install", "-at_install")
class TestAuditLog(KashooCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Audit = cls.env["kashoo.audit.log"]

    def _entries(self, **domain):
        return self.Audit.sudo().search(
            [(name, "=", value) for name, value in domain.items()], order="id"
        )

    def _seal(self):
        self.Audit._kashoo_seal()

    def _log_some(self, count):
        records = self.env["kashoo.payment.method"].create(
            [{"backend_id": self.backend.id, "name": f"Method {n}"} for n in range(count)]
        )
        entries = self.Audit._kashoo_record(
            "import", records, after=[{"n": n} for n in range(count)]
        )
        self._seal()
        return entries

    def _disable_guard(self):
        # A DBA's tampering, trigger off (the test transaction rolls the DDL back).
        self.env.cr.execute("ALTER TABLE kashoo_audit_log DISABLE TRIGGER kashoo_audit_log_guard")

    # === The chain === #

    def test_entries_are_sealed_into_one_chain_per_company(self):
        entries = self._log_some(3)
        other = self.env["kashoo.backend"].create({"company_id": self.other_company.id})
        other_entry = self.Audit._kashoo_record("retry", other, after={"why": "test"})
        self._seal()
        self.assertEqual(entries.mapped("company_id"), self.company)
        sequences = entries.mapped("sequence")
        self.assertEqual(sequences, list(range(sequences[0], sequences[0] + 3)))
        self.assertEqual(entries[1].previous_hash, entries[0].hash)
        self.assertEqual(entries[2].previous_hash, entries[1].hash)
        self.assertEqual(other_entry.company_id, self.other_company)
        self.assertEqual(other_entry.sequence, 1)
        self.assertEqual(other_entry.previous_hash, audit_chain.GENESIS_HASH)
        self.assertEqual(entries[0].user_id, self.env.user)
        self.assertEqual(entries[0].backend_id, self.backend)
        self.assertEqual(entries[0].res_model, "kashoo.payment.method")
        self.assertEqual(json.loads(entries[1].after_values), {"n": 1})
        reports = self.Audit._kashoo_verify(self.company | self.other_company)
        self.assertTrue(all(report.ok for report in reports.values()), reports)

    def test_the_chain_fields_cannot_be_chosen_by_the_writer(self):
        entry = self.Audit.sudo().create(
            {
                "company_id": self.company.id,
                "action": "config",
                "sequence": 999,
                "hash": "f" * 64,
                "logged_at": "2001-01-01 00:00:00",
            }
        )
        self.assertFalse(entry.hash)
        self.assertNotEqual(str(entry.logged_at), "2001-01-01 00:00:00")
        self._seal()
        self.assertNotEqual(entry.sequence, 999)
        self.assertTrue(self.Audit._kashoo_verify(self.company)[self.company].ok)

    def test_entries_cannot_be_changed_or_deleted_even_as_superuser(self):
        entry = self._log_some(1)
        for audit in (entry, entry.sudo(), entry.with_user(self.kashoo_manager)):
            with self.assertRaises(UserError):
                audit.write({"after_values": "{}"})
            with self.assertRaises(UserError):
                audit.unlink()
        # Nor in SQL: the trigger refuses both.
        with mute_logger("odoo.sql_db"):
            with self.assertRaises(pg_errors.InsufficientPrivilege), self.env.cr.savepoint():
                self.env.cr.execute(
                    "UPDATE kashoo_audit_log SET after_values = '{}' WHERE id = %s", [entry.id]
                )
            with self.assertRaises(pg_errors.InsufficientPrivilege), self.env.cr.savepoint():
                self.env.cr.execute("DELETE FROM kashoo_audit_log WHERE id = %s", [entry.id])
        self.assertTrue(entry.exists())

    def test_deleting_a_backend_or_user_keeps_the_chain_intact(self):
        user = new_test_user(
            self.env,
            "audit_leaver",
            groups="kashoo_connector.kashoo_connector_group_manager",
            company_id=self.other_company.id,
            company_ids=[self.other_company.id],
        )
        other = self.env["kashoo.backend"].create({"company_id": self.other_company.id})
        other.with_user(user).write({"name": "Renamed by a leaver"})
        self._seal()
        entry = self._entries(backend_id=other.id)
        self.assertEqual(entry.user_id, user)
        other.unlink()
        user.unlink()
        self.assertFalse(entry.backend_id)
        self.assertFalse(entry.user_id)
        self.assertEqual(entry.user_ref, user.id)
        self.assertTrue(self.Audit._kashoo_verify(self.other_company)[self.other_company].ok)

    # === Verification and alert === #

    def test_verification_reports_an_altered_and_a_deleted_entry_and_alerts(self):
        entries = self._log_some(6)
        sequences = entries.mapped("sequence")
        self.assertTrue(self.Audit._kashoo_verify(self.company)[self.company].ok)
        self._disable_guard()
        self.env.cr.execute(
            "UPDATE kashoo_audit_log SET after_values = %s WHERE id = %s",
            ['{"n":"forged"}', entries[1].id],
        )
        self.env.cr.execute("DELETE FROM kashoo_audit_log WHERE id = %s", [entries[3].id])
        self.Audit.invalidate_model()

        self.Audit._cron_kashoo_verify_audit_log()

        report = self.Audit._kashoo_verify(self.company)[self.company]
        found = {(problem.kind, problem.sequence) for problem in report.problems}
        self.assertEqual(
            found,
            {(audit_chain.ALTERED, sequences[1]), (audit_chain.GAP, sequences[4])},
        )
        gap = next(p for p in report.problems if p.kind == audit_chain.GAP)
        self.assertEqual((gap.missing_from, gap.missing_to), (sequences[3], sequences[3]))
        # The managers are told on the backend, with the entries named.
        message = self.backend.message_ids[:1]
        self.assertIn("tampering detected", message.body)
        self.assertIn(f"#{sequences[1]}", message.body)
        self.assertIn(f"#{sequences[3]}", message.body)
        self.assertIn(self.kashoo_manager.partner_id, message.partner_ids)
        activity = self.backend.activity_ids.filtered(lambda a: a.user_id == self.kashoo_manager)
        self.assertEqual(len(activity), 1)
        self.assertFalse(self.backend.kashoo_audit_verified_ok)
        # A second run does not pile up activities.
        self.Audit._cron_kashoo_verify_audit_log()
        activity = self.backend.activity_ids.filtered(lambda a: a.user_id == self.kashoo_manager)
        self.assertEqual(len(activity), 1)

    def test_deleting_the_newest_entries_is_detected_against_the_head(self):
        entries = self._log_some(3)
        self._disable_guard()
        self.env.cr.execute("DELETE FROM kashoo_audit_log WHERE id = %s", [entries[2].id])
        report = self.Audit._kashoo_verify(self.company)[self.company]
        self.assertEqual([p.kind for p in report.problems], [audit_chain.TRUNCATED])

    def test_the_verify_button_is_for_kashoo_managers(self):
        self._log_some(2)
        action = self.Audit.with_user(self.kashoo_manager).action_kashoo_verify()
        self.assertEqual(action["params"]["type"], "success")
        action = self.backend.with_user(self.kashoo_manager).action_kashoo_verify_audit_log()
        self.assertEqual(action["params"]["type"], "success")
        with self.assertRaises(AccessError):
            self.backend.with_user(self.accountant).action_kashoo_verify_audit_log()
        with self.assertRaises(AccessError):
            self.Audit.with_user(self.accountant).action_kashoo_verify()

    # === Access === #

    def test_managers_read_their_companies_entries_only_and_nobody_writes(self):
        self._log_some(1)
        other = self.env["kashoo.backend"].create({"company_id": self.other_company.id})
        self.Audit._kashoo_record("retry", other)
        visible = self.Audit.with_user(self.single_company_manager).search([])
        self.assertTrue(visible)
        self.assertEqual(visible.company_id, self.company)
        with self.assertRaises(AccessError):
            self.Audit.with_user(self.accountant).search([])
        with self.assertRaises(AccessError):
            self.Audit.with_user(self.kashoo_manager).create(
                {"company_id": self.company.id, "action": "config"}
            )

    # === Writers === #

    def test_backend_configuration_changes_are_logged_with_before_and_after(self):
        self.backend.with_user(self.kashoo_manager).write(
            {"name": "Renamed", "kashoo_comparison_tolerance_revenue": 2.5}
        )
        entry = self._entries(action="config", res_model="kashoo.backend")
        self.assertEqual(len(entry), 1)
        self.assertEqual(entry.user_id, self.kashoo_manager)
        self.assertEqual(entry.res_id, self.backend.id)
        self.assertEqual(
            json.loads(entry.before_values),
            {"name": "Kashoo Test", "kashoo_comparison_tolerance_revenue": 1.0},
        )
        self.assertEqual(
            json.loads(entry.after_values),
            {"name": "Renamed", "kashoo_comparison_tolerance_revenue": 2.5},
        )
        # Writing the same values again is no change; the engine's cursor is not config.
        self.backend.write({"name": "Renamed", "fetch_cursor": "2025-01-01 00:00:00"})
        self.assertEqual(len(self._entries(action="config", res_model="kashoo.backend")), 1)

    def test_secrets_are_logged_as_changed_never_with_their_value(self):
        self.backend.write({"client_secret": "very-secret-value"})
        self.backend.sudo().write({"webhook_secret_encrypted": "ciphertext-value"})
        entries = self._entries(action="config", res_model="kashoo.backend")
        self.assertTrue(entries)
        text = " ".join(entries.mapped("before_values") + entries.mapped("after_values"))
        self.assertNotIn("very-secret-value", text)
        self.assertNotIn("ciphertext-value", text)
        self.assertNotIn("gAAAA", text)  # no Fernet token either
        afters = {}
        for entry in entries:
            afters.update(json.loads(entry.after_values))
        self.assertEqual(afters.get("client_secret_encrypted"), "changed")
        self.assertEqual(afters.get("webhook_secret_encrypted"), "changed")

    def test_mapping_changes_are_logged(self):
        account = self.env["account.account"].create(
            {"name": "Audit Expense", "code": "AUD100", "account_type": "expense"}
        )
        kashoo_account = self.env["kashoo.account"].create(
            {"backend_id": self.backend.id, "kashoo_id": 501, "name": "Supplies"}
        )
        partner = self.env["res.partner"].create({"name": "Audit Partner"})
        contact = self.env["kashoo.contact"].create(
            {"backend_id": self.backend.id, "kashoo_id": 601, "name": "Audit Partner Inc."}
        )
        method = self.env["kashoo.payment.method"].create(
            {"backend_id": self.backend.id, "name": "Audit Cheque"}
        )
        kashoo_account.with_user(self.kashoo_manager).write({"account_id": account.id})
        contact.with_user(self.kashoo_manager).write({"partner_id": partner.id})
        method.with_user(self.kashoo_manager).write({"active": False})

        entries = self._entries(action="mapping")
        by_model = {entry.res_model: entry for entry in entries}
        self.assertEqual(
            set(by_model), {"kashoo.account", "kashoo.contact", "kashoo.payment.method"}
        )
        self.assertEqual(json.loads(by_model["kashoo.account"].before_values), {"account_id": None})
        self.assertEqual(
            json.loads(by_model["kashoo.account"].after_values),
            {"account_id": [account.id, account.display_name]},
        )
        self.assertEqual(
            json.loads(by_model["kashoo.contact"].after_values)["partner_id"][0], partner.id
        )
        self.assertEqual(
            json.loads(by_model["kashoo.payment.method"].after_values), {"active": False}
        )
        self.assertEqual(entries.user_id, self.kashoo_manager)
        self.assertEqual(entries.backend_id, self.backend)

    def test_one_create_for_a_batch_of_records(self):
        methods = self.env["kashoo.payment.method"].create(
            [{"backend_id": self.backend.id, "name": f"Batch {n}"} for n in range(5)]
        )
        # One INSERT for the five entries: fewer queries than a create() per record needs.
        with self.assertQueryCount(4):
            self.Audit._kashoo_record(
                "retry", methods, before={"state": "quarantined"}, after={"state": "pending"}
            )
            self.env.flush_all()
        entries = self._entries(action="retry")
        self.assertEqual(len(entries), 5)
        self.assertEqual(json.loads(entries[0].before_values), {"state": "quarantined"})
