"""A small Canadian business for the mapper tests: Kashoo reference data plus Odoo mappings.

Kashoo's side (accounts, taxes) is read from ``fixtures/reference``; the Odoo ids follow simple
rules so an expected value says where it comes from:

- Odoo account of Kashoo account ``k``: ``10000 + k`` (Kashoo 2401 is Odoo 12401);
- Odoo sale tax of Kashoo tax ``t``: ``100000 + t``; purchase tax: ``200000 + t``;
- Odoo partner of Kashoo contact ``c``: ``20000 + c``.
"""

import json
from pathlib import Path

from kashoo_mapper import (
    PURCHASE,
    SALE,
    CurrencyInfo,
    ImportedRecord,
    Journals,
    KashooAccount,
    KashooTax,
    MappingSnapshot,
    OdooTax,
    PaymentMethodTarget,
    TaxDistribution,
    employee_key,
)

FIXTURES = Path(__file__).parent / "fixtures"
RECORDS = FIXTURES / "records"

BUSINESS_ID = 1001
UNMAPPED_ACCOUNT = 4010  # "Shipping Income": known to Kashoo, not mapped
UNMAPPED_TAX = 3011  # "HST BC" (2010-2013): known to Kashoo, not mapped
UNKNOWN_CONTACT = 4099

RECEIVABLE = 81200
PAYABLE = 82100
EMPLOYEE_PAYABLE = 82150
DISCOUNT_LOSS = 85010  # discounts granted to customers
DISCOUNT_GAIN = 85020  # discounts taken from vendors
GST_HST_PAYABLE = 82210
PST_PAYABLE = 82220
QST_PAYABLE = 82230
GST_HST_RECOVERABLE = 81210
QST_RECOVERABLE = 81230

SALE_JOURNAL, PURCHASE_JOURNAL, GENERAL_JOURNAL, CASH_JOURNAL = 1, 2, 3, 4
BANK_JOURNALS = {2001: 11, 2002: 12, 2003: 13, 2005: 15}
PAYMENT_METHODS = {
    "Cheque": PaymentMethodTarget(journal_id=11, payment_method_line_id=111),
    "Electronic Transfer": PaymentMethodTarget(journal_id=11, payment_method_line_id=112),
    "Credit Card": PaymentMethodTarget(journal_id=15, payment_method_line_id=151),
    "Cash": PaymentMethodTarget(journal_id=CASH_JOURNAL, payment_method_line_id=141),
}
CURRENCIES = {
    "CAD": CurrencyInfo(odoo_id=3, decimals=2),
    "USD": CurrencyInfo(odoo_id=1, decimals=2),
    "EUR": CurrencyInfo(odoo_id=2, decimals=2),
    "JPY": CurrencyInfo(odoo_id=25, decimals=0),
}
CONTACTS = {
    4001: "Acme Co",
    4002: "Société Générale de Montréal",
    4003: "Boulangerie Ōsaka",
    4010: "Petro-Canada",
    4011: "Tōkyō Denki K.K.",
    4012: "Staples",
}
EMPLOYEE = {"name": "Zoë Lefèvre-Tremblay", "email": "Zoe.Lefevre@erabliere.example"}
EMPLOYEE_PARTNER = 29001
IMPORTED = {
    50017: ImportedRecord(move_id=90017, kashoo_type="invoice", currency_code="CAD"),
    50020: ImportedRecord(move_id=90020, kashoo_type="invoice", currency_code="CAD"),
    50030: ImportedRecord(move_id=90030, kashoo_type="invoice", currency_code="USD"),
    50040: ImportedRecord(move_id=90040, kashoo_type="bill", currency_code="CAD"),
}

# Where each kind of tax is booked: (sale account, purchase account). PST paid on purchases is
# not recoverable, so its purchase distribution has no account: it stays on the expense.
_TAX_ACCOUNTS = {
    "GST": (GST_HST_PAYABLE, GST_HST_RECOVERABLE),
    "HST": (GST_HST_PAYABLE, GST_HST_RECOVERABLE),
    "PST": (PST_PAYABLE, None),
    "QST": (QST_PAYABLE, QST_RECOVERABLE),
}


def odoo_account(kashoo_account_id):
    """Odoo account id of a mapped Kashoo account."""
    return 10000 + kashoo_account_id


def odoo_tax(kashoo_tax_id, side):
    """Odoo tax id of a mapped Kashoo tax on one side."""
    return (100000 if side == SALE else 200000) + kashoo_tax_id


def partner(contact_id):
    """Odoo partner id of a mapped Kashoo contact."""
    return 20000 + contact_id


def distribution(kashoo_tax_id, side, refund):
    """The Odoo tax distribution of a mapped tax: ids encode tax, side and document type.

    Suffix = code x 10000 + Kashoo tax id, code 0 sale invoice, 1 sale refund, 2 purchase
    invoice, 3 purchase refund. Repartition line 300000 + suffix (303001: GST on a sale
    invoice), base tag 500000 + suffix, tax tag 600000 + suffix.
    """
    kind = _kashoo_taxes()[kashoo_tax_id].kind
    sale_account, purchase_account = _TAX_ACCOUNTS[kind]
    code = (0 if side == SALE else 2) + (1 if refund else 0)
    suffix = code * 10000 + kashoo_tax_id
    return TaxDistribution(
        repartition_line_id=300000 + suffix,
        account_id=sale_account if side == SALE else purchase_account,
        tax_tag_ids=(600000 + suffix,),
        base_tag_ids=(500000 + suffix,),
    )


def _read_reference(name):
    return json.loads((FIXTURES / "reference" / f"{name}.json").read_text(encoding="utf-8"))


def _kashoo_taxes():
    return {tax["id"]: KashooTax.from_kashoo(tax) for tax in _read_reference("taxes")}


def build_snapshot():
    """The snapshot of the test business: CAD company, everything mapped but the known gaps."""
    kashoo_accounts = {
        account["id"]: KashooAccount.from_kashoo(account) for account in _read_reference("accounts")
    }
    kashoo_taxes = _kashoo_taxes()
    return MappingSnapshot(
        kashoo_business_id=BUSINESS_ID,
        company_currency="CAD",
        currencies=CURRENCIES,
        accounts={
            account_id: odoo_account(account_id)
            for account_id in kashoo_accounts
            if account_id != UNMAPPED_ACCOUNT
        },
        kashoo_accounts=kashoo_accounts,
        taxes={
            tax_id: {
                side: OdooTax(
                    tax_id=odoo_tax(tax_id, side),
                    invoice=distribution(tax_id, side, refund=False),
                    refund=distribution(tax_id, side, refund=True),
                )
                for side in (SALE, PURCHASE)
            }
            for tax_id in kashoo_taxes
            if tax_id != UNMAPPED_TAX
        },
        kashoo_taxes=kashoo_taxes,
        contacts={contact_id: partner(contact_id) for contact_id in CONTACTS},
        journals=Journals(
            sale=SALE_JOURNAL,
            purchase=PURCHASE_JOURNAL,
            general=GENERAL_JOURNAL,
            by_account=BANK_JOURNALS,
        ),
        receivable_account_id=RECEIVABLE,
        payable_account_id=PAYABLE,
        employee_payable_account_id=EMPLOYEE_PAYABLE,
        early_payment_discount_account_ids={SALE: DISCOUNT_LOSS, PURCHASE: DISCOUNT_GAIN},
        payment_methods=PAYMENT_METHODS,
        employees={employee_key(EMPLOYEE): EMPLOYEE_PARTNER},
        imported_records=IMPORTED,
    )


def load_record(name):
    """One Kashoo record from ``fixtures/records/<name>.json``."""
    return json.loads((RECORDS / f"{name}.json").read_text(encoding="utf-8"))


def record_names():
    """Names of every record fixture, sorted."""
    return sorted(path.stem for path in RECORDS.glob("*.json"))


def lines_of(description, role):
    """The items of a description that play one role, in order."""
    return [line for line in description.lines if line.role == role]


def kashoo_tax_total(record):
    """Sum of every tax amount of a Kashoo record, in minor units, straight from the JSON."""
    return sum(tax["amount"] for item in record.get("lineItems") or [] for tax in item["taxes"])
