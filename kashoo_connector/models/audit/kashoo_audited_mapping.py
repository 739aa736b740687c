from odoo import models


class KashooAuditedMapping(models.AbstractModel):
    """A mapping row whose Odoo side (``_kashoo_audited_fields``: what decides where
    Kashoo's amounts are posted) is audit-logged, before and after, whenever it changes."""

    _name = "kashoo.audited.mapping"
    _description = "Kashoo Audited Mapping"
    _kashoo_audited_fields = ()

    def write(self, vals):
        fnames = [fname for fname in self._kashoo_audited_fields if fname in vals]
        if not fnames or not self:
            return super().write(vals)
        audit = self.env["kashoo.audit.log"]
        before = audit._kashoo_snapshot(self, fnames)
        result = super().write(vals)
        audit._kashoo_record_changes("mapping", self, fnames, before)
        return result
