"""Invariants over every fixture and over many generated invoices: balance and Kashoo's taxes.

The generated records follow Kashoo's documented arithmetic (line = quantity x unit price -
discount; tax = rate x base, compound taxes on the base plus earlier taxes, half up per line),
and one tax amount in ten is off by a cent, as a Kashoo that rounds differently would send.
"""

import random
from dataclasses import replace
from decimal import ROUND_HALF_UP, Decimal

import pytest
from kashoo_mapper import (
    ROLE_COUNTERPART,
    ROLE_LIQUIDITY,
    ROLE_PRODUCT,
    ROLE_TAX,
    SUPPORTED_TYPES,
    MoveDescription,
    Removal,
    UnbalancedError,
    map_record,
)
from kashoo_mapper.money import convert, from_minor_units, round_money
from mapper_world import (
    CURRENCIES,
    kashoo_tax_total,
    lines_of,
    load_record,
    odoo_account,
    record_names,
)

ZERO = Decimal(0)
NOT_MAPPED = {"invoice_removed", "estimate_unsupported"}
MAPPED_FIXTURES = [name for name in record_names() if name not in NOT_MAPPED]


def test_the_fixtures_cover_every_record_type():
    kinds = {load_record(name)["type"] for name in MAPPED_FIXTURES}
    assert kinds == set(SUPPORTED_TYPES)
    assert {
        (record["type"], record.get("reimbursable", False))
        for record in map(load_record, MAPPED_FIXTURES)
        if record["type"] == "expense"
    } == {("expense", True), ("expense", False)}


@pytest.mark.parametrize("name", MAPPED_FIXTURES)
def test_every_fixture_balances_to_the_cent_in_both_currencies(snapshot, name):
    description = map_record(load_record(name), snapshot)

    assert isinstance(description, MoveDescription)
    assert sum((line.amount_currency for line in description.lines), ZERO) == 0
    assert sum((line.balance for line in description.lines), ZERO) == 0
    description.balance_check()


@pytest.mark.parametrize("name", MAPPED_FIXTURES)
def test_every_fixture_keeps_kashoos_tax_amounts_exactly(snapshot, name):
    record = load_record(name)
    description = map_record(record, snapshot)
    decimals = CURRENCIES[description.currency_code].decimals
    kashoo_total = from_minor_units(kashoo_tax_total(record), decimals)
    journal_sign = -1 if record["type"] == "invoice" else 1

    assert description.tax_total() == kashoo_total
    tax_items = lines_of(description, ROLE_TAX)
    assert sum((line.amount_currency for line in tax_items), ZERO) == journal_sign * kashoo_total
    # Per tax too, line by line from the JSON.
    for tax_line in description.tax_lines:
        charged = sum(
            tax["amount"]
            for item in record.get("lineItems") or []
            for tax in item["taxes"]
            if tax["tax"] == tax_line.kashoo_tax_id
        )
        assert tax_line.amount == from_minor_units(charged, decimals)


@pytest.mark.parametrize("name", MAPPED_FIXTURES)
def test_the_receivable_payable_or_cash_item_is_exactly_the_total_at_kashoos_rate(snapshot, name):
    description = map_record(load_record(name), snapshot)
    anchors = lines_of(description, ROLE_LIQUIDITY) or lines_of(description, ROLE_COUNTERPART)
    anchor = anchors[0] if description.payment or len(anchors) == 1 else None

    expected = convert(description.original_amount, description.exchange_rate, 2)
    assert description.company_amount == expected
    if anchor is not None:
        assert abs(anchor.balance) == abs(expected)


def test_balance_check_refuses_an_unbalanced_description(snapshot):
    description = map_record(load_record("invoice_gst_pst_bc"), snapshot)
    product, *others = description.lines
    broken = replace(description, lines=(replace(product, balance=product.balance - 1), *others))

    with pytest.raises(UnbalancedError) as caught:
        broken.balance_check()

    assert caught.value.fix_action == "report_to_maintainers"
    assert caught.value.record_id == 50017
    assert "1.00 in the company currency are left over" in caught.value.message


# --- generated invoices --------------------------------------------------------------------

TAX_SETS = [
    (),
    (3001,),  # GST
    (3002,),  # HST 13 %
    (3003,),  # HST 15 %
    (3004,),  # HST 14 %
    (3001, 3005),  # GST + PST BC
    (3001, 3006),  # GST + PST SK
    (3001, 3007),  # GST + RST MB
    (3001, 3008),  # GST + QST
    (3001, 3009),  # GST + compound QST (2012)
    (3012,),  # zero-rated
]
TAX_RATES = {
    3001: ("5.000", False),
    3002: ("13.000", False),
    3003: ("15.000", False),
    3004: ("14.000", False),
    3005: ("7.000", False),
    3006: ("6.000", False),
    3007: ("7.000", False),
    3008: ("9.975", False),
    3009: ("9.500", True),
    3012: ("0.000", False),
}
QUANTITIES = ["1", "2", "3", "0.5", "7.25", "10", "12", "0.333", "1.5", "100"]
RATES = {"CAD": None, "USD": ("1.20", "1.50"), "JPY": ("0.0085", "0.0100")}


def half_up(value):
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def generated_record(rng, record_id):
    """A random invoice, bill or expense that obeys Kashoo's documented arithmetic."""
    kind = rng.choice(["invoice", "bill", "expense", "claim"])
    currency = rng.choice(["CAD", "CAD", "USD", "JPY"])
    sign = -1 if rng.random() < 0.2 else 1
    perturbed = 0
    line_items = []
    for _ in range(rng.randint(1, 5)):
        quantity = Decimal(rng.choice(QUANTITIES))
        unit_price = rng.randint(0, 250000)
        gross = half_up(quantity * unit_price)
        discount = rng.choice([0, 0, 0, rng.randint(0, gross // 2)])
        amount = sign * (gross - discount)
        taxes, non_compound = [], 0
        for tax_id in rng.choice(TAX_SETS):
            rate, compound = TAX_RATES[tax_id]
            tax = half_up((amount + (non_compound if compound else 0)) * Decimal(rate) / 100)
            if rate != "0.000" and rng.random() < 0.1:
                tax += rng.choice([-1, 1])
                perturbed += 1
            if not compound:
                non_compound += tax
            taxes.append({"tax": tax_id, "amount": tax})
        line_items.append(
            {
                "account": rng.choice([2401, 2402, 5100, 5400, 5410, 1500]),
                "description": rng.choice(["Service", "Pièce détachée", "部品", "Fee & <tax>"]),
                "quantity": str(quantity),
                "unitPrice": sign * unit_price,
                "discount": sign * discount,
                "amount": amount,
                "taxes": taxes,
            }
        )
    total = sum(item["amount"] + sum(t["amount"] for t in item["taxes"]) for item in line_items)
    record = {
        "id": record_id,
        "type": "expense" if kind == "claim" else kind,
        "number": f"GEN-{record_id}",
        "date": "2026-11-20",
        "contact": 4001 if kind == "invoice" else 4012,
        "currency": currency,
        "amount": total,
        "version": rng.randint(1, 9),
        "lineItems": line_items,
    }
    if RATES[currency]:
        low, high = (Decimal(bound) for bound in RATES[currency])
        record["exchangeRate"] = str(round(low + (high - low) * Decimal(rng.random()), 6))
    if kind == "expense":
        record["paidFrom"] = rng.choice([2001, 2005])
    if kind == "claim":
        record.update(
            reimbursable=True, contact=None, employee={"email": "zoe.lefevre@erabliere.example"}
        )
    return record, perturbed


GENERATED = 600


def test_generated_records_balance_and_keep_kashoos_taxes(snapshot):
    rng = random.Random(20261125)
    for record_id in range(70000, 70000 + GENERATED):
        record, perturbed = generated_record(rng, record_id)
        description = map_record(record, snapshot)
        decimals = CURRENCIES[record["currency"]].decimals
        context = f"record {record}"

        assert sum((line.amount_currency for line in description.lines), ZERO) == 0, context
        assert sum((line.balance for line in description.lines), ZERO) == 0, context
        assert description.tax_total() == from_minor_units(kashoo_tax_total(record), decimals)
        assert len(description.tax_rounding_differences) == perturbed, context
        # Each tax item is exactly its record-currency amount at Kashoo's rate.
        for line in lines_of(description, ROLE_TAX):
            assert line.balance == convert(line.amount_currency, description.exchange_rate, 2)
        # The conversion leaves at most half a cent per converted item.
        assert abs(description.conversion_rounding) <= Decimal("0.01") * len(description.lines)
        _assert_lines_reproduce_kashoos_amounts(record, description, decimals)


def _assert_lines_reproduce_kashoos_amounts(record, description, decimals):
    """Odoo's subtotal of every product line, at Odoo's precision, is Kashoo's line amount."""
    document_sign = -1 if record["amount"] < 0 else 1  # credit notes and refunds read positive
    products = lines_of(description, ROLE_PRODUCT)
    for item, line in zip(record["lineItems"], products, strict=True):
        assert line.account_id == odoo_account(item["account"])
        assert line.quantity >= 0
        for value, digits in ((line.quantity, 2), (line.price_unit, 2), (line.discount, 2)):
            assert value == round_money(value, digits)
        subtotal = round_money(
            line.quantity * line.price_unit * (1 - line.discount / 100), decimals
        )
        assert subtotal == document_sign * from_minor_units(item["amount"], decimals)


def test_generated_removed_records_are_removals(snapshot):
    rng = random.Random(7)
    for record_id in range(80000, 80050):
        record, _perturbed = generated_record(rng, record_id)
        record["removed"] = True
        assert map_record(record, snapshot) == Removal(record_id, record["version"], record["type"])
