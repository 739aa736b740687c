from datetime import timedelta

from odoo import api, fields, models

from ... import const
from ...kashoo_logic import sync_outcomes


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
        # Only run-level failure lines (a paused or failed run, about no Kashoo record) go
        # after 90 days. An import attempt is part of the books' records, kept with them at
        # least six years: the backend's retention purge removes it, never this.
        limit = fields.Datetime.now() - timedelta(days=const.SYNC_LOG_RETENTION_DAYS)
        self.env.cr.execute(
            """DELETE FROM kashoo_sync_log
                WHERE create_date < %s AND transaction_id IS NULL
                  AND COALESCE(kashoo_id, 0) = 0 AND outcome IN %s""",
            [limit, tuple(sync_outcomes.RUN_FAILURE_OUTCOMES)],
        )
