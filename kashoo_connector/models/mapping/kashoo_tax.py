from decimal import Decimal

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ...kashoo_logic import account_suggestions
from ...kashoo_mapper.money import parse_decimal

TAX_KINDS = [("GST", "GST"), ("HST", "HST"), ("PST", "PST"), ("QST", "QST")]
# Kinds whose tax paid on purchases is recoverable as an input tax credit (ITC) or refund (ITR).
RECOVERABLE_KINDS = ("GST", "HST", "QST")
# Sequence of the provincial taxes in l10n_ca (GST is 10); a compound tax comes after both.
PROVINCIAL_SEQUENCE = 20
COMPOUND_SEQUENCE = 30


class KashooTax(models.Model):
    """A Kashoo tax and the Odoo sale and purchase taxes it maps onto."""

    _name = "kashoo.tax"
    _inherit = ["kashoo.reference.mixin"]
    _description = "Kashoo Tax"
    _order = "backend_id, kind, province, kashoo_id"

    name = fields.Char(readonly=True)
    kind = fields.Selection(TAX_KINDS, readonly=True)
    rate = fields.Char(readonly=True, help="Percent, exactly as Kashoo gives it.")
    province = fields.Char(readonly=True)
    compound = fields.Boolean(
        readonly=True, help="Computed on the base plus the non-compound taxes before it."
    )
    recoverable = fields.Boolean(readonly=True)
    registration_number = fields.Char(readonly=True)
    valid_from = fields.Date(readonly=True)
    valid_to = fields.Date(readonly=True)

    sale_tax_id = fields.Many2one(
        "account.tax",
        string="Odoo Sale Tax",
        ondelete="restrict",
        domain="[('company_id', '=', company_id), ('type_tax_use', '=', 'sale'), "
        "('amount_type', '=', 'percent')]",
    )
    purchase_tax_id = fields.Many2one(
        "account.tax",
        string="Odoo Purchase Tax",
        ondelete="restrict",
        domain="[('company_id', '=', company_id), ('type_tax_use', '=', 'purchase'), "
        "('amount_type', '=', 'percent')]",
    )
    suggested_sale_tax_id = fields.Many2one("account.tax", readonly=True, ondelete="set null")
    suggested_purchase_tax_id = fields.Many2one("account.tax", readonly=True, ondelete="set null")
    state = fields.Selection(
        [
            ("unmapped", "Unmapped"),
            ("suggested", "Suggestion"),
            ("partial", "One side"),
            ("mapped", "Mapped"),
        ],
        compute="_compute_state",
        store=True,
    )
    mapping_warning = fields.Char(compute="_compute_mapping_warning", string="Warning")

    _sql_constraints = [
        (
            "kashoo_id_uniq",
            "unique(backend_id, kashoo_id)",
            "A Kashoo tax is mirrored once per backend.",
        ),
    ]

    @api.depends(
        "sale_tax_id", "purchase_tax_id", "suggested_sale_tax_id", "suggested_purchase_tax_id"
    )
    def _compute_state(self):
        for tax in self:
            if tax.sale_tax_id and tax.purchase_tax_id:
                tax.state = "mapped"
            elif tax.sale_tax_id or tax.purchase_tax_id:
                tax.state = "partial"
            elif tax.suggested_sale_tax_id or tax.suggested_purchase_tax_id:
                tax.state = "suggested"
            else:
                tax.state = "unmapped"

    @api.depends("sale_tax_id", "purchase_tax_id", "rate", "kind", "recoverable")
    def _compute_mapping_warning(self):
        for tax in self:
            tax.mapping_warning = tax._kashoo_mapping_warning() or False

    def _kashoo_mapping_warning(self):
        self.ensure_one()
        rate = parse_decimal(self.rate)
        for odoo_tax in (self.sale_tax_id, self.purchase_tax_id):
            if odoo_tax and rate is not None and Decimal(str(odoo_tax.amount)) != rate:
                return _(
                    "%(tax)s charges %(odoo)s%%, Kashoo %(kashoo)s%%.",
                    tax=odoo_tax.display_name,
                    odoo=odoo_tax.amount,
                    kashoo=self.rate,
                )
        if self.purchase_tax_id and self.kind in RECOVERABLE_KINDS:
            accounts = self.purchase_tax_id.invoice_repartition_line_ids.filtered(
                lambda line: line.repartition_type == "tax"
            ).account_id
            if not accounts or any(
                account.account_type.startswith("liability") for account in accounts
            ):
                return _(
                    "%(kind)s paid on purchases must go to the recoverable (input tax "
                    "credit) account, an asset.",
                    kind=self.kind,
                )
        return None

    @api.depends("name", "rate")
    def _compute_display_name(self):
        for tax in self:
            tax.display_name = f"{tax.name} ({tax.rate}%)" if tax.rate else tax.name

    # === ACTIONS === #

    def action_accept_suggestion(self):
        for tax in self:
            vals = {}
            if not tax.sale_tax_id and tax.suggested_sale_tax_id:
                vals["sale_tax_id"] = tax.suggested_sale_tax_id.id
            if not tax.purchase_tax_id and tax.suggested_purchase_tax_id:
                vals["purchase_tax_id"] = tax.suggested_purchase_tax_id.id
            if vals:
                tax.write(vals)
        return True

    def action_create_odoo_taxes(self):
        """Create the missing Odoo sale and purchase taxes of each Kashoo tax and map them.

        The tax accounts follow the Canadian rules: tax charged goes to the payable account
        of its kind; GST/HST/QST paid goes to the recoverable (ITC/ITR) account; PST paid is
        not recoverable, so its purchase tax has no account and stays in the expense. A
        compound tax is placed after the others (sequence) and affected by the taxes before
        it that include themselves in the base, which is how Odoo computes tax on tax.
        """
        for tax in self:
            vals = {}
            if not tax.sale_tax_id:
                vals["sale_tax_id"] = tax._kashoo_create_odoo_tax("sale").id
            if not tax.purchase_tax_id:
                vals["purchase_tax_id"] = tax._kashoo_create_odoo_tax("purchase").id
            if vals:
                tax.write(vals)
            if tax.compound:
                tax._kashoo_enable_compounding()
        return True

    def _kashoo_enable_compounding(self):
        """Let Odoo compute this compound tax on the base plus the taxes before it.

        Odoo's mechanism: a tax with ``include_base_amount`` adds its amount to the base of
        the later taxes (by sequence) that are ``is_base_affected``. The non-compound taxes
        Kashoo applies before it (GST, mapped on this backend) include their amount; every
        other non-compound tax of the company stops being affected, so PST, QST and HST keep
        being computed on the price alone, as Canadian law wants.
        """
        self.ensure_one()
        compound_taxes = self.sale_tax_id | self.purchase_tax_id
        earlier = self.search(
            [
                ("backend_id", "=", self.backend_id.id),
                ("compound", "=", False),
                ("kind", "=", "GST"),
            ]
        )
        earlier_taxes = earlier.sale_tax_id | earlier.purchase_tax_id
        others = self.env["account.tax"].search(
            [
                ("company_id", "=", self.company_id.id),
                ("amount_type", "=", "percent"),
                ("id", "not in", (compound_taxes | earlier_taxes).ids),
                ("is_base_affected", "=", True),
            ]
        )
        others.write({"is_base_affected": False})
        earlier_taxes.write({"include_base_amount": True})
        compound_taxes.write({"is_base_affected": True, "sequence": COMPOUND_SEQUENCE})

    def action_test_mapping(self):
        """Open the side-by-side comparison of Kashoo's and Odoo's computation."""
        self.ensure_one()
        wizard = self.env["kashoo.tax.test"].create({"kashoo_tax_id": self.id})
        return {
            "type": "ir.actions.act_window",
            "name": _("Test %(tax)s", tax=self.display_name),
            "res_model": "kashoo.tax.test",
            "res_id": wizard.id,
            "view_mode": "form",
            "target": "new",
        }

    # === BUSINESS METHODS === #

    def _kashoo_tax_account(self, side):
        """The account the tax amount goes to on ``side``; ``False`` when it stays on the base.

        Kashoo's own payable/recoverable account wins when it is mapped; else the account of
        an existing Odoo tax of the same kind (l10n_ca: GST to pay, PST/QST to pay, GST
        receivable...); else the company's default tax account.
        """
        self.ensure_one()
        if side == "purchase" and not (self.recoverable and self.kind in RECOVERABLE_KINDS):
            return self.env["account.account"]
        raw = self.raw or {}
        kashoo_account_id = raw.get("payableAccount" if side == "sale" else "recoverableAccount")
        if kashoo_account_id:
            mapped = (
                self.env["kashoo.account"]
                .search(
                    [
                        ("backend_id", "=", self.backend_id.id),
                        ("kashoo_id", "=", kashoo_account_id),
                        ("account_id", "!=", False),
                    ],
                    limit=1,
                )
                .account_id
            )
            if mapped:
                return mapped
        kind_words = {"PST": ["PST", "RST"], "QST": ["QST"], "HST": ["HST"], "GST": ["GST"]}
        for word in kind_words.get(self.kind, []):
            same_kind = self.env["account.tax"].search(
                [
                    ("company_id", "=", self.company_id.id),
                    ("type_tax_use", "=", side),
                    ("amount_type", "=", "percent"),
                    ("name", "ilike", word),
                ],
                limit=5,
            )
            accounts = same_kind.invoice_repartition_line_ids.filtered(
                lambda line: line.repartition_type == "tax"
            ).account_id
            if accounts:
                return accounts[:1]
        company = self.company_id
        default_tax = (
            company.account_sale_tax_id if side == "sale" else (company.account_purchase_tax_id)
        )
        accounts = default_tax.invoice_repartition_line_ids.filtered(
            lambda line: line.repartition_type == "tax"
        ).account_id
        if not accounts:
            raise UserError(
                _(
                    "No tax account found for %(tax)s: map Kashoo's tax accounts " "first.",
                    tax=self.display_name,
                )
            )
        return accounts[:1]

    def _kashoo_tax_group(self):
        self.ensure_one()
        group_name = f"{self.kind or _('Tax')} {self.rate.rstrip('0').rstrip('.')}%"
        group = self.env["account.tax.group"].search(
            [("company_id", "=", self.company_id.id), ("name", "=", group_name)], limit=1
        )
        return group or self.env["account.tax.group"].create(
            {
                "name": group_name,
                "company_id": self.company_id.id,
                "country_id": self.company_id.account_fiscal_country_id.id,
            }
        )

    def _kashoo_create_odoo_tax(self, side):
        self.ensure_one()
        rate = parse_decimal(self.rate)
        if rate is None:
            raise UserError(_("Kashoo tax %(tax)s has no readable rate.", tax=self.name))
        account = self._kashoo_tax_account(side)
        repartition = [
            (0, 0, {"repartition_type": "base", "factor_percent": 100}),
            (
                0,
                0,
                {
                    "repartition_type": "tax",
                    "factor_percent": 100,
                    "account_id": account.id or False,
                },
            ),
        ]
        label = " ".join(
            part
            for part in (f"{rate.normalize():f}%", self.name if self.name else self.kind)
            if part
        )
        return self.env["account.tax"].create(
            {
                "name": label if side == "sale" else _("%(tax)s (purchase)", tax=label),
                "description": label,
                "invoice_label": f"{rate.normalize():f}%",
                "type_tax_use": side,
                "amount_type": "percent",
                "amount": float(rate),
                "company_id": self.company_id.id,
                "country_id": self.company_id.account_fiscal_country_id.id,
                "tax_group_id": self._kashoo_tax_group().id,
                "sequence": COMPOUND_SEQUENCE if self.compound else PROVINCIAL_SEQUENCE,
                # Tax on tax, Odoo's way: the compound tax's base includes the amounts of the
                # earlier taxes that have include_base_amount (see kashoo.tax.test).
                "is_base_affected": bool(self.compound),
                "invoice_repartition_line_ids": repartition,
                "refund_repartition_line_ids": [
                    (0, 0, dict(command[2])) for command in repartition
                ],
            }
        )

    def _kashoo_compute_suggestions(self):
        """Suggest l10n_ca taxes by rate, kind and province, one read per company."""
        for company, taxes in self.grouped("company_id").items():
            odoo_taxes = self.env["account.tax"].search_read(
                [("company_id", "=", company.id), ("amount_type", "=", "percent")],
                ["name", "amount", "amount_type", "type_tax_use", "sequence"],
            )
            for tax in taxes:
                kashoo = {
                    "name": tax.name,
                    "kind": tax.kind,
                    "rate": tax.rate,
                    "province": tax.province,
                }
                vals = {}
                for side in ("sale", "purchase"):
                    candidates = [t for t in odoo_taxes if t["type_tax_use"] == side]
                    best, _confidence = account_suggestions.suggest_tax(kashoo, candidates)
                    vals[f"suggested_{side}_tax_id"] = best["id"] if best else False
                if (
                    tax.suggested_sale_tax_id.id or False,
                    tax.suggested_purchase_tax_id.id or False,
                ) != (vals["suggested_sale_tax_id"], vals["suggested_purchase_tax_id"]):
                    tax.write(vals)

    @api.model
    def _kashoo_values_from(self, row):
        kind = (row.get("kind") or "").upper()
        rate = parse_decimal(row.get("rate"))
        return {
            "name": row.get("name") or "",
            "kind": kind if kind in dict(TAX_KINDS) else False,
            "rate": f"{rate:f}" if rate is not None else False,
            "province": row.get("province") or False,
            "compound": bool(row.get("compound")),
            "recoverable": bool(row.get("recoverable")),
            "registration_number": row.get("registrationNumber") or False,
            "valid_from": row.get("validFrom") or False,
            "valid_to": row.get("validTo") or False,
        }
