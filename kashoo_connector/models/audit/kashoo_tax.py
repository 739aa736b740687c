from odoo import models

# The Odoo side of the mapping: what decides where Kashoo's amounts are posted.
AUDITED_FIELDS = ("sale_tax_id", "purchase_tax_id", "active")


class KashooTax(models.Model):
    """The Kashoo tax's Odoo sale and purchase taxes: audit-logged on change."""

    _inherit = "kashoo.tax"

    def write(self, vals):
        fnames = [fname for fname in AUDITED_FIELDS if fname in vals]
        if not fnames or not self:
            return super().write(vals)
        audit = self.env["kashoo.audit.log"]
        before = audit._kashoo_snapshot(self, fnames)
        result = super().write(vals)
        audit._kashoo_record_changes("mapping", self, fnames, before)
        return result
