from odoo import models


class KashooPaymentMethod(models.Model):
    """Mapping Kashoo payment methods is management."""

    _name = "kashoo.payment.method"
    _inherit = ["kashoo.payment.method", "kashoo.management.guard"]
