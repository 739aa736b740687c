"""Invoices, credit notes, bills and refunds: lines, Canadian sales taxes, currencies."""

from datetime import date
from decimal import Decimal

import pytest
from kashoo_mapper import (
    PURCHASE,
    ROLE_COUNTERPART,
    ROLE_PRODUCT,
    ROLE_TAX,
    SALE,
    map_record,
)
from mapper_world import (
    GST_HST_PAYABLE,
    GST_HST_RECOVERABLE,
    PAYABLE,
    PST_PAYABLE,
    PURCHASE_JOURNAL,
    QST_PAYABLE,
    RECEIVABLE,
    SALE_JOURNAL,
    distribution,
    lines_of,
    load_record,
    odoo_account,
    odoo_tax,
    partner,
)

D = Decimal


def amounts(lines):
    """(account, amount_currency, balance) of each item, the shape most assertions compare."""
    return [(line.account_id, line.amount_currency, line.balance) for line in lines]


def tax_summary(description):
    """(Kashoo tax id, Odoo tax id, base, amount) per Kashoo tax."""
    return [
        (tax.kashoo_tax_id, tax.odoo_tax_id, tax.base, tax.amount) for tax in description.tax_lines
    ]


def test_gst_and_pst_bc_invoice_becomes_a_customer_invoice(snapshot):
    description = map_record(load_record("invoice_gst_pst_bc"), snapshot)

    assert description.move_type == "out_invoice"
    assert description.journal_id == SALE_JOURNAL
    assert description.partner_id == partner(4001)
    assert (description.date, description.invoice_date, description.invoice_date_due) == (
        date(2026, 10, 31),
        date(2026, 10, 31),
        date(2026, 11, 30),
    )
    assert (description.kashoo_id, description.kashoo_version, description.kashoo_type) == (
        50017,
        3,
        "invoice",
    )
    assert (description.number, description.ref) == ("INV-0042", "PO-7781")
    assert (description.currency_code, description.exchange_rate) == ("CAD", None)
    assert (description.original_amount, description.company_amount) == (D("1120.00"), D("1120.00"))

    [product] = lines_of(description, ROLE_PRODUCT)
    assert (product.account_id, product.name, product.amount_currency) == (
        odoo_account(2401),
        "Consulting",
        D("-1000.00"),
    )
    assert (product.quantity, product.price_unit, product.discount) == (D("10"), D("100.00"), 0)
    assert product.tax_ids == (odoo_tax(3001, SALE), odoo_tax(3005, SALE))
    assert amounts(lines_of(description, ROLE_TAX)) == [
        (GST_HST_PAYABLE, D("-50.00"), D("-50.00")),
        (PST_PAYABLE, D("-70.00"), D("-70.00")),
    ]
    assert amounts(lines_of(description, ROLE_COUNTERPART)) == [
        (RECEIVABLE, D("1120.00"), D("1120.00"))
    ]
    assert lines_of(description, ROLE_COUNTERPART)[0].date_maturity == date(2026, 11, 30)
    assert tax_summary(description) == [
        (3001, odoo_tax(3001, SALE), D("1000.00"), D("50.00")),
        (3005, odoo_tax(3005, SALE), D("1000.00"), D("70.00")),
    ]
    assert description.tax_rounding_differences == ()


@pytest.mark.parametrize(
    ("fixture", "kashoo_tax_id", "base", "tax"),
    [
        ("invoice_hst_on_13", 3002, "149.97", "19.50"),  # 13 % of 149.97 = 19.4961
        ("invoice_hst_ns_14", 3004, "250.00", "35.00"),  # NS from 2025-04-01
        ("invoice_hst_nb_15", 3003, "160.00", "24.00"),
    ],
)
def test_hst_invoices_book_the_single_harmonized_tax(snapshot, fixture, kashoo_tax_id, base, tax):
    description = map_record(load_record(fixture), snapshot)

    assert tax_summary(description) == [
        (kashoo_tax_id, odoo_tax(kashoo_tax_id, SALE), D(base), D(tax))
    ]
    assert amounts(lines_of(description, ROLE_TAX)) == [(GST_HST_PAYABLE, -D(tax), -D(tax))]
    assert description.notes == ()


@pytest.mark.parametrize(
    ("fixture", "provincial_tax_id", "gst", "pst", "total"),
    [
        ("invoice_gst_pst_sk", 3006, "25.00", "30.00", "555.00"),  # PST SK 6 %
        ("invoice_gst_rst_mb", 3007, "4.50", "6.30", "100.75"),  # RST MB 7 % of 89.95 = 6.2965
    ],
)
def test_gst_plus_provincial_sales_tax(snapshot, fixture, provincial_tax_id, gst, pst, total):
    description = map_record(load_record(fixture), snapshot)

    assert [(tax.kashoo_tax_id, tax.amount) for tax in description.tax_lines] == [
        (3001, D(gst)),
        (provincial_tax_id, D(pst)),
    ]
    assert amounts(lines_of(description, ROLE_TAX)) == [
        (GST_HST_PAYABLE, -D(gst), -D(gst)),
        (PST_PAYABLE, -D(pst), -D(pst)),
    ]
    assert lines_of(description, ROLE_COUNTERPART)[0].amount_currency == D(total)


def test_gst_and_qst_in_quebec(snapshot):
    description = map_record(load_record("invoice_gst_qst"), snapshot)

    # QST 9.975 % of 250.00 = 24.9375, half up to 24.94.
    assert tax_summary(description) == [
        (3001, odoo_tax(3001, SALE), D("250.00"), D("12.50")),
        (3008, odoo_tax(3008, SALE), D("250.00"), D("24.94")),
    ]
    assert amounts(lines_of(description, ROLE_TAX)) == [
        (GST_HST_PAYABLE, D("-12.50"), D("-12.50")),
        (QST_PAYABLE, D("-24.94"), D("-24.94")),
    ]
    assert description.partner_id == partner(4002)
    assert lines_of(description, ROLE_PRODUCT)[0].name == "Conception graphique — révision n° 2"


def test_compound_tax_is_computed_on_the_base_plus_the_earlier_taxes(snapshot):
    description = map_record(load_record("invoice_compound_qst_2012"), snapshot)

    # Line 1: GST 5.00, QST 2012 9.5 % of 105.00 = 9.975 -> 9.98 (9.5 % of 100.00 would be 9.50).
    # Line 2: GST 1.67, QST 9.5 % of 35.00 = 3.325 -> 3.33.
    assert tax_summary(description) == [
        (3001, odoo_tax(3001, SALE), D("133.33"), D("6.67")),
        (3009, odoo_tax(3009, SALE), D("140.00"), D("13.31")),
    ]
    assert description.tax_rounding_differences == ()
    assert [line.tax_ids for line in lines_of(description, ROLE_PRODUCT)] == [
        (odoo_tax(3001, SALE), odoo_tax(3009, SALE))
    ] * 2
    assert lines_of(description, ROLE_COUNTERPART)[0].amount_currency == D("153.31")


def test_several_tax_rates_on_each_line_and_discounts(snapshot):
    description = map_record(load_record("invoice_discounts_multi_rate"), snapshot)

    widget, licence, support = lines_of(description, ROLE_PRODUCT)
    assert (widget.quantity, widget.price_unit, widget.discount, widget.amount_currency) == (
        D("3"),
        D("49.99"),
        D("10.00"),
        D("-134.97"),
    )
    assert widget.name == "Widget"
    assert (licence.quantity, licence.price_unit, licence.discount) == (D("1"), D("666.67"), 0)
    assert licence.name == "Licence annuelle (Kashoo: 1 x 1000.00 - 333.33 discount)"
    assert (support.quantity, support.price_unit, support.discount) == (D("1"), D("1999.99"), 0)
    assert support.name == "Support (Kashoo: 3 x 1000.00 - 1000.01 discount)"
    for line in (widget, licence, support):
        assert line.tax_ids == (odoo_tax(3001, SALE), odoo_tax(3005, SALE))
    assert tax_summary(description) == [
        (3001, odoo_tax(3001, SALE), D("2801.63"), D("140.08")),
        (3005, odoo_tax(3005, SALE), D("2801.63"), D("196.12")),
    ]
    assert description.original_amount == D("3137.83")


def test_negative_invoice_is_a_credit_note_with_positive_quantities_and_prices(snapshot):
    description = map_record(load_record("invoice_credit_note"), snapshot)

    assert description.move_type == "out_refund"
    hours, widget = lines_of(description, ROLE_PRODUCT)
    assert (hours.quantity, hours.price_unit, hours.amount_currency) == (
        D("2"),
        D("50.00"),
        D("100.00"),  # a credit note debits revenue
    )
    assert (widget.quantity, widget.price_unit, widget.amount_currency) == (
        D("1"),
        D("20.00"),
        D("20.00"),
    )
    assert amounts(lines_of(description, ROLE_TAX)) == [
        (GST_HST_PAYABLE, D("6.00"), D("6.00")),
        (PST_PAYABLE, D("7.00"), D("7.00")),
    ]
    assert amounts(lines_of(description, ROLE_COUNTERPART)) == [
        (RECEIVABLE, D("-133.00"), D("-133.00"))
    ]
    # Tax totals keep Kashoo's sign.
    assert [tax.amount for tax in description.tax_lines] == [D("-6.00"), D("-7.00")]
    assert description.original_amount == D("-133.00")
    # A credit note uses the refund distribution of each tax.
    refund_gst = distribution(3001, SALE, refund=True)
    assert lines_of(description, ROLE_TAX)[0].tax_repartition_line_id == (
        refund_gst.repartition_line_id
    )


def test_usd_invoice_converts_at_kashoos_rate_and_keeps_the_original(snapshot):
    description = map_record(load_record("invoice_usd"), snapshot)

    assert (description.currency_code, description.currency_id) == ("USD", 1)
    assert description.exchange_rate == D("1.365400")
    assert (description.original_amount, description.company_amount) == (
        D("1391.24"),
        D("1899.60"),  # 1391.24 x 1.3654 = 1899.600... the receivable Kashoo shows
    )
    # Each item converts on its own (1536.075 -> 1536.08, 273.066346 -> 273.07, 90.45775 ->
    # 90.46); together they are one cent over, which the largest product item gives back.
    assert amounts(description.lines) == [
        (odoo_account(2401), D("-1125.00"), D("-1536.07")),
        (odoo_account(2402), D("-199.99"), D("-273.07")),
        (GST_HST_PAYABLE, D("-66.25"), D("-90.46")),
        (RECEIVABLE, D("1391.24"), D("1899.60")),
    ]
    assert description.conversion_rounding == D("0.01")
    [note] = description.notes
    assert note == (
        "Converting at 1.365400 left 0.01 CAD, added to the largest item so that the move balances."
    )
    assert [(tax.amount, tax.balance) for tax in description.tax_lines] == [
        (D("66.25"), D("90.46"))
    ]
    assert "Original amount: 1,391.24 USD at 1.365400 CAD per USD = 1,899.60 CAD." in (
        description.narration
    )


def test_zero_decimal_currency_invoice(snapshot):
    description = map_record(load_record("invoice_jpy"), snapshot)

    assert (description.currency_code, description.currency_id) == ("JPY", 25)
    assert description.original_amount == D("185000")
    assert str(description.original_amount) == "185000"  # yen have no decimals
    assert amounts(description.lines) == [
        (odoo_account(2402), D("-150000"), D("-1368.45")),
        (odoo_account(2401), D("-33333"), D("-304.10")),
        (GST_HST_PAYABLE, D("-1667"), D("-15.21")),
        (RECEIVABLE, D("185000"), D("1687.76")),
    ]
    # The zero-rated GST is kept in the breakdown but posts nothing.
    assert [(tax.kashoo_tax_id, tax.amount) for tax in description.tax_lines] == [
        (3012, D("0")),
        (3001, D("1667")),
    ]
    assert "GST zero-rated (0.000%) on 150,000 JPY: 0 JPY (0.00 CAD)" in description.narration


def test_bill_becomes_a_vendor_bill_with_recoverable_hst(snapshot):
    description = map_record(load_record("bill_hst_on"), snapshot)

    assert description.move_type == "in_invoice"
    assert description.journal_id == PURCHASE_JOURNAL
    assert (description.partner_id, description.ref) == (partner(4012), "ST-99812")
    assert amounts(description.lines) == [
        (odoo_account(1500), D("2599.98"), D("2599.98")),
        (odoo_account(5410), D("86.50"), D("86.50")),
        (GST_HST_RECOVERABLE, D("349.24"), D("349.24")),
        (PAYABLE, D("-3035.72"), D("-3035.72")),
    ]
    assert [line.tax_ids for line in lines_of(description, ROLE_PRODUCT)] == [
        (odoo_tax(3002, PURCHASE),)
    ] * 2


def test_a_kashoo_tax_rounding_difference_is_reported_and_kashoos_amount_kept(snapshot):
    description = map_record(load_record("bill_hst_on"), snapshot)

    # 13 % of 86.50 is 11.245, which rounds half up to 11.25; Kashoo charged 11.24.
    [difference] = description.tax_rounding_differences
    assert (difference.line_index, difference.kashoo_tax_id, difference.tax_name) == (
        1,
        3002,
        "HST ON",
    )
    assert (difference.kashoo_amount, difference.recomputed_amount, difference.difference) == (
        D("11.24"),
        D("11.25"),
        D("-0.01"),
    )
    assert description.tax_total() == D("349.24")  # 338.00 + 11.24: Kashoo's amounts
    [note] = description.notes
    assert note == (
        "Tax HST ON on line 2: Kashoo charged 11.24, the rate gives 11.25; Kashoo's amount is kept."
    )


def test_negative_bill_is_a_vendor_refund_and_pst_without_account_stays_on_the_expense(snapshot):
    description = map_record(load_record("bill_refund_pst"), snapshot)

    assert description.move_type == "in_refund"
    assert amounts(description.lines) == [
        (odoo_account(5100), D("-200.00"), D("-200.00")),
        (GST_HST_RECOVERABLE, D("-10.00"), D("-10.00")),
        (odoo_account(5100), D("-14.00"), D("-14.00")),  # BC PST paid is not recoverable
        (PAYABLE, D("224.00"), D("224.00")),
    ]
    [product] = lines_of(description, ROLE_PRODUCT)
    assert (product.quantity, product.price_unit) == (D("1"), D("200.00"))


def test_a_tax_used_outside_its_validity_is_noted_and_kept(snapshot):
    description = map_record(load_record("invoice_hst_ns_15_expired"), snapshot)

    assert [tax.amount for tax in description.tax_lines] == [D("15.00")]
    [note] = description.notes
    assert note == (
        "Tax HST NS (15%) (15.000%) is valid from - to 2025-03-31, not on 2026-11-05; Kashoo's "
        "amount is kept."
    )


def test_tax_targets_give_the_amount_per_odoo_tax_and_account(snapshot):
    description = map_record(load_record("invoice_gst_qst"), snapshot)

    assert description.tax_targets() == {
        (odoo_tax(3001, SALE), GST_HST_PAYABLE): (D("-12.50"), D("-12.50")),
        (odoo_tax(3008, SALE), QST_PAYABLE): (D("-24.94"), D("-24.94")),
    }


def test_an_invoice_uses_its_own_document_type_for_every_line_even_a_negative_one(snapshot):
    record = load_record("invoice_gst_pst_bc")
    record["amount"] = 110950
    record["lineItems"].append(
        {
            "account": 2401,
            "description": "Goodwill credit",
            "quantity": "1",
            "unitPrice": -1000,
            "discount": 0,
            "amount": -1000,
            "taxes": [{"tax": 3001, "amount": -50}],
        }
    )

    description = map_record(record, snapshot)

    gst = distribution(3001, SALE, refund=False)
    consulting, credit = lines_of(description, ROLE_PRODUCT)
    assert (credit.quantity, credit.price_unit, credit.amount_currency) == (
        D("1"),
        D("-10.00"),
        D("10.00"),
    )
    assert consulting.tax_tag_ids[0] == credit.tax_tag_ids[0] == gst.base_tag_ids[0]
    assert [
        (line.tax_repartition_line_id, line.amount_currency)
        for line in lines_of(description, ROLE_TAX)
    ] == [
        (gst.repartition_line_id, D("-49.50")),
        (distribution(3005, SALE, refund=False).repartition_line_id, D("-70.00")),
    ]
