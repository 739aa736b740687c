"""The awkward rows the sandbox serves: removed, read-only, unknown fields, nulls, non-ASCII."""

import uuid
from datetime import date
from decimal import Decimal

import pytest
from kashoo_mapper import MOVE_UUID_NAMESPACE, Removal, map_record, move_uuid
from mapper_world import BUSINESS_ID, load_record, partner

D = Decimal


def test_a_removed_record_gives_a_removal_whatever_else_it_holds(snapshot):
    # Its lineItems are null and it would not map: a deleted record is never mapped.
    assert map_record(load_record("invoice_removed"), snapshot) == Removal(
        kashoo_id=50029, kashoo_version=7, kashoo_type="invoice"
    )


def test_a_removed_record_of_an_unsupported_type_is_still_a_removal(snapshot):
    record = {"id": 50400, "type": "estimate", "removed": True}

    assert map_record(record, snapshot) == Removal(50400, None, "estimate")


def test_removed_must_be_true_not_just_truthy(snapshot):
    record = load_record("invoice_gst_pst_bc")
    record["removed"] = "false"

    assert map_record(record, snapshot).kashoo_id == 50017


def test_a_read_only_record_with_unknown_fields_and_nulls_imports_normally(snapshot):
    description = map_record(load_record("invoice_readonly_awkward"), snapshot)

    assert description.kashoo_read_only is True
    assert description.move_type == "out_invoice"
    # currency null: the business currency; dueDate null: due on the invoice date.
    assert (description.currency_code, description.exchange_rate) == ("CAD", None)
    assert description.invoice_date_due == date(2026, 11, 15)
    assert (description.ref, description.kashoo_version) == (None, None)
    assert description.partner_id == partner(4003)
    assert description.tax_total() == D("1.40")
    assert "The record is locked (read-only) in Kashoo." in description.narration


def test_non_ascii_text_is_kept_and_html_in_it_is_escaped_in_the_narration(snapshot):
    record = load_record("invoice_readonly_awkward")
    record["memo"] = "Livraison à l'hôtel « Château » <script>alert(1)</script> & café"

    description = map_record(record, snapshot)

    assert description.number == "FAC-Ü-001"
    assert description.lines[0].name == "Croissants — boîte de 12 « spécial » <b>"
    assert (
        "<p>Memo: Livraison à l&#x27;hôtel « Château » &lt;script&gt;alert(1)&lt;/script&gt; "
        "&amp; café</p>"
    ) in description.narration
    assert "<script>" not in description.narration
    assert "Imported from Kashoo: invoice FAC-Ü-001 (Kashoo id 50032, version -)." in (
        description.narration
    )


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("2026-10-31", date(2026, 10, 31)),
        # Late evening in Toronto is already the next day in UTC: the business date stays.
        ("2026-10-31T23:30:00-05:00", date(2026, 10, 31)),
        ("2026-11-01T00:30:00+09:00", date(2026, 11, 1)),
        ("2024-02-29", date(2024, 2, 29)),
    ],
)
def test_dates_are_business_dates_never_shifted_by_a_time_zone(snapshot, written, expected):
    record = load_record("invoice_gst_pst_bc")
    record["date"] = written

    assert map_record(record, snapshot).date == expected


def test_the_audit_uuid_is_the_same_for_the_same_version_and_new_for_a_new_one(snapshot):
    record = load_record("invoice_gst_pst_bc")
    first = map_record(record, snapshot).move_uuid
    again = map_record(load_record("invoice_gst_pst_bc"), snapshot).move_uuid
    record["version"] = 4
    newer = map_record(record, snapshot).move_uuid

    assert first == again == move_uuid(BUSINESS_ID, 50017, "3")
    assert newer != first
    assert first == str(uuid.uuid5(MOVE_UUID_NAMESPACE, "1001/50017/3"))


def test_without_version_the_audit_uuid_follows_modified_at(snapshot):
    record = load_record("invoice_readonly_awkward")
    first = map_record(record, snapshot).move_uuid
    record["modifiedAt"] = "2026-11-16T10:00:00Z"

    assert first == move_uuid(BUSINESS_ID, 50032, "2026-11-15T09:00:00Z")
    assert map_record(record, snapshot).move_uuid != first


def test_the_bare_classic_shape_without_version_rate_or_dates_beyond_date_maps(snapshot):
    record = {
        "id": 61001,
        "type": "bill",
        "date": "2026-11-02",
        "contact": 4012,
        "currency": "CAD",
        "amount": 1130,
        "lineItems": [{"account": 5410, "amount": 1000, "taxes": [{"tax": 3002, "amount": 130}]}],
    }

    description = map_record(record, snapshot)

    assert description.kashoo_version is None
    assert description.move_uuid == move_uuid(BUSINESS_ID, 61001, "unversioned")
    # No description: the line is named after its Kashoo account.
    assert description.lines[0].name == "Repas et représentation"
    assert (description.lines[0].quantity, description.lines[0].price_unit) == (D("1"), D("10.00"))


def test_the_record_is_not_modified(snapshot):
    record = load_record("invoice_discounts_multi_rate")
    untouched = load_record("invoice_discounts_multi_rate")

    map_record(record, snapshot)

    assert record == untouched
