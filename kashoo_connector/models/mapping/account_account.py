from odoo import api, fields, models


class AccountAccount(models.Model):
    """Lets the mapping screen list the Odoo accounts no Kashoo account maps onto yet."""

    _inherit = "account.account"

    kashoo_mapped = fields.Boolean(
        string="Mapped from Kashoo",
        compute="_compute_kashoo_mapped",
        search="_search_kashoo_mapped",
    )

    def _compute_kashoo_mapped(self):
        mapped = set(
            self.env["kashoo.account"].search([("account_id", "in", self.ids)]).account_id.ids
        )
        for account in self:
            account.kashoo_mapped = account.id in mapped

    @api.model
    def _search_kashoo_mapped(self, operator, value):
        if operator not in ("=", "!="):
            return NotImplemented
        mapped_ids = self.env["kashoo.account"].search([("account_id", "!=", False)]).account_id.ids
        positive = (operator == "=") == bool(value)
        return [("id", "in" if positive else "not in", mapped_ids)]
