from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from ...kashoo_logic import account_suggestions

KASHOO_ACCOUNT_TYPES = [
    ("ASSET", "Asset"),
    ("LIABILITY", "Liability"),
    ("EQUITY", "Equity"),
    ("REVENUE", "Revenue"),
    ("EXPENSE", "Expense"),
]
# Sub-types whose Odoo side needs a journal (statement reconciliation, payments).
LIQUIDITY_SUB_TYPES = ("BANK", "CREDIT_CARD")


class KashooAccount(models.Model):
    """A Kashoo account and the Odoo account (and journal, for money accounts) it maps onto."""

    _name = "kashoo.account"
    _inherit = ["kashoo.reference.mixin"]
    _description = "Kashoo Account"
    _order = "backend_id, number, kashoo_id"
    _rec_names_search = ["number", "name"]

    name = fields.Char(readonly=True)
    number = fields.Char(readonly=True)
    kashoo_type = fields.Selection(KASHOO_ACCOUNT_TYPES, string="Kashoo Type", readonly=True)
    sub_type = fields.Char(string="Kashoo Sub-type", readonly=True)
    currency_code = fields.Char(string="Currency", readonly=True)

    account_id = fields.Many2one(
        "account.account",
        string="Odoo Account",
        index=True,
        ondelete="restrict",
        domain="[('company_ids', 'in', company_id)]",
    )
    journal_id = fields.Many2one(
        "account.journal",
        string="Odoo Journal",
        ondelete="restrict",
        domain="[('company_id', '=', company_id), ('type', 'in', ('bank', 'cash', 'credit'))]",
        help="Bank and credit-card accounts: the journal their money moves through, so that "
        "bank statements reconcile against the imported payments.",
    )
    suggested_account_id = fields.Many2one(
        "account.account", string="Suggestion", readonly=True, ondelete="set null"
    )
    suggestion_confidence = fields.Integer(string="Confidence (%)", readonly=True)
    state = fields.Selection(
        [("unmapped", "Unmapped"), ("suggested", "Suggestion"), ("mapped", "Mapped")],
        compute="_compute_state",
        store=True,
    )
    mapping_warning = fields.Char(compute="_compute_mapping_warning", string="Warning")

    _sql_constraints = [
        (
            "kashoo_id_uniq",
            "unique(backend_id, kashoo_id)",
            "A Kashoo account is mirrored once per backend.",
        ),
    ]

    @api.depends("account_id", "suggested_account_id")
    def _compute_state(self):
        for account in self:
            account.state = (
                "mapped"
                if account.account_id
                else "suggested"
                if account.suggested_account_id
                else "unmapped"
            )

    @api.depends("kashoo_type", "sub_type", "account_id", "journal_id", "name")
    def _compute_mapping_warning(self):
        for account in self:
            account.mapping_warning = account._kashoo_mapping_warning() or False

    def _kashoo_mapping_warning(self):
        """What a person must double-check about this pair, in one sentence (or None)."""
        self.ensure_one()
        target = self.account_id or self.suggested_account_id
        if self.sub_type == "BANK":
            if not self.journal_id:
                return _(
                    "Bank account: link it to an Odoo bank journal so statements "
                    "reconcile with the imported payments."
                )
            if target and self.journal_id.default_account_id != target:
                return _(
                    "Bank account: the journal %(journal)s posts to another account.",
                    journal=self.journal_id.display_name,
                )
        if self.sub_type == "CREDIT_CARD":
            if target and not target.account_type.startswith("liability"):
                return _("Credit card: map it onto a liability account.")
            if not self.journal_id:
                return _(
                    "Credit card: a liability account with its own credit-card journal "
                    "lets Odoo reconcile the card statements."
                )
        if self.sub_type in ("TAX_PAYABLE", "TAX_RECOVERABLE"):
            return _(
                "GST/HST account: it must be the account the mapped Odoo taxes post to "
                "(Tax Mapping), or the tax reports will not see Kashoo's amounts."
            )
        if self.sub_type == "RETAINED_EARNINGS" or (
            target and target.account_type == "equity_unaffected"
        ):
            return _(
                "Retained earnings: Odoo computes the current year's earnings itself; "
                "map onto a Reserves / Retained Earnings account, never post the year's "
                "result twice."
            )
        if self.kashoo_type == "EQUITY":
            return _(
                "Equity: Kashoo's Share Capital is Odoo's Common Shares (Common Stock); "
                "check the class of shares."
            )
        return None

    def _kashoo_is_compatible(self, odoo_account):
        """Whether ``odoo_account`` respects the nature of this Kashoo account."""
        self.ensure_one()
        return account_suggestions.is_compatible(
            self.kashoo_type, self.sub_type or None, odoo_account.account_type
        )

    @api.constrains("account_id", "kashoo_type", "sub_type")
    def _check_account_type(self):
        for account in self.filtered("account_id"):
            if not account._kashoo_is_compatible(account.account_id):
                raise ValidationError(
                    _(
                        "Kashoo account %(kashoo)s (%(type)s) cannot be mapped onto %(odoo)s, an "
                        "account of type %(odoo_type)s.",
                        kashoo=account.display_name,
                        type=account.sub_type or account.kashoo_type,
                        odoo=account.account_id.display_name,
                        odoo_type=dict(
                            account.account_id._fields["account_type"]._description_selection(
                                self.env
                            )
                        )[account.account_id.account_type],
                    )
                )

    @api.depends("number", "name")
    def _compute_display_name(self):
        for account in self:
            account.display_name = " ".join(
                part for part in (account.number, account.name) if part
            ) or str(account.kashoo_id)

    # === ACTIONS === #

    def action_accept_suggestion(self):
        """Map each account onto its suggestion (the ones without a suggestion are skipped)."""
        for account in self.filtered(
            lambda account: account.suggested_account_id and not account.account_id
        ):
            account.account_id = account.suggested_account_id
            if account.sub_type in LIQUIDITY_SUB_TYPES and not account.journal_id:
                account.journal_id = account._kashoo_find_journal()
        return True

    def action_clear_mapping(self):
        self.write({"account_id": False})
        return True

    # === BUSINESS METHODS === #

    def _kashoo_find_journal(self):
        """The bank/cash/credit journal of the mapped account, if there is exactly one."""
        self.ensure_one()
        journals = self.env["account.journal"].search(
            [
                ("company_id", "=", self.company_id.id),
                ("type", "in", ("bank", "cash", "credit")),
                ("default_account_id", "=", self.account_id.id),
            ]
        )
        return journals if len(journals) == 1 else journals.browse()

    def _kashoo_compute_suggestions(self):
        """Suggest an Odoo account for each unmapped account, in one read of the chart."""
        for company, accounts in self.grouped("company_id").items():
            chart = (
                self.env["account.account"]
                .with_company(company)
                .search_read(
                    [("company_ids", "in", company.id), ("deprecated", "=", False)],
                    ["name", "code", "account_type"],
                )
            )
            by_id = {account["id"]: account for account in chart}
            for account in accounts.filtered(lambda account: not account.account_id):
                best, confidence = account_suggestions.suggest_account(
                    {
                        "name": account.name,
                        "number": account.number,
                        "type": account.kashoo_type,
                        "sub_type": account.sub_type or None,
                    },
                    list(by_id.values()),
                )
                vals = {
                    "suggested_account_id": best and best["id"],
                    "suggestion_confidence": confidence,
                }
                if (account.suggested_account_id.id or False, account.suggestion_confidence) != (
                    vals["suggested_account_id"] or False,
                    confidence,
                ):
                    account.write(vals)

    @api.model
    def _kashoo_values_from(self, row):
        kashoo_type = row.get("type")
        return {
            "name": row.get("name") or "",
            "number": row.get("number") or False,
            "kashoo_type": kashoo_type if kashoo_type in dict(KASHOO_ACCOUNT_TYPES) else False,
            "sub_type": row.get("subType") or False,
            "currency_code": row.get("currency") or False,
        }
