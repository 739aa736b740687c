"""The mapping snapshot: read-only, built from Kashoo's reference objects."""

from dataclasses import FrozenInstanceError
from datetime import date
from decimal import Decimal

import pytest
from kashoo_mapper import (
    CurrencyInfo,
    Journals,
    KashooAccount,
    KashooTax,
    MappingSnapshot,
    employee_key,
)
from mapper_world import CURRENCIES, build_snapshot


def test_the_snapshot_cannot_be_changed_by_a_record(snapshot):
    with pytest.raises(TypeError):
        snapshot.accounts[9999] = 1
    with pytest.raises(TypeError):
        snapshot.journals.by_account[9999] = 1
    with pytest.raises(FrozenInstanceError):
        snapshot.receivable_account_id = 1


def test_the_snapshot_copies_the_mappings_it_is_given():
    accounts = {2001: 12001}
    snapshot = MappingSnapshot(
        kashoo_business_id=1,
        company_currency="CAD",
        currencies=CURRENCIES,
        accounts=accounts,
        kashoo_accounts={},
        taxes={},
        kashoo_taxes={},
        contacts={},
        journals=Journals(sale=1, purchase=2, general=3),
        receivable_account_id=10,
        payable_account_id=20,
    )
    accounts[2002] = 12002

    assert dict(snapshot.accounts) == {2001: 12001}
    assert snapshot.company_decimals == 2


def test_the_company_currency_must_be_one_of_the_currencies():
    with pytest.raises(ValueError, match="company currency EUR"):
        MappingSnapshot(
            kashoo_business_id=1,
            company_currency="EUR",
            currencies={"CAD": CurrencyInfo(odoo_id=3, decimals=2)},
            accounts={},
            kashoo_accounts={},
            taxes={},
            kashoo_taxes={},
            contacts={},
            journals=Journals(sale=1, purchase=2, general=3),
            receivable_account_id=10,
            payable_account_id=20,
        )


def test_kashoo_tax_from_the_api_object():
    tax = KashooTax.from_kashoo(
        {
            "id": 3009,
            "name": "QST 2012",
            "kind": "QST",
            "rate": "9.500",
            "province": "QC",
            "compound": True,
            "validFrom": "2012-01-01",
            "validTo": "2012-12-31",
            "registrationNumber": "1234567890TQ0001",
            "someFutureField": {"a": 1},
        }
    )

    assert tax == KashooTax(
        name="QST 2012",
        rate=Decimal("9.500"),
        kind="QST",
        compound=True,
        province="QC",
        valid_from=date(2012, 1, 1),
        valid_to=date(2012, 12, 31),
    )
    assert tax.applies_on(date(2012, 1, 1)) and tax.applies_on(date(2012, 12, 31))
    assert not tax.applies_on(date(2013, 1, 1))
    assert not tax.applies_on(date(2011, 12, 31))


def test_kashoo_tax_with_nulls_gets_defaults():
    tax = KashooTax.from_kashoo({"id": 3100, "name": None, "rate": 5, "compound": None})

    assert (tax.name, tax.rate, tax.compound, tax.valid_from) == (
        "Tax 3100",
        Decimal(5),
        False,
        None,
    )
    assert tax.applies_on(date(1999, 1, 1))


def test_kashoo_tax_without_a_readable_rate_is_refused():
    with pytest.raises(ValueError, match="no readable rate"):
        KashooTax.from_kashoo({"id": 3101, "name": "Broken", "rate": "five"})


def test_kashoo_account_from_the_api_object():
    assert KashooAccount.from_kashoo(
        {
            "id": 2005,
            "number": "2150",
            "name": "Visa Affaires",
            "type": "LIABILITY",
            "subType": "CREDIT_CARD",
            "currency": "CAD",
            "removed": False,
            "extra": 1,
        }
    ) == KashooAccount("2150", "Visa Affaires", "LIABILITY", "CREDIT_CARD", "CAD")


@pytest.mark.parametrize(
    ("employee", "key"),
    [
        (
            {"name": "Zoë", "email": " Zoe.Lefevre@Erabliere.example "},
            "zoe.lefevre@erabliere.example",
        ),
        ({"name": " Zoë Lefèvre ", "email": None}, "zoë lefèvre"),
        ({"name": "STRASSE", "email": ""}, "strasse"),
        ({"name": "Straße"}, "strasse"),  # case-folded, not just lower-cased
    ],
)
def test_employee_key_prefers_the_email_and_ignores_case(employee, key):
    assert employee_key(employee) == key


def test_account_labels_name_accounts_as_people_know_them():
    snapshot = build_snapshot()

    assert snapshot.account_label(2005) == "2150 'Visa Affaires'"
    assert snapshot.account_label(777) == "id 777"
