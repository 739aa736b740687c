import logging
from collections import defaultdict
from decimal import Decimal

from odoo import _, api, fields, models

from ...kashoo_api import KashooError
from ...kashoo_logic.books_comparison import (
    AGING_BUCKETS,
    DOCUMENT_TYPES,
    AccountKey,
    UnreadableRecord,
    aging_bucket,
    due_date,
    open_balance,
    record_postings,
    widen_snapshot,
)
from ...kashoo_logic.xlsx_writer import books_comparison_workbook
from ...kashoo_mapper.money import round_money

_logger = logging.getLogger(__name__)

BOOKS_COMPARISON_STATES = [
    ("balanced", "Balanced"),
    ("discrepancy", "Differences"),
    ("failed", "Failed"),
]
TAX_SUB_TYPES = ("TAX_PAYABLE", "TAX_RECOVERABLE")
KASHOO_KINDS = {"REVENUE": "revenue", "EXPENSE": "expense"}
ODOO_KINDS = {"income": "revenue", "expense": "expense"}
INVOICE_MOVE_TYPES = ("out_invoice", "out_refund", "in_invoice", "in_refund")


def _decimal(value, decimals):
    """An amount Odoo stored as a float, back to an exact Decimal of the currency."""
    return round_money(Decimal(repr(value or 0.0)), decimals)


class KashooBooksComparison(models.Model):
    """One comparison of Kashoo's books with Odoo's over a period; every run is kept, so the
    history shows when books drifted apart."""

    _name = "kashoo.books.comparison"
    _description = "Kashoo Books Comparison"
    _order = "run_date desc, id desc"

    name = fields.Char(compute="_compute_name", store=True)
    backend_id = fields.Many2one(
        "kashoo.backend", required=True, index=True, ondelete="cascade", readonly=True
    )
    company_id = fields.Many2one(related="backend_id.company_id", store=True, index=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    date_from = fields.Date(string="From", required=True, readonly=True)
    date_to = fields.Date(string="To", required=True, readonly=True)
    run_date = fields.Datetime(
        string="Run On", required=True, readonly=True, default=fields.Datetime.now
    )
    user_id = fields.Many2one(
        "res.users", string="Run By", readonly=True, default=lambda self: self.env.user
    )
    trigger = fields.Selection(
        [("manual", "On demand"), ("scheduled", "Scheduled")],
        required=True,
        default="manual",
        readonly=True,
    )
    state = fields.Selection(BOOKS_COMPARISON_STATES, readonly=True)
    error_message = fields.Text(readonly=True)
    note = fields.Text(readonly=True, help="Kashoo records that could not be read at all.")

    line_ids = fields.One2many(
        "kashoo.books.comparison.line",
        "comparison_id",
        string="Accounts",
        domain=[("section", "=", "account")],
    )
    tax_line_ids = fields.One2many(
        "kashoo.books.comparison.line",
        "comparison_id",
        string="Sales Taxes",
        domain=[("section", "=", "tax")],
    )
    all_line_ids = fields.One2many("kashoo.books.comparison.line", "comparison_id")
    aging_ids = fields.One2many(
        "kashoo.books.comparison.aging", "comparison_id", string="Aged Receivables and Payables"
    )
    detail_ids = fields.One2many(
        "kashoo.books.comparison.detail", "comparison_id", string="Explaining Transactions"
    )

    record_count = fields.Integer(string="Kashoo Records", readonly=True)
    direct_record_count = fields.Integer(
        string="Records Not Mappable",
        readonly=True,
        help="Kashoo records the mapper refuses (quarantined in Odoo): counted under their "
        "own Kashoo accounts.",
    )
    discrepancy_count = fields.Integer(
        compute="_compute_totals", store=True, string="Accounts With Differences"
    )
    aging_discrepancy_count = fields.Integer(
        compute="_compute_totals", store=True, string="Partners With Differences"
    )
    total_difference = fields.Monetary(
        compute="_compute_totals",
        store=True,
        currency_field="currency_id",
        string="Total Difference",
        help="Sum of the absolute differences of the accounts.",
    )

    # === COMPUTE METHODS === #

    @api.depends("date_from", "date_to", "backend_id.name")
    def _compute_name(self):
        for report in self:
            report.name = _(
                "%(backend)s: %(start)s to %(end)s",
                backend=report.backend_id.name,
                start=report.date_from,
                end=report.date_to,
            )

    @api.depends(
        "all_line_ids.is_discrepancy", "all_line_ids.difference", "aging_ids.is_discrepancy"
    )
    def _compute_totals(self):
        for report in self:
            report.discrepancy_count = len(report.all_line_ids.filtered("is_discrepancy"))
            report.aging_discrepancy_count = len(report.aging_ids.filtered("is_discrepancy"))
            report.total_difference = report.currency_id.round(
                sum(abs(line.difference) for line in report.all_line_ids)
            )

    # === ACTIONS === #

    def action_open_differences(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": _("Explaining Transactions"),
            "res_model": "kashoo.books.comparison.detail",
            "view_mode": "list,form",
            "domain": [("comparison_id", "=", self.id)],
        }

    def action_export_xlsx(self):
        """Button: the report as an XLSX workbook, downloaded from an attachment."""
        self.ensure_one()
        attachment = self._kashoo_xlsx_attachment()
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content/{attachment.id}?download=true",
            "target": "self",
        }

    # === BUSINESS METHODS === #

    def _kashoo_xlsx_attachment(self):
        self.ensure_one()
        content = books_comparison_workbook(self)
        return (
            self.env["ir.attachment"]
            .sudo()
            .create(
                {
                    "name": (
                        f"kashoo_books_comparison_{self.date_from}_{self.date_to}_{self.id}.xlsx"
                    ),
                    "raw": content,
                    "res_model": self._name,
                    "res_id": self.id,
                    "mimetype": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                }
            )
        )

    def _kashoo_compute(self):
        """Read Kashoo for the period, compare with Odoo and store lines and details.

        Kashoo errors are stored on the report (state ``failed``) rather than raised, so a
        scheduled run that cannot reach Kashoo leaves a trace in the history.
        """
        self.ensure_one()
        try:
            with self.backend_id._kashoo_client() as client:
                records = [
                    record
                    for record in client.iter_records(
                        start_date=self.date_from, end_date=self.date_to
                    )
                    if isinstance(record.get("id"), int) and record.get("removed") is not True
                ]
        except KashooError as error:
            self.write({"state": "failed", "error_message": error.message})
            return
        self._kashoo_compare(records)

    def _kashoo_compare(self, records):
        """Compare ``records`` (Kashoo, the period's live records) with Odoo's posted books."""
        self.ensure_one()
        backend = self.backend_id
        currency = self.currency_id
        decimals = currency.decimal_places
        by_id = {record["id"]: record for record in records}
        contact_ids = {r["contact"] for r in records if isinstance(r.get("contact"), int)}
        target_ids = {
            application.get("record")
            for record in records
            for application in record.get("appliesTo") or ()
            if isinstance(application, dict)
        }
        snapshot = widen_snapshot(
            backend._kashoo_mapping_snapshot(
                contact_ids=contact_ids, imported_record_ids=target_ids - {None}
            ),
            by_id,
        )
        taxes = (
            self.env["kashoo.tax"]
            .with_context(active_test=False)
            .search([("backend_id", "=", backend.id)])
        )
        tax_accounts = {
            tax.kashoo_id: (
                (tax.raw or {}).get("payableAccount"),
                (tax.raw or {}).get("recoverableAccount"),
            )
            for tax in taxes
        }
        currency_decimals = {
            row["name"]: row["decimal_places"]
            for row in self.env["res.currency"]
            .with_context(active_test=False)
            .search_read([], ["name", "decimal_places"])
        }

        # Kashoo side: per account, and per account and record (for the drill-down).
        kashoo_totals = defaultdict(Decimal)
        kashoo_by_record = defaultdict(lambda: defaultdict(Decimal))
        direct, unreadable = 0, []
        for record in records:
            try:
                postings = record_postings(record, snapshot, tax_accounts, currency_decimals)
            except UnreadableRecord as error:
                unreadable.append(str(error))
                continue
            direct += not postings.mapped
            for key, amount in postings.amounts.items():
                kashoo_totals[key] += amount
                kashoo_by_record[key][record["id"]] += amount

        # The accounts compared: every mapped one, those of the mapped taxes, and those the
        # Kashoo records post to.
        kashoo_accounts = (
            self.env["kashoo.account"]
            .with_context(active_test=False)
            .search([("backend_id", "=", backend.id)])
        )
        tax_names = self._kashoo_tax_names(taxes, kashoo_accounts)
        odoo_account_ids = set(kashoo_accounts.account_id.ids) | {
            key.odoo_account_id for key in kashoo_totals if key.odoo_account_id
        }
        odoo_account_ids |= {account_id for account_id, _kashoo in tax_names if account_id}
        odoo_totals = {
            account.id: _decimal(balance, decimals)
            for account, balance in self.env["account.move.line"]._read_group(
                self._kashoo_odoo_domain(odoo_account_ids), ["account_id"], ["balance:sum"]
            )
        }

        line_vals = []
        accounts = self.env["account.account"].browse(sorted(odoo_account_ids))
        for account in accounts:
            mapped_from = kashoo_accounts.filtered(lambda row, a=account: row.account_id == a)
            is_tax = (account.id, None) in tax_names or any(
                sub_type in TAX_SUB_TYPES for sub_type in mapped_from.mapped("sub_type")
            )
            line_vals.append(
                self._kashoo_line_vals(
                    AccountKey(account.id, None),
                    account,
                    mapped_from,
                    ODOO_KINDS.get(account.internal_group, "balance_sheet"),
                    is_tax,
                    kashoo_totals,
                    odoo_totals.get(account.id, Decimal(0)),
                    tax_names.get((account.id, None), ()),
                )
            )
        by_kashoo_id = {row.kashoo_id: row for row in kashoo_accounts}
        for key in sorted(
            (key for key in kashoo_totals if not key.odoo_account_id),
            key=lambda key: key.kashoo_account_id or 0,
        ):
            row = by_kashoo_id.get(key.kashoo_account_id, kashoo_accounts.browse())
            line_vals.append(
                self._kashoo_line_vals(
                    key,
                    self.env["account.account"],
                    row,
                    KASHOO_KINDS.get(row.kashoo_type, "balance_sheet"),
                    row.sub_type in TAX_SUB_TYPES or (None, key.kashoo_account_id) in tax_names,
                    kashoo_totals,
                    Decimal(0),
                    tax_names.get((None, key.kashoo_account_id), ()),
                )
            )
        lines = self.env["kashoo.books.comparison.line"].create(line_vals)
        self._kashoo_create_details(lines, kashoo_by_record, by_id)
        self._kashoo_create_aging(records, snapshot, currency_decimals)
        self.write(
            {
                "record_count": len(records),
                "direct_record_count": direct,
                "note": "\n".join(unreadable) or False,
            }
        )
        self.state = (
            "discrepancy"
            if (self.discrepancy_count or self.aging_discrepancy_count)
            else "balanced"
        )

    def _kashoo_odoo_domain(self, account_ids):
        return [
            ("company_id", "=", self.company_id.id),
            ("parent_state", "=", "posted"),
            ("date", ">=", self.date_from),
            ("date", "<=", self.date_to),
            ("account_id", "in", list(account_ids)),
        ]

    def _kashoo_tax_names(self, taxes, kashoo_accounts):
        """Which Kashoo taxes post where: ``{AccountKey: (names)}``, for the tax section."""
        names = defaultdict(set)
        for tax in taxes.filtered(lambda tax: not tax.removed):
            for odoo_tax in tax.sale_tax_id | tax.purchase_tax_id:
                for line in odoo_tax.repartition_line_ids.filtered(
                    lambda line: line.repartition_type == "tax" and line.account_id
                ):
                    names[AccountKey(line.account_id.id, None)].add(tax.name)
            for field_name in ("payableAccount", "recoverableAccount"):
                kashoo_id = (tax.raw or {}).get(field_name)
                row = kashoo_accounts.filtered(lambda row, k=kashoo_id: row.kashoo_id == k)
                if row:
                    key = AccountKey(
                        row.account_id.id or None, None if row.account_id else row.kashoo_id
                    )
                    names[key].add(tax.name)
        return {key: tuple(sorted(value)) for key, value in names.items()}

    def _kashoo_line_vals(
        self, key, account, kashoo_rows, kind, is_tax, kashoo_totals, odoo_balance, tax_names
    ):
        decimals = self.currency_id.decimal_places
        backend = self.backend_id
        kashoo_balance = round_money(kashoo_totals.get(key, Decimal(0)), decimals)
        tolerance = {
            "revenue": backend.kashoo_comparison_tolerance_revenue,
            "expense": backend.kashoo_comparison_tolerance_expense,
        }.get(kind, backend.kashoo_comparison_tolerance_balance_sheet)
        label = ", ".join(f"{row.number} {row.name}".strip() for row in kashoo_rows) or (
            _("Kashoo account %(id)s", id=key.kashoo_account_id) if key.kashoo_account_id else False
        )
        return {
            "comparison_id": self.id,
            "section": "tax" if is_tax else "account",
            "account_id": account.id or False,
            "kashoo_account_ids": [(6, 0, kashoo_rows.ids)],
            "kashoo_account_label": label,
            "unmapped_kashoo_account_id": key.kashoo_account_id or 0,
            "account_kind": kind,
            "tax_names": ", ".join(tax_names) or False,
            "kashoo_balance": float(kashoo_balance),
            "odoo_balance": float(odoo_balance),
            "difference": float(kashoo_balance - odoo_balance),
            "tolerance": tolerance,
        }

    def _kashoo_create_details(self, lines, kashoo_by_record, records):
        """For each account with a difference: the transactions that explain it."""
        currency = self.currency_id
        decimals = currency.decimal_places
        open_lines = lines.filtered(lambda line: not currency.is_zero(line.difference))
        if not open_lines:
            return
        odoo_account_ids = open_lines.account_id.ids
        odoo_by_move = defaultdict(dict)  # account id -> {move: balance}
        if odoo_account_ids:
            for account, move, balance in self.env["account.move.line"]._read_group(
                self._kashoo_odoo_domain(odoo_account_ids),
                ["account_id", "move_id"],
                ["balance:sum"],
            ):
                odoo_by_move[account.id][move] = _decimal(balance, decimals)
        detail_ids = {
            kashoo_id
            for line in open_lines
            for kashoo_id in kashoo_by_record.get(self._kashoo_line_key(line), {})
        }
        moves = self.env["account.move"].browse(
            {move.id for per_account in odoo_by_move.values() for move in per_account}
        )
        detail_ids |= {move.kashoo_id or move.reversed_entry_id.kashoo_id for move in moves} - {0}
        staging = {
            row.kashoo_id: row
            for row in self.env["kashoo.transaction"].search(
                [("backend_id", "=", self.backend_id.id), ("kashoo_id", "in", list(detail_ids))]
            )
        }
        imported = {
            move.kashoo_id: move
            for move in self.env["account.move"].search(
                [
                    ("kashoo_backend_id", "=", self.backend_id.id),
                    ("kashoo_id", "in", list(detail_ids)),
                ],
                order="id",
            )
        }

        vals_list = []
        for line in open_lines:
            kashoo_side = kashoo_by_record.get(self._kashoo_line_key(line), {})
            odoo_side, odoo_moves, manual = defaultdict(Decimal), {}, []
            for move, balance in odoo_by_move.get(line.account_id.id, {}).items():
                kashoo_id = move.kashoo_id or move.reversed_entry_id.kashoo_id
                if kashoo_id:
                    odoo_side[kashoo_id] += balance
                    odoo_moves.setdefault(kashoo_id, move)
                elif balance:
                    manual.append((move, balance))
            for kashoo_id in sorted(set(kashoo_side) | set(odoo_side)):
                kashoo_amount = round_money(kashoo_side.get(kashoo_id, Decimal(0)), decimals)
                odoo_amount = odoo_side.get(kashoo_id, Decimal(0))
                if kashoo_amount == odoo_amount:
                    continue
                record = records.get(kashoo_id, {})
                row = staging.get(kashoo_id)
                reason = (
                    "only_in_odoo"
                    if kashoo_id not in kashoo_side
                    else "missing_in_odoo"
                    if kashoo_id not in odoo_side
                    else "amount_differs"
                )
                vals_list.append(
                    {
                        "line_id": line.id,
                        "kashoo_id": kashoo_id,
                        "kashoo_type": record.get("type") or (row and row.kashoo_type) or False,
                        "kashoo_date": record.get("date") or (row and row.kashoo_date) or False,
                        "kashoo_number": record.get("number")
                        or (row and row.kashoo_number)
                        or False,
                        "kashoo_amount": float(kashoo_amount),
                        "odoo_amount": float(odoo_amount),
                        "reason": reason,
                        "move_id": (
                            odoo_moves.get(kashoo_id)
                            or imported.get(kashoo_id)
                            or self.env["account.move"]
                        ).id,
                        "transaction_id": row.id if row else False,
                    }
                )
            vals_list.extend(
                {
                    "line_id": line.id,
                    "kashoo_date": move.date,
                    "kashoo_number": move.name,
                    "kashoo_amount": 0.0,
                    "odoo_amount": float(balance),
                    "reason": "not_from_kashoo",
                    "move_id": move.id,
                }
                for move, balance in manual
            )
        self.env["kashoo.books.comparison.detail"].create(vals_list)

    @staticmethod
    def _kashoo_line_key(line):
        return AccountKey(
            line.account_id.id or None,
            None if line.account_id else (line.unmapped_kashoo_account_id or None),
        )

    def _kashoo_create_aging(self, records, snapshot, currency_decimals):
        """Open invoices and bills of the period per partner: Kashoo's ``balanceDue`` against
        the ``amount_residual`` of the imported documents, in total and aged by due date at
        the report's last day."""
        decimals = self.currency_id.decimal_places
        backend = self.backend_id
        contacts = {
            row.kashoo_id: row
            for row in self.env["kashoo.contact"]
            .with_context(active_test=False)
            .search([("backend_id", "=", backend.id)])
        }
        rows = defaultdict(
            lambda: {
                "kashoo": Decimal(0),
                "odoo": Decimal(0),
                "kashoo_count": 0,
                "odoo_count": 0,
                "contact": None,
                "buckets": defaultdict(Decimal),
            }
        )
        for record in records:
            if record.get("type") not in DOCUMENT_TYPES:
                continue
            try:
                balance = open_balance(record, snapshot, currency_decimals)
            except UnreadableRecord:
                continue
            if not balance:
                continue
            kind = "receivable" if record["type"] == "invoice" else "payable"
            contact = contacts.get(record.get("contact"))
            partner = contact.partner_id.id if contact and contact.partner_id else None
            key = (kind, partner, None if partner else record.get("contact"))
            rows[key]["kashoo"] += balance
            rows[key]["buckets"]["kashoo", aging_bucket(due_date(record), self.date_to)] += balance
            rows[key]["kashoo_count"] += 1
            rows[key]["contact"] = contact or rows[key]["contact"]
            rows[key].setdefault("name", record.get("contactName"))
        for partner, move_type, due, residual, count in self.env["account.move"]._read_group(
            [
                ("kashoo_backend_id", "=", backend.id),
                ("state", "=", "posted"),
                ("move_type", "in", INVOICE_MOVE_TYPES),
                ("kashoo_type", "in", DOCUMENT_TYPES),
                ("date", ">=", self.date_from),
                ("date", "<=", self.date_to),
            ],
            ["partner_id", "move_type", "invoice_date_due:day"],
            ["amount_residual_signed:sum", "__count"],
        ):
            amount = _decimal(residual, decimals)
            if not amount:
                continue
            kind = "receivable" if move_type.startswith("out_") else "payable"
            key = (kind, partner.id or None, None)
            amount = amount if kind == "receivable" else -amount
            rows[key]["odoo"] += amount
            rows[key]["buckets"]["odoo", aging_bucket(due or None, self.date_to)] += amount
            rows[key]["odoo_count"] += count
        tolerance = backend.kashoo_comparison_tolerance_balance_sheet
        self.env["kashoo.books.comparison.aging"].create(
            [
                {
                    "comparison_id": self.id,
                    "kind": kind,
                    "partner_id": partner or False,
                    "contact_id": values["contact"].id if values["contact"] else False,
                    "contact_name": (
                        values["contact"].name if values["contact"] else values.get("name")
                    )
                    or (contact_id and str(contact_id))
                    or False,
                    "kashoo_amount": float(values["kashoo"]),
                    "odoo_amount": float(values["odoo"]),
                    "difference": float(values["kashoo"] - values["odoo"]),
                    "kashoo_document_count": values["kashoo_count"],
                    "odoo_document_count": values["odoo_count"],
                    "tolerance": tolerance,
                    **{
                        f"{side}_{bucket}": float(values["buckets"][side, bucket])
                        for side in ("kashoo", "odoo")
                        for bucket in AGING_BUCKETS
                    },
                }
                for (kind, partner, contact_id), values in sorted(
                    rows.items(), key=lambda item: (item[0][0], item[0][1] or 0, item[0][2] or 0)
                )
            ]
        )
