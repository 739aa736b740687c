"""Money arithmetic in integer minor units (cents, or yen for zero-decimal currencies).

Never float: quantities, rates and exchange rates are :class:`~decimal.Decimal` parsed from
strings, and every rounding is ROUND_HALF_UP on the absolute value, so a credit note is the exact
negation of the matching invoice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation


class InvalidAmount(ValueError):
    """A quantity, rate or amount that cannot be used for money arithmetic."""


def parse_decimal(value: object, field: str = "value") -> Decimal:
    """Parse a decimal from a string or int; reject floats so binary rounding never sneaks in."""
    if isinstance(value, (bool, float)):
        raise InvalidAmount(f"{field} must be a decimal string or an integer, not {type(value)}")
    try:
        parsed = Decimal(str(value))
    except (InvalidOperation, ValueError) as exc:
        raise InvalidAmount(f"{field} is not a decimal number: {value!r}") from exc
    if not parsed.is_finite():
        raise InvalidAmount(f"{field} must be finite")
    return parsed


def round_half_up(value: Decimal) -> int:
    """Round to an integer, halves away from zero (Decimal's ROUND_HALF_UP)."""
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def line_net_amount(quantity: Decimal, unit_price: int, discount: int) -> int:
    """Line amount net of tax: quantity x unit price (rounded to a minor unit) minus discount."""
    return round_half_up(quantity * unit_price) - discount


@dataclass(frozen=True)
class TaxRate:
    """What the arithmetic needs to know about a tax."""

    tax_id: int
    rate_percent: Decimal
    compound: bool


def line_tax_amounts(base: int, taxes: Sequence[TaxRate]) -> list[int]:
    """Tax amounts for one line, one per tax, in the given order.

    A non-compound tax is ``base x rate``. A compound tax is computed on the base plus the
    non-compound taxes listed before it on the same line (e.g. a PST charged on the
    GST-inclusive amount). Each amount is rounded half up on its own, per line and per tax, which
    is how the connector checks totals "to the cent".
    """
    amounts: list[int] = []
    prior_non_compound = 0
    for tax in taxes:
        taxable = base + prior_non_compound if tax.compound else base
        amount = round_half_up(Decimal(taxable) * tax.rate_percent / 100)
        amounts.append(amount)
        if not tax.compound:
            prior_non_compound += amount
    return amounts
