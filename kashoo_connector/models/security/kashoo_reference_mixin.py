from odoo import models


class KashooReferenceMixin(models.AbstractModel):
    """Mapping Kashoo accounts, taxes and contacts is management."""

    _name = "kashoo.reference.mixin"
    _inherit = ["kashoo.reference.mixin", "kashoo.management.guard"]
