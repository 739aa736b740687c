from odoo import _, api, fields, models
from odoo.exceptions import UserError

# The soft lock dates an accountant may move to let a Kashoo correction in (the hard lock
# date can only move forward, so it is never offered).
SOFT_LOCK_DATE_FIELDS = (
    "fiscalyear_lock_date",
    "tax_lock_date",
    "sale_lock_date",
    "purchase_lock_date",
)


class KashooLockDateWizard(models.TransientModel):
    """The company's soft lock dates, for reopening the period a Kashoo record falls in.

    Odoo Community has no lock-date screen of its own; this one writes the same company
    fields Odoo checks when posting, for accounting administrators only.
    """

    _name = "kashoo.lock.date.wizard"
    _description = "Kashoo: Change Lock Dates"

    company_id = fields.Many2one(
        "res.company", required=True, readonly=True, default=lambda self: self.env.company
    )
    transaction_id = fields.Many2one("kashoo.transaction", readonly=True)
    kashoo_date = fields.Date(related="transaction_id.kashoo_date", string="Record Date")
    fiscalyear_lock_date = fields.Date(string="Lock Everything")
    tax_lock_date = fields.Date(string="Lock Tax Return")
    sale_lock_date = fields.Date(string="Lock Sales")
    purchase_lock_date = fields.Date(string="Lock Purchases")
    hard_lock_date = fields.Date(
        string="Hard Lock",
        readonly=True,
        help="Irreversible: records on or before it cannot be imported.",
    )

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        company = self.env["res.company"].browse(values.get("company_id")) or self.env.company
        for name in (*SOFT_LOCK_DATE_FIELDS, "hard_lock_date"):
            if name in fields_list:
                values[name] = company[name]
        return values

    def action_apply(self):
        self.ensure_one()
        if not self.env.user.has_group("account.group_account_manager"):
            raise UserError(_("Only accounting administrators can change lock dates."))
        company = self.company_id
        changes = {
            name: self[name] for name in SOFT_LOCK_DATE_FIELDS if self[name] != company[name]
        }
        if changes:
            # Company records are only writable by settings administrators; the lock dates
            # belong to the accounting administrators checked above.
            company.sudo().write(changes)
        if self.transaction_id:
            # The field labels in the user's language, like the rest of the sentence.
            listed = ", ".join(
                f"{self._fields[name]._description_string(self.env)} {value or '-'}"
                for name, value in changes.items()
            )
            self.transaction_id._kashoo_log_decision(
                _(
                    "Lock dates changed by %(user)s: %(changes)s",
                    user=self.env.user.name,
                    changes=listed or _("none"),
                )
            )
        return {"type": "ir.actions.act_window_close"}
