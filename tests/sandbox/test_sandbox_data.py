"""Generated data: determinism, exact arithmetic, payment integrity, required variety."""

from __future__ import annotations

import time
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

import pytest
import requests
from sandbox_helpers import TIMEOUT, api_get, control, create_transfer

from kashoo_sandbox import SandboxServer
from kashoo_sandbox.canada import is_valid_bn9
from kashoo_sandbox.clock import Clock
from kashoo_sandbox.generator import generate
from kashoo_sandbox.money import TaxRate, line_tax_amounts
from kashoo_sandbox.store import Store

BUSINESSES = (1001, 1002)


def fetch_all(server, tokens, path) -> list[dict]:
    rows, offset = [], 0
    while True:
        page = api_get(server, tokens, path, limit=100, offset=offset)
        assert page.status_code == 200, page.text
        rows.extend(page.json())
        if len(page.json()) < 100:
            return rows
        offset += 100


@pytest.fixture(scope="module")
def demo_data(demo_sandbox):
    tokens = demo_sandbox.issue_tokens()
    data = {}
    for business_id in BUSINESSES:
        base = f"/businesses/{business_id}"
        data[business_id] = {
            name: fetch_all(demo_sandbox, tokens, f"{base}/{name}")
            for name in ("records", "accounts", "taxes", "contacts")
        }
    data["fixtures"] = control(demo_sandbox, "GET", "/fixtures").json()
    return data


def half_up(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def expected_taxes(base: int, taxes: list[dict]) -> list[int]:
    """An independent re-implementation of the per-line tax rule."""
    amounts, non_compound = [], 0
    for tax in taxes:
        taxable = base + non_compound if tax["compound"] else base
        amount = half_up(Decimal(taxable) * Decimal(tax["rate"]) / 100)
        amounts.append(amount)
        if not tax["compound"]:
            non_compound += amount
    return amounts


def test_same_seed_gives_identical_data_and_another_seed_does_not():
    def snapshot(seed):
        with SandboxServer(seed=seed, size=150, rate_limit=0) as server:
            tokens = server.issue_tokens()
            bodies = []
            for business_id in BUSINESSES:
                for path in ("records", "contacts", "accounts", "taxes"):
                    for offset in (0, 100):
                        bodies.append(
                            api_get(
                                server, tokens, f"/businesses/{business_id}/{path}", offset=offset
                            ).content
                        )
            return bodies

    first, second, other = snapshot(11), snapshot(11), snapshot(12)
    assert first == second
    assert first != other
    assert len(first[0]) > 10_000  # a real page of records, not an empty list


def test_primary_business_has_exactly_size_records(demo_data):
    assert len(demo_data[1001]["records"]) == 200
    assert len(demo_data[1002]["records"]) == 20
    ids = [r["id"] for r in demo_data[1001]["records"]]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)


def test_every_document_total_equals_lines_plus_taxes(demo_data):
    checked = 0
    for business_id in BUSINESSES:
        taxes = {t["id"]: t for t in demo_data[business_id]["taxes"]}
        for record in demo_data[business_id]["records"]:
            if record["type"] not in ("invoice", "bill", "expense"):
                continue
            total = 0
            for line in record["lineItems"]:
                gross = half_up(Decimal(line["quantity"]) * line["unitPrice"])
                assert line["amount"] == gross - line["discount"]
                line_taxes = [taxes[t["tax"]] for t in line["taxes"]]
                assert [t["amount"] for t in line["taxes"]] == expected_taxes(
                    line["amount"], line_taxes
                )
                total += line["amount"] + sum(t["amount"] for t in line["taxes"])
            assert record["amount"] == total, record["id"]
            if record["type"] != "expense":
                assert record["totalDue"] == record["amount"]
            checked += 1
    assert checked > 100


def test_payments_reference_documents_of_the_same_contact_and_never_over_pay(demo_data):
    for business_id in BUSINESSES:
        records = {r["id"]: r for r in demo_data[business_id]["records"]}
        settled = defaultdict(int)
        payments = [r for r in records.values() if r["type"] in ("invoicePayment", "billPayment")]
        assert payments
        for payment in payments:
            target_type = "invoice" if payment["type"] == "invoicePayment" else "bill"
            assert payment["amount"] == sum(a["amount"] for a in payment["appliesTo"])
            for applied in payment["appliesTo"]:
                document = records[applied["record"]]  # exists in the same business
                assert document["type"] == target_type
                assert document["contact"] == payment["contact"]
                assert document["currency"] == payment["currency"]
                assert document["date"] <= payment["date"]
                assert applied["amount"] > 0 and applied["discount"] >= 0
                if not payment["removed"]:
                    settled[document["id"]] += applied["amount"] + applied["discount"]
        for document_id, total in settled.items():
            document = records[document_id]
            assert 0 < total <= document["amount"]
            assert document["balanceDue"] == document["amount"] - total
        for record in records.values():
            if record["type"] in ("invoice", "bill") and record["id"] not in settled:
                assert record["balanceDue"] == record["amount"]


def test_every_record_carries_version_modified_at_and_the_common_fields(demo_data):
    common = {
        "id",
        "type",
        "number",
        "date",
        "dueDate",
        "contact",
        "contactName",
        "currency",
        "exchangeRate",
        "amount",
        "totalDue",
        "balanceDue",
        "memo",
        "poNumber",
        "terms",
        "removed",
        "readOnly",
        "modifiedAt",
        "version",
    }
    for record in demo_data[1001]["records"]:
        assert common <= set(record)
        assert isinstance(record["id"], int) and isinstance(record["amount"], int)
        assert record["version"] >= 1
        assert len(record["date"]) == 10 and record["modifiedAt"].endswith("Z")
    assert any(r["version"] > 1 for r in demo_data[1001]["records"])


def test_all_record_types_and_awkward_fixtures_are_present(demo_data):
    records = {r["id"]: r for r in demo_data[1001]["records"]}
    fixtures = demo_data["fixtures"]
    assert {r["type"] for r in records.values()} == {
        "invoice",
        "bill",
        "invoicePayment",
        "billPayment",
        "transfer",
        "expense",
    }

    for credit_id in fixtures["creditNote"] + fixtures["vendorRefund"]:
        credit = records[credit_id]
        assert credit["amount"] < 0
        assert all(t["amount"] < 0 for line in credit["lineItems"] for t in line["taxes"])
    usd_invoice, usd_payment = (records[i] for i in fixtures["usd"])
    assert usd_invoice["currency"] == "USD" and usd_invoice["exchangeRate"] == "1.365400"
    assert usd_payment["appliesTo"][0]["record"] == usd_invoice["id"]
    jpy = records[fixtures["jpy"][0]]
    assert (jpy["currency"], jpy["exchangeRate"], jpy["amount"]) == ("JPY", "0.009150", 158500)
    assert all(records[i]["removed"] for i in fixtures["removed"])
    assert all(records[i]["readOnly"] for i in fixtures["readOnly"])
    extra = records[fixtures["extraFields"][0]]
    assert extra["customFields"]["project"] == "P-1042" and "sku" in extra["lineItems"][0]
    assert any(
        line["discount"] > 0 for i in fixtures["lineDiscount"] for line in records[i]["lineItems"]
    )
    discount_payment = records[fixtures["earlyPaymentDiscount"][0]]
    assert discount_payment["appliesTo"][0]["discount"] > 0
    expense = records[fixtures["reimbursableExpense"][0]]
    assert expense["reimbursable"] and expense["paidFrom"] is None and expense["employee"]
    assert len(records[fixtures["multiDocumentPayment"][0]]["appliesTo"]) >= 1
    assert records[fixtures["otherPaymentMethod"][0]]["paymentMethod"] == "PayPal"


def test_unmappable_records_use_the_eco_fee_tax_or_the_suspense_account(demo_data):
    fixtures = demo_data["fixtures"]
    records = {r["id"]: r for r in demo_data[1001]["records"]}
    (eco_fee,) = fixtures["unmappableTax"]
    (suspense,) = fixtures["unmappableAccount"]
    taxes = {t["id"]: t for t in demo_data[1001]["taxes"]}
    accounts = {a["id"]: a for a in demo_data[1001]["accounts"]}
    assert taxes[eco_fee]["name"] == "Eco Fee 2%"
    assert accounts[suspense]["name"] == "Suspense (unmapped)"
    using = set()
    for record in records.values():
        for line in record.get("lineItems") or []:
            if line["account"] == suspense or any(t["tax"] == eco_fee for t in line["taxes"]):
                using.add(record["id"])
    assert using == set(fixtures["unmappableRecords"])
    assert len(using) == 5


def test_compound_tax_is_computed_on_base_plus_gst(demo_data):
    taxes = {t["id"]: t for t in demo_data[1001]["taxes"]}
    records = {r["id"]: r for r in demo_data[1001]["records"]}
    for record_id in demo_data["fixtures"]["compoundTaxRecords"]:
        for line in records[record_id]["lineItems"]:
            gst, pst = line["taxes"]
            assert taxes[pst["tax"]]["compound"] is True
            assert gst["amount"] == half_up(Decimal(line["amount"]) * Decimal("0.05"))
            assert pst["amount"] == half_up((line["amount"] + gst["amount"]) * Decimal("0.08"))


def test_nova_scotia_hst_rate_follows_the_date(demo_data):
    taxes = {t["id"]: t for t in demo_data[1002]["taxes"]}
    seen = set()
    for record in demo_data[1002]["records"]:
        for line in record.get("lineItems") or []:
            for entry in line["taxes"]:
                tax = taxes[entry["tax"]]
                if tax["province"] == "NS":
                    expected = "15.000" if record["date"] < "2025-04-01" else "14.000"
                    assert tax["rate"] == expected, record
                    seen.add(tax["rate"])
    assert seen == {"15.000", "14.000"}


def test_tax_table_covers_canadian_rates(demo_data):
    taxes = {(t["name"], t["rate"]): t for t in demo_data[1001]["taxes"]}
    for name, rate in [
        ("GST", "5.000"),
        ("HST ON", "13.000"),
        ("HST NS", "14.000"),
        ("HST NS (until 2025-03-31)", "15.000"),
        ("HST NB", "15.000"),
        ("HST NL", "15.000"),
        ("HST PE", "15.000"),
        ("PST BC", "7.000"),
        ("PST SK", "6.000"),
        ("RST MB", "7.000"),
        ("QST", "9.975"),
        ("Eco Fee 2%", "2.000"),
    ]:
        assert (name, rate) in taxes
    assert taxes[("HST NS", "14.000")]["validFrom"] == "2025-04-01"
    assert taxes[("HST NS (until 2025-03-31)", "15.000")]["validTo"] == "2025-03-31"
    assert taxes[("GST", "5.000")]["registrationNumber"] == "123456782RT0001"
    assert any(t["compound"] for t in taxes.values())


def test_chart_of_accounts_has_the_canadian_essentials(demo_data):
    accounts = {a["name"]: a for a in demo_data[1001]["accounts"]}
    for name, account_type in [
        ("Share Capital", "EQUITY"),
        ("Retained Earnings", "EQUITY"),
        ("Product Sales", "REVENUE"),
        ("Service Revenue", "REVENUE"),
        ("Shipping", "REVENUE"),
        ("GST/HST Payable", "LIABILITY"),
        ("Wages and Salaries", "EXPENSE"),
        ("Employee Benefits", "EXPENSE"),
        ("Chequing", "ASSET"),
    ]:
        assert accounts[name]["type"] == account_type
    assert accounts["GST/HST Payable"]["subType"] == "TAX_PAYABLE"
    assert accounts["Chequing"]["id"] == 2001


def test_business_numbers_pass_or_fail_the_cra_check_digit_as_labelled(demo_data):
    stdnum_bn = pytest.importorskip("stdnum.ca.bn")
    invalid = set(demo_data["fixtures"]["invalidBusinessNumber"])
    contacts = demo_data[1001]["contacts"] + demo_data[1002]["contacts"]
    valid_count = 0
    for contact in contacts:
        bn = contact["businessNumber"]
        if bn is None:
            assert contact["id"] not in invalid
            continue
        ours, theirs = is_valid_bn9(bn), stdnum_bn.is_valid(bn)
        assert ours == theirs
        assert theirs == (contact["id"] not in invalid), contact
        assert contact["gstNumber"] == f"{bn}RT0001"
        if theirs:
            valid_count += 1
            assert stdnum_bn.is_valid(contact["gstNumber"])
    assert valid_count >= 10 and len(invalid) >= 2


def test_contacts_have_customers_vendors_terms_and_addresses(demo_data):
    contacts = demo_data[1001]["contacts"]
    assert {c["type"] for c in contacts} == {"CUSTOMER", "VENDOR"}
    assert {"NET15", "NET30"} <= {c["terms"] for c in contacts}
    assert sum(1 for c in contacts if c["email"]) > len(contacts) * 0.8
    assert all(c["address"]["city"] and c["address"]["country"] for c in contacts)
    assert any(not c["name"].isascii() for c in contacts)


def test_ten_thousand_records_generate_in_seconds():
    started = time.perf_counter()
    store = Store(Clock())
    generate(store, seed=3, size=10_000)
    elapsed = time.perf_counter() - started
    assert len(store.business_data(1001).records) == 10_000
    assert elapsed < 10


def test_tax_rounding_is_half_up_per_line_and_symmetric_for_credits():
    gst = TaxRate(1, Decimal(5), False)
    assert line_tax_amounts(10, [gst]) == [1]  # 0.5 rounds up
    assert line_tax_amounts(-10, [gst]) == [-1]  # a credit is the exact negation
    assert line_tax_amounts(9, [gst]) == [0]  # 0.45 rounds down
    compound = TaxRate(2, Decimal(8), True)
    assert line_tax_amounts(10000, [gst, compound]) == [500, 840]


def test_reset_regenerates_the_seeded_data(sandbox):
    tokens = sandbox.issue_tokens()
    before = api_get(sandbox, tokens, "/businesses/1001/records").content
    created = create_transfer(sandbox, 500, "2026-11-21")
    assert created.status_code == 201
    response = control(sandbox, "POST", "/reset", json={})
    assert response.status_code == 200
    assert api_get(sandbox, tokens, "/businesses/1001/records").content == before
    resized = control(sandbox, "POST", "/reset", json={"size": 45}).json()
    assert resized["records"]["1001"] == 45
    assert requests.get(f"{sandbox.url}/", timeout=TIMEOUT).status_code == 200
