import json
from datetime import timedelta

from odoo import SUPERUSER_ID, _, api, fields, models
from odoo.exceptions import ValidationError

from ... import const
from ...kashoo_logic import health_rules, sync_outcomes


class KashooBackend(models.Model):
    """The health dashboard's part of the backend: current figures and alert thresholds."""

    _inherit = "kashoo.backend"

    # === FIELDS === #

    health_alerts_enabled = fields.Boolean(
        string="Health Alerts",
        default=True,
        help="Tell the Kashoo managers when a sync metric goes out of line, and again when "
        "it recovers.",
    )
    health_deviation_percent = fields.Float(
        string="Alert Deviation (%)",
        default=const.HEALTH_DEFAULT_DEVIATION_PERCENT,
        help="Alert when an hour's figure is worse than its baseline by more than this "
        "percentage. 0 turns the baseline rule off (the limits below still apply).",
    )
    health_baseline_days = fields.Integer(
        string="Baseline Window (days)",
        default=const.HEALTH_DEFAULT_BASELINE_DAYS,
        help="The baseline is the mean of the hourly figures of this many days before the "
        "hour judged. It is used once a day's worth of hours with data exists.",
    )
    health_min_success_rate = fields.Float(
        string="Lowest Success Rate (%)",
        help="Alert when an hour's success rate falls below this. 0: no limit.",
    )
    health_max_processing_ms = fields.Integer(
        string="Longest Processing Time (ms)",
        help="Alert when the average processing time per transaction exceeds this. 0: no " "limit.",
    )
    health_max_api_ms = fields.Integer(
        string="Longest API Response Time (ms)",
        help="Alert when Kashoo's average response time exceeds this. 0: no limit.",
    )
    health_max_queue_depth = fields.Integer(
        string="Largest Queue",
        help="Alert when more transactions than this wait to be imported. 0: no limit.",
    )
    health_max_quarantined = fields.Integer(
        string="Largest Quarantine",
        help="Alert when more transactions than this wait in quarantine. 0: no limit.",
    )

    health_attempt_count = fields.Integer(
        string="Attempts (24 h)", compute="_compute_health_figures"
    )
    health_success_rate = fields.Float(
        string="Success Rate (24 h)", digits=(16, 1), compute="_compute_health_figures"
    )
    health_avg_processing_ms = fields.Float(
        string="Processing Time (24 h)",
        digits=(16, 0),
        compute="_compute_health_figures",
        help="Average processing time per transaction, in milliseconds.",
    )
    health_api_call_count = fields.Integer(
        string="API Calls (24 h)", compute="_compute_health_figures"
    )
    health_avg_api_ms = fields.Float(
        string="API Response Time (24 h)",
        digits=(16, 0),
        compute="_compute_health_figures",
        help="Average duration of a Kashoo API call, in milliseconds.",
    )
    health_open_alert_count = fields.Integer(
        string="Open Alerts", compute="_compute_health_figures"
    )
    health_open_alert_names = fields.Char(
        string="Metrics in Alert", compute="_compute_health_figures"
    )
    health_trend_graph = fields.Text(compute="_compute_health_trend_graph")
    health_has_trend = fields.Boolean(compute="_compute_health_trend_graph")
    # The card's chart has no axis: its lowest and highest day say what the line spans.
    health_trend_range = fields.Char(compute="_compute_health_trend_graph")

    # === CONSTRAINT METHODS === #

    @api.constrains("health_deviation_percent", "health_baseline_days", "health_min_success_rate")
    def _check_health_thresholds(self):
        for backend in self:
            if backend.health_deviation_percent < 0:
                raise ValidationError(_("The alert deviation cannot be negative."))
            if backend.health_baseline_days < 1:
                raise ValidationError(_("The baseline window is at least one day."))
            if not 0 <= backend.health_min_success_rate <= 100:
                raise ValidationError(_("The lowest success rate is a percentage, 0 to 100."))

    # === COMPUTE METHODS === #

    def _compute_health_figures(self):
        since = fields.Datetime.now() - timedelta(hours=const.HEALTH_CURRENT_WINDOW_HOURS)
        attempts, successes, durations, api_calls, alerts = {}, {}, {}, {}, {}
        labels = dict(
            self.env["kashoo.health.alert"]._fields["metric"]._description_selection(self.env)
        )
        if self.ids:
            logs = (
                self.env["kashoo.sync.log"]
                .sudo()
                ._read_group(
                    [
                        ("backend_id", "in", self.ids),
                        ("create_date", ">=", since),
                        ("outcome", "in", sync_outcomes.ATTEMPT_OUTCOMES),
                    ],
                    ["backend_id", "outcome"],
                    ["__count", "duration_ms:sum"],
                )
            )
            for backend, outcome, count, duration in logs:
                attempts[backend.id] = attempts.get(backend.id, 0) + count
                durations[backend.id] = durations.get(backend.id, 0) + (duration or 0)
                if outcome in sync_outcomes.SUCCESS_OUTCOMES:
                    successes[backend.id] = successes.get(backend.id, 0) + count
            calls = (
                self.env["kashoo.api.stat"]
                .sudo()
                ._read_group(
                    [("backend_id", "in", self.ids), ("create_date", ">=", since)],
                    ["backend_id"],
                    ["call_count:sum", "duration_ms:sum"],
                )
            )
            api_calls = {
                backend.id: (count or 0, duration or 0) for backend, count, duration in calls
            }
            opened = (
                self.env["kashoo.health.alert"]
                .sudo()
                ._read_group(
                    [("backend_id", "in", self.ids), ("state", "=", "open")],
                    ["backend_id", "metric"],
                    [],
                    order="metric",
                )
            )
            for backend, metric in opened:
                alerts.setdefault(backend.id, []).append(metric)
        for backend in self:
            attempted = attempts.get(backend.id, 0)
            call_count, call_ms = api_calls.get(backend.id, (0, 0))
            backend.health_attempt_count = attempted
            backend.health_success_rate = (
                health_rules.ratio_percent(successes.get(backend.id, 0), attempted) or 0.0
            )
            backend.health_avg_processing_ms = (
                health_rules.average(durations.get(backend.id, 0), attempted) or 0.0
            )
            backend.health_api_call_count = call_count
            backend.health_avg_api_ms = health_rules.average(call_ms, call_count) or 0.0
            metrics = alerts.get(backend.id, [])
            backend.health_open_alert_count = len(metrics)
            backend.health_open_alert_names = (
                ", ".join(labels[metric] for metric in metrics) or False
            )

    def _compute_health_trend_graph(self):
        """Daily success rate of the baseline window, for the dashboard card's line chart
        (the ``dashboard_graph`` widget of Odoo's web client)."""
        by_backend = {}
        if self.ids:
            since = fields.Datetime.now() - timedelta(days=const.HEALTH_DEFAULT_BASELINE_DAYS)
            days = (
                self.env["kashoo.health.snapshot"]
                .sudo()
                ._read_group(
                    [
                        ("backend_id", "in", self.ids),
                        ("period_start", ">=", since),
                        ("attempted_count", ">", 0),
                    ],
                    ["backend_id", "period_start:day"],
                    ["success_rate:avg"],
                    order="period_start:day",
                )
            )
            for backend, day, rate in days:
                by_backend.setdefault(backend.id, []).append(
                    {"x": day.strftime("%d %b"), "y": round(rate or 0.0, 1)}
                )
        for backend in self:
            values = by_backend.get(backend.id, [])
            backend.health_has_trend = bool(values)
            rates = [value["y"] for value in values]
            if not rates:
                backend.health_trend_range = False
            else:
                # Formatted outside the _() calls: the term extractor gives up on a whole file
                # when a call's arguments hold an f-string.
                low, high = (format(rate, ".1f") for rate in (min(rates), max(rates)))
                backend.health_trend_range = (
                    _("%(rate)s %% every day", rate=low)
                    if min(rates) == max(rates)
                    else _("between %(low)s and %(high)s %%", low=low, high=high)
                )
            backend.health_trend_graph = json.dumps(
                [
                    {
                        "values": values,
                        "key": _("Success rate (%)"),
                        "is_sample_data": not values,
                    }
                ]
            )

    # === ACTIONS === #

    def action_kashoo_open_health_dashboard(self):
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "kashoo_connector.kashoo_health_dashboard_action"
        )
        action["domain"] = [("id", "in", self.ids)]
        return action

    def action_kashoo_open_health_trends(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "kashoo_connector.kashoo_health_snapshot_action"
        )
        action["domain"] = [("backend_id", "=", self.id)]
        action["display_name"] = _("Health Trends: %(backend)s", backend=self.display_name)
        return action

    def action_kashoo_open_health_alerts(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "kashoo_connector.kashoo_health_alert_action"
        )
        action["domain"] = [("backend_id", "=", self.id)]
        return action

    # === BUSINESS METHODS === #

    def _kashoo_health_limit(self, metric):
        """The absolute limit set for ``metric``, or ``None`` when there is none.

        Note: self.ensure_one()
        """
        self.ensure_one()
        limit = {
            "success_rate": self.health_min_success_rate,
            "avg_processing_ms": self.health_max_processing_ms,
            "avg_api_ms": self.health_max_api_ms,
            "queue_depth": self.health_max_queue_depth,
            "quarantine_count": self.health_max_quarantined,
        }.get(metric)
        return limit or None

    def _kashoo_health_recipients(self):
        """The people told about alerts: Kashoo managers who may see this company."""
        self.ensure_one()
        managers = self.env.ref("kashoo_connector.kashoo_connector_group_manager").sudo().users
        return managers.filtered(
            lambda user: user.id != SUPERUSER_ID
            and not user.share
            and self.company_id in user.company_ids
        )

    def _kashoo_on_page_staged(self, client):
        super()._kashoo_on_page_staged(client)
        self._kashoo_record_api_stats(client, "fetch")

    def _kashoo_on_batch_done(self, rows, failed_before, client):
        super()._kashoo_on_batch_done(rows, failed_before, client)
        self._kashoo_record_api_stats(client, "process")

    def _kashoo_record_api_stats(self, client, operation):
        """Store the API calls ``client`` made since the last call, as one row.

        Called once per committed page or batch, before its commit, so the figure lands
        with the work it belongs to.
        """
        self.ensure_one()
        take = getattr(client, "take_request_stats", None)
        if take is None:
            return
        calls, seconds = take()
        if calls:
            self.env["kashoo.api.stat"].sudo().create(
                {
                    "backend_id": self.id,
                    "operation": operation,
                    "call_count": calls,
                    "duration_ms": round(seconds * 1000),
                }
            )
