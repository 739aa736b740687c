from odoo import api, fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    kashoo_backend_id = fields.Many2one(
        "kashoo.backend", compute="_compute_kashoo_backend_id", string="Kashoo Backend"
    )
    kashoo_backend_state = fields.Selection(related="kashoo_backend_id.state")
    kashoo_api_url = fields.Char(related="kashoo_backend_id.api_url")

    @api.depends("company_id")
    def _compute_kashoo_backend_id(self):
        for settings in self:
            settings.kashoo_backend_id = self.env["kashoo.backend"]._get_for_company(
                settings.company_id
            )

    def action_kashoo_open_backend(self):
        """Open the company's Kashoo backend, creating it on first use."""
        self.ensure_one()
        backend = self.kashoo_backend_id or self.env["kashoo.backend"].create(
            {"company_id": self.company_id.id}
        )
        return {
            "type": "ir.actions.act_window",
            "res_model": "kashoo.backend",
            "res_id": backend.id,
            "view_mode": "form",
            "target": "current",
        }
