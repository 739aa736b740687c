from odoo import api, fields, models

from ...kashoo_logic.books_comparison import AGING_BUCKETS

AGING_KINDS = [("receivable", "Receivable"), ("payable", "Payable")]


class KashooBooksComparisonAging(models.Model):
    """Open documents of one partner: what Kashoo says is owed against Odoo's residuals."""

    _name = "kashoo.books.comparison.aging"
    _description = "Kashoo Books Comparison Partner Balance"
    _order = "comparison_id, kind, is_discrepancy desc, contact_name, id"

    comparison_id = fields.Many2one(
        "kashoo.books.comparison", required=True, index=True, ondelete="cascade", readonly=True
    )
    company_id = fields.Many2one(related="comparison_id.company_id", store=True)
    currency_id = fields.Many2one(related="comparison_id.currency_id")
    kind = fields.Selection(AGING_KINDS, required=True, readonly=True)
    partner_id = fields.Many2one(
        "res.partner", string="Odoo Partner", readonly=True, ondelete="set null"
    )
    contact_id = fields.Many2one(
        "kashoo.contact", string="Kashoo Contact", readonly=True, ondelete="set null"
    )
    contact_name = fields.Char(string="Contact", readonly=True)
    kashoo_amount = fields.Monetary(
        string="Kashoo Open", readonly=True, currency_field="currency_id"
    )
    odoo_amount = fields.Monetary(string="Odoo Open", readonly=True, currency_field="currency_id")
    difference = fields.Monetary(readonly=True, currency_field="currency_id")
    tolerance = fields.Monetary(currency_field="currency_id")
    kashoo_document_count = fields.Integer(string="Kashoo Documents", readonly=True)
    odoo_document_count = fields.Integer(string="Odoo Documents", readonly=True)
    # Aged at the report's last day: not yet due, then days past due (aging_bucket).
    kashoo_current = fields.Monetary(string="Kashoo Not Due", readonly=True)
    kashoo_1_30 = fields.Monetary(string="Kashoo 1-30 Days", readonly=True)
    kashoo_31_60 = fields.Monetary(string="Kashoo 31-60 Days", readonly=True)
    kashoo_61_90 = fields.Monetary(string="Kashoo 61-90 Days", readonly=True)
    kashoo_over_90 = fields.Monetary(string="Kashoo Over 90 Days", readonly=True)
    odoo_current = fields.Monetary(string="Odoo Not Due", readonly=True)
    odoo_1_30 = fields.Monetary(string="Odoo 1-30 Days", readonly=True)
    odoo_31_60 = fields.Monetary(string="Odoo 31-60 Days", readonly=True)
    odoo_61_90 = fields.Monetary(string="Odoo 61-90 Days", readonly=True)
    odoo_over_90 = fields.Monetary(string="Odoo Over 90 Days", readonly=True)
    is_discrepancy = fields.Boolean(
        compute="_compute_is_discrepancy",
        store=True,
        string="Discrepancy",
        help="The open balances differ beyond the tolerance, in total or in one age bucket "
        "(a payment applied to another document of the partner moves money between ages).",
    )

    @api.depends(
        "difference",
        "tolerance",
        "currency_id",
        *(f"{side}_{bucket}" for side in ("kashoo", "odoo") for bucket in AGING_BUCKETS),
    )
    def _compute_is_discrepancy(self):
        for row in self:
            differences = [row.difference] + [
                row[f"kashoo_{bucket}"] - row[f"odoo_{bucket}"] for bucket in AGING_BUCKETS
            ]
            row.is_discrepancy = any(
                row.currency_id.compare_amounts(abs(difference), row.tolerance) > 0
                for difference in differences
            )
