from decimal import Decimal

from markupsafe import Markup

from odoo import _, api, fields, models

from ..kashoo_mapper.line_items import recompute_tax
from ..kashoo_mapper.money import from_minor_units, parse_decimal


class KashooTaxTest(models.TransientModel):
    """Run a sample amount through Kashoo's rule and through the mapped Odoo tax."""

    _name = "kashoo.tax.test"
    _description = "Test a Kashoo Tax Mapping"

    kashoo_tax_id = fields.Many2one("kashoo.tax", required=True, ondelete="cascade")
    side = fields.Selection(
        [("sale", "Sale"), ("purchase", "Purchase")], default="sale", required=True
    )
    base_amount = fields.Float(string="Sample Amount", default=100.0, digits=(16, 2), required=True)
    preceding_tax_id = fields.Many2one(
        "kashoo.tax",
        string="Tax Before It",
        domain="[('backend_id', '=', backend_id), ('compound', '=', False), "
        "('id', '!=', kashoo_tax_id)]",
        help="For a compound tax: the tax computed first, whose amount enters its base.",
    )
    backend_id = fields.Many2one(related="kashoo_tax_id.backend_id")
    compound = fields.Boolean(related="kashoo_tax_id.compound")
    result_html = fields.Html(compute="_compute_result_html", sanitize=False)
    matches = fields.Boolean(compute="_compute_result_html")

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            tax = self.env["kashoo.tax"].browse(vals.get("kashoo_tax_id"))
            if tax.compound and not vals.get("preceding_tax_id"):
                vals["preceding_tax_id"] = (
                    self.env["kashoo.tax"]
                    .search(
                        [
                            ("backend_id", "=", tax.backend_id.id),
                            ("kind", "=", "GST"),
                            ("removed", "=", False),
                        ],
                        limit=1,
                    )
                    .id
                )
        return super().create(vals_list)

    def _kashoo_amounts(self, currency):
        """Kashoo's amounts per tax name: rate x base, half up; tax on tax when compound."""
        decimals = currency.decimal_places
        base_minor = int((Decimal(str(self.base_amount)) * 10**decimals).to_integral_value())
        amounts, before = [], 0
        for tax in (self.preceding_tax_id if self.compound else self.env["kashoo.tax"]) | (
            self.kashoo_tax_id
        ):
            rate = parse_decimal(tax.rate) or Decimal(0)
            taxable = base_minor + (before if tax.compound else 0)
            amount = recompute_tax(taxable, rate)
            if not tax.compound:
                before += amount
            amounts.append((tax.display_name, from_minor_units(amount, decimals)))
        return amounts

    def _odoo_taxes(self):
        field = f"{self.side}_tax_id"
        taxes = self.kashoo_tax_id[field]
        if self.compound and self.preceding_tax_id[field]:
            taxes = self.preceding_tax_id[field] | taxes
        return taxes.sorted(lambda tax: (tax.sequence, tax.id))

    @api.depends("kashoo_tax_id", "side", "base_amount", "preceding_tax_id")
    def _compute_result_html(self):
        for wizard in self:
            currency = wizard.kashoo_tax_id.company_id.currency_id or self.env.company.currency_id
            kashoo = wizard._kashoo_amounts(currency)
            taxes = wizard._odoo_taxes()
            odoo = []
            if taxes:
                computed = taxes.compute_all(wizard.base_amount, currency=currency)
                odoo = [
                    (line["name"], Decimal(str(currency.round(line["amount"]))))
                    for line in computed["taxes"]
                ]
            rows = []
            for index in range(max(len(kashoo), len(odoo))):
                kashoo_name, kashoo_amount = kashoo[index] if index < len(kashoo) else ("", None)
                odoo_name, odoo_amount = odoo[index] if index < len(odoo) else ("", None)
                same = (
                    kashoo_amount is not None
                    and odoo_amount is not None
                    and (kashoo_amount == odoo_amount)
                )
                rows.append(
                    Markup(
                        "<tr class='{cls}'><td>{kn}</td><td class='text-end'>{ka}</td>"
                        "<td>{on}</td><td class='text-end'>{oa}</td></tr>"
                    ).format(
                        cls="" if same else "table-danger",
                        kn=kashoo_name,
                        ka="" if kashoo_amount is None else f"{kashoo_amount:,f}",
                        on=odoo_name,
                        oa="" if odoo_amount is None else f"{odoo_amount:,f}",
                    )
                )
            kashoo_total = sum((amount for _name, amount in kashoo), Decimal(0))
            odoo_total = sum((amount for _name, amount in odoo), Decimal(0))
            wizard.matches = bool(odoo) and kashoo_total == odoo_total and len(kashoo) == len(odoo)
            header = Markup(
                "<table class='table table-sm o_kashoo_tax_test'><thead><tr>"
                "<th>{k}</th><th class='text-end'>{ka}</th><th>{o}</th>"
                "<th class='text-end'>{oa}</th></tr></thead><tbody>"
            ).format(k=_("Kashoo tax"), ka=_("Kashoo amount"), o=_("Odoo tax"), oa=_("Odoo amount"))
            footer = Markup(
                "<tr class='fw-bold'><td>{t}</td><td class='text-end'>{kt}</td><td></td>"
                "<td class='text-end'>{ot}</td></tr></tbody></table>"
            ).format(t=_("Total tax"), kt=f"{kashoo_total:,f}", ot=f"{odoo_total:,f}")
            message = Markup("<p class='{cls}'>{text}</p>").format(
                cls="text-success" if wizard.matches else "text-danger",
                text=_("Both compute the same tax.")
                if wizard.matches
                else (
                    _("No Odoo tax is mapped on this side.")
                    if not taxes
                    else _(
                        "The results differ: check the rate, or for a compound tax that the tax "
                        "before it has 'Affect Base of Subsequent Taxes' set."
                    )
                ),
            )
            wizard.result_html = header + Markup("").join(rows) + footer + message
