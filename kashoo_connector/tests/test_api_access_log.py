from datetime import timedelta

from odoo import fields
from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import KashooCommon
from .sync_common import KashooSyncCase


@tagged("post_install", "-at_install")
class TestKashooApiAccessLogPolling(KashooSyncCase):
    """A polling run against the sandbox leaves one access-log entry per HTTP request."""

    def test_polling_logs_each_request_without_secrets(self):
        log = self.env["kashoo.api.access.log"]
        self._sandbox("DELETE", "/_sandbox/requests")
        before = log.search([("backend_id", "=", self.backend.id)])
        self.backend._kashoo_fetch()
        entries = log.search([("backend_id", "=", self.backend.id)]) - before
        served = [
            request
            for request in self._sandbox("GET", "/_sandbox/requests")
            if request["path"].startswith("/api/")
        ]
        self.assertTrue(served)
        self.assertEqual(len(entries), len(served), "one entry per request Kashoo answered")
        self.assertEqual(
            sorted((e.method, e.endpoint, e.status_code) for e in entries),
            sorted((r["method"], r["path"], r["status"]) for r in served),
        )
        self.assertEqual(set(entries.mapped("operation")), {"fetch"})
        for entry in entries:
            self.assertNotIn("?", entry.endpoint, "the query string is never stored")
            self.assertGreaterEqual(entry.duration_ms, 0)
            self.assertEqual(entry.status_class, "2xx")
            self.assertEqual(entry.company_id, self.backend.company_id)
        # No header, token or secret anywhere in the rows.
        tokens = self.env["kashoo.oauth.token"].sudo()._load(self.backend)
        secrets = [
            tokens.access_token,
            tokens.refresh_token,
            "Bearer",
            "Authorization",
            "sandbox-demo-secret",
        ]
        dumped = str(entries.read([name for name in log._fields if name != "display_name"]))
        for secret in secrets:
            self.assertNotIn(secret, dumped)

    def test_verify_and_token_refresh_are_logged(self):
        log = self.env["kashoo.api.access.log"]
        before = log.search([("backend_id", "=", self.backend.id)])
        self._sandbox("POST", "/_sandbox/tokens/expire", {})
        # The refresh reads the tokens in its own cursor: setUp's new ones must be there.
        self.env.flush_all()
        self.backend.action_kashoo_verify()
        entries = log.search([("backend_id", "=", self.backend.id)]) - before
        operations = entries.mapped("operation")
        self.assertIn("verify", operations)
        self.assertIn("token", operations)
        refresh = entries.filtered(lambda e: e.operation == "token")
        self.assertEqual(refresh.method, "POST")
        self.assertEqual(refresh.status_code, 200)
        # The refused call before the refresh is kept too, as a 4xx.
        self.assertIn("4xx", entries.mapped("status_class"))


@tagged("post_install", "-at_install")
class TestKashooApiAccessLogRules(KashooCommon):
    def _entry(self, **values):
        return (
            self.env["kashoo.api.access.log"]
            .sudo()
            .create(
                dict(
                    {
                        "backend_id": self.backend.id,
                        "called_at": fields.Datetime.now(),
                        "operation": "fetch",
                        "method": "GET",
                        "endpoint": "/api/users/me",
                        "status_code": 200,
                        "duration_ms": 12,
                    },
                    **values,
                )
            )
        )

    def test_purge_keeps_ninety_days(self):
        now = fields.Datetime.now()
        old = self._entry(called_at=now - timedelta(days=91))
        recent = self._entry(called_at=now - timedelta(days=89))
        self.env["kashoo.api.access.log"]._gc_kashoo_api_access_log()
        self.assertFalse(old.exists())
        self.assertTrue(recent.exists())

    def test_status_classes(self):
        classes = [self._entry(status_code=code).status_class for code in (204, 404, 429, 503, 0)]
        self.assertEqual(classes, ["2xx", "4xx", "429", "5xx", "none"])

    def test_nobody_writes_or_deletes_entries(self):
        entry = self._entry()
        for user in (self.accountant, self.kashoo_manager):
            with self.assertRaises(AccessError):
                entry.with_user(user).write({"status_code": 200, "endpoint": "/forged"})
            with self.assertRaises(AccessError):
                entry.with_user(user).unlink()
            with self.assertRaises(AccessError):
                self.env["kashoo.api.access.log"].with_user(user).create(
                    {"backend_id": self.backend.id, "method": "GET", "endpoint": "/x"}
                )
        self.assertEqual(entry.endpoint, "/api/users/me")

    def test_managers_read_their_companies_only(self):
        mine = self._entry()
        other_backend = self.env["kashoo.backend"].create(
            {"name": "Other", "company_id": self.other_company.id}
        )
        theirs = self._entry(backend_id=other_backend.id)
        visible = (
            self.env["kashoo.api.access.log"]
            .with_user(self.single_company_manager)
            .search([("id", "in", (mine | theirs).ids)])
        )
        self.assertEqual(visible.ids, mine.ids)
