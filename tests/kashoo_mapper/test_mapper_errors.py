"""Every typed error: its code, the Kashoo object at fault, and the fix a person is offered."""

from dataclasses import replace

import pytest
from kashoo_mapper import (
    CurrencyMismatchError,
    InvalidRecordError,
    KashooRef,
    MappingError,
    MissingPaymentTargetError,
    UnbalancedError,
    UnknownContactError,
    UnknownCurrencyError,
    UnmappedAccountError,
    UnmappedTaxError,
    UnsupportedTypeError,
    map_record,
)
from mapper_world import load_record


def mapping_error(record, snapshot, error_class):
    with pytest.raises(error_class) as caught:
        map_record(record, snapshot)
    return caught.value


def test_unmapped_account_names_the_kashoo_account_and_the_mapping_screen(snapshot):
    record = load_record("invoice_gst_pst_bc")
    record["lineItems"][0]["account"] = 4010

    error = mapping_error(record, snapshot, UnmappedAccountError)

    assert error.error_type == "unmapped_account"
    assert error.fix_action == "map_account"
    assert error.kashoo_ref == KashooRef("account", 4010, "4010 'Shipping Income'")
    assert error.record_id == 50017
    assert (
        error.message
        == "Kashoo account 4010 'Shipping Income' (REVENUE) is not mapped to an Odoo account."
    )
    assert error.suggested_fix == (
        "Map Kashoo account 4010 'Shipping Income' to an Odoo account in "
        "Accounting > Kashoo > Account Mapping, then retry."
    )


def test_an_account_kashoo_never_described_is_named_by_its_id(snapshot):
    record = load_record("transfer")
    record["toAccount"] = 2999

    error = mapping_error(record, snapshot, UnmappedAccountError)

    assert error.kashoo_ref == KashooRef("account", 2999, "id 2999")


def test_a_payment_into_an_account_without_journal_asks_for_a_bank_journal(snapshot):
    record = load_record("invoice_payment_partial")
    record["paymentMethod"] = "Wire"  # not mapped either

    error = mapping_error(record, snapshot, UnmappedAccountError)

    assert (error.fix_action, error.kashoo_ref) == (
        "map_bank_journal",
        KashooRef("account", 2006, "1050 'Petty Cash'"),
    )
    assert "Journal Mapping" in error.suggested_fix


def test_a_missing_company_account_points_at_the_setting(snapshot):
    without_discount_accounts = replace(snapshot, early_payment_discount_account_ids={})

    error = mapping_error(
        load_record("invoice_payment_discount"), without_discount_accounts, UnmappedAccountError
    )

    assert error.fix_action == "set_company_account"
    assert error.kashoo_ref == KashooRef(
        "setting",
        "early_payment_discount_account_ids[sale]",
        "early-payment discounts granted to customers",
    )
    assert error.suggested_fix == (
        "Choose the account for early-payment discounts granted to customers in "
        "Accounting > Configuration > Settings > Kashoo, then retry."
    )


def test_a_claim_needs_the_employee_reimbursement_payable(snapshot):
    error = mapping_error(
        load_record("expense_reimbursable"),
        replace(snapshot, employee_payable_account_id=None),
        UnmappedAccountError,
    )

    assert error.kashoo_ref.key == "employee_payable_account_id"


def test_unmapped_tax_names_the_tax_its_rate_and_the_side(snapshot):
    record = load_record("invoice_gst_pst_bc")
    record["lineItems"][0]["taxes"][1] = {"tax": 3011, "amount": 7000}

    error = mapping_error(record, snapshot, UnmappedTaxError)

    assert (error.error_type, error.fix_action) == ("unmapped_tax", "map_tax")
    assert error.kashoo_ref == KashooRef("tax", 3011, "3011 'HST BC' (12.000%)")
    assert error.suggested_fix == (
        "Map Kashoo tax 3011 'HST BC' (12.000%) to an Odoo sale tax in "
        "Accounting > Kashoo > Tax Mapping, then retry."
    )


def test_a_tax_mapped_on_one_side_only_is_unmapped_on_the_other(snapshot):
    sale_only = {**snapshot.taxes, 3002: {"sale": snapshot.taxes[3002]["sale"]}}

    error = mapping_error(
        load_record("bill_hst_on"), replace(snapshot, taxes=sale_only), UnmappedTaxError
    )

    assert "Odoo purchase tax" in error.message


def test_a_tax_kashoo_never_described_is_unmapped(snapshot):
    record = load_record("invoice_gst_pst_bc")
    record["lineItems"][0]["taxes"][0]["tax"] = 3999

    error = mapping_error(record, snapshot, UnmappedTaxError)

    assert error.kashoo_ref == KashooRef("tax", 3999, "id 3999")


def test_unknown_contact_names_the_contact(snapshot):
    record = load_record("invoice_gst_qst")
    record.update(contact=4099, contactName="Nouveau Client Inc.")

    error = mapping_error(record, snapshot, UnknownContactError)

    assert (error.error_type, error.fix_action) == ("unknown_contact", "map_contact")
    assert error.kashoo_ref == KashooRef("contact", 4099, "4099 'Nouveau Client Inc.'")
    assert error.suggested_fix == (
        "Sync Kashoo contacts or link contact 4099 'Nouveau Client Inc.' to a partner in "
        "Accounting > Kashoo > Contact Mapping, then retry."
    )


def test_unknown_vendor_of_a_card_expense_is_an_error_not_a_missing_partner(snapshot):
    record = load_record("expense_credit_card")
    record["contact"] = 4099

    assert mapping_error(record, snapshot, UnknownContactError).kashoo_ref.key == 4099


def test_unknown_employee_is_an_unknown_contact_keyed_by_email(snapshot):
    record = load_record("expense_reimbursable")
    record["employee"] = {"name": "Jean Tremblay", "email": " Jean.T@erabliere.example "}

    error = mapping_error(record, snapshot, UnknownContactError)

    assert error.fix_action == "map_employee"
    assert error.kashoo_ref == KashooRef(
        "employee", "jean.t@erabliere.example", "Jean Tremblay <Jean.T@erabliere.example>"
    )


def test_record_total_that_is_not_lines_plus_taxes_is_unbalanced(snapshot):
    record = load_record("invoice_gst_pst_bc")
    record["amount"] = 112001

    error = mapping_error(record, snapshot, UnbalancedError)

    assert (error.error_type, error.fix_action) == ("unbalanced", "correct_in_kashoo")
    assert error.kashoo_ref == KashooRef("record", 50017, "record 50017")
    assert error.message == (
        "The record total 1,120.01 CAD is not the sum of its lines 1,000.00 CAD and taxes "
        "120.00 CAD."
    )


def test_a_payment_applying_more_than_it_pays_is_unbalanced(snapshot):
    record = load_record("invoice_payment_partial")
    record["appliesTo"][0]["amount"] = 60001

    error = mapping_error(record, snapshot, UnbalancedError)

    assert error.message == "The payment of 600.00 CAD applies 600.01 CAD to records."


def test_a_foreign_record_without_rate_is_a_currency_mismatch(snapshot):
    record = load_record("invoice_usd")
    del record["exchangeRate"]

    error = mapping_error(record, snapshot, CurrencyMismatchError)

    assert (error.error_type, error.fix_action) == ("currency_mismatch", "correct_in_kashoo")
    assert error.kashoo_ref == KashooRef("currency", "USD", "USD")
    assert error.suggested_fix == "Enter the USD exchange rate on the record in Kashoo."


def test_a_company_currency_record_with_a_rate_other_than_one_is_a_currency_mismatch(snapshot):
    record = load_record("invoice_gst_pst_bc")
    record["exchangeRate"] = "1.365400"

    assert mapping_error(record, snapshot, CurrencyMismatchError).kashoo_ref.key == "CAD"


def test_a_record_posting_to_an_account_kept_in_a_third_currency_is_a_currency_mismatch(snapshot):
    record = load_record("transfer")
    record["toAccount"] = 2003  # the US dollar account, for a CAD transfer

    error = mapping_error(record, snapshot, CurrencyMismatchError)

    assert error.kashoo_ref == KashooRef("account", 2003, "1020 'US Dollar Account'")
    assert (
        error.message
        == "Kashoo account 1020 'US Dollar Account' is kept in USD but the record is in CAD."
    )


def test_a_payment_in_another_currency_than_its_invoice_is_a_currency_mismatch(snapshot):
    record = load_record("invoice_payment_usd")
    record["appliesTo"][0]["record"] = 50017  # a CAD invoice

    error = mapping_error(record, snapshot, CurrencyMismatchError)

    assert error.kashoo_ref == KashooRef("record", 50017, "invoice 50017")
    assert error.suggested_fix == "Record the payment in CAD in Kashoo."


def test_unsupported_type(snapshot):
    error = mapping_error(load_record("estimate_unsupported"), snapshot, UnsupportedTypeError)

    assert (error.error_type, error.fix_action) == ("unsupported_type", "ignore_record")
    assert error.kashoo_ref == KashooRef("record", 50400, "estimate 50400")
    assert error.record_id == 50400


@pytest.mark.parametrize("kashoo_type", [None, 42, ["invoice"], "Invoice"])
def test_a_missing_or_odd_type_is_unsupported(snapshot, kashoo_type):
    record = load_record("invoice_gst_pst_bc")
    record["type"] = kashoo_type

    mapping_error(record, snapshot, UnsupportedTypeError)


def test_unknown_currency_asks_to_activate_it(snapshot):
    record = load_record("invoice_usd")
    record["currency"] = "GBP"

    error = mapping_error(record, snapshot, UnknownCurrencyError)

    assert (error.error_type, error.fix_action) == ("unknown_currency", "activate_currency")
    assert error.kashoo_ref == KashooRef("currency", "GBP", "GBP")
    assert error.suggested_fix == (
        "Activate the currency GBP in Accounting > Configuration > Currencies, then retry."
    )


def test_payment_for_a_record_not_imported_yet(snapshot):
    record = load_record("invoice_payment_discount")
    record["appliesTo"][0]["record"] = 50999

    error = mapping_error(record, snapshot, MissingPaymentTargetError)

    assert (error.error_type, error.fix_action) == ("missing_payment_target", "import_target_first")
    assert error.kashoo_ref == KashooRef("record", 50999, "record 50999")
    assert error.record_id == 50100


@pytest.mark.parametrize(
    ("fixture", "change", "message"),
    [
        ("invoice_gst_pst_bc", {"date": "2026-02-30"}, "Field 'date' is not a valid date"),
        ("invoice_gst_pst_bc", {"date": None}, "Field 'date' is missing."),
        ("invoice_gst_pst_bc", {"date": 20261031}, "Field 'date' must be a yyyy-MM-dd date"),
        ("invoice_gst_pst_bc", {"dueDate": "31/11/2026"}, "Field 'dueDate' is not a valid date"),
        ("invoice_gst_pst_bc", {"amount": 1120.00}, "Field 'amount' must be an integer"),
        ("invoice_gst_pst_bc", {"amount": "112000"}, "Field 'amount' must be an integer"),
        ("invoice_gst_pst_bc", {"amount": True}, "Field 'amount' must be an integer"),
        ("invoice_gst_pst_bc", {"amount": None}, "Field 'amount' is missing."),
        ("invoice_gst_pst_bc", {"version": "3"}, "Field 'version' must be an integer"),
        ("invoice_gst_pst_bc", {"exchangeRate": "abc"}, "Field 'exchangeRate' is not a decimal"),
        ("invoice_usd", {"exchangeRate": "0"}, "Field 'exchangeRate' must be positive"),
        ("invoice_gst_pst_bc", {"lineItems": []}, "The record has no line items"),
        ("invoice_gst_pst_bc", {"lineItems": None}, "The record has no line items"),
        ("invoice_gst_pst_bc", {"lineItems": ["x"]}, "'lineItems[0]' is not an object."),
        ("invoice_gst_pst_bc", {"contact": None}, "The record names no 'contact'."),
        ("expense_bank_fee", {"paidFrom": None}, "needs 'paidFrom'"),
        ("expense_reimbursable", {"paidFrom": 2001}, "cannot also name 'paidFrom'"),
        ("expense_reimbursable", {"employee": None}, "must name its 'employee'"),
        ("expense_reimbursable", {"employee": {"name": " ", "email": None}}, "must name its"),
        ("transfer", {"toAccount": 2001}, "A transfer needs two different accounts."),
        ("transfer", {"fromAccount": None}, "Field 'fromAccount' is missing."),
        ("invoice_payment_discount", {"depositAccount": None}, "'depositAccount' is missing"),
        ("invoice_payment_discount", {"appliesTo": {"record": 50017}}, "'appliesTo' is not a list"),
    ],
)
def test_malformed_records_are_invalid_records(snapshot, fixture, change, message):
    record = load_record(fixture)
    record.update(change)

    error = mapping_error(record, snapshot, InvalidRecordError)

    assert (error.error_type, error.fix_action) == ("invalid_record", "correct_in_kashoo")
    assert message in error.message
    assert error.kashoo_ref == KashooRef("record", record["id"], f"record {record['id']}")
    assert error.suggested_fix == (
        "Correct the record in Kashoo; the next sync imports the new version."
    )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"amount": None}, "Field 'lineItems[0].amount' is missing."),
        ({"account": "2401"}, "Field 'lineItems[0].account' must be an integer"),
        ({"quantity": "ten"}, "Field 'lineItems[0].quantity' is not a decimal number"),
        ({"unitPrice": 100.5}, "Field 'lineItems[0].unitPrice' must be an integer"),
        ({"taxes": {"tax": 3001}}, "'lineItems[0].taxes' is not a list of objects."),
        ({"taxes": [{"tax": 3001, "amount": 5.0}]}, "'lineItems[0].taxes[0].amount' must be"),
        (
            {"taxes": [{"tax": 3001, "amount": 5000}, {"tax": 3001, "amount": 5000}]},
            "Tax 3001 is listed twice on 'lineItems[0]'.",
        ),
    ],
)
def test_malformed_line_items_name_the_line(snapshot, change, message):
    record = load_record("invoice_gst_pst_bc")
    record["lineItems"][0].update(change)

    assert message in mapping_error(record, snapshot, InvalidRecordError).message


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"appliesTo": [{"record": 50040, "amount": 109760}]},
            "cannot settle Kashoo record 50040, a bill",
        ),
        ({"appliesTo": [{"record": 50017, "amount": -100}]}, "mixes positive and negative amounts"),
        ({"appliesTo": [{"record": 50017, "amount": 100, "discount": -5}]}, "mixes positive"),
    ],
)
def test_inconsistent_payments_are_invalid_records(snapshot, change, message):
    record = load_record("invoice_payment_discount")
    record.update(change)

    assert message in mapping_error(record, snapshot, InvalidRecordError).message


@pytest.mark.parametrize("record", [None, [1, 2], "invoice", {"type": "invoice"}, {"id": "50017"}])
def test_something_that_is_not_a_record_is_invalid(snapshot, record):
    error = mapping_error(record, snapshot, InvalidRecordError)

    assert error.record_id is None


def test_errors_serialize_for_the_quarantine(snapshot):
    record = load_record("invoice_gst_pst_bc")
    record["lineItems"][0]["account"] = 4010

    error = mapping_error(record, snapshot, MappingError)

    assert error.to_dict() == {
        "error_type": "unmapped_account",
        "message": "Kashoo account 4010 'Shipping Income' (REVENUE) is not mapped to an Odoo "
        "account.",
        "fix_action": "map_account",
        "suggested_fix": "Map Kashoo account 4010 'Shipping Income' to an Odoo account in "
        "Accounting > Kashoo > Account Mapping, then retry.",
        "record_id": 50017,
        "kashoo_ref": {"kind": "account", "key": 4010, "label": "4010 'Shipping Income'"},
    }
    assert str(error) == error.message
