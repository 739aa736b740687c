from odoo import models


class KashooContact(models.Model):
    """The Kashoo contact's Odoo partner: audit-logged on change."""

    _name = "kashoo.contact"
    _inherit = ["kashoo.contact", "kashoo.audited.mapping"]
    # The Odoo side of the mapping: what decides where Kashoo's amounts are posted.
    _kashoo_audited_fields = ("partner_id", "active")
