"""Contract with the Kashoo sandbox: every record it generates maps, or fails with a typed error.

The sandbox serves the shapes of ``docs/kashoo-data-format.md``. Its generated books (two
businesses, every record type and every awkward fixture) are mapped with a snapshot that maps
everything except what the sandbox marks as deliberately unmappable.
"""

import pytest
from kashoo_mapper import (
    CurrencyInfo,
    ImportedRecord,
    Journals,
    KashooAccount,
    KashooTax,
    MappingSnapshot,
    MoveDescription,
    OdooTax,
    Removal,
    TaxDistribution,
    UnmappedAccountError,
    UnmappedTaxError,
    employee_key,
    map_record,
)
from kashoo_mapper.money import from_minor_units

sandbox_store = pytest.importorskip("kashoo_sandbox.store")
sandbox_clock = pytest.importorskip("kashoo_sandbox.clock")
sandbox_generator = pytest.importorskip("kashoo_sandbox.generator")

CURRENCIES = {
    "CAD": CurrencyInfo(odoo_id=3, decimals=2),
    "USD": CurrencyInfo(odoo_id=1, decimals=2),
    "JPY": CurrencyInfo(odoo_id=25, decimals=0),
}


@pytest.fixture(scope="module")
def store():
    store = sandbox_store.Store(sandbox_clock.Clock())
    sandbox_generator.generate(store, seed=42, size=300)
    return store


def sandbox_snapshot(store, business_id):
    """Map every sandbox account, tax, contact and employee but the deliberate gaps."""
    data = store.business_data(business_id)
    unmappable_accounts = set(store.fixtures.get("unmappableAccount", ()))
    unmappable_taxes = set(store.fixtures.get("unmappableTax", ()))

    def odoo_tax(tax_id, side):
        return OdooTax(
            tax_id=tax_id * 10 + len(side),
            invoice=TaxDistribution(repartition_line_id=tax_id * 10 + 1, account_id=80000 + tax_id),
            refund=TaxDistribution(repartition_line_id=tax_id * 10 + 2, account_id=80000 + tax_id),
        )

    return MappingSnapshot(
        kashoo_business_id=business_id,
        company_currency=data.business["currency"],
        currencies=CURRENCIES,
        accounts={i: 10000 + i for i in data.accounts if i not in unmappable_accounts},
        kashoo_accounts={i: KashooAccount.from_kashoo(a) for i, a in data.accounts.items()},
        taxes={
            i: {side: odoo_tax(i, side) for side in ("sale", "purchase")}
            for i in data.taxes
            if i not in unmappable_taxes
        },
        kashoo_taxes={i: KashooTax.from_kashoo(t) for i, t in data.taxes.items()},
        contacts={i: 20000 + i for i in data.contacts},
        journals=Journals(
            sale=1,
            purchase=2,
            general=3,
            by_account={
                i: 100 + i
                for i, account in data.accounts.items()
                if account.get("subType") in ("BANK", "CREDIT_CARD")
            },
        ),
        receivable_account_id=81200,
        payable_account_id=82100,
        employee_payable_account_id=82150,
        early_payment_discount_account_ids={"sale": 85010, "purchase": 85020},
        employees={
            employee_key(record["employee"]): 29000 + index
            for index, record in enumerate(data.records)
            if record.get("employee")
        },
        imported_records={
            record["id"]: ImportedRecord(
                move_id=90000 + record["id"],
                kashoo_type=record["type"],
                currency_code=record.get("currency") or data.business["currency"],
            )
            for record in data.records
            if record["type"] in ("invoice", "bill")
        },
    )


@pytest.mark.parametrize("business_id", [1001, 1002])
def test_every_sandbox_record_maps_or_fails_with_a_typed_error(store, business_id):
    snapshot = sandbox_snapshot(store, business_id)
    unmappable = set(store.fixtures.get("unmappableRecords", ()))
    mapped_types = set()

    for record in store.business_data(business_id).records:
        if record["id"] in unmappable and not record.get("removed"):
            with pytest.raises((UnmappedAccountError, UnmappedTaxError)):
                map_record(record, snapshot)
            continue
        description = map_record(record, snapshot)
        if record.get("removed"):
            assert isinstance(description, Removal)
            continue
        assert isinstance(description, MoveDescription)
        description.balance_check()
        decimals = CURRENCIES[description.currency_code].decimals
        charged = sum(
            tax["amount"] for item in record.get("lineItems") or [] for tax in item["taxes"]
        )
        assert description.tax_total() == from_minor_units(charged, decimals), record["id"]
        # The sandbox computes taxes as documented: the mapper's check finds no difference.
        assert description.tax_rounding_differences == (), record["id"]
        mapped_types.add(record["type"])

    if business_id == 1001:
        assert mapped_types == {
            "invoice",
            "bill",
            "invoicePayment",
            "billPayment",
            "transfer",
            "expense",
        }
