from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import SQL

from ... import const
from ...kashoo_logic import health_rules, sync_outcomes


class KashooHealthSnapshot(models.Model):
    """The sync health of one backend over one hour.

    Written by the hourly cron from the sync log and the API call statistics, in one
    upsert per run: running it twice for an hour gives the same figures. Figures of an hour
    without data are NULL in the database, so averages over days (graph, pivot, baseline)
    skip idle hours instead of counting them as zero.
    """

    _name = "kashoo.health.snapshot"
    _description = "Kashoo Sync Health Snapshot"
    _order = "period_start desc, backend_id"
    _rec_name = "period_start"

    backend_id = fields.Many2one(
        "kashoo.backend", required=True, index=True, ondelete="cascade", readonly=True
    )
    company_id = fields.Many2one("res.company", required=True, index=True, readonly=True)
    period_start = fields.Datetime(string="Hour", required=True, readonly=True)
    period_end = fields.Datetime(string="Until", required=True, readonly=True)
    attempted_count = fields.Integer(
        string="Attempted", readonly=True, help="Import attempts of Kashoo transactions."
    )
    succeeded_count = fields.Integer(string="Succeeded", readonly=True)
    retry_count = fields.Integer(string="Retries Scheduled", readonly=True)
    quarantined_count = fields.Integer(
        string="Quarantined", readonly=True, help="Attempts that sent a transaction to quarantine."
    )
    run_failure_count = fields.Integer(
        string="Failed Runs",
        readonly=True,
        help="Polling or processing runs that failed as a whole (Kashoo unreachable, "
        "authorization lost).",
    )
    success_rate = fields.Float(
        string="Success Rate (%)", aggregator="avg", digits=(16, 1), readonly=True
    )
    avg_processing_ms = fields.Float(
        string="Processing Time (ms)",
        aggregator="avg",
        digits=(16, 0),
        readonly=True,
        help="Average processing time per transaction.",
    )
    api_call_count = fields.Integer(string="API Calls", readonly=True)
    avg_api_ms = fields.Float(
        string="API Response Time (ms)", aggregator="avg", digits=(16, 0), readonly=True
    )
    measured_at = fields.Datetime(
        readonly=True,
        help="When the queue depth and quarantine count were read. Empty for hours the "
        "cron caught up on later: those were not measured at the time.",
    )
    queue_depth = fields.Integer(aggregator="avg", readonly=True)
    quarantine_count = fields.Integer(
        string="Quarantine",
        aggregator="avg",
        readonly=True,
        help="Transactions waiting in quarantine.",
    )
    last_successful_sync = fields.Datetime(readonly=True)

    _sql_constraints = [
        (
            "backend_period_uniq",
            "unique(backend_id, period_start)",
            "One health snapshot per backend and hour.",
        ),
    ]

    # === BUSINESS METHODS === #

    def _kashoo_metric_value(self, metric):
        """The figure ``metric`` of this snapshot, or ``None`` when the hour has no data.

        Note: self.ensure_one()
        """
        self.ensure_one()
        if metric in ("success_rate", "avg_processing_ms"):
            return self[metric] if self.attempted_count else None
        if metric == "avg_api_ms":
            return self[metric] if self.api_call_count else None
        return self[metric] if self.measured_at else None

    @api.model
    def _cron_kashoo_health(self):
        backends = self.env["kashoo.backend"].search([])
        self._kashoo_take_snapshots(backends)

    @api.model
    def _kashoo_take_snapshots(self, backends, now=None):
        """Write the hourly snapshots of ``backends`` up to the last complete hour, then
        judge that hour's figures for alerts.

        The last :data:`~const.HEALTH_SNAPSHOT_HOURS` hours are (re)computed in one
        statement, so a missed run is caught up and a repeated one changes nothing: the
        figures come from the logs, and the queue depth measured first for an hour is kept.

        :param backends: ``kashoo.backend`` records.
        :param datetime now: the time taken as now (tests); the current time when omitted.
        :return: the snapshots of the last complete hour.
        """
        backends = backends.sudo()
        if not backends:
            return self.browse()
        now = now or fields.Datetime.now()
        end = now.replace(minute=0, second=0, microsecond=0)
        last = end - timedelta(hours=1)
        first = end - timedelta(hours=const.HEALTH_SNAPSHOT_HOURS)
        self.env["kashoo.sync.log"].flush_model()
        self.env["kashoo.api.stat"].flush_model()
        self.env["kashoo.transaction"].flush_model()
        current = [
            (
                backend.id,
                backend.queue_depth,
                backend.count_failed,
                backend.last_successful_sync or None,
            )
            for backend in backends
        ]
        self.env.cr.execute(
            SQL(
                """
            WITH current_state (backend_id, queue_depth, quarantine_count, last_sync) AS (
                SELECT * FROM unnest(%(ids)s::int[], %(depths)s::int[], %(quarantines)s::int[],
                                     %(last_syncs)s::timestamp[])
            ), hours AS (
                SELECT b.id AS backend_id, b.company_id, h AS period_start
                  FROM kashoo_backend b
                 CROSS JOIN generate_series(%(first)s::timestamp, %(last)s::timestamp,
                                            interval '1 hour') h
                 WHERE b.id = ANY(%(ids)s) AND h >= date_trunc('hour', b.create_date)
            ), logs AS (
                SELECT backend_id, date_trunc('hour', create_date) AS period_start,
                       count(*) FILTER (WHERE outcome = ANY(%(attempts)s)) AS attempted,
                       count(*) FILTER (WHERE outcome = ANY(%(successes)s)) AS succeeded,
                       count(*) FILTER (WHERE outcome = 'retry') AS retried,
                       count(*) FILTER (WHERE outcome = 'quarantined') AS quarantined,
                       count(*) FILTER (WHERE outcome = ANY(%(run_failures)s)) AS run_failures,
                       avg(duration_ms) FILTER (WHERE outcome = ANY(%(attempts)s))
                           AS avg_processing_ms
                  FROM kashoo_sync_log
                 WHERE backend_id = ANY(%(ids)s) AND create_date >= %(first)s
                   AND create_date < %(end)s
                 GROUP BY 1, 2
            ), api AS (
                SELECT backend_id, date_trunc('hour', create_date) AS period_start,
                       sum(call_count) AS calls, sum(duration_ms) AS duration_ms
                  FROM kashoo_api_stat
                 WHERE backend_id = ANY(%(ids)s) AND create_date >= %(first)s
                   AND create_date < %(end)s
                 GROUP BY 1, 2
            )
            INSERT INTO kashoo_health_snapshot AS s (
                backend_id, company_id, period_start, period_end, attempted_count,
                succeeded_count, retry_count, quarantined_count, run_failure_count,
                success_rate, avg_processing_ms, api_call_count, avg_api_ms, measured_at,
                queue_depth, quarantine_count, last_successful_sync,
                create_uid, create_date, write_uid, write_date)
            SELECT h.backend_id, h.company_id, h.period_start,
                   h.period_start + interval '1 hour',
                   coalesce(l.attempted, 0), coalesce(l.succeeded, 0),
                   coalesce(l.retried, 0), coalesce(l.quarantined, 0),
                   coalesce(l.run_failures, 0),
                   round(l.succeeded * 100.0 / nullif(l.attempted, 0), 1),
                   round(l.avg_processing_ms, 0),
                   coalesce(a.calls, 0),
                   round(a.duration_ms::numeric / nullif(a.calls, 0), 0),
                   CASE WHEN h.period_start = %(last)s THEN %(now)s END,
                   CASE WHEN h.period_start = %(last)s THEN c.queue_depth END,
                   CASE WHEN h.period_start = %(last)s THEN c.quarantine_count END,
                   CASE WHEN h.period_start = %(last)s THEN c.last_sync END,
                   %(uid)s, %(now)s, %(uid)s, %(now)s
              FROM hours h
              JOIN current_state c ON c.backend_id = h.backend_id
              LEFT JOIN logs l ON l.backend_id = h.backend_id AND l.period_start = h.period_start
              LEFT JOIN api a ON a.backend_id = h.backend_id AND a.period_start = h.period_start
            ON CONFLICT (backend_id, period_start) DO UPDATE SET
                attempted_count = EXCLUDED.attempted_count,
                succeeded_count = EXCLUDED.succeeded_count,
                retry_count = EXCLUDED.retry_count,
                quarantined_count = EXCLUDED.quarantined_count,
                run_failure_count = EXCLUDED.run_failure_count,
                success_rate = EXCLUDED.success_rate,
                avg_processing_ms = EXCLUDED.avg_processing_ms,
                api_call_count = EXCLUDED.api_call_count,
                avg_api_ms = EXCLUDED.avg_api_ms,
                -- What was measured at the time stays: a later run sees a later queue.
                measured_at = coalesce(s.measured_at, EXCLUDED.measured_at),
                queue_depth = coalesce(s.queue_depth, EXCLUDED.queue_depth),
                quarantine_count = coalesce(s.quarantine_count, EXCLUDED.quarantine_count),
                last_successful_sync = coalesce(s.last_successful_sync,
                                                EXCLUDED.last_successful_sync),
                write_uid = EXCLUDED.write_uid,
                write_date = EXCLUDED.write_date
            """,
                ids=[row[0] for row in current],
                depths=[row[1] for row in current],
                quarantines=[row[2] for row in current],
                last_syncs=[row[3] for row in current],
                first=first,
                last=last,
                end=end,
                now=now,
                uid=self.env.uid,
                attempts=list(sync_outcomes.ATTEMPT_OUTCOMES),
                successes=list(sync_outcomes.SUCCESS_OUTCOMES),
                run_failures=list(sync_outcomes.RUN_FAILURE_OUTCOMES),
            )
        )
        self.invalidate_model()
        latest = self.sudo().search(
            [("backend_id", "in", backends.ids), ("period_start", "=", last)]
        )
        self.env["kashoo.health.alert"]._kashoo_judge(latest)
        return latest

    def _kashoo_baselines(self):
        """Return ``{(backend id, metric): baseline or None}`` for the snapshots ``self``.

        The baseline of a metric is the mean of the backend's snapshots of the
        ``health_baseline_days`` before the snapshot's hour (that hour excluded), hours
        without data skipped; ``None`` while fewer than
        :data:`~const.HEALTH_MIN_BASELINE_SAMPLES` such hours exist. One query per backend.
        """
        metrics = list(health_rules.WATCHED_METRICS)
        aggregates = [f"{metric}:{how}" for metric in metrics for how in ("avg", "count")]
        baselines = {}
        for snapshot in self:
            backend = snapshot.backend_id
            since = snapshot.period_start - timedelta(days=max(backend.health_baseline_days, 1))
            domain = [
                ("backend_id", "=", backend.id),
                ("period_start", ">=", since),
                ("period_start", "<", snapshot.period_start),
            ]
            # NULL figures (idle hours) are left out of both AVG and COUNT.
            [row] = self.sudo()._read_group(domain, [], aggregates)
            for index, metric in enumerate(metrics):
                mean, samples = row[2 * index], row[2 * index + 1]
                baselines[backend.id, metric] = health_rules.usable_baseline(
                    mean, samples, const.HEALTH_MIN_BASELINE_SAMPLES
                )
        return baselines
