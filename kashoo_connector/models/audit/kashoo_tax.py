from odoo import models


class KashooTax(models.Model):
    """The Kashoo tax's Odoo sale and purchase taxes: audit-logged on change."""

    _name = "kashoo.tax"
    _inherit = ["kashoo.tax", "kashoo.audited.mapping"]
    # The Odoo side of the mapping: what decides where Kashoo's amounts are posted.
    _kashoo_audited_fields = ("sale_tax_id", "purchase_tax_id", "active")
