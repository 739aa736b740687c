"""Exact money arithmetic: Kashoo's integer minor units to ``Decimal`` and back, never a float.

Rounding is ROUND_HALF_UP everywhere (half a cent goes away from zero), which is what Odoo's
``float_round`` does for currencies and what Canadian sales-tax practice expects.
"""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation


def quantum(decimals):
    """Return the smallest step of a currency: ``0.01`` for 2 decimals, ``1`` for 0.

    :param int decimals: number of decimals of the currency.
    :rtype: Decimal
    """
    return Decimal(1).scaleb(-decimals)


def from_minor_units(minor_units, decimals):
    """Turn integer minor units into an exact amount with the currency's decimals.

    ``from_minor_units(115000, 2) == Decimal("1150.00")``; for yen ``from_minor_units(1500, 0)
    == Decimal("1500")``.

    :param int minor_units: the amount in the smallest unit of the currency.
    :param int decimals: number of decimals of the currency.
    :rtype: Decimal
    """
    return Decimal(minor_units).scaleb(-decimals)


def round_money(amount, decimals):
    """Round an amount to a currency's decimals, half away from zero.

    :param Decimal amount: any exact amount.
    :param int decimals: number of decimals of the target currency.
    :rtype: Decimal
    """
    return amount.quantize(quantum(decimals), rounding=ROUND_HALF_UP)


def parse_decimal(value):
    """Read a decimal number written as Kashoo writes quantities and rates.

    Text (``"1.365400"``) and integers are read exactly. A JSON float is read from its shortest
    text form (``1.5`` gives ``Decimal("1.5")``), which is the digits the sender wrote.

    :param value: ``str``, ``int`` or ``float``.
    :return: the number, or ``None`` when ``value`` is not a finite decimal number.
    :rtype: Decimal|None
    """
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return None
    try:
        number = Decimal(repr(value) if isinstance(value, float) else str(value).strip())
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def convert(amount, rate, company_decimals):
    """Convert an amount of the record currency into the company currency at Kashoo's rate.

    :param Decimal amount: amount in the record currency.
    :param Decimal|None rate: company-currency units per one record-currency unit; ``None``
        when the record is already in the company currency.
    :param int company_decimals: decimals of the company currency.
    :rtype: Decimal
    """
    if rate is None:
        return amount
    return round_money(amount * rate, company_decimals)
