from odoo import api, fields, models

# The soft lock dates an accountant may move to let a Kashoo correction in (the hard lock
# date can only move forward, so it is never offered).
SOFT_LOCK_DATE_FIELDS = (
    "fiscalyear_lock_date",
    "tax_lock_date",
    "sale_lock_date",
    "purchase_lock_date",
)


class KashooQuarantineIgnoreWizard(models.TransientModel):
    """Ask why quarantined transactions are set aside; the answer stays for the audit."""

    _name = "kashoo.quarantine.ignore.wizard"
    _description = "Ignore Kashoo Transactions"

    transaction_ids = fields.Many2many("kashoo.transaction", string="Transactions", required=True)
    transaction_count = fields.Integer(compute="_compute_transaction_count")
    reason = fields.Text(
        required=True, help="Kept on each transaction and in its history, for the audit."
    )

    @api.depends("transaction_ids")
    def _compute_transaction_count(self):
        for wizard in self:
            wizard.transaction_count = len(wizard.transaction_ids)

    def action_ignore(self):
        self.ensure_one()
        self.transaction_ids._kashoo_ignore(self.reason)
        return {"type": "ir.actions.client", "tag": "soft_reload"}
