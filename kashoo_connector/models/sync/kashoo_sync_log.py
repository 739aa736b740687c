from datetime import timedelta

from odoo import api, fields, models

from ... import const


class KashooSyncLog(models.Model):
    """One row per attempt to import a Kashoo transaction, and per failed backend run."""

    _name = "kashoo.sync.log"
    _description = "Kashoo Sync Log"
    _order = "id desc"

    backend_id = fields.Many2one(
        "kashoo.backend", required=True, index=True, ondelete="cascade", readonly=True
    )
    company_id = fields.Many2one(related="backend_id.company_id", store=True)
    transaction_id = fields.Many2one(
        "kashoo.transaction", index="btree_not_null", ondelete="set null", readonly=True
    )
    kashoo_id = fields.Integer(string="Kashoo ID", index=True, readonly=True)
    kashoo_version = fields.Integer(readonly=True)
    outcome = fields.Selection(selection=const.SYNC_OUTCOMES, required=True, readonly=True)
    error_type = fields.Char(readonly=True)
    message = fields.Char(readonly=True)
    try_number = fields.Integer(readonly=True)
    duration_ms = fields.Integer(string="Duration (ms)", readonly=True)
    move_id = fields.Many2one("account.move", readonly=True, ondelete="set null")

    @api.autovacuum
    def _gc_kashoo_sync_logs(self):
        limit = fields.Datetime.now() - timedelta(days=const.SYNC_LOG_RETENTION_DAYS)
        self.env.cr.execute("DELETE FROM kashoo_sync_log WHERE create_date < %s", [limit])
