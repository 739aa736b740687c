import json
from datetime import date, datetime, timedelta
from unittest.mock import patch

import psycopg2.errors

from odoo import fields
from odoo.tests import tagged
from odoo.tools import mute_logger

from ..kashoo_api import sync_retry_delay
from ..kashoo_api.const import SYNC_MAX_TRIES
from .common import ENGINE_LOGGERS
from .sync_common import DEMO_CLIENT_ID, KashooSyncCase


@tagged("post_install", "-at_install")
class TestKashooSyncEngine(KashooSyncCase):
    """Polling, staging, ordering, retries, quarantine and crash safety of the sync engine
    against the Kashoo sandbox over real HTTP (document creation is the builder's)."""

    def test_poll_stages_every_record_then_moves_the_cursor(self):
        records = self._kashoo_records()
        self.backend._kashoo_fetch()
        rows = self._rows()
        self.assertEqual(sorted(rows.mapped("kashoo_id")), sorted(r["id"] for r in records))
        self.assertEqual(set(rows.mapped("state")), {"pending"})
        newest = max(datetime.fromisoformat(r["modifiedAt"].replace("Z", "")) for r in records)
        self.assertEqual(self.backend.fetch_cursor, newest)
        sample = rows.filtered(lambda row: row.kashoo_id == records[0]["id"])
        self.assertEqual(sample.kashoo_version, records[0]["version"])
        self.assertEqual(sample.payload["amount"], records[0]["amount"])
        self.assertEqual(sample.kashoo_date, date.fromisoformat(records[0]["date"]))

    def test_poll_again_is_a_no_op_and_an_update_resets_its_row(self):
        self.backend._kashoo_fetch()
        self._rows().write({"state": "done"})
        self.assertEqual(self.backend._kashoo_fetch(), 0)
        self.assertEqual(set(self._rows().mapped("state")), {"done"})

        target = self._kashoo_records()[3]
        self._sandbox("PATCH", f"/_sandbox/records/{target['id']}", {"memo": "changed"})
        self.assertEqual(self.backend._kashoo_fetch(), 1)
        row = self._rows(kashoo_id=target["id"])
        self.assertEqual((row.state, row.kashoo_version), ("pending", target["version"] + 1))
        self.assertEqual(row.payload["memo"], "changed")

    def test_initial_load_starts_at_the_fiscal_year_by_default(self):
        self.backend.sync_start_date = False
        fiscal_start = self.backend._kashoo_default_start_date()
        self.backend._kashoo_fetch()
        expected = [
            r["id"] for r in self._kashoo_records() if date.fromisoformat(r["date"]) >= fiscal_start
        ]
        self.assertEqual(sorted(self._rows().mapped("kashoo_id")), sorted(expected))

    def test_an_older_version_never_overwrites_a_newer(self):
        transactions = self.env["kashoo.transaction"]
        transactions._kashoo_upsert_hints(self.backend, [(777001, 5, False)])
        record = {
            "id": 777001,
            "type": "invoice",
            "version": 3,
            "date": "2026-01-05",
            "amount": 100,
        }
        self.assertEqual(transactions._kashoo_upsert_records(self.backend, [record]), 0)
        row = self._rows(kashoo_id=777001)
        self.assertEqual(row.kashoo_version, 5)
        self.assertFalse(row.payload)
        newer = dict(record, version=6)
        transactions._kashoo_upsert_records(self.backend, [newer])
        self.assertEqual((row.kashoo_version, row.payload_version), (6, 6))

    def test_duplicated_and_reordered_events_fold_into_one_row(self):
        events = self.env["kashoo.webhook.event"]
        events._kashoo_store(self.backend, "msg_a", "transaction.updated", 888001, 2)
        events._kashoo_store(self.backend, "msg_a", "transaction.updated", 888001, 2)
        events._kashoo_store(self.backend, "msg_b", "transaction.created", 888001, 1)
        events._kashoo_store(self.backend, "msg_c", "transaction.deleted", 888002, 3)
        folded = self.env["kashoo.webhook.event"]._kashoo_fold_into_staging(self.backend)
        self.assertEqual(folded, 3)
        row = self._rows(kashoo_id=888001)
        self.assertEqual(
            (len(row), row.kashoo_version, row.removed, row.state), (1, 2, False, "pending")
        )
        self.assertTrue(self._rows(kashoo_id=888002).removed)
        self.assertEqual(
            set(events.search([("backend_id", "=", self.backend.id)]).mapped("state")), {"done"}
        )

    def test_claim_in_chronological_order(self):
        transactions = self.env["kashoo.transaction"]
        transactions._kashoo_upsert_records(
            self.backend,
            [
                {"id": 900003, "version": 1, "date": "2026-01-01"},
                {"id": 900001, "version": 1, "date": "2026-03-01"},
                {"id": 900002, "version": 1, "date": "2026-01-01"},
                {"id": 900004, "version": 1, "date": "2026-02-01"},
            ],
        )
        transactions._kashoo_upsert_hints(self.backend, [(900000, 1, False)])
        claimed = transactions._kashoo_claim(self.backend, 10)
        self.assertEqual(
            claimed.ids and [row.kashoo_id for row in claimed.browse(claimed.ids)],
            [900002, 900003, 900004, 900001, 900000],
        )
        self.assertEqual(len(transactions._kashoo_claim(self.backend, 2)), 2)

    def test_update_before_its_create_waits(self):
        self.env["kashoo.transaction"]._kashoo_upsert_hints(self.backend, [(999999, 2, False)])
        self.backend._kashoo_process_batches(client=self._fast_client())
        row = self._rows(kashoo_id=999999)
        self.assertEqual((row.state, row.error_type, row.tries), ("retry", "not_visible_yet", 1))
        self.assertFalse(row.move_id)

    def test_delete_event_of_a_never_imported_record(self):
        self.env["kashoo.transaction"]._kashoo_upsert_hints(self.backend, [(999998, 3, True)])
        self.backend._kashoo_process_batches(client=self._fast_client())
        row = self._rows(kashoo_id=999998)
        self.assertEqual(row.state, "deleted")
        self.assertEqual(row.sync_log_ids.outcome, "deleted")

    def test_transient_errors_follow_the_retry_schedule_then_quarantine(self):
        kashoo_id = self._kashoo_records()[0]["id"]
        self.env["kashoo.transaction"]._kashoo_upsert_hints(self.backend, [(kashoo_id, 1, False)])
        self._sandbox(
            "POST",
            "/_sandbox/faults",
            {
                "path": "/api/businesses/1001/records",
                "match": "prefix",
                "count": 100,
                "kind": "status",
                "status": 503,
            },
        )
        row = self._rows(kashoo_id=kashoo_id)
        horizon = timedelta(0)
        with mute_logger(*ENGINE_LOGGERS):
            for try_number in range(1, SYNC_MAX_TRIES + 1):
                before = fields.Datetime.now()
                self.backend._kashoo_process_batches(client=self._fast_client())
                self.assertEqual(row.tries, try_number)
                if try_number < SYNC_MAX_TRIES:
                    self.assertEqual(row.state, "retry")
                    wait = row.next_attempt_at - before
                    nominal = sync_retry_delay(try_number + 1, jitter_ratio=0)
                    self.assertGreaterEqual(wait.total_seconds(), nominal * 0.75 - 2)
                    self.assertLessEqual(wait.total_seconds(), nominal + 2)
                    horizon += wait
                    # Let the scheduled time come.
                    row.next_attempt_at = fields.Datetime.now() - timedelta(seconds=1)
        self.assertLessEqual(horizon, timedelta(hours=24, seconds=10))
        self.assertEqual(row.state, "quarantined")
        self.assertIn("8 tries", row.error_message)
        self.assertTrue(row.suggested_fix)
        self.assertEqual(len(row.sync_log_ids), SYNC_MAX_TRIES)
        self.assertEqual(row.sync_log_ids.sorted("id")[-1].outcome, "quarantined")
        self._sandbox("DELETE", "/_sandbox/faults")

    def test_a_concurrent_update_reruns_the_batch_without_costing_a_try(self):
        # Two workers posting in one journal may meet a serialization failure (REPEATABLE
        # READ): not the records' fault, so it must not schedule them hours later.
        kashoo_id = self._kashoo_records()[0]["id"]
        self.env["kashoo.transaction"]._kashoo_upsert_hints(self.backend, [(kashoo_id, 1, False)])
        row = self._rows(kashoo_id=kashoo_id)
        builder = type(self.env["kashoo.move.builder"])
        conflict = psycopg2.errors.SerializationFailure("could not serialize access")
        with (
            patch.object(builder, "_kashoo_build_moves", side_effect=conflict),
            self._fast_client() as client,
            self.assertRaises(psycopg2.errors.SerializationFailure),
        ):
            self.env["kashoo.import.engine"]._import_batch(self.backend, row, client)
        self.assertEqual((row.state, row.tries, row.next_attempt_at), ("pending", 0, False))

    def test_authorization_failure_pauses_the_backend_not_the_rows(self):
        ids = [record["id"] for record in self._kashoo_records()[:5]]
        self.env["kashoo.transaction"]._kashoo_upsert_hints(
            self.backend, [(kashoo_id, 1, False) for kashoo_id in ids]
        )
        self._sandbox("POST", "/_sandbox/tokens/revoke", {"client_id": DEMO_CLIENT_ID})
        with mute_logger(*ENGINE_LOGGERS):
            self.env["kashoo.backend"]._cron_kashoo_process()
        self.assertEqual(self.backend.state, "reauthorize")
        rows = self._rows()
        self.assertEqual(set(rows.mapped("state")), {"pending"})
        self.assertEqual(set(rows.mapped("tries")), {0})
        log = self.env["kashoo.sync.log"].search([("backend_id", "=", self.backend.id)], limit=1)
        self.assertEqual((log.outcome, log.error_type), ("paused", "auth"))
        # Paused backends are skipped quietly until authorized again.
        self.env["kashoo.backend"]._cron_kashoo_fetch()
        self._connect()
        self.assertTrue(self.backend._kashoo_sync_allowed())

    def test_no_exception_escapes_the_crons(self):
        self.env["kashoo.transaction"]._kashoo_upsert_hints(self.backend, [(123456, 1, False)])
        self.backend.api_url = "http://127.0.0.1:9"
        # Moving the connection forgot the tokens: give it fresh ones to fail with.
        self._connect()
        with mute_logger(*ENGINE_LOGGERS):
            self.env["kashoo.backend"]._cron_kashoo_fetch()
            self.env["kashoo.backend"]._cron_kashoo_process()
            self.env["kashoo.backend"]._cron_kashoo_export_sync_state()
        logs = self.env["kashoo.sync.log"].search([("backend_id", "=", self.backend.id)])
        self.assertTrue(logs)
        self.assertTrue(self.backend.last_sync_error)
        row = self._rows(kashoo_id=123456)
        self.assertEqual(row.state, "retry")

    def test_auto_sync_off_and_frequency(self):
        self.backend.auto_sync = False
        self.env["kashoo.backend"]._cron_kashoo_fetch()
        self.assertFalse(self._rows())
        self.backend.write({"auto_sync": True, "sync_frequency": "hourly"})
        self.env["kashoo.backend"]._cron_kashoo_fetch()
        count = len(self._rows())
        self.assertTrue(count)
        self.assertFalse(self.backend._kashoo_fetch_due())
        self.backend.last_fetch_at = fields.Datetime.now() - timedelta(hours=2)
        self.assertTrue(self.backend._kashoo_fetch_due())

    def test_manual_resync_restages_from_a_date(self):
        self.backend._kashoo_fetch()
        self._rows().write({"state": "done"})
        records = self._kashoo_records()
        middle = sorted(r["date"] for r in records)[len(records) // 2]
        wizard = self.env["kashoo.resync.wizard"].create(
            {"backend_id": self.backend.id, "date_from": middle}
        )
        wizard.action_resync()
        self.assertEqual(self.backend.resync_from, date.fromisoformat(middle))
        self.backend._kashoo_fetch()
        pending = self._rows(state="pending")
        self.assertEqual(
            sorted(pending.mapped("kashoo_id")),
            sorted(r["id"] for r in records if r["date"] >= middle),
        )
        self.assertFalse(self.backend.resync_from)

    def test_sync_state_export_and_restore(self):
        self.backend._kashoo_fetch()
        cursor = self.backend.fetch_cursor
        self.env["kashoo.backend"]._cron_kashoo_export_sync_state()
        attachment = self.env["ir.attachment"].search(
            [
                ("res_model", "=", "kashoo.backend"),
                ("res_id", "=", self.backend.id),
                ("name", "=like", "kashoo_sync_state_%.json"),
            ],
            limit=1,
        )
        data = json.loads(attachment.raw)
        self.assertEqual(data["sync_state"]["fetch_cursor"], fields.Datetime.to_string(cursor))
        self.assertEqual(data["configuration"]["kashoo_business_id"], 1001)
        self.assertEqual(data["sync_state"]["queue_depth"], len(self._rows()))
        self.assertNotIn("secret", json.dumps(data).lower().replace("webhook_rotation", ""))

        self.backend.write({"fetch_cursor": False, "sync_frequency": "daily"})
        wizard = self.env["kashoo.sync.restore.wizard"].create(
            {"backend_id": self.backend.id, "export_file": attachment.datas}
        )
        wizard.action_restore()
        self.assertEqual(self.backend.fetch_cursor, cursor)
        self.assertEqual(self.backend.sync_frequency, "immediate")

    def test_webhook_secret_is_write_only_encrypted_and_admin_only(self):
        self.backend.webhook_secret = "whsec_" + "a" * 32
        backend_sudo = self.backend.sudo()
        self.assertTrue(backend_sudo.webhook_secret_encrypted)
        self.assertNotIn("aaaa", backend_sudo.webhook_secret_encrypted)
        self.backend.invalidate_recordset(["webhook_secret"])
        self.assertFalse(self.backend.webhook_secret)
        self.assertTrue(self.backend.has_webhook_secret)
        self.assertEqual(self.backend._kashoo_webhook_secrets(), ["whsec_" + "a" * 32])
        self.assertEqual(self.backend._fields["webhook_secret"].groups, "base.group_system")

    def test_register_webhook_stores_the_returned_secret(self):
        self.backend.with_user(self.env.ref("base.user_admin")).action_kashoo_register_webhook()
        endpoints = self._sandbox("GET", "/_sandbox/webhooks")
        urls = [
            endpoint["url"]
            for endpoint in (
                endpoints if isinstance(endpoints, list) else endpoints.get("endpoints", [])
            )
        ]
        self.assertIn(self.backend.webhook_url, urls)
        self.assertTrue(self.backend.has_webhook_secret)
        self.assertTrue(self.backend.webhook_endpoint_id)
