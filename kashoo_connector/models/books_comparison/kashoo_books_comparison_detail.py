from odoo import api, fields, models

DETAIL_REASONS = [
    ("missing_in_odoo", "Missing in Odoo"),
    ("amount_differs", "Different amount"),
    ("only_in_odoo", "Only in Odoo"),
    ("not_from_kashoo", "Not from Kashoo"),
]


class KashooBooksComparisonDetail(models.Model):
    """A transaction that explains part of an account's difference."""

    _name = "kashoo.books.comparison.detail"
    _description = "Kashoo Books Comparison Difference"
    _order = "line_id, kashoo_date, kashoo_id, id"

    line_id = fields.Many2one(
        "kashoo.books.comparison.line",
        required=True,
        index=True,
        ondelete="cascade",
        readonly=True,
        string="Account Line",
    )
    comparison_id = fields.Many2one(related="line_id.comparison_id", store=True, index=True)
    company_id = fields.Many2one(related="line_id.company_id", store=True)
    currency_id = fields.Many2one(related="line_id.currency_id")
    account_id = fields.Many2one(related="line_id.account_id", string="Odoo Account")
    kashoo_account_label = fields.Char(related="line_id.kashoo_account_label")
    kashoo_id = fields.Integer(string="Kashoo ID", readonly=True)
    kashoo_type = fields.Char(string="Type", readonly=True)
    kashoo_date = fields.Date(string="Date", readonly=True)
    kashoo_number = fields.Char(string="Number", readonly=True)
    kashoo_amount = fields.Monetary(readonly=True, currency_field="currency_id")
    odoo_amount = fields.Monetary(readonly=True, currency_field="currency_id")
    difference = fields.Monetary(
        compute="_compute_difference", store=True, currency_field="currency_id"
    )
    reason = fields.Selection(DETAIL_REASONS, readonly=True)
    move_id = fields.Many2one(
        "account.move", string="Odoo Entry", readonly=True, ondelete="set null"
    )
    transaction_id = fields.Many2one(
        "kashoo.transaction", string="Staging Row", readonly=True, ondelete="set null"
    )
    transaction_state = fields.Selection(related="transaction_id.state", string="Sync State")

    @api.depends("kashoo_amount", "odoo_amount")
    def _compute_difference(self):
        for detail in self:
            detail.difference = detail.currency_id.round(detail.kashoo_amount - detail.odoo_amount)
