from odoo import api, fields, models

from ... import const


class ResConfigSettings(models.TransientModel):
    """The Kashoo Integration block of Accounting settings, for the current company.

    Values live on the company's ``kashoo.backend``; the block creates it when an
    administrator first enters a Client ID.
    """

    _inherit = "res.config.settings"

    kashoo_backend_id = fields.Many2one(
        "kashoo.backend", compute="_compute_kashoo_backend_id", string="Kashoo Backend"
    )
    kashoo_backend_state = fields.Selection(related="kashoo_backend_id.state")
    kashoo_business_name = fields.Char(related="kashoo_backend_id.kashoo_business_name")
    kashoo_last_auth_message = fields.Char(related="kashoo_backend_id.last_auth_message")
    kashoo_redirect_uri = fields.Char(compute="_compute_kashoo_redirect_uri")
    kashoo_client_id = fields.Char(string="Kashoo Client ID")
    kashoo_business_ref = fields.Integer(
        string="Kashoo Business ID",
        help="Needed only when the Kashoo login reaches several businesses.",
    )
    kashoo_client_secret = fields.Char(string="Kashoo Client Secret")
    kashoo_has_client_secret = fields.Boolean(related="kashoo_backend_id.has_client_secret")

    @api.depends("company_id")
    def _compute_kashoo_backend_id(self):
        for settings in self:
            settings.kashoo_backend_id = self.env["kashoo.backend"]._get_for_company(
                settings.company_id
            )

    def _compute_kashoo_redirect_uri(self):
        for settings in self:
            settings.kashoo_redirect_uri = settings.get_base_url() + const.OAUTH_CALLBACK_ROUTE

    @api.model
    def get_values(self):
        values = super().get_values()
        backend = self.env["kashoo.backend"]._get_for_company(self.env.company)
        values["kashoo_client_id"] = backend.client_id
        values["kashoo_business_ref"] = backend.kashoo_business_id
        return values

    def set_values(self):
        super().set_values()
        if not self.env.is_system():
            return
        backend = self.kashoo_backend_id
        if not backend and (
            self.kashoo_client_id or self.kashoo_client_secret or self.kashoo_business_ref
        ):
            backend = self.env["kashoo.backend"].create({"company_id": self.company_id.id})
        if not backend:
            return
        if (self.kashoo_client_id or False) != (backend.client_id or False):
            backend.client_id = self.kashoo_client_id
        if self.kashoo_business_ref != backend.kashoo_business_id:
            backend.kashoo_business_id = self.kashoo_business_ref
        if self.kashoo_client_secret:
            backend.client_secret = self.kashoo_client_secret
            # Write-only: the typed secret never travels back to the browser.
            self.kashoo_client_secret = False

    def _kashoo_saved_backend(self):
        self.ensure_one()
        self.set_values()
        self.invalidate_recordset(["kashoo_backend_id"])
        return self.kashoo_backend_id or self.env["kashoo.backend"].create(
            {"company_id": self.company_id.id}
        )

    def action_kashoo_authorize(self):
        return self._kashoo_saved_backend().action_kashoo_authorize()

    def action_kashoo_verify(self):
        return self._kashoo_saved_backend().action_kashoo_verify()

    def action_kashoo_open_backend(self):
        """Open the company's Kashoo backend (advanced settings), creating it on first use."""
        backend = self._kashoo_saved_backend()
        return {
            "type": "ir.actions.act_window",
            "res_model": "kashoo.backend",
            "res_id": backend.id,
            "view_mode": "form",
            "target": "current",
        }
