from odoo import _, models
from odoo.exceptions import UserError


class AccountMove(models.Model):
    """The "Kashoo" smart button of an imported move: where it came from."""

    _inherit = "account.move"

    def action_kashoo_open_lineage(self):
        """Open the staging row of this move's Kashoo record: its payload, the attempts of
        the sync log (with the Kashoo version of each) and the webhook events received."""
        self.ensure_one()
        transactions = self.env["kashoo.transaction"]
        row = transactions.search([("move_id", "=", self.id)], limit=1)
        if not row and self.kashoo_id:
            domain = [("kashoo_id", "=", self.kashoo_id), ("company_id", "=", self.company_id.id)]
            if self.kashoo_backend_id:
                domain.append(("backend_id", "=", self.kashoo_backend_id.id))
            row = transactions.search(domain, limit=1)
        if not row:
            raise UserError(_("This entry was not imported from Kashoo."))
        return {
            "type": "ir.actions.act_window",
            "name": _("Kashoo Lineage"),
            "res_model": "kashoo.transaction",
            "res_id": row.id,
            "view_mode": "form",
            "views": [(False, "form")],
        }
