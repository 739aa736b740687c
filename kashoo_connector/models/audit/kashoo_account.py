from odoo import models

# The Odoo side of the mapping: what decides where Kashoo's amounts are posted.
AUDITED_FIELDS = ("account_id", "journal_id", "active")


class KashooAccount(models.Model):
    """The Kashoo account's Odoo account and journal: audit-logged on change."""

    _inherit = "kashoo.account"

    def write(self, vals):
        fnames = [fname for fname in AUDITED_FIELDS if fname in vals]
        if not fnames or not self:
            return super().write(vals)
        audit = self.env["kashoo.audit.log"]
        before = audit._kashoo_snapshot(self, fnames)
        result = super().write(vals)
        audit._kashoo_record_changes("mapping", self, fnames, before)
        return result
