from odoo import fields, models


class KashooAuthLog(models.Model):
    """Audit trail of every authentication event of a backend (never a token or secret)."""

    _name = "kashoo.auth.log"
    _description = "Kashoo Authentication Log"
    _order = "create_date desc, id desc"
    _log_access = True

    backend_id = fields.Many2one("kashoo.backend", required=True, index=True, ondelete="cascade")
    company_id = fields.Many2one(related="backend_id.company_id", store=True)
    user_id = fields.Many2one("res.users", string="User", readonly=True)
    event = fields.Selection(
        selection=[
            ("authorize", "Authorization started"),
            ("callback", "Authorization callback"),
            ("token", "Code exchanged for tokens"),
            ("refresh", "Token refresh"),
            ("verify", "Connection check"),
            ("disconnect", "Disconnected"),
            ("reconfigure", "Connection changed"),
        ],
        required=True,
        readonly=True,
    )
    outcome = fields.Selection(
        selection=[("success", "Success"), ("failure", "Failure"), ("rejected", "Rejected")],
        required=True,
        readonly=True,
    )
    message = fields.Char(readonly=True)
