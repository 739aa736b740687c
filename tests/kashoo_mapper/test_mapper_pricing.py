"""Writing a Kashoo line as Odoo quantity x price x (1 - discount %) without losing a cent."""

from decimal import Decimal

import pytest
from kashoo_mapper import OdooPrecision
from kashoo_mapper.pricing import LinePricing, price_line

D = Decimal
ODOO_DEFAULTS = OdooPrecision()


def price(amount, quantity, unit_price, discount="0", decimals=2, precision=ODOO_DEFAULTS):
    return price_line(
        D(amount),
        None if quantity is None else D(quantity),
        None if unit_price is None else D(unit_price),
        D(discount),
        decimals,
        precision,
    )


def test_a_plain_line_keeps_kashoos_quantity_and_price():
    assert price("1000.00", "10", "100.00") == LinePricing(D("10"), D("100.00"), D("0"), True)


def test_a_discount_amount_becomes_the_percent_that_gives_the_same_subtotal():
    # 3 x 49.99 = 149.97, less 15.00 = 134.97; 10.00 % of 149.97 is 14.997, so 134.97.
    assert price("134.97", "3", "49.99", "15.00") == LinePricing(
        D("3"), D("49.99"), D("10.00"), True
    )


def test_a_discount_no_two_decimal_percent_reproduces_falls_back_to_the_net_unit_price():
    # 333.33 off 1000.00 is 33.333 %: 33.33 % gives 666.70, not 666.67.
    assert price("666.67", "1", "1000.00", "333.33") == LinePricing(
        D("1"), D("666.67"), D("0"), False
    )


def test_when_neither_fits_the_line_becomes_one_unit_at_the_net_amount():
    # 3 x 1000.00 - 1000.01 = 1999.99: 33.33 % gives 2000.10, 3 x 666.66 gives 1999.98.
    assert price("1999.99", "3", "1000.00", "1000.01") == LinePricing(
        D("1"), D("1999.99"), D("0"), False
    )


def test_a_quantity_finer_than_odoo_stores_uses_the_net_amount():
    # Odoo keeps 2 decimals of quantity: 0.333 would be stored as 0.33.
    assert price("33.30", "0.333", "100.00") == LinePricing(D("1"), D("33.30"), D("0"), False)


def test_more_precise_databases_keep_more_of_kashoos_figures():
    precise = OdooPrecision(quantity=3, price=4, discount=4)
    assert price("33.30", "0.333", "100.00", precision=precise) == LinePricing(
        D("0.333"), D("100.00"), D("0"), True
    )
    assert price("666.67", "1", "1000.00", "333.33", precision=precise) == LinePricing(
        D("1"), D("1000.00"), D("33.3330"), True
    )


def test_a_negative_quantity_is_written_as_a_positive_quantity_and_a_negative_price():
    assert price("-20.00", "-1", "20.00") == LinePricing(D("1"), D("-20.00"), D("0"), True)


def test_missing_quantity_reads_as_one_and_missing_price_as_the_amount():
    assert price("15.95", None, None) == LinePricing(D("1"), D("15.95"), D("0"), False)


def test_a_line_without_unit_price_keeps_its_quantity_when_the_net_price_is_exact():
    assert price("30.00", "4", None) == LinePricing(D("4"), D("7.50"), D("0"), False)


def test_zero_decimal_currency_lines():
    assert price("150000", "12", "12500", decimals=0) == LinePricing(
        D("12"), D("12500"), D("0"), True
    )


@pytest.mark.parametrize(
    ("amount", "quantity", "unit_price", "discount"),
    [("50.00", "1", "0.00", "10.00"), ("50.00", "1", "40.00", "-10.00")],
)
def test_a_discount_that_is_not_a_percent_of_the_gross_is_not_written_as_one(
    amount, quantity, unit_price, discount
):
    pricing = price(amount, quantity, unit_price, discount)
    assert pricing.discount == 0
    assert pricing.keeps_kashoo_figures is False
    assert pricing.quantity * pricing.price_unit == D(amount)
