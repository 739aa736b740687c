from odoo import models


class KashooAccount(models.Model):
    """The Kashoo account's Odoo account and journal: audit-logged on change."""

    _name = "kashoo.account"
    _inherit = ["kashoo.account", "kashoo.audited.mapping"]
    # The Odoo side of the mapping: what decides where Kashoo's amounts are posted.
    _kashoo_audited_fields = ("account_id", "journal_id", "active")
