"""Canadian registration numbers: BN9, GST/HST (BN15 RT) and QST, checked without Odoo."""

import re

from stdnum.ca import bn as ca_bn
from stdnum.exceptions import ValidationError as StdnumValidationError

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
                problems.append(
                    _("Business number %(bn)s: a BN9 has 9 digits.", bn=business_number)
                )
        except StdnumValidationError as error:
            problems.append(
                _("Business number %(bn)s: %(reason)s", bn=business_number, reason=error.message)
            )
    if gst_number:
        compact = compact_tax_number(gst_number)
        try:
            ca_bn.validate(compact)
            if len(compact) != 15 or compact[9:11] != "RT":
                problems.append(
                    _(
                        "GST/HST number %(number)s: expected 9 digits, RT and 4 " "digits.",
                        number=gst_number,
                    )
                )
            elif business_number and compact[:9] != compact_tax_number(business_number):
                problems.append(
                    _(
                        "GST/HST number %(number)s does not belong to business " "number %(bn)s.",
                        number=gst_number,
                        bn=business_number,
                    )
                )
        except StdnumValidationError as error:
            problems.append(
                _("GST/HST number %(number)s: %(reason)s", number=gst_number, reason=error.message)
            )
    if qst_number and not QST_PATTERN.match(compact_tax_number(qst_number)):
        problems.append(
            _("QST number %(number)s: expected 10 digits, TQ and 4 digits.", number=qst_number)
        )
    return problems
