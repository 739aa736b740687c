from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from .common import ENGINE_LOGGERS
from .kashoo_mapping_common import KashooCanadaCommon


@tagged("post_install", "-at_install")
class TestKashooStagingAccess(KashooCanadaCommon):
    """Staging rows are the engine's: users act on them only through checked actions, and a
    row only ever touches a document of its own backend and company."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._map_everything()
        groups = "account.group_account_user,kashoo_connector.kashoo_connector_group_user"
        cls.accountant = new_test_user(
            cls.env,
            "staging_accountant",
            company_id=cls.company.id,
            company_ids=[cls.company.id],
            groups=groups,
        )
        cls.manager = new_test_user(
            cls.env,
            "staging_manager",
            company_id=cls.company.id,
            company_ids=[cls.company.id],
            groups=groups + ",kashoo_connector.kashoo_connector_group_manager",
        )
        cls.other_company = cls.setup_other_company(name="Other Company Ltd")["company"]
        unmappable = cls.fixtures["unmappableRecords"][0]
        cls.env["kashoo.transaction"]._kashoo_upsert_records(
            cls.backend, cls._records([unmappable])
        )
        with mute_logger(*ENGINE_LOGGERS):
            cls.backend._kashoo_process_batches(time_budget=600)
        cls.row = cls.env["kashoo.transaction"].search(
            [("backend_id", "=", cls.backend.id), ("kashoo_id", "=", unmappable)]
        )

    def _other_company_entry(self):
        """A posted journal entry of another company, which no Kashoo row may touch."""
        journal = self.env["account.journal"].search(
            [("company_id", "=", self.other_company.id), ("type", "=", "general")], limit=1
        )
        accounts = self.env["account.account"].search(
            [("company_ids", "in", self.other_company.id), ("account_type", "=", "expense")],
            limit=2,
        )
        move = (
            self.env["account.move"]
            .with_company(self.other_company)
            .create(
                {
                    "journal_id": journal.id,
                    "line_ids": [
                        (0, 0, {"account_id": accounts[0].id, "debit": 100.0}),
                        (0, 0, {"account_id": accounts[1].id, "credit": 100.0}),
                    ],
                }
            )
        )
        move.action_post()
        return move

    def test_users_cannot_write_staging_rows(self):
        self.assertEqual(self.row.state, "quarantined")
        hostile = {"payload": {"removed": True}, "state": "pending", "kashoo_version": 99}
        for user in (self.accountant, self.manager):
            with self.assertRaises(AccessError):
                self.row.with_user(user).write(hostile)
            with self.assertRaises(AccessError):
                self.row.with_user(user).write({"move_id": self._other_company_entry().id})
        self.assertEqual(self.row.state, "quarantined")

    def test_checked_actions_still_work_for_accountants(self):
        row = self.row.with_user(self.accountant)
        row._kashoo_ignore("Entered by hand in Odoo")
        self.assertEqual(
            (self.row.state, self.row.ignore_reason), ("ignored", "Entered by hand in Odoo")
        )
        row.action_kashoo_retry()
        self.assertIn(self.row.state, ("pending", "quarantined", "done"))
        self.assertFalse(self.row.ignore_reason)
        entries = self.env["kashoo.audit.log"].search(
            [("res_model", "=", "kashoo.transaction"), ("res_id", "=", self.row.id)]
        )
        self.assertEqual(set(entries.mapped("action")), {"ignore", "retry"})
        self.assertEqual(set(entries.mapped("user_id")), {self.accountant})
        self.assertIn(
            "Entered by hand in Odoo",
            entries.filtered(lambda entry: entry.action == "ignore").after_values,
        )

    def test_actions_refuse_rows_of_another_company(self):
        other_user = new_test_user(
            self.env,
            "staging_other",
            company_id=self.other_company.id,
            company_ids=[self.other_company.id],
            groups="account.group_account_user,kashoo_connector.kashoo_connector_group_user",
        )
        for action in ("action_kashoo_retry", "action_kashoo_retry_same_error"):
            with self.assertRaises(AccessError):
                getattr(self.row.with_user(other_user), action)()
        with self.assertRaises(AccessError):
            self.row.with_user(other_user)._kashoo_ignore("not mine")
        self.assertEqual(self.row.state, "quarantined")

    def test_a_row_never_acts_on_another_companys_document(self):
        foreign = self._other_company_entry()
        # Whatever put them there, a link to a foreign document and a removal on the row.
        self.row.sudo().write(
            {
                "move_id": foreign.id,
                "removed": True,
                "payload": dict(self.row.payload, removed=True),
                "state": "pending",
                "force": False,
            }
        )
        with mute_logger(*ENGINE_LOGGERS):
            self.backend._kashoo_process_batches(time_budget=60)
        self.assertEqual(foreign.state, "posted")
        self.assertFalse(foreign.reversal_move_ids)
        self.assertNotEqual(self.row.move_id, foreign)
