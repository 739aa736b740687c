from odoo import fields, models


class AccountPayment(models.Model):
    """Payments imported from Kashoo carry the same identity as their journal entry."""

    _inherit = "account.payment"

    kashoo_backend_id = fields.Many2one(
        "kashoo.backend",
        string="Kashoo Backend",
        index=True,
        copy=False,
        readonly=True,
        ondelete="restrict",
    )
    kashoo_id = fields.Integer(string="Kashoo ID", index=True, copy=False, readonly=True)
    kashoo_version = fields.Integer(string="Kashoo Version", copy=False, readonly=True)
    kashoo_type = fields.Char(string="Kashoo Type", copy=False, readonly=True)
    kashoo_uuid = fields.Char(string="Kashoo Audit UUID", copy=False, readonly=True)
