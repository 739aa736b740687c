"""The Odoo 18 create values: account.move for invoices and entries, account.payment."""

from datetime import date
from decimal import Decimal

import pytest
from kashoo_mapper import (
    PURCHASE,
    ROLE_PRODUCT,
    kashoo_move_vals,
    map_record,
    to_move_vals,
    to_payment_vals,
)
from mapper_world import (
    DISCOUNT_LOSS,
    GST_HST_PAYABLE,
    GST_HST_RECOVERABLE,
    PST_PAYABLE,
    RECEIVABLE,
    distribution,
    lines_of,
    load_record,
    odoo_account,
    odoo_tax,
    partner,
    record_names,
)

MAPPED_FIXTURES = [
    name for name in record_names() if name not in ("invoice_removed", "estimate_unsupported")
]


def test_invoice_vals_give_product_lines_and_let_odoo_build_taxes_and_receivable(snapshot):
    description = map_record(load_record("invoice_gst_pst_bc"), snapshot)

    assert to_move_vals(description) == {
        "move_type": "out_invoice",
        "journal_id": 1,
        "date": date(2026, 10, 31),
        "ref": "PO-7781",
        "currency_id": 3,
        "partner_id": partner(4001),
        "invoice_date": date(2026, 10, 31),
        "invoice_date_due": date(2026, 11, 30),
        "payment_reference": "INV-0042",
        "invoice_line_ids": [
            (
                0,
                0,
                {
                    "display_type": "product",
                    "account_id": odoo_account(2401),
                    "name": "Consulting",
                    "quantity": 10.0,
                    "price_unit": 100.0,
                    "discount": 0.0,
                    "tax_ids": [(6, 0, [103001, 103005])],
                },
            )
        ],
        "kashoo_id": 50017,
        "kashoo_version": 3,
        "kashoo_uuid": description.move_uuid,
        "kashoo_original_amount": 1120.0,
        "kashoo_exchange_rate": False,
        "narration": description.narration,
    }


def test_the_narration_lists_every_tax_with_rate_base_and_amount(snapshot):
    description = map_record(load_record("invoice_gst_pst_bc"), snapshot)

    assert description.narration == (
        "<p>Imported from Kashoo: invoice INV-0042 (Kashoo id 50017, version 3).</p>"
        f"<p>Audit UUID: {description.move_uuid}.</p>"
        "<p>Memo: October services</p>"
        "<p>GST (5.000%) on 1,000.00 CAD: 50.00 CAD</p>"
        "<p>PST BC (7.000%, BC) on 1,000.00 CAD: 70.00 CAD</p>"
        "<p>Total tax: 120.00 CAD</p>"
    )


def test_foreign_invoice_vals_carry_odoos_inverse_rate_and_kashoos_rate(snapshot):
    vals = to_move_vals(map_record(load_record("invoice_usd"), snapshot))

    assert vals["currency_id"] == 1
    assert vals["invoice_currency_rate"] == pytest.approx(1 / 1.3654, rel=1e-15)
    assert (vals["kashoo_exchange_rate"], vals["kashoo_original_amount"]) == (1.3654, 1391.24)


def test_vendor_bill_vals_have_no_payment_reference(snapshot):
    vals = to_move_vals(map_record(load_record("bill_hst_on"), snapshot))

    assert (vals["move_type"], vals["ref"]) == ("in_invoice", "ST-99812")
    assert "payment_reference" not in vals
    assert [command[2]["tax_ids"] for command in vals["invoice_line_ids"]] == [
        [(6, 0, [203002])]
    ] * 2


def test_entry_vals_carry_every_item_with_explicit_tax_lines(snapshot):
    description = map_record(load_record("expense_credit_card"), snapshot)
    hst = distribution(3002, PURCHASE, refund=False)

    vals = to_move_vals(description)

    assert "partner_id" not in vals and "invoice_line_ids" not in vals
    assert (vals["move_type"], vals["journal_id"], vals["ref"]) == ("entry", 15, "VISA-0311")
    assert vals["line_ids"] == [
        (
            0,
            0,
            {
                "display_type": "product",
                "account_id": odoo_account(5400),
                "name": "Fuel",
                "partner_id": partner(4010),
                "currency_id": 3,
                "amount_currency": 100.0,
                "balance": 100.0,
                "tax_ids": [(6, 0, [odoo_tax(3002, PURCHASE)])],
                "tax_tag_ids": [(6, 0, list(hst.base_tag_ids))],
            },
        ),
        (
            0,
            0,
            {
                "display_type": "tax",
                "account_id": GST_HST_RECOVERABLE,
                "name": "HST ON",
                "partner_id": partner(4010),
                "currency_id": 3,
                "amount_currency": 13.0,
                "balance": 13.0,
                "tax_repartition_line_id": hst.repartition_line_id,
                "tax_tag_ids": [(6, 0, list(hst.tax_tag_ids))],
                "tax_base_amount": 100.0,
            },
        ),
        (
            0,
            0,
            {
                "display_type": "product",
                "account_id": odoo_account(2005),
                "name": "VISA-0311",
                "partner_id": partner(4010),
                "currency_id": 3,
                "amount_currency": -113.0,
                "balance": -113.0,
            },
        ),
    ]


def test_transfer_vals_have_no_partner(snapshot):
    vals = to_move_vals(map_record(load_record("transfer"), snapshot))

    assert [command[2]["partner_id"] for command in vals["line_ids"]] == [False, False]
    assert vals["ref"] is False


def test_payment_vals_hold_the_complete_journal_items(snapshot):
    description = map_record(load_record("invoice_payment_discount"), snapshot)

    vals = to_payment_vals(description)

    common = {"partner_id": partner(4001), "currency_id": 3}
    assert vals == {
        "payment_type": "inbound",
        "partner_type": "customer",
        "partner_id": partner(4001),
        "amount": 1097.6,
        "currency_id": 3,
        "date": date(2026, 11, 15),
        "journal_id": 11,
        "memo": "EFT-5521",
        "payment_method_line_id": 112,
        "line_ids": [
            (
                0,
                0,
                {
                    **common,
                    "display_type": "product",
                    "account_id": odoo_account(2001),
                    "name": "EFT-5521",
                    "amount_currency": 1097.6,
                    "balance": 1097.6,
                    "date_maturity": date(2026, 11, 15),
                },
            ),
            (
                0,
                0,
                {
                    **common,
                    "display_type": "product",
                    "account_id": RECEIVABLE,
                    "name": "EFT-5521: Kashoo record 50017",
                    "amount_currency": -1120.0,
                    "balance": -1120.0,
                    "date_maturity": date(2026, 11, 15),
                },
            ),
            (
                0,
                0,
                {
                    **common,
                    "display_type": "product",
                    "account_id": DISCOUNT_LOSS,
                    "name": "Early payment discount: Kashoo record 50017",
                    "amount_currency": 22.4,
                    "balance": 22.4,
                },
            ),
        ],
    }


def test_payment_vals_leave_the_method_to_odoo_when_none_is_mapped_for_the_journal(snapshot):
    vals = to_payment_vals(map_record(load_record("invoice_payment_usd"), snapshot))

    assert "payment_method_line_id" not in vals
    assert (vals["journal_id"], vals["currency_id"], vals["amount"]) == (13, 1, 1391.24)
    assert [command[2]["balance"] for command in vals["line_ids"]] == [1907.67, -1907.67]


def test_kashoo_move_vals_are_written_on_the_payment_move(snapshot):
    description = map_record(load_record("invoice_payment_usd"), snapshot)

    assert kashoo_move_vals(description) == {
        "kashoo_id": 50120,
        "kashoo_version": 1,
        "kashoo_uuid": description.move_uuid,
        "kashoo_original_amount": 1391.24,
        "kashoo_exchange_rate": 1.3712,
        "narration": description.narration,
    }


def test_payments_and_moves_are_not_confused(snapshot):
    with pytest.raises(ValueError, match="to_payment_vals"):
        to_move_vals(map_record(load_record("bill_payment_discount"), snapshot))
    with pytest.raises(ValueError, match="Only payments"):
        to_payment_vals(map_record(load_record("transfer"), snapshot))


def _values(vals):
    if isinstance(vals, dict):
        for value in vals.values():
            yield from _values(value)
    elif isinstance(vals, list | tuple):
        for value in vals:
            yield from _values(value)
    else:
        yield vals


@pytest.mark.parametrize("name", MAPPED_FIXTURES)
def test_vals_hold_no_decimal_and_entries_balance_as_floats(snapshot, name):
    description = map_record(load_record(name), snapshot)
    vals = to_payment_vals(description) if description.payment else to_move_vals(description)

    assert not [value for value in _values(vals) if isinstance(value, Decimal)]
    if "line_ids" in vals:
        assert round(sum(command[2]["balance"] for command in vals["line_ids"]), 6) == 0
    else:
        # Invoices get their product lines only: Odoo builds the tax and receivable lines.
        assert len(vals["invoice_line_ids"]) == len(lines_of(description, ROLE_PRODUCT))


def test_tax_targets_of_a_credit_note_are_debits(snapshot):
    targets = map_record(load_record("invoice_credit_note"), snapshot).tax_targets()

    assert targets == {
        (103001, GST_HST_PAYABLE): (Decimal("6.00"), Decimal("6.00")),
        (103005, PST_PAYABLE): (Decimal("7.00"), Decimal("7.00")),
    }
