from odoo import api, fields, models

from ...kashoo_logic.tax_numbers import check_tax_numbers, compact_tax_number


class ResPartner(models.Model):
    """Canadian registration numbers of partners created or matched from Kashoo contacts."""

    _inherit = "res.partner"

    kashoo_business_number = fields.Char(
        string="Business Number (BN9)",
        index="btree_not_null",
        help="Canada Revenue Agency business number, 9 digits.",
    )
    kashoo_gst_number = fields.Char(
        string="GST/HST Registration",
        index="btree_not_null",
        help="GST/HST program account: BN9 + RT + 4 digits, e.g. 123456782RT0001.",
    )
    kashoo_qst_number = fields.Char(
        string="QST Registration",
        index="btree_not_null",
        help="Revenu Québec QST number: 10 digits + TQ + 4 digits.",
    )
    kashoo_bn9 = fields.Char(
        string="BN9 (normalised)",
        compute="_compute_kashoo_bn9",
        store=True,
        index="btree_not_null",
        help="The 9 digits of the business number, from the BN or the GST/HST account: the "
        "key contacts are matched on.",
    )
    kashoo_tax_number_issue = fields.Text(
        string="Tax Number Issue",
        compute="_compute_kashoo_tax_number_issue",
        store=True,
    )
    kashoo_needs_review = fields.Boolean(
        string="Tax Numbers to Review",
        compute="_compute_kashoo_tax_number_issue",
        store=True,
        help="A registration number failed validation; imports continue, but fix it before "
        "filing the tax returns.",
    )

    @api.depends("kashoo_business_number", "kashoo_gst_number")
    def _compute_kashoo_bn9(self):
        for partner in self:
            partner.kashoo_bn9 = next(
                (
                    compact[:9]
                    for compact in map(
                        compact_tax_number,
                        (partner.kashoo_business_number, partner.kashoo_gst_number),
                    )
                    if len(compact) >= 9 and compact[:9].isdigit()
                ),
                False,
            )

    @api.depends("kashoo_business_number", "kashoo_gst_number", "kashoo_qst_number")
    def _compute_kashoo_tax_number_issue(self):
        for partner in self:
            problems = check_tax_numbers(
                partner.kashoo_business_number,
                partner.kashoo_gst_number,
                partner.kashoo_qst_number,
                env=self.env,
            )
            partner.kashoo_tax_number_issue = "\n".join(problems) or False
            partner.kashoo_needs_review = bool(problems)
