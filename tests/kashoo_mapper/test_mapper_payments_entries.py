"""Payments (partial, discounted, foreign), transfers and expenses."""

from dataclasses import replace
from datetime import date
from decimal import Decimal

from kashoo_mapper import (
    PURCHASE,
    ROLE_COUNTERPART,
    ROLE_LIQUIDITY,
    ROLE_PRODUCT,
    ROLE_TAX,
    ROLE_WRITE_OFF,
    PaymentApplication,
    PaymentMethodTarget,
    map_record,
)
from mapper_world import (
    CASH_JOURNAL,
    DISCOUNT_GAIN,
    DISCOUNT_LOSS,
    EMPLOYEE_PARTNER,
    EMPLOYEE_PAYABLE,
    GENERAL_JOURNAL,
    GST_HST_RECOVERABLE,
    PAYABLE,
    PURCHASE_JOURNAL,
    QST_RECOVERABLE,
    RECEIVABLE,
    distribution,
    lines_of,
    load_record,
    odoo_account,
    odoo_tax,
    partner,
)

D = Decimal


def items(description):
    """(role, account, amount_currency, balance, reconcile_move_id) of each item."""
    return [
        (line.role, line.account_id, line.amount_currency, line.balance, line.reconcile_move_id)
        for line in description.lines
    ]


def test_customer_payment_with_early_payment_discount_settles_the_whole_invoice(snapshot):
    description = map_record(load_record("invoice_payment_discount"), snapshot)

    assert description.move_type == "entry"
    assert description.journal_id == 11  # the Chequing account's own journal
    assert description.partner_id == partner(4001)
    payment = description.payment
    assert (payment.payment_type, payment.partner_type, payment.amount) == (
        "inbound",
        "customer",
        D("1097.60"),
    )
    assert (payment.payment_method, payment.payment_method_line_id) == ("Electronic Transfer", 112)
    assert payment.liquidity_account_id == odoo_account(2001)
    assert payment.applications == (
        PaymentApplication(
            kashoo_record_id=50017, move_id=90017, amount=D("1097.60"), discount=D("22.40")
        ),
    )
    assert payment.unapplied == 0
    # 1,097.60 received + 22.40 discount granted = the 1,120.00 invoice; no tax adjustment.
    assert items(description) == [
        (ROLE_LIQUIDITY, odoo_account(2001), D("1097.60"), D("1097.60"), None),
        (ROLE_COUNTERPART, RECEIVABLE, D("-1120.00"), D("-1120.00"), 90017),
        (ROLE_WRITE_OFF, DISCOUNT_LOSS, D("22.40"), D("22.40"), None),
    ]
    assert description.tax_lines == ()
    assert "Applied to Kashoo record 50017: 1,097.60 CAD and an early-payment discount of " in (
        description.narration
    )


def test_partial_payment_leaves_the_rest_on_the_customer_account(snapshot):
    description = map_record(load_record("invoice_payment_partial"), snapshot)

    # Petty Cash has no journal of its own: the "Cash" payment method's journal is used.
    assert description.journal_id == CASH_JOURNAL
    assert description.payment.payment_method_line_id == 141
    assert description.payment.unapplied == D("100.00")
    assert items(description) == [
        (ROLE_LIQUIDITY, odoo_account(2006), D("600.00"), D("600.00"), None),
        (ROLE_COUNTERPART, RECEIVABLE, D("-500.00"), D("-500.00"), 90017),
        (ROLE_COUNTERPART, RECEIVABLE, D("-100.00"), D("-100.00"), None),
    ]
    assert description.ref == "Cash at counter"


def test_vendor_payment_with_a_discount_taken(snapshot):
    description = map_record(load_record("bill_payment_discount"), snapshot)

    payment = description.payment
    assert (payment.payment_type, payment.partner_type) == ("outbound", "supplier")
    assert payment.payment_method_line_id == 111  # Cheque, on the Chequing journal
    assert items(description) == [
        (ROLE_LIQUIDITY, odoo_account(2001), D("-2975.01"), D("-2975.01"), None),
        (ROLE_COUNTERPART, PAYABLE, D("3035.72"), D("3035.72"), 90040),
        (ROLE_WRITE_OFF, DISCOUNT_GAIN, D("-60.71"), D("-60.71"), None),
    ]
    assert description.ref == "CHQ-1042"


def test_usd_payment_uses_its_own_rate_and_leaves_the_exchange_difference_to_odoo(snapshot):
    description = map_record(load_record("invoice_payment_usd"), snapshot)

    assert (description.currency_code, description.exchange_rate) == ("USD", D("1.371200"))
    # 1,391.24 USD x 1.3712 = 1,907.67 CAD; the invoice was booked at 1,899.60 CAD.
    assert items(description) == [
        (ROLE_LIQUIDITY, odoo_account(2003), D("1391.24"), D("1907.67"), None),
        (ROLE_COUNTERPART, RECEIVABLE, D("-1391.24"), D("-1907.67"), 90030),
    ]
    assert description.journal_id == 13  # the USD bank journal
    # The mapped method belongs to another journal: Odoo picks the USD journal's default.
    assert description.payment.payment_method_line_id is None


def test_negative_customer_payment_refunds_a_credit_note(snapshot):
    record = load_record("invoice_payment_partial")
    record.update(amount=-5000, appliesTo=[{"record": 50017, "amount": -5000}])

    description = map_record(record, snapshot)

    assert (description.payment.payment_type, description.payment.amount) == (
        "outbound",
        D("50.00"),
    )
    assert items(description) == [
        (ROLE_LIQUIDITY, odoo_account(2006), D("-50.00"), D("-50.00"), None),
        (ROLE_COUNTERPART, RECEIVABLE, D("50.00"), D("50.00"), 90017),
    ]


def test_a_payment_method_is_enough_when_the_deposit_account_has_no_journal(snapshot):
    record = load_record("invoice_payment_partial")
    record["paymentMethod"] = "Credit Card"

    description = map_record(record, snapshot)

    assert (description.journal_id, description.payment.payment_method_line_id) == (15, 151)


def test_the_deposit_accounts_journal_wins_over_the_payment_methods(snapshot):
    methods = {"Cheque": PaymentMethodTarget(journal_id=15, payment_method_line_id=151)}
    description = map_record(
        load_record("bill_payment_discount"), replace(snapshot, payment_methods=methods)
    )

    assert (description.journal_id, description.payment.payment_method_line_id) == (11, None)


def test_transfer_is_an_entry_between_two_liquidity_accounts(snapshot):
    description = map_record(load_record("transfer"), snapshot)

    assert (description.move_type, description.journal_id, description.partner_id) == (
        "entry",
        GENERAL_JOURNAL,
        None,
    )
    assert items(description) == [
        (ROLE_LIQUIDITY, odoo_account(2001), D("-500.00"), D("-500.00"), None),
        (ROLE_LIQUIDITY, odoo_account(2002), D("500.00"), D("500.00"), None),
    ]
    assert [line.name for line in description.lines] == ["Top up savings"] * 2
    assert description.payment is None


def test_expense_paid_by_credit_card_is_one_entry_with_its_input_tax_credit(snapshot):
    description = map_record(load_record("expense_credit_card"), snapshot)

    assert (description.move_type, description.journal_id) == ("entry", 15)
    assert description.partner_id is None  # entries carry the partner on their items
    assert items(description) == [
        (ROLE_PRODUCT, odoo_account(5400), D("100.00"), D("100.00"), None),
        (ROLE_TAX, GST_HST_RECOVERABLE, D("13.00"), D("13.00"), None),
        (ROLE_LIQUIDITY, odoo_account(2005), D("-113.00"), D("-113.00"), None),
    ]
    assert {line.partner_id for line in description.lines} == {partner(4010)}
    hst = distribution(3002, PURCHASE, refund=False)
    [product] = lines_of(description, ROLE_PRODUCT)
    [tax] = lines_of(description, ROLE_TAX)
    assert (product.tax_ids, product.tax_tag_ids) == ((odoo_tax(3002, PURCHASE),), hst.base_tag_ids)
    assert (tax.tax_repartition_line_id, tax.tax_tag_ids, tax.odoo_tax_id, tax.kashoo_tax_id) == (
        hst.repartition_line_id,
        hst.tax_tag_ids,
        odoo_tax(3002, PURCHASE),
        3002,
    )
    assert tax.tax_base_amount == D("100.00")


def test_refund_on_a_card_reverses_the_expense_with_the_refund_tax_distribution(snapshot):
    description = map_record(load_record("expense_card_refund"), snapshot)

    assert items(description) == [
        (ROLE_PRODUCT, odoo_account(5400), D("-50.00"), D("-50.00"), None),
        (ROLE_TAX, GST_HST_RECOVERABLE, D("-6.50"), D("-6.50"), None),
        (ROLE_LIQUIDITY, odoo_account(2005), D("56.50"), D("56.50"), None),
    ]
    refund_hst = distribution(3002, PURCHASE, refund=True)
    assert lines_of(description, ROLE_TAX)[0].tax_repartition_line_id == (
        refund_hst.repartition_line_id
    )
    assert lines_of(description, ROLE_PRODUCT)[0].tax_tag_ids == refund_hst.base_tag_ids


def test_expense_without_vendor_or_tax(snapshot):
    description = map_record(load_record("expense_bank_fee"), snapshot)

    assert description.journal_id == 11
    assert items(description) == [
        (ROLE_PRODUCT, odoo_account(5420), D("15.95"), D("15.95"), None),
        (ROLE_LIQUIDITY, odoo_account(2001), D("-15.95"), D("-15.95"), None),
    ]
    assert {line.partner_id for line in description.lines} == {None}
    assert description.lines[-1].name == "Monthly fee"


def test_expense_from_an_account_without_journal_goes_to_the_general_journal(snapshot):
    record = load_record("expense_bank_fee")
    record["paidFrom"] = 2006

    assert map_record(record, snapshot).journal_id == GENERAL_JOURNAL


def test_reimbursable_expense_is_a_bill_to_the_employee_on_the_reimbursement_payable(snapshot):
    description = map_record(load_record("expense_reimbursable"), snapshot)

    assert (description.move_type, description.journal_id) == ("in_invoice", PURCHASE_JOURNAL)
    assert description.partner_id == EMPLOYEE_PARTNER  # e-mail matched without regard to case
    assert (description.invoice_date, description.invoice_date_due) == (
        date(2026, 11, 22),
        date(2026, 11, 22),
    )
    assert [(role, account, amount) for role, account, amount, _b, _r in items(description)] == [
        (ROLE_PRODUCT, odoo_account(5410), D("80.00")),
        (ROLE_TAX, GST_HST_RECOVERABLE, D("4.00")),
        (ROLE_TAX, QST_RECOVERABLE, D("7.98")),
        (ROLE_COUNTERPART, EMPLOYEE_PAYABLE, D("-91.98")),
    ]


def test_an_entry_picks_the_tax_distribution_of_each_item_from_its_direction(snapshot):
    record = load_record("expense_credit_card")
    record["amount"] = 9040
    record["lineItems"].append(
        {
            "account": 5400,
            "description": "Loyalty coupon",
            "quantity": "1",
            "unitPrice": -2000,
            "discount": 0,
            "amount": -2000,
            "taxes": [{"tax": 3002, "amount": -260}],
        }
    )
    purchase, refund = (distribution(3002, PURCHASE, refund=flag) for flag in (False, True))

    description = map_record(record, snapshot)

    # As Odoo decides for entries: a debit uses the invoice distribution, a credit the refund one.
    fuel, coupon = lines_of(description, ROLE_PRODUCT)
    assert (fuel.tax_tag_ids, coupon.tax_tag_ids) == (purchase.base_tag_ids, refund.base_tag_ids)
    assert [
        (line.tax_repartition_line_id, line.amount_currency)
        for line in lines_of(description, ROLE_TAX)
    ] == [(purchase.repartition_line_id, D("13.00")), (refund.repartition_line_id, D("-2.60"))]
    assert [(tax.kashoo_tax_id, tax.base, tax.amount) for tax in description.tax_lines] == [
        (3002, D("80.00"), D("10.40"))
    ]
