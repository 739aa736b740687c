from datetime import timedelta

from odoo import api, fields, models

from ... import const

API_OPERATIONS = [("fetch", "Polling"), ("process", "Processing")]


class KashooApiStat(models.Model):
    """Kashoo API calls of one polling page or one processing batch: how many, how long.

    One row per committed batch, never one per request: the raw material of the hourly
    API response-time figure.
    """

    _name = "kashoo.api.stat"
    _description = "Kashoo API Call Statistics"
    _order = "id desc"

    backend_id = fields.Many2one(
        "kashoo.backend", required=True, index=True, ondelete="cascade", readonly=True
    )
    company_id = fields.Many2one(related="backend_id.company_id", store=True)
    operation = fields.Selection(selection=API_OPERATIONS, required=True, readonly=True)
    call_count = fields.Integer(string="API Calls", readonly=True)
    duration_ms = fields.Integer(string="Total Duration (ms)", readonly=True)

    @api.autovacuum
    def _gc_kashoo_api_stats(self):
        # The hourly snapshots keep the aggregate; the raw rows go with the sync logs.
        limit = fields.Datetime.now() - timedelta(days=const.SYNC_LOG_RETENTION_DAYS)
        self.env.cr.execute("DELETE FROM kashoo_api_stat WHERE create_date < %s", [limit])
