"""Exact money arithmetic: minor units, rounding half up, rates, conversion."""

from decimal import Decimal

import pytest
from kashoo_mapper.money import convert, from_minor_units, parse_decimal, quantum, round_money


@pytest.mark.parametrize(
    ("minor_units", "decimals", "expected"),
    [
        (115000, 2, "1150.00"),
        (5, 2, "0.05"),
        (-13300, 2, "-133.00"),
        (0, 2, "0.00"),
        (150000, 0, "150000"),  # yen: minor units are yen
        (1234567, 3, "1234.567"),  # three-decimal currencies (KWD, BHD)
    ],
)
def test_minor_units_become_exact_amounts_with_the_currency_decimals(
    minor_units, decimals, expected
):
    amount = from_minor_units(minor_units, decimals)
    assert amount == Decimal(expected)
    assert str(amount) == expected  # the exponent carries the currency's decimals


def test_quantum_is_the_smallest_step_of_the_currency():
    assert quantum(2) == Decimal("0.01")
    assert quantum(0) == Decimal(1)


@pytest.mark.parametrize(
    ("amount", "decimals", "expected"),
    [
        ("0.005", 2, "0.01"),
        ("-0.005", 2, "-0.01"),  # half away from zero: a credit note rounds like its invoice
        ("0.00499", 2, "0.00"),
        ("19.4961", 2, "19.50"),
        ("1666.5", 0, "1667"),
        ("2090.76875", 2, "2090.77"),
    ],
)
def test_round_money_rounds_half_up(amount, decimals, expected):
    assert str(round_money(Decimal(amount), decimals)) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1.365400", Decimal("1.365400")),
        (" 10 ", Decimal(10)),
        (3, Decimal(3)),
        (1.5, Decimal("1.5")),  # a JSON float is read from its shortest text, not its binary value
        (0.1, Decimal("0.1")),
    ],
)
def test_parse_decimal_reads_text_and_numbers_exactly(value, expected):
    assert parse_decimal(value) == expected


@pytest.mark.parametrize("value", [True, None, "abc", "", "NaN", "Infinity", [1], {"x": 1}])
def test_parse_decimal_refuses_what_is_not_a_finite_number(value):
    assert parse_decimal(value) is None


def test_convert_applies_kashoos_rate_and_rounds_to_the_company_currency():
    assert convert(Decimal("1391.24"), Decimal("1.365400"), 2) == Decimal("1899.60")
    assert convert(Decimal("-1125.00"), Decimal("1.365400"), 2) == Decimal("-1536.08")
    assert convert(Decimal(185000), Decimal("0.009123"), 2) == Decimal("1687.76")


def test_convert_without_rate_keeps_the_amount():
    assert convert(Decimal("12.34"), None, 2) == Decimal("12.34")
