from datetime import timedelta

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from ..demo.sandbox_books import DEMO_CLIENT_ID, connect_to_sandbox
from .common import ENGINE_LOGGERS, KashooCommon
from .sync_common import KashooSyncCase

ROTATION_CLIENT_ID = "odoo-rotation"
OLD_SECRET = "rotation-secret-old"
NEW_SECRET = "rotation-secret-new"


@tagged("post_install", "-at_install")
class TestKashooClientSecretRotation(KashooSyncCase):
    """A new client secret replaces the old one only once Kashoo accepted it."""

    def setUp(self):
        super().setUp()
        self._register_client(OLD_SECRET)
        self.addCleanup(self._restore_demo_client)
        self.backend.write({"client_id": ROTATION_CLIENT_ID, "client_secret": OLD_SECRET})
        connect_to_sandbox(self.backend, self.sandbox.url, client_id=ROTATION_CLIENT_ID)

    def _register_client(self, secret):
        # Registering an existing client id again changes its secret at Kashoo.
        self._sandbox(
            "POST",
            "/_sandbox/clients",
            {
                "name": "Rotation",
                "client_id": ROTATION_CLIENT_ID,
                "client_secret": secret,
                "redirect_uris": [self.backend.redirect_uri],
            },
        )

    def _restore_demo_client(self):
        self.backend.write({"client_id": DEMO_CLIENT_ID})
        self.backend.sudo().client_secret_encrypted = False

    def _current_secret(self):
        return self.backend._kashoo_decrypted("client_secret_encrypted")

    def _refresh_works(self):
        self._sandbox("POST", "/_sandbox/tokens/expire", {})
        with self.backend._kashoo_client() as client:
            return client.get_business()["id"]

    def test_rejected_new_secret_keeps_the_old_one(self):
        self.backend.client_secret_new = "not-what-kashoo-knows"
        self.assertTrue(self.backend.has_client_secret_pending)
        with mute_logger(*ENGINE_LOGGERS), self.assertRaises(UserError) as caught:
            self.backend.action_kashoo_rotate_client_secret()
        self.assertIn("old client secret stays in use", str(caught.exception))
        self.assertEqual(self._current_secret(), OLD_SECRET)
        # The connection still works with the old secret, and no sync was interrupted.
        self.assertEqual(self.backend.state, "connected")
        self.assertTrue(self._refresh_works())

    def test_accepted_new_secret_becomes_current_and_the_old_one_is_wiped(self):
        reminder_type = self.env.ref(
            "kashoo_connector.mail_activity_type_kashoo_rotate_client_secret"
        )
        self.backend.sudo().client_secret_changed_at = fields.Datetime.now() - timedelta(days=91)
        self.env["kashoo.backend"]._cron_kashoo_client_secret_reminder()
        self.assertTrue(
            self.backend.activity_ids.filtered(lambda a: a.activity_type_id == reminder_type)
        )
        changed_before = self.backend.client_secret_changed_at
        self._register_client(NEW_SECRET)
        self.backend.client_secret_new = NEW_SECRET
        self.backend.action_kashoo_rotate_client_secret()
        self.assertEqual(self._current_secret(), NEW_SECRET)
        self.assertFalse(self.backend.sudo().client_secret_pending_encrypted)
        self.assertFalse(self.backend.has_client_secret_pending)
        self.assertGreaterEqual(self.backend.client_secret_changed_at, changed_before)
        self.assertEqual(self.backend.state, "connected")
        self.assertTrue(self._refresh_works())
        self.assertFalse(
            self.backend.activity_ids.filtered(lambda a: a.activity_type_id == reminder_type),
            "the rotation reminder is done",
        )

    def test_rotation_without_a_pending_secret_is_refused(self):
        with self.assertRaises(UserError):
            self.backend.action_kashoo_rotate_client_secret()


@tagged("post_install", "-at_install")
class TestKashooClientSecretReminder(KashooCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.admin = new_test_user(
            cls.env,
            "kashoo_rotation_admin",
            groups="base.group_system,kashoo_connector.kashoo_connector_group_manager",
            company_id=cls.company.id,
            company_ids=[cls.company.id],
        )
        cls.backend.client_secret = "first-secret"
        cls.activity_type = cls.env.ref(
            "kashoo_connector.mail_activity_type_kashoo_rotate_client_secret"
        )

    def _reminders(self):
        return self.env["mail.activity"].search(
            [
                ("res_model", "=", "kashoo.backend"),
                ("res_id", "=", self.backend.id),
                ("activity_type_id", "=", self.activity_type.id),
            ]
        )

    def _age_secret(self, days):
        self.backend.sudo().client_secret_changed_at = fields.Datetime.now() - timedelta(days=days)

    def test_setting_a_secret_records_when(self):
        self.assertAlmostEqual(
            self.backend.client_secret_changed_at,
            fields.Datetime.now(),
            delta=timedelta(minutes=5),
        )

    def test_no_reminder_for_a_recent_secret(self):
        self._age_secret(89)
        self.env["kashoo.backend"]._cron_kashoo_client_secret_reminder()
        self.assertFalse(self._reminders())

    def test_old_secret_gets_one_reminder_done_by_rotation(self):
        self._age_secret(91)
        cron = self.env["kashoo.backend"]._cron_kashoo_client_secret_reminder
        cron()
        reminders = self._reminders()
        self.assertTrue(reminders)
        self.assertIn(self.admin, reminders.user_id)
        self.assertTrue(all(user.has_group("base.group_system") for user in reminders.user_id))
        cron()
        self.assertEqual(self._reminders(), reminders, "no duplicate while one is open")
        # The secret is replaced (here as entered directly): the reminder is done.
        self.backend.client_secret = "second-secret"
        self.assertFalse(self._reminders())
        cron()
        self.assertFalse(self._reminders(), "a fresh secret needs no reminder")

    def test_only_administrators_rotate(self):
        self.backend.sudo().client_secret_pending_encrypted = False
        # AccessError is a UserError: either refusal will do.
        with self.assertRaises(UserError):
            self.backend.with_user(self.kashoo_manager).action_kashoo_rotate_client_secret()
        with self.assertRaises(AccessError):
            self.backend.with_user(self.kashoo_manager).write({"client_secret_new": "x"})
