import base64
import json
import time
from datetime import timedelta

from odoo import fields
from odoo.tests import HttpCase, tagged

from .. import const
from ..kashoo_api import sign_webhook

LOGGER = "odoo.addons.kashoo_connector.controllers.kashoo_webhook"
SECRET = "whsec_" + base64.b64encode(b"k" * 32).decode()
NEW_SECRET = "whsec_" + base64.b64encode(b"n" * 32).decode()
OTHER_SECRET = "whsec_" + base64.b64encode(b"x" * 32).decode()


@tagged("post_install", "-at_install")
class TestKashooWebhook(HttpCase):
    """Every signature case of POST /kashoo/webhook/transaction: status, effect, log line."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["kashoo.backend"].search([]).sudo().write({"webhook_secret_encrypted": False})
        cls.backend = cls.env["kashoo.backend"]._get_for_company(cls.env.company) or cls.env[
            "kashoo.backend"
        ].create({"company_id": cls.env.company.id})
        cls.backend.write({"kashoo_business_id": 1001})
        cls.backend._kashoo_set_webhook_secret(SECRET)
        cls.counter = 0

    def _body(self, kashoo_id=50017, version=4, event_type="transaction.updated", **extra):
        event = {
            "type": event_type,
            "timestamp": "2026-11-25T17:00:00Z",
            "data": {"businessId": 1001, "id": kashoo_id, "version": version},
        }
        event.update(extra)
        return json.dumps(event).encode()

    def _post(
        self,
        body=None,
        secrets=(SECRET,),
        timestamp=None,
        webhook_id=None,
        drop=(),
        headers=None,
        signed_body=None,
    ):
        type(self).counter += 1
        body = self._body() if body is None else body
        webhook_id = webhook_id or f"msg_test_{self.counter}_{time.time_ns()}"
        timestamp = str(int(time.time())) if timestamp is None else str(timestamp)
        signature = " ".join(
            sign_webhook(
                secret,
                webhook_id,
                timestamp if timestamp.isdigit() else 0,
                signed_body if signed_body is not None else body,
            )
            for secret in secrets
        )
        all_headers = {
            "webhook-id": webhook_id,
            "webhook-timestamp": timestamp,
            "webhook-signature": signature,
            "Content-Type": "application/json",
        }
        for name in drop:
            all_headers.pop(name)
        all_headers.update(headers or {})
        return self.url_open(const.WEBHOOK_ROUTE, data=body, headers=all_headers)

    def _events(self):
        return self.env["kashoo.webhook.event"].search([("backend_id", "=", self.backend.id)])

    def _assert_rejected(self, response, status, reason, logs):
        self.assertEqual(response.status_code, status, response.text)
        self.assertEqual(response.json()["error"], reason)
        self.assertTrue(any(f"rejected ({reason}" in line for line in logs.output), logs.output)
        self.assertFalse(self._events())
        for line in logs.output:
            self.assertNotIn(SECRET, line)
            self.assertNotIn("v1,", line)

    def test_valid_delivery_is_stored_and_wakes_the_cron(self):
        # Both processing workers are woken, not only the first.
        crons = self.env.ref("kashoo_connector.ir_cron_kashoo_process") | self.env.ref(
            "kashoo_connector.ir_cron_kashoo_process_2"
        )
        triggers = self.env["ir.cron.trigger"]
        triggers.search([("cron_id", "in", crons.ids)]).unlink()
        response = self._post(self._body(kashoo_id=50017, version=4))
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(response.json(), {"ok": True, "duplicate": False})
        event = self._events()
        self.assertEqual(
            (event.kashoo_id, event.kashoo_version, event.event_type, event.state),
            (50017, 4, "transaction.updated", "new"),
        )
        self.assertEqual(
            sorted(triggers.search([("cron_id", "in", crons.ids)]).cron_id.ids), sorted(crons.ids)
        )
        # A burst of deliveries: the workers already have a due trigger each, none is added.
        self.assertEqual(self._post(self._body(kashoo_id=50018, version=1)).status_code, 200)
        self.assertEqual(len(self._events()), 2)
        self.assertEqual(triggers.search_count([("cron_id", "in", crons.ids)]), 2)
        # Once a worker has run (its due triggers consumed), the next delivery wakes it.
        triggers.search([("cron_id", "=", crons[0].id)]).unlink()
        self.assertEqual(self._post(self._body(kashoo_id=50019, version=1)).status_code, 200)
        self.assertEqual(
            sorted(triggers.search([("cron_id", "in", crons.ids)]).cron_id.ids), sorted(crons.ids)
        )

    def test_duplicate_delivery_has_one_effect(self):
        first = self._post(webhook_id="msg_duplicate_1")
        second = self._post(webhook_id="msg_duplicate_1")
        self.assertEqual((first.status_code, second.status_code), (200, 200))
        self.assertEqual(second.json()["duplicate"], True)
        self.assertEqual(len(self._events()), 1)

    def test_rotated_secret_pair(self):
        self.backend._kashoo_set_webhook_secret(NEW_SECRET)
        self.assertEqual(self._post(secrets=(SECRET,)).status_code, 200)
        self.assertEqual(self._post(secrets=(NEW_SECRET,)).status_code, 200)
        self.assertEqual(self._post(secrets=(OTHER_SECRET, NEW_SECRET)).status_code, 200)
        self.assertEqual(len(self._events()), 3)
        # Once the rotation window is over, the old secret no longer verifies.
        self.backend.sudo().webhook_rotation_until = fields.Datetime.now() - timedelta(seconds=1)
        self._events().unlink()
        with self.assertLogs(LOGGER, "WARNING") as logs:
            response = self._post(secrets=(SECRET,))
        self._assert_rejected(response, 401, "signature_mismatch", logs)

    def test_wrong_secret(self):
        with self.assertLogs(LOGGER, "WARNING") as logs:
            response = self._post(secrets=(OTHER_SECRET,))
        self._assert_rejected(response, 401, "signature_mismatch", logs)

    def test_signature_over_another_body(self):
        with self.assertLogs(LOGGER, "WARNING") as logs:
            response = self._post(self._body(version=5), signed_body=self._body(version=4))
        self._assert_rejected(response, 401, "signature_mismatch", logs)

    # A margin of 30 s on either side of the 300 s tolerance: the request takes its time and
    # whole seconds are signed (the exact edges are unit-tested in tests/kashoo_api).
    def test_stale_timestamp(self):
        with self.assertLogs(LOGGER, "WARNING") as logs:
            response = self._post(timestamp=int(time.time()) - 330)
        self._assert_rejected(response, 401, "timestamp_too_old", logs)

    def test_future_timestamp(self):
        with self.assertLogs(LOGGER, "WARNING") as logs:
            response = self._post(timestamp=int(time.time()) + 330)
        self._assert_rejected(response, 401, "timestamp_in_future", logs)

    def test_timestamp_within_tolerance_both_ways(self):
        self.assertEqual(self._post(timestamp=int(time.time()) - 270).status_code, 200)
        self.assertEqual(self._post(timestamp=int(time.time()) + 270).status_code, 200)

    def test_missing_headers(self):
        for header, reason in (
            ("webhook-id", "missing_id"),
            ("webhook-timestamp", "missing_timestamp"),
            ("webhook-signature", "missing_signature"),
        ):
            with self.subTest(header=header), self.assertLogs(LOGGER, "WARNING") as logs:
                response = self._post(drop=(header,))
                self._assert_rejected(response, 400, reason, logs)

    def test_non_numeric_timestamp(self):
        with self.assertLogs(LOGGER, "WARNING") as logs:
            response = self._post(timestamp="hello")
        self._assert_rejected(response, 400, "invalid_timestamp", logs)

    def test_unknown_signature_version_only(self):
        with self.assertLogs(LOGGER, "WARNING") as logs:
            response = self._post(headers={"webhook-signature": "v2,AAAA"})
        self._assert_rejected(response, 400, "no_supported_signature", logs)

    def test_no_secret_configured(self):
        self.backend.sudo().write(
            {"webhook_secret_encrypted": False, "webhook_secret_previous_encrypted": False}
        )
        with self.assertLogs(LOGGER, "WARNING") as logs:
            response = self._post()
        self._assert_rejected(response, 401, "no_secret", logs)

    def test_oversized_body(self):
        body = self._body(padding="x" * (const.WEBHOOK_MAX_BODY_BYTES + 1))
        with self.assertLogs(LOGGER, "WARNING") as logs:
            response = self._post(body)
        self._assert_rejected(response, 413, "body_too_large", logs)

    def test_malformed_body_after_valid_signature(self):
        with self.assertLogs(LOGGER, "WARNING") as logs:
            response = self._post(b"not json")
        self._assert_rejected(response, 400, "malformed_body", logs)

    def test_verification_ping_is_answered_and_not_stored(self):
        body = json.dumps(
            {
                "type": "webhook.verification",
                "timestamp": "2026-11-25T17:00:00Z",
                "data": {"businessId": 1001, "endpointId": "wh_1", "challenge": "abc"},
            }
        ).encode()
        started = time.monotonic()
        response = self._post(body)
        self.assertEqual(response.status_code, 200)
        self.assertLess(time.monotonic() - started, 5)
        self.assertFalse(self._events())

    def test_get_is_not_allowed(self):
        response = self.url_open(const.WEBHOOK_ROUTE)
        self.assertEqual(response.status_code, 405)
