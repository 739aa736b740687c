from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ... import const
from ...kashoo_logic import sync_outcomes


class KashooSyncLog(models.Model):
    """What became of each failed attempt, and links to its transaction and document."""

    _inherit = "kashoo.sync.log"

    resolution = fields.Selection(
        selection=const.SYNC_LOG_RESOLUTIONS,
        readonly=True,
        index="btree_not_null",
        help="Failures only. Open: waits for a person. Retried: tried again since, not yet "
        "imported. Resolved: a later attempt imported it. Ignored: an accountant set it aside.",
    )
    transaction_state = fields.Selection(related="transaction_id.state", string="Transaction State")

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if (
                vals.get("transaction_id")
                and "resolution" not in vals
                and vals.get("outcome") in sync_outcomes.RESOLVABLE_OUTCOMES
            ):
                vals["resolution"] = "open"
        return super().create(vals_list)

    @api.model
    def _kashoo_update_resolution(self, transactions):
        """Derive the resolution of the unresolved failures of ``transactions``, in one query.

        Resolved once a later attempt succeeded (or the row ended done or deleted); ignored
        while the row is ignored; retried when a later attempt exists or the row waits for
        one; open otherwise.
        """
        if not transactions:
            return
        self.env.flush_all()
        self.env.cr.execute(
            """
            UPDATE kashoo_sync_log AS log
               SET resolution = CASE
                   WHEN t.state IN ('done', 'deleted') OR EXISTS (
                        SELECT 1 FROM kashoo_sync_log later
                         WHERE later.transaction_id = log.transaction_id AND later.id > log.id
                           AND later.outcome = ANY(%(successes)s))
                   THEN 'resolved'
                   WHEN t.state = 'ignored' THEN 'ignored'
                   WHEN t.state IN ('pending', 'retry') OR EXISTS (
                        SELECT 1 FROM kashoo_sync_log later
                         WHERE later.transaction_id = log.transaction_id AND later.id > log.id)
                   THEN 'retried'
                   ELSE 'open' END
              FROM kashoo_transaction t
             WHERE t.id = log.transaction_id
               AND log.transaction_id = ANY(%(transactions)s)
               AND log.resolution IN ('open', 'retried', 'ignored')
            """,
            {"transactions": transactions.ids, "successes": list(sync_outcomes.SUCCESS_OUTCOMES)},
        )
        self.invalidate_model(["resolution"])

    def action_kashoo_open_transaction(self):
        self.ensure_one()
        if not self.transaction_id:
            raise UserError(_("This log line belongs to no transaction."))
        return {
            "type": "ir.actions.act_window",
            "res_model": "kashoo.transaction",
            "res_id": self.transaction_id.id,
            "view_mode": "form",
            "views": [(False, "form")],
        }

    def action_kashoo_open_move(self):
        self.ensure_one()
        move = self.move_id or self.transaction_id.move_id
        if not move:
            raise UserError(_("No Odoo document was written by this attempt."))
        return move.get_formview_action()
