"""The move's narration: who imported it from where, the full tax breakdown, the currency.

Odoo stores ``narration`` as HTML, so each sentence becomes one escaped paragraph: names typed
in Kashoo (``<``, ``&``, accents) show as typed and can never inject markup.
"""

from html import escape


def format_amount(amount, currency_code):
    """Write an amount with thousands separators and its currency: ``1,150.00 USD``.

    :param Decimal amount: exact amount; its exponent sets the decimals shown.
    :param str currency_code: ISO 4217 code.
    :rtype: str
    """
    return f"{amount:,f} {currency_code}"


def tax_sentence(tax_line, currency_code, company_currency=None):
    """Describe one tax of the record: ``GST (5.000%) on 1,000.00 CAD: 50.00 CAD``.

    :param TaxLine tax_line: the tax total.
    :param str currency_code: record currency.
    :param str|None company_currency: the company currency when the record is in another one;
        the tax is then also given in it, as the tax return reports it.
    :rtype: str
    """
    details = [f"{tax_line.rate}%"]
    if tax_line.province:
        details.append(tax_line.province)
    if tax_line.compound:
        details.append("compound")
    sentence = (
        f"{tax_line.name} ({', '.join(details)}) on {format_amount(tax_line.base, currency_code)}"
        f": {format_amount(tax_line.amount, currency_code)}"
    )
    if company_currency:
        sentence += f" ({format_amount(tax_line.balance, company_currency)})"
    return sentence


def render(sentences):
    """Join sentences into narration HTML, one escaped paragraph each.

    :param list[str] sentences: plain text.
    :rtype: str
    """
    return "".join(f"<p>{escape(sentence)}</p>" for sentence in sentences)
