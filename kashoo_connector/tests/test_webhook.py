import base64
import json
import time
from datetime import timedelta
from unittest.mock import patch
from urllib.parse import urlsplit

from odoo import fields
from odoo.tests import HttpCase, tagged

from .. import const, utils
from ..controllers import kashoo_webhook
from ..kashoo_api import sign_webhook

LOGGER = "odoo.addons.kashoo_connector.controllers.kashoo_webhook"
SECRET = "whsec_" + base64.b64encode(b"k" * 32).decode()
NEW_SECRET = "whsec_" + base64.b64encode(b"n" * 32).decode()
OTHER_SECRET = "whsec_" + base64.b64encode(b"x" * 32).decode()


class KashooWebhookCase(HttpCase):
    """A backend with a webhook secret, and signed deliveries posted to its URL."""

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

    def setUp(self):
        super().setUp()
        # Each test sees its own rejection lines, whatever the previous tests logged.
        kashoo_webhook.REJECTION_LOG.reset()

    @staticmethod
    def _path(backend):
        return urlsplit(backend.sudo().webhook_url).path

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
        path=None,
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
        return self.url_open(path or self._path(self.backend), data=body, headers=all_headers)

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


@tagged("post_install", "-at_install")
class TestKashooWebhook(KashooWebhookCase):
    """Every signature case of POST /kashoo/webhook/transaction: status, effect, log line."""

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
        self.assertEqual(self.url_open(self._path(self.backend)).status_code, 405)

    # === Malformed but validly signed: 400, never 500, nothing stored === #

    def test_deeply_nested_body_is_malformed(self):
        depth = 30000
        body = b'{"type": "transaction.updated", "data": ' + b"[" * depth + b"]" * depth + b"}"
        self.assertLess(len(body), const.WEBHOOK_MAX_BODY_BYTES)
        with self.assertLogs(LOGGER, "WARNING") as logs:
            response = self._post(body)
        self._assert_rejected(response, 400, "malformed_body", logs)

    def test_ids_and_versions_must_fit_their_columns(self):
        for kashoo_id, version in (
            (2**31, 1),
            (10**30, 1),
            (1, 2**31),
            (0, 1),
            (-5, 1),
            (1, -1),
            (True, 1),
            (1, False),
            (1.0, 1),
            ("7", 1),
        ):
            with self.subTest(kashoo_id=kashoo_id, version=version):
                kashoo_webhook.REJECTION_LOG.reset()
                with self.assertLogs(LOGGER, "WARNING") as logs:
                    response = self._post(self._body(kashoo_id=kashoo_id, version=version))
                self._assert_rejected(response, 400, "malformed_body", logs)
        # The largest values the columns hold are accepted, and so is an absent version.
        response = self._post(self._body(kashoo_id=2**31 - 1, version=2**31 - 1))
        self.assertEqual(response.status_code, 200, response.text)
        response = self._post(self._body(kashoo_id=1, version=None))
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(len(self._events()), 2)

    def test_over_long_webhook_id_is_rejected_not_truncated(self):
        with self.assertLogs(LOGGER, "WARNING") as logs:
            response = self._post(webhook_id="msg_" + "a" * const.WEBHOOK_ID_MAX_LENGTH)
        self._assert_rejected(response, 400, "invalid_id", logs)
        # Two ids that share their first 200 characters are two deliveries.
        prefix = "msg_" + "b" * (const.WEBHOOK_ID_MAX_LENGTH - 5)
        self.assertEqual(self._post(webhook_id=prefix + "1").status_code, 200)
        self.assertEqual(self._post(webhook_id=prefix + "2").status_code, 200)
        self.assertEqual(sorted(self._events().mapped("webhook_id")), [prefix + "1", prefix + "2"])

    def test_webhook_id_with_control_characters_is_rejected(self):
        with self.assertLogs(LOGGER, "WARNING") as logs:
            response = self._post(webhook_id="msg_\x01_1")
        self._assert_rejected(response, 400, "invalid_id", logs)


@tagged("post_install", "-at_install")
class TestKashooWebhookRouting(KashooWebhookCase):
    """Two companies' backends: each delivery goes to its backend's own URL, and only that
    backend's secret is decrypted to verify it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.other_company = cls.env["res.company"].create({"name": "Other Webhook Company"})
        cls.other_backend = cls.env["kashoo.backend"].create(
            {"company_id": cls.other_company.id, "kashoo_business_id": 2002}
        )
        cls.other_backend._kashoo_set_webhook_secret(OTHER_SECRET)

    def _other_body(self, **values):
        event = json.loads(self._body(**values))
        event["data"]["businessId"] = 2002
        return json.dumps(event).encode()

    def _spy_decrypt(self):
        decrypted = []
        original = utils.decrypt_secret

        def spy(env, token):
            decrypted.append(token)
            return original(env, token)

        return decrypted, patch.object(utils, "decrypt_secret", spy)

    def _ciphertexts(self, backend):
        backend_sudo = backend.sudo()
        return {
            backend_sudo.webhook_secret_encrypted,
            backend_sudo.webhook_secret_previous_encrypted,
        } - {False}

    def test_each_backend_has_its_own_url(self):
        urls = (self.backend | self.other_backend).sudo().mapped("webhook_url")
        self.assertEqual(len(set(urls)), 2)
        for backend in self.backend | self.other_backend:
            path = self._path(backend)
            self.assertTrue(path.startswith(const.WEBHOOK_ROUTE + "/"), path)
            self.assertGreaterEqual(len(path.rsplit("/", 1)[1]), 32)

    def test_valid_deliveries_for_two_companies(self):
        mine = self._post(self._body(kashoo_id=61), webhook_id="msg_same_id")
        theirs = self._post(
            self._other_body(kashoo_id=62),
            secrets=(OTHER_SECRET,),
            webhook_id="msg_same_id",
            path=self._path(self.other_backend),
        )
        self.assertEqual((mine.status_code, theirs.status_code), (200, 200), theirs.text)
        self.assertEqual(theirs.json(), {"ok": True, "duplicate": False})
        events = self.env["kashoo.webhook.event"].search([("webhook_id", "=", "msg_same_id")])
        self.assertEqual(
            sorted((event.backend_id.id, event.kashoo_id) for event in events),
            sorted([(self.backend.id, 61), (self.other_backend.id, 62)]),
        )

    def test_wrong_backend_url_decrypts_only_that_backend(self):
        decrypted, spy = self._spy_decrypt()
        with spy, self.assertLogs(LOGGER, "WARNING") as logs:
            # Signed for the other backend, posted to this one's URL.
            response = self._post(self._other_body(), secrets=(OTHER_SECRET,))
        self._assert_rejected(response, 401, "signature_mismatch", logs)
        self.assertTrue(decrypted)
        self.assertLessEqual(set(decrypted), self._ciphertexts(self.backend))

    def test_unknown_token_decrypts_nothing(self):
        decrypted, spy = self._spy_decrypt()
        for token in ("x" * 43, "not-a-token", "a" * 500):
            with self.subTest(token=token), spy, self.assertLogs(LOGGER, "WARNING") as logs:
                kashoo_webhook.REJECTION_LOG.reset()
                response = self._post(path=f"{const.WEBHOOK_ROUTE}/{token}")
                self._assert_rejected(response, 404, "unknown_endpoint", logs)
        self.assertEqual(decrypted, [])

    def test_unsigned_delivery_decrypts_nothing(self):
        decrypted, spy = self._spy_decrypt()
        with spy, self.assertLogs(LOGGER, "WARNING") as logs:
            response = self._post(drop=("webhook-signature",))
        self._assert_rejected(response, 400, "missing_signature", logs)
        self.assertEqual(decrypted, [])

    def test_old_url_is_refused_once_several_backends_have_a_secret(self):
        decrypted, spy = self._spy_decrypt()
        with spy, self.assertLogs(LOGGER, "WARNING") as logs:
            response = self._post(path=const.WEBHOOK_ROUTE)
        self._assert_rejected(response, 404, "unknown_endpoint", logs)
        self.assertEqual(decrypted, [])

    def test_old_url_still_serves_a_single_backend(self):
        self.other_backend.sudo().webhook_secret_encrypted = False
        response = self._post(path=const.WEBHOOK_ROUTE)
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(len(self._events()), 1)

    def test_rejection_log_lines_are_rate_limited(self):
        now = [1000.0]
        with (
            patch.object(kashoo_webhook.REJECTION_LOG, "clock", lambda: now[0]),
            self.assertLogs(LOGGER, "WARNING") as logs,
        ):
            for _attempt in range(5):
                self.assertEqual(self._post(secrets=(NEW_SECRET,)).status_code, 401)
            # Another reason from the same sender has its own line.
            self.assertEqual(self._post(drop=("webhook-id",)).status_code, 400)
            now[0] += kashoo_webhook.REJECTION_LOG.window + 1
            self.assertEqual(self._post(secrets=(NEW_SECRET,)).status_code, 401)
        mismatches = [line for line in logs.output if "signature_mismatch" in line]
        self.assertEqual(len(mismatches), 2, logs.output)
        self.assertNotIn("suppressed", mismatches[0])
        self.assertIn("4 similar rejections suppressed", mismatches[1])
        self.assertEqual(len([line for line in logs.output if "missing_id" in line]), 1)
