from odoo import models


class KashooPaymentMethod(models.Model):
    """The payment method's Odoo journal and payment method: audit-logged on change."""

    _name = "kashoo.payment.method"
    _inherit = ["kashoo.payment.method", "kashoo.audited.mapping"]
    # The Odoo side of the mapping: what decides where Kashoo's amounts are posted.
    _kashoo_audited_fields = ("journal_id", "payment_method_line_id", "active")
