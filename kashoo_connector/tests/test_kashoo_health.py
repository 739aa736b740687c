from datetime import timedelta

from odoo import fields
from odoo.exceptions import AccessError
from odoo.tests import tagged
from odoo.tests.common import TransactionCase

from .common import add_role_users
from .sync_common import KashooSyncCase

ALERT_TEXT = "Kashoo health alert"
CLEARED_TEXT = "back to normal"


class KashooHealthCase(TransactionCase):
    """A backend whose sync log is written hour by hour, as the sync engine would, and the
    people who look at its health."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Companies of their own: the database may already hold a (demo) backend.
        cls.company = cls.env["res.company"].create({"name": "Health Test Company"})
        cls.other_company = cls.env["res.company"].create({"name": "Health Other Company"})
        add_role_users(cls, "health")
        cls.backend = cls.env["kashoo.backend"].create(
            {"name": "Kashoo Health", "company_id": cls.company.id}
        )
        # The hour the backend was created in: the snapshots start there.
        cls.hour = cls.backend.create_date.replace(minute=0, second=0, microsecond=0)

    def _log_hour(
        self, hour, done=0, quarantined=0, retry=0, waiting=0, errors=0, duration_ms=100, updated=0
    ):
        """Write sync-log rows dated five minutes into ``hour``."""
        outcomes = (
            ["done"] * done
            + ["updated"] * updated
            + ["quarantined"] * quarantined
            + ["retry"] * retry
            + ["waiting"] * waiting
            + ["error"] * errors
        )
        logs = self.env["kashoo.sync.log"].create(
            [
                {
                    "backend_id": self.backend.id,
                    "kashoo_id": 900000 + index,
                    "outcome": outcome,
                    "duration_ms": 0 if outcome == "error" else duration_ms,
                }
                for index, outcome in enumerate(outcomes)
            ]
        )
        self._redate(logs, hour + timedelta(minutes=5))
        return logs

    def _api_hour(self, hour, calls, total_ms):
        stat = self.env["kashoo.api.stat"].create(
            {
                "backend_id": self.backend.id,
                "operation": "process",
                "call_count": calls,
                "duration_ms": total_ms,
            }
        )
        self._redate(stat, hour + timedelta(minutes=10))
        return stat

    def _redate(self, records, when):
        records.flush_recordset()
        self.env.cr.execute(
            f"UPDATE {records._table} SET create_date = %s WHERE id = ANY(%s)",  # noqa: S608
            [when, records.ids],
        )
        records.invalidate_recordset()

    def _take(self, hour):
        """Run the snapshot cron as it runs a few minutes after ``hour`` ends."""
        return self.env["kashoo.health.snapshot"]._kashoo_take_snapshots(
            self.backend, now=hour + timedelta(hours=1, minutes=5)
        )

    def _seed_history(self, hours=30, **figures):
        """Hourly snapshots of the days before ``self.hour`` (a healthy week by default)."""
        values = dict(
            {
                "attempted_count": 50,
                "succeeded_count": 49,
                "success_rate": 98.0,
                "avg_processing_ms": 100.0,
                "api_call_count": 10,
                "avg_api_ms": 50.0,
                "queue_depth": 5,
                "quarantine_count": 2,
            },
            **figures,
        )
        return self.env["kashoo.health.snapshot"].create(
            [
                dict(
                    values,
                    backend_id=self.backend.id,
                    company_id=self.backend.company_id.id,
                    period_start=self.hour - timedelta(hours=2 + index),
                    period_end=self.hour - timedelta(hours=1 + index),
                    measured_at=self.hour - timedelta(hours=1 + index),
                )
                for index in range(hours)
            ]
        )

    def _messages(self, text):
        return self.env["mail.message"].search(
            [
                ("model", "=", "kashoo.backend"),
                ("res_id", "=", self.backend.id),
                ("body", "ilike", text),
            ]
        )

    def _alerts(self, metric=None):
        domain = [("backend_id", "=", self.backend.id)]
        if metric:
            domain.append(("metric", "=", metric))
        return self.env["kashoo.health.alert"].search(domain, order="id")


@tagged("post_install", "-at_install")
class TestKashooHealthSnapshot(KashooHealthCase):
    """The hourly snapshot cron: figures from known sync-log rows, once per hour."""

    def test_snapshot_figures_from_the_sync_log(self):
        self._log_hour(
            self.hour,
            done=3,
            updated=1,
            retry=1,
            quarantined=1,
            waiting=2,
            errors=1,
            duration_ms=200,
        )
        # The hour before and after: not this hour's figures.
        self._log_hour(self.hour - timedelta(hours=1), done=5)
        self._log_hour(self.hour + timedelta(hours=1), quarantined=4)
        self._api_hour(self.hour, calls=3, total_ms=900)
        self._api_hour(self.hour, calls=1, total_ms=100)
        transactions = self.env["kashoo.transaction"]
        transactions._kashoo_upsert_hints(
            self.backend, [(1, 1, False), (2, 1, False), (3, 1, False)]
        )
        transactions.search(
            [("backend_id", "=", self.backend.id), ("kashoo_id", "=", 3)]
        ).state = "quarantined"

        snapshot = self._take(self.hour)

        self.assertEqual(len(snapshot), 1)
        self.assertEqual(snapshot.period_start, self.hour)
        self.assertEqual(snapshot.period_end, self.hour + timedelta(hours=1))
        self.assertEqual(snapshot.company_id, self.backend.company_id)
        # waiting is no attempt, error is a failed run.
        self.assertEqual(
            (
                snapshot.attempted_count,
                snapshot.succeeded_count,
                snapshot.retry_count,
                snapshot.quarantined_count,
                snapshot.run_failure_count,
            ),
            (6, 4, 1, 1, 1),
        )
        self.assertAlmostEqual(snapshot.success_rate, 66.7)
        self.assertAlmostEqual(snapshot.avg_processing_ms, 200.0)
        self.assertEqual(snapshot.api_call_count, 4)
        self.assertAlmostEqual(snapshot.avg_api_ms, 250.0)
        self.assertEqual((snapshot.queue_depth, snapshot.quarantine_count), (2, 1))
        self.assertTrue(snapshot.measured_at)
        self.assertEqual(snapshot.last_successful_sync, self.hour + timedelta(minutes=5))

    def test_running_twice_changes_nothing_and_keeps_the_first_measure(self):
        self._log_hour(self.hour, done=4, quarantined=1)
        first = self._take(self.hour)
        figures = first.read(["attempted_count", "success_rate", "queue_depth", "measured_at"])
        # The queue grows after the hour was measured: the hour keeps what it saw.
        self.env["kashoo.transaction"]._kashoo_upsert_hints(self.backend, [(7, 1, False)])
        second = self._take(self.hour)
        self.assertEqual(second, first)
        self.assertEqual(
            second.read(["attempted_count", "success_rate", "queue_depth", "measured_at"]), figures
        )
        self.assertEqual(
            self.env["kashoo.health.snapshot"].search_count([("backend_id", "=", self.backend.id)]),
            1,
        )

    def test_idle_and_missed_hours_are_caught_up_without_figures(self):
        # The backend exists since three hours; the cron ran for none of them.
        start = self.hour - timedelta(hours=3)
        self._redate(self.backend, start + timedelta(minutes=1))
        self._log_hour(start, done=2)
        self._take(self.hour)
        snapshots = self.env["kashoo.health.snapshot"].search(
            [("backend_id", "=", self.backend.id)], order="period_start"
        )
        self.assertEqual(
            snapshots.mapped("period_start"), [start + timedelta(hours=index) for index in range(4)]
        )
        self.assertEqual(snapshots.mapped("attempted_count"), [2, 0, 0, 0])
        # Idle hours hold NULL, not 0 %: averages over days skip them.
        self.env.cr.execute(
            """
            SELECT period_start, success_rate, queue_depth FROM kashoo_health_snapshot
             WHERE backend_id = %s ORDER BY period_start
        """,
            [self.backend.id],
        )
        rows = self.env.cr.fetchall()
        self.assertEqual([row[1] for row in rows], [100.0, None, None, None])
        # Only the hour just ended was measured; the others were not seen at the time.
        self.assertEqual([row[2] for row in rows], [None, None, None, 0])

    def test_the_hourly_cron_snapshots_the_hour_just_ended(self):
        self._redate(self.backend, self.backend.create_date - timedelta(hours=3))
        self.env.ref("kashoo_connector.ir_cron_kashoo_health").method_direct_trigger()
        last_hour = fields.Datetime.now().replace(minute=0, second=0, microsecond=0) - timedelta(
            hours=1
        )
        snapshot = self.env["kashoo.health.snapshot"].search(
            [("backend_id", "=", self.backend.id), ("period_start", "=", last_hour)]
        )
        self.assertEqual(len(snapshot), 1)
        self.assertTrue(snapshot.measured_at)

    def test_the_dashboard_figures_cover_the_last_day(self):
        self._log_hour(self.hour, done=3, quarantined=1, duration_ms=300)
        self._api_hour(self.hour, calls=2, total_ms=160)
        self.backend.invalidate_recordset()
        self.assertEqual(self.backend.health_attempt_count, 4)
        self.assertAlmostEqual(self.backend.health_success_rate, 75.0)
        self.assertAlmostEqual(self.backend.health_avg_processing_ms, 300.0)
        self.assertEqual(self.backend.health_api_call_count, 2)
        self.assertAlmostEqual(self.backend.health_avg_api_ms, 80.0)
        self.assertFalse(self.backend.health_has_trend)
        self._seed_history(hours=3)
        self.backend.invalidate_recordset()
        self.assertTrue(self.backend.health_has_trend)
        self.assertIn('"y": 98.0', self.backend.health_trend_graph)
        self.assertEqual(self.backend.health_trend_range, "98.0 % every day")


@tagged("post_install", "-at_install")
class TestKashooHealthAlerts(KashooHealthCase):
    """A breach notifies once, stays quiet while it lasts, clears on recovery, notifies
    again on the next breach; the bad direction of each metric is the one that counts."""

    def test_breach_notifies_once_clears_on_recovery_and_notifies_again(self):
        self._seed_history()
        hour_1, hour_2, hour_3 = (self.hour + timedelta(hours=n) for n in range(1, 4))

        # Half the imports fail: 50 % against a 98 % baseline.
        self._log_hour(self.hour, done=5, quarantined=5)
        self._take(self.hour)
        alert = self._alerts()
        self.assertEqual(alert.mapped("metric"), ["success_rate"])
        self.assertEqual((alert.state, alert.reason), ("open", "deviation"))
        self.assertAlmostEqual(alert.value, 50.0)
        self.assertAlmostEqual(alert.baseline, 98.0)
        self.assertAlmostEqual(alert.deviation_percent, -49.0, places=1)
        [message] = self._messages(ALERT_TEXT)
        self.assertIn("Success rate", message.body)
        self.assertIn(self.kashoo_manager.partner_id, message.partner_ids)
        self.assertNotIn(self.accountant.partner_id, message.partner_ids)

        # The cron runs again for the same hour, then the next hour is as bad: no repeat.
        self._take(self.hour)
        self._log_hour(hour_1, done=4, quarantined=6)
        self._take(hour_1)
        self.assertEqual(len(self._messages(ALERT_TEXT)), 1)
        self.assertEqual(self._alerts(), alert)
        self.assertAlmostEqual(alert.last_value, 40.0)
        self.assertEqual(alert.last_checked_at, hour_1)

        # Recovery: cleared, and a message says so.
        self._log_hour(hour_2, done=10)
        self._take(hour_2)
        self.assertEqual((alert.state, alert.cleared_at), ("cleared", hour_2))
        self.assertEqual(len(self._messages(CLEARED_TEXT)), 1)
        self.assertEqual(len(self._messages(ALERT_TEXT)), 1)

        # A new breach after the recovery is a new alert, notified again.
        self._log_hour(hour_3, done=1, quarantined=9)
        self._take(hour_3)
        self.assertEqual(len(self._messages(ALERT_TEXT)), 2)
        alerts = self._alerts()
        self.assertEqual(alerts.mapped("state"), ["cleared", "open"])
        self.assertEqual(alerts[1].opened_at, hour_3)

    def test_an_hour_without_data_neither_clears_nor_repeats(self):
        self._seed_history()
        self._log_hour(self.hour, done=5, quarantined=5)
        self._take(self.hour)
        self._take(self.hour + timedelta(hours=1))
        self.assertEqual(self._alerts().mapped("state"), ["open"])
        self.assertEqual(len(self._messages(ALERT_TEXT)), 1)
        self.assertFalse(self._messages(CLEARED_TEXT))

    def test_only_the_bad_direction_alerts(self):
        # A week of slow, shaky imports; now everything is fast and fine.
        self._seed_history(success_rate=70.0, avg_processing_ms=900.0)
        self._log_hour(self.hour, done=10, duration_ms=50)
        self._take(self.hour)
        self.assertFalse(self._alerts())
        # Processing gets slow: time up is bad.
        self._log_hour(self.hour + timedelta(hours=1), done=10, duration_ms=1500)
        self._take(self.hour + timedelta(hours=1))
        alert = self._alerts()
        self.assertEqual(alert.mapped("metric"), ["avg_processing_ms"])
        self.assertGreater(alert.deviation_percent, 20)

    def test_the_threshold_and_window_are_the_backends(self):
        self._seed_history()
        self.backend.health_deviation_percent = 60
        self._log_hour(self.hour, done=5, quarantined=5)
        self._take(self.hour)
        self.assertFalse(self._alerts(), "49 % off is within a 60 % threshold")

    def test_no_baseline_alert_without_enough_history(self):
        self._seed_history(hours=10)
        self._log_hour(self.hour, done=1, quarantined=9)
        self._take(self.hour)
        self.assertFalse(self._alerts())
        self.assertFalse(self._messages(ALERT_TEXT))

    def test_an_absolute_limit_needs_no_history(self):
        self.backend.health_max_queue_depth = 2
        self.env["kashoo.transaction"]._kashoo_upsert_hints(
            self.backend, [(kashoo_id, 1, False) for kashoo_id in range(1, 4)]
        )
        self._take(self.hour)
        alert = self._alerts()
        self.assertEqual(
            (alert.metric, alert.reason, alert.value, alert.limit_value),
            ("queue_depth", "limit", 3.0, 2.0),
        )
        [message] = self._messages(ALERT_TEXT)
        self.assertIn("beyond the limit of 2", message.body)

    def test_alerts_can_be_turned_off(self):
        self._seed_history()
        self.backend.health_alerts_enabled = False
        self._log_hour(self.hour, done=1, quarantined=9)
        self._take(self.hour)
        self.assertFalse(self._alerts())


@tagged("post_install", "-at_install")
class TestKashooHealthAccess(KashooHealthCase):
    def setUp(self):
        super().setUp()
        self._seed_history(hours=2)
        self.other_backend = self.env["kashoo.backend"].create(
            {"company_id": self.other_company.id}
        )
        self.env["kashoo.health.snapshot"].create(
            {
                "backend_id": self.other_backend.id,
                "company_id": self.other_company.id,
                "period_start": self.hour,
                "period_end": self.hour + timedelta(hours=1),
            }
        )

    def test_accountant_reads_the_dashboard_and_trends(self):
        backend = self.backend.with_user(self.accountant)
        backend.read(
            [
                "health_success_rate",
                "health_avg_api_ms",
                "queue_depth",
                "count_failed",
                "last_successful_sync",
                "health_trend_graph",
            ]
        )
        snapshots = self.env["kashoo.health.snapshot"].with_user(self.accountant)
        self.assertEqual(snapshots.search_count([("backend_id", "=", self.backend.id)]), 2)
        groups = snapshots._read_group(
            [("backend_id", "=", self.backend.id)], [], ["success_rate:avg"]
        )
        self.assertAlmostEqual(groups[0][0], 98.0)
        self.env["kashoo.health.alert"].with_user(self.accountant).search([])
        with self.assertRaises(AccessError):
            snapshots.search([], limit=1).write({"queue_depth": 0})
        with self.assertRaises(AccessError):
            backend.write({"health_deviation_percent": 50})

    def test_the_screens_open_for_an_accountant(self):
        kanban = self.env.ref("kashoo_connector.kashoo_backend_view_kanban_health")
        views = (
            self.env["kashoo.backend"]
            .with_user(self.accountant)
            .get_views([(kanban.id, "kanban"), (False, "form")])
        )
        self.assertIn("health_success_rate", views["views"]["kanban"]["arch"])
        self.assertIn("health_deviation_percent", views["views"]["form"]["arch"])
        for view_type in ("graph", "pivot", "list"):
            self.env["kashoo.health.snapshot"].with_user(self.accountant).get_views(
                [(False, view_type)]
            )
        action = self.backend.with_user(self.accountant).action_kashoo_open_health_dashboard()
        self.assertEqual(action["domain"], [("id", "in", self.backend.ids)])
        trends = self.backend.with_user(self.accountant).action_kashoo_open_health_trends()
        self.assertEqual(trends["res_model"], "kashoo.health.snapshot")

    def test_manager_sets_the_thresholds(self):
        self.backend.with_user(self.kashoo_manager).write(
            {"health_deviation_percent": 30, "health_max_queue_depth": 500}
        )
        self.assertEqual(self.backend.health_deviation_percent, 30)

    def test_portal_sees_nothing(self):
        for model in ("kashoo.health.snapshot", "kashoo.health.alert", "kashoo.api.stat"):
            with self.assertRaises(AccessError):
                self.env[model].with_user(self.portal_user).search([])

    def test_other_companies_snapshots_are_hidden(self):
        visible = (
            self.env["kashoo.health.snapshot"].with_user(self.single_company_manager).search([])
        )
        self.assertTrue(visible)
        self.assertNotIn(self.other_backend, visible.backend_id)


@tagged("post_install", "-at_install")
class TestKashooHealthApiTimes(KashooSyncCase):
    """Polling and processing against the sandbox record their API calls, batch by batch."""

    def test_fetch_and_process_record_api_calls(self):
        stats = self.env["kashoo.api.stat"]
        # Webhook hints carry no payload: processing fetches the records from Kashoo.
        records = self._kashoo_records()[:5]
        self.env["kashoo.transaction"]._kashoo_upsert_hints(
            self.backend, [(record["id"], record["version"], False) for record in records]
        )
        self.backend._kashoo_process_batches(client=self._fast_client())
        processed = stats.search(
            [("backend_id", "=", self.backend.id), ("operation", "=", "process")]
        )
        # One row per batch (the five rows fit in one), not one per request.
        self.assertEqual(len(processed), 1)
        self.assertGreaterEqual(processed.call_count, 1)
        self.assertGreaterEqual(processed.duration_ms, 0)

        self.backend._kashoo_fetch()
        fetched = stats.search([("backend_id", "=", self.backend.id), ("operation", "=", "fetch")])
        self.assertEqual(len(fetched), 1, "one polling page of 30 records, one row")
        self.assertGreaterEqual(fetched.call_count, 1)

        both = fetched | processed
        now = max(both.mapped("create_date")) + timedelta(hours=1)
        snapshot = self.env["kashoo.health.snapshot"]._kashoo_take_snapshots(self.backend, now=now)
        calls = sum(both.mapped("call_count"))
        total_ms = sum(both.mapped("duration_ms"))
        self.assertEqual(snapshot.api_call_count, calls)
        self.assertAlmostEqual(snapshot.avg_api_ms, total_ms / calls, delta=0.5)
        self.assertGreaterEqual(snapshot.attempted_count, 5)
