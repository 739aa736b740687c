from odoo import _, api, fields, models
from odoo.exceptions import UserError


class KashooAccountAcceptWizard(models.TransientModel):
    """Accept every account suggestion at or above a confidence, in one click."""

    _name = "kashoo.account.accept.wizard"
    _description = "Accept Kashoo Account Suggestions"

    backend_id = fields.Many2one("kashoo.backend", required=True, ondelete="cascade")
    min_confidence = fields.Integer(string="Minimum Confidence (%)", default=80, required=True)
    candidate_count = fields.Integer(
        compute="_compute_candidate_count", string="Suggestions to Accept"
    )

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        if "backend_id" in fields_list and not values.get("backend_id"):
            accounts = self.env["kashoo.account"].browse(self.env.context.get("active_ids") or [])
            backend = accounts.backend_id[:1] or self.env["kashoo.backend"]._get_for_company(
                self.env.company
            )
            values["backend_id"] = backend.id
        return values

    def _candidates(self):
        return self.env["kashoo.account"].search(
            [
                ("backend_id", "=", self.backend_id.id),
                ("account_id", "=", False),
                ("suggested_account_id", "!=", False),
                ("removed", "=", False),
                ("suggestion_confidence", ">=", self.min_confidence),
            ]
        )

    @api.depends("backend_id", "min_confidence")
    def _compute_candidate_count(self):
        for wizard in self:
            wizard.candidate_count = len(wizard._candidates()) if wizard.backend_id else 0

    def action_accept(self):
        self.ensure_one()
        if not 0 <= self.min_confidence <= 100:
            raise UserError(_("The confidence is a percentage, from 0 to 100."))
        self._candidates().action_accept_suggestion()
        return {"type": "ir.actions.act_window_close"}
