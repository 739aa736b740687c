"""Write a Kashoo line as Odoo's quantity x unit price x (1 - discount %) without losing a cent.

Kashoo gives a line as ``quantity x unitPrice - discount`` (a discount *amount*) and the net
``amount``, which is authoritative. Odoo stores a discount *percent*, and rounds quantity, unit
price and discount to the database's decimal precisions. This module picks the first way of
writing the line whose Odoo subtotal equals Kashoo's amount exactly:

1. Kashoo's quantity and unit price, with the discount amount turned into a percent;
2. Kashoo's quantity, with the net unit price ``amount / quantity``;
3. quantity 1 at the net amount (the caller then keeps Kashoo's figures in the label).
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from .money import quantum, round_money

HUNDRED = Decimal(100)


@dataclass(frozen=True)
class LinePricing:
    """How a line is written in Odoo.

    :ivar Decimal quantity: never negative.
    :ivar Decimal price_unit: unit price on the document.
    :ivar Decimal discount: percent.
    :ivar bool keeps_kashoo_figures: whether Kashoo's quantity and unit price were kept as
        they are (choice 1 above).
    """

    quantity: Decimal
    price_unit: Decimal
    discount: Decimal
    keeps_kashoo_figures: bool


def price_line(amount, quantity, unit_price, discount, money_decimals, precision):
    """Choose how to write one line so that Odoo's subtotal is exactly ``amount``.

    All amounts are in the document's direction (positive on the usual lines of an invoice and
    of a credit note alike).

    :param Decimal amount: Kashoo's net amount of the line.
    :param Decimal|None quantity: Kashoo's quantity; ``None`` reads as 1.
    :param Decimal|None unit_price: Kashoo's unit price; ``None`` when Kashoo gave none.
    :param Decimal discount: Kashoo's discount amount (zero when none).
    :param int money_decimals: decimals of the record currency.
    :param OdooPrecision precision: the database's decimal precisions.
    :rtype: LinePricing
    """
    quantity = Decimal(1) if quantity is None else quantity
    if quantity < 0:
        # -2 x 100.00 is written 2 x -100.00: Odoo expects positive quantities.
        quantity = -quantity
        unit_price = None if unit_price is None else -unit_price
    quantity_fits = _fits(quantity, precision.quantity)

    if unit_price is not None and quantity_fits and _fits(unit_price, precision.price):
        percent = _discount_percent(quantity * unit_price, discount, precision.discount)
        subtotal = (
            None if percent is None else _subtotal(quantity, unit_price, percent, money_decimals)
        )
        if subtotal == amount:
            return LinePricing(quantity, unit_price, percent, keeps_kashoo_figures=True)

    if quantity_fits and quantity:
        net_unit_price = round_money(amount / quantity, precision.price)
        if _subtotal(quantity, net_unit_price, 0, money_decimals) == amount:
            return LinePricing(quantity, net_unit_price, Decimal(0), keeps_kashoo_figures=False)

    return LinePricing(Decimal(1), amount, Decimal(0), keeps_kashoo_figures=False)


def _fits(value, digits):
    return value == value.quantize(quantum(digits))


def _discount_percent(gross, discount, digits):
    """Return the discount percent rounded to Odoo's digits, or ``None`` if it cannot be one."""
    if not discount:
        return Decimal(0)
    if not gross:
        return None
    percent = (discount / gross * HUNDRED).quantize(quantum(digits), rounding=ROUND_HALF_UP)
    return percent if 0 <= percent <= HUNDRED else None


def _subtotal(quantity, price_unit, percent, money_decimals):
    """Odoo's subtotal: quantity x price x (1 - discount / 100), rounded to the currency."""
    return round_money(quantity * price_unit * (1 - Decimal(percent) / HUNDRED), money_decimals)
