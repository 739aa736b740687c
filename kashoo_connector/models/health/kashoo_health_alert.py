from odoo import _, api, fields, models

from ... import const
from ...kashoo_logic import health_rules

ALERT_STATES = [("open", "Open"), ("cleared", "Cleared")]
ALERT_REASONS = [
    (health_rules.BREACH_DEVIATION, "Off the baseline"),
    (health_rules.BREACH_LIMIT, "Beyond the limit"),
]


class KashooHealthAlert(models.Model):
    """A health metric of a backend out of line: open while it lasts, then cleared.

    The administrators are told once when it opens and once when it clears, not on every
    cron run in between; at most one alert per backend and metric is open at a time.
    """

    _name = "kashoo.health.alert"
    _description = "Kashoo Sync Health Alert"
    _order = "state desc, opened_at desc, id desc"

    backend_id = fields.Many2one(
        "kashoo.backend", required=True, index=True, ondelete="cascade", readonly=True
    )
    company_id = fields.Many2one(related="backend_id.company_id", store=True)
    metric = fields.Selection(selection=const.HEALTH_METRICS, required=True, readonly=True)
    state = fields.Selection(selection=ALERT_STATES, required=True, default="open", readonly=True)
    reason = fields.Selection(selection=ALERT_REASONS, readonly=True)
    opened_at = fields.Datetime(
        string="Hour Breached",
        readonly=True,
        help="Start of the hour whose figure opened the alert.",
    )
    value = fields.Float(string="Value When Opened", readonly=True)
    baseline = fields.Float(readonly=True, help="Zero when there was too little history.")
    deviation_percent = fields.Float(string="Deviation (%)", digits=(16, 1), readonly=True)
    limit_value = fields.Float(string="Limit", readonly=True)
    last_value = fields.Float(string="Latest Value", readonly=True)
    last_checked_at = fields.Datetime(string="Latest Hour Checked", readonly=True)
    cleared_at = fields.Datetime(string="Hour Recovered", readonly=True)

    def init(self):
        # "Notify once": a second open alert for the same metric cannot exist.
        self.env.cr.execute("""
            CREATE UNIQUE INDEX IF NOT EXISTS kashoo_health_alert_open_uniq
                ON kashoo_health_alert (backend_id, metric) WHERE state = 'open'
        """)

    @api.depends("metric", "state")
    def _compute_display_name(self):
        labels = dict(self._fields["metric"]._description_selection(self.env))
        for alert in self:
            alert.display_name = labels.get(alert.metric, alert.metric or "")

    # === BUSINESS METHODS === #

    @api.model
    def _kashoo_judge(self, snapshots):
        """Open, keep or clear the alerts of each metric of ``snapshots`` (latest hours)."""
        snapshots = snapshots.filtered(lambda snapshot: snapshot.backend_id.health_alerts_enabled)
        if not snapshots:
            return
        baselines = snapshots._kashoo_baselines()
        open_alerts = {
            (alert.backend_id.id, alert.metric): alert
            for alert in self.sudo().search(
                [("backend_id", "in", snapshots.backend_id.ids), ("state", "=", "open")]
            )
        }
        for snapshot in snapshots:
            backend = snapshot.backend_id
            for metric, worse in health_rules.WATCHED_METRICS.items():
                value = snapshot._kashoo_metric_value(metric)
                baseline = baselines.get((backend.id, metric))
                limit = backend._kashoo_health_limit(metric)
                verdict = health_rules.evaluate(
                    value,
                    baseline,
                    worse=worse,
                    max_deviation_percent=backend.health_deviation_percent,
                    limit=limit,
                )
                alert = open_alerts.get((backend.id, metric))
                if verdict.breached and alert:
                    alert.write({"last_value": value, "last_checked_at": snapshot.period_start})
                elif verdict.breached:
                    alert = self.sudo().create(
                        {
                            "backend_id": backend.id,
                            "metric": metric,
                            "reason": verdict.reason,
                            "opened_at": snapshot.period_start,
                            "value": value,
                            "baseline": baseline or 0.0,
                            "deviation_percent": verdict.deviation_percent or 0.0,
                            "limit_value": limit or 0.0,
                            "last_value": value,
                            "last_checked_at": snapshot.period_start,
                        }
                    )
                    alert._kashoo_notify_opened(baseline)
                elif alert and value is not None:
                    # An hour without data proves nothing: only a real figure clears it.
                    alert.write(
                        {
                            "state": "cleared",
                            "cleared_at": snapshot.period_start,
                            "last_value": value,
                            "last_checked_at": snapshot.period_start,
                        }
                    )
                    alert._kashoo_notify_cleared(value, baseline)

    def _kashoo_notify_opened(self, baseline):
        self.ensure_one()
        backend = self.backend_id
        metric = self.display_name
        value = _format_figure(self.metric, self.value)
        if self.reason == health_rules.BREACH_LIMIT:
            body = _(
                "Kashoo health alert: %(metric)s is %(value)s, beyond the limit of " "%(limit)s.",
                metric=metric,
                value=value,
                limit=_format_figure(self.metric, self.limit_value),
            )
        else:
            # Formatted outside the _() call: the term extractor gives up on a whole file when
            # a call's arguments hold an f-string.
            deviation = format(self.deviation_percent, "+.0f")
            threshold = format(backend.health_deviation_percent, "g")
            body = _(
                "Kashoo health alert: %(metric)s is %(value)s, %(deviation)s %% off its "
                "%(days)s-day baseline of %(baseline)s (threshold %(threshold)s %%).",
                metric=metric,
                value=value,
                deviation=deviation,
                days=backend.health_baseline_days,
                baseline=_format_figure(self.metric, baseline),
                threshold=threshold,
            )
        self._kashoo_notify(body)

    def _kashoo_notify_cleared(self, value, baseline):
        self.ensure_one()
        if baseline is None:
            body = _(
                "Kashoo health: %(metric)s is back to normal at %(value)s.",
                metric=self.display_name,
                value=_format_figure(self.metric, value),
            )
        else:
            body = _(
                "Kashoo health: %(metric)s is back to normal at %(value)s (baseline "
                "%(baseline)s).",
                metric=self.display_name,
                value=_format_figure(self.metric, value),
                baseline=_format_figure(self.metric, baseline),
            )
        self._kashoo_notify(body)

    def _kashoo_notify(self, body):
        """Post ``body`` on the backend, notifying its company's Kashoo managers."""
        backend = self.backend_id.sudo()
        managers = backend._kashoo_health_recipients()
        backend.message_post(
            body=body,
            partner_ids=managers.partner_id.ids,
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
        )


def _format_figure(metric, value):
    if value is None:
        return "-"
    if metric == "success_rate":
        return f"{value:.1f} %"
    if metric in ("avg_processing_ms", "avg_api_ms"):
        return f"{value:.0f} ms"
    return f"{value:.0f}"
