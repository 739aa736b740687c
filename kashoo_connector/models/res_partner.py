import re

from stdnum.ca import bn as ca_bn
from stdnum.exceptions import ValidationError as StdnumValidationError

from odoo import api, fields, models

# Quebec's QST registration number: 10 digits, "TQ", a 4-digit account (1234567890TQ0001).
QST_PATTERN = re.compile(r"^\d{10}TQ\d{4}$")


def compact_tax_number(value):
    """Upper-case and strip the spaces, dashes and dots people type in tax numbers."""
    return re.sub(r"[\s.\-/]", "", value or "").upper()


def check_tax_numbers(business_number, gst_number, qst_number, env=None):
    """Validate Canadian registration numbers; return a list of problems (empty when valid).

    BN9 and the GST/HST account (BN15 with program RT) use the CRA check digit
    (``stdnum.ca.bn``); the QST number is checked for its format, Revenu Québec publishing
    no check digit.

    :param env: translates the messages into the user's language when given.
    """
    _ = env._ if env is not None else (lambda text, **params: text % params)
    problems = []
    if business_number:
        try:
            ca_bn.validate(business_number)
            if len(compact_tax_number(business_number)) != 9:
                problems.append(_("Business number %(bn)s: a BN9 has 9 digits.",
                                  bn=business_number))
        except StdnumValidationError as error:
            problems.append(_("Business number %(bn)s: %(reason)s", bn=business_number,
                              reason=error.message))
    if gst_number:
        compact = compact_tax_number(gst_number)
        try:
            ca_bn.validate(compact)
            if len(compact) != 15 or compact[9:11] != "RT":
                problems.append(_("GST/HST number %(number)s: expected 9 digits, RT and 4 "
                                  "digits.", number=gst_number))
            elif business_number and compact[:9] != compact_tax_number(business_number):
                problems.append(_("GST/HST number %(number)s does not belong to business "
                                  "number %(bn)s.", number=gst_number, bn=business_number))
        except StdnumValidationError as error:
            problems.append(_("GST/HST number %(number)s: %(reason)s", number=gst_number,
                              reason=error.message))
    if qst_number and not QST_PATTERN.match(compact_tax_number(qst_number)):
        problems.append(_("QST number %(number)s: expected 10 digits, TQ and 4 digits.",
                          number=qst_number))
    return problems


class ResPartner(models.Model):
    """Canadian registration numbers of partners created or matched from Kashoo contacts."""

    _inherit = "res.partner"

    kashoo_business_number = fields.Char(
        string="Business Number (BN9)", index="btree_not_null",
        help="Canada Revenue Agency business number, 9 digits.",
    )
    kashoo_gst_number = fields.Char(
        string="GST/HST Registration", index="btree_not_null",
        help="GST/HST program account: BN9 + RT + 4 digits, e.g. 123456782RT0001.",
    )
    kashoo_qst_number = fields.Char(
        string="QST Registration", index="btree_not_null",
        help="Revenu Québec QST number: 10 digits + TQ + 4 digits.",
    )
    kashoo_bn9 = fields.Char(
        string="BN9 (normalised)", compute="_compute_kashoo_bn9", store=True,
        index="btree_not_null",
        help="The 9 digits of the business number, from the BN or the GST/HST account: the "
        "key contacts are matched on.",
    )
    kashoo_tax_number_issue = fields.Text(
        string="Tax Number Issue", compute="_compute_kashoo_tax_number_issue", store=True,
    )
    kashoo_needs_review = fields.Boolean(
        string="Tax Numbers to Review", compute="_compute_kashoo_tax_number_issue", store=True,
        help="A registration number failed validation; imports continue, but fix it before "
        "filing the tax returns.",
    )

    @api.depends("kashoo_business_number", "kashoo_gst_number")
    def _compute_kashoo_bn9(self):
        for partner in self:
            partner.kashoo_bn9 = next((
                compact[:9] for compact in map(compact_tax_number, (
                    partner.kashoo_business_number, partner.kashoo_gst_number))
                if len(compact) >= 9 and compact[:9].isdigit()), False)

    @api.depends("kashoo_business_number", "kashoo_gst_number", "kashoo_qst_number")
    def _compute_kashoo_tax_number_issue(self):
        for partner in self:
            problems = check_tax_numbers(partner.kashoo_business_number,
                                         partner.kashoo_gst_number, partner.kashoo_qst_number,
                                         env=self.env)
            partner.kashoo_tax_number_issue = "\n".join(problems) or False
            partner.kashoo_needs_review = bool(problems)
