from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

# Kashoo's usual payment methods; others are added when a record names them.
DEFAULT_PAYMENT_METHODS = ("Electronic Transfer", "Cheque", "Credit Card", "Cash")


class KashooPaymentMethod(models.Model):
    """A Kashoo payment method (Cheque, Credit Card...) and the Odoo journal and payment
    method line its payments go through. Kashoo names methods by text only: the key is the
    name."""

    _name = "kashoo.payment.method"
    _description = "Kashoo Payment Method"
    _order = "backend_id, name"

    backend_id = fields.Many2one(
        "kashoo.backend", required=True, index=True, ondelete="cascade", readonly=True
    )
    company_id = fields.Many2one(related="backend_id.company_id", store=True, index=True)
    name = fields.Char(required=True, readonly=True)
    journal_id = fields.Many2one(
        "account.journal",
        string="Odoo Journal",
        ondelete="restrict",
        domain="[('company_id', '=', company_id), ('type', 'in', ('bank', 'cash', 'credit'))]",
    )
    payment_method_line_id = fields.Many2one(
        "account.payment.method.line",
        string="Odoo Payment Method",
        ondelete="restrict",
        domain="[('journal_id', '=', journal_id)]",
    )
    default_account_id = fields.Many2one(
        related="journal_id.default_account_id", string="Default Account", readonly=True
    )
    active = fields.Boolean(default=True)

    _sql_constraints = [
        ("name_uniq", "unique(backend_id, name)", "A payment method is listed once per backend."),
    ]

    @api.constrains("journal_id", "payment_method_line_id")
    def _check_method_line_journal(self):
        for method in self:
            line = method.payment_method_line_id
            if line and line.journal_id != method.journal_id:
                raise ValidationError(
                    _(
                        "The payment method %(line)s belongs to another journal.",
                        line=line.display_name,
                    )
                )

    @api.onchange("journal_id")
    def _onchange_journal_id(self):
        if self.payment_method_line_id.journal_id != self.journal_id:
            self.payment_method_line_id = self.journal_id.inbound_payment_method_line_ids[:1]

    @api.model_create_multi
    def create(self, vals_list):
        methods = super().create(vals_list)
        methods.backend_id._kashoo_bump_mapping_version()
        return methods

    def write(self, vals):
        result = super().write(vals)
        self.backend_id._kashoo_bump_mapping_version()
        return result

    def unlink(self):
        backends = self.backend_id
        result = super().unlink()
        backends._kashoo_bump_mapping_version()
        return result

    @api.model
    def _kashoo_ensure(self, backend, names):
        """Make sure a row exists for each name (one search, one create)."""
        names = {name.strip() for name in names if name and name.strip()}
        existing = set(
            self.with_context(active_test=False)
            .search([("backend_id", "=", backend.id), ("name", "in", list(names))])
            .mapped("name")
        )
        missing = sorted(names - existing)
        if missing:
            self.create([{"backend_id": backend.id, "name": name} for name in missing])
