from odoo import _, api, fields, models
from odoo.exceptions import UserError

ACCOUNT_KINDS = [
    ("revenue", "Revenue"),
    ("expense", "Expense"),
    ("balance_sheet", "Balance Sheet"),
]
LINE_SECTIONS = [("account", "Accounts"), ("tax", "Sales Taxes")]


class KashooBooksComparisonLine(models.Model):
    """One account compared: Kashoo's balance (from its records) and Odoo's (posted items)."""

    _name = "kashoo.books.comparison.line"
    _description = "Kashoo Books Comparison Account"
    _order = "comparison_id, section, is_discrepancy desc, account_code, id"

    comparison_id = fields.Many2one(
        "kashoo.books.comparison", required=True, index=True, ondelete="cascade", readonly=True
    )
    company_id = fields.Many2one(related="comparison_id.company_id", store=True)
    currency_id = fields.Many2one(related="comparison_id.currency_id")
    section = fields.Selection(LINE_SECTIONS, required=True, default="account", readonly=True)
    account_id = fields.Many2one(
        "account.account", string="Odoo Account", readonly=True, ondelete="set null"
    )
    account_code = fields.Char(related="account_id.code", store=True, string="Code")
    kashoo_account_ids = fields.Many2many("kashoo.account", string="Kashoo Accounts", readonly=True)
    kashoo_account_label = fields.Char(string="Kashoo Account", readonly=True)
    unmapped_kashoo_account_id = fields.Integer(
        readonly=True, help="Kashoo id of an account with no Odoo account."
    )
    account_kind = fields.Selection(ACCOUNT_KINDS, string="Kind", readonly=True)
    tax_names = fields.Char(string="Kashoo Taxes", readonly=True)
    kashoo_balance = fields.Monetary(readonly=True, currency_field="currency_id")
    odoo_balance = fields.Monetary(readonly=True, currency_field="currency_id")
    difference = fields.Monetary(
        readonly=True, currency_field="currency_id", help="Kashoo's balance minus Odoo's."
    )
    tolerance = fields.Monetary(
        currency_field="currency_id", help="Differences up to this amount are accepted."
    )
    is_discrepancy = fields.Boolean(
        compute="_compute_is_discrepancy", store=True, string="Discrepancy"
    )
    detail_ids = fields.One2many(
        "kashoo.books.comparison.detail", "line_id", string="Explaining Transactions"
    )
    detail_count = fields.Integer(compute="_compute_detail_count")

    @api.depends("difference", "tolerance", "currency_id")
    def _compute_is_discrepancy(self):
        for line in self:
            line.is_discrepancy = (
                line.currency_id.compare_amounts(abs(line.difference), line.tolerance) > 0
            )

    def _compute_detail_count(self):
        counts = dict(
            self.env["kashoo.books.comparison.detail"]._read_group(
                [("line_id", "in", self.ids)], ["line_id"], ["__count"]
            )
        )
        for line in self:
            line.detail_count = counts.get(line, 0)

    @api.depends("account_id", "kashoo_account_label")
    def _compute_display_name(self):
        for line in self:
            line.display_name = (
                line.account_id.display_name or line.kashoo_account_label or _("No account")
            )

    def action_open_details(self):
        """Button: the Kashoo records and Odoo entries that make up the difference."""
        self.ensure_one()
        if not self.detail_count:
            raise UserError(
                _(
                    "Kashoo and Odoo agree on %(account)s: nothing to explain.",
                    account=self.display_name,
                )
            )
        return {
            "type": "ir.actions.act_window",
            "name": _("Difference on %(account)s", account=self.display_name),
            "res_model": "kashoo.books.comparison.detail",
            "view_mode": "list,form",
            "domain": [("line_id", "=", self.id)],
            "context": {"create": False},
        }
