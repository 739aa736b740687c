from odoo import models

# The Odoo side of the mapping: what decides where Kashoo's amounts are posted.
AUDITED_FIELDS = ("journal_id", "payment_method_line_id", "active")


class KashooPaymentMethod(models.Model):
    """The payment method's Odoo journal and payment method: audit-logged on change."""

    _inherit = "kashoo.payment.method"

    def write(self, vals):
        fnames = [fname for fname in AUDITED_FIELDS if fname in vals]
        if not fnames or not self:
            return super().write(vals)
        audit = self.env["kashoo.audit.log"]
        before = audit._kashoo_snapshot(self, fnames)
        result = super().write(vals)
        audit._kashoo_record_changes("mapping", self, fnames, before)
        return result
