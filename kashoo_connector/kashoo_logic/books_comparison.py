"""Pure figures of the books comparison (Kashoo vs Odoo): what each Kashoo record should post.

No ORM here. Kashoo has no balance endpoint, so its side of the comparison is rebuilt from its
records: each record is handed to the mapper (the same translation the import uses, so both
sides speak in Odoo accounts), with a snapshot widened so that only real mapping gaps fail
(a contact without partner or a payment of an invoice Odoo never imported still has an
accounting effect in Kashoo). A record the mapper still refuses (an unmapped account or tax:
the quarantined ones) is read directly, and counts under its own Kashoo account.

Amounts are ``Decimal`` in the company currency, debit positive, as ``account.move.line``'s
``balance``.
"""

from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal
from typing import NamedTuple

from ..kashoo_mapper import (
    PURCHASE,
    SALE,
    ImportedRecord,
    Journals,
    MappingError,
    MoveDescription,
    employee_key,
    map_record,
)
from ..kashoo_mapper.money import from_minor_units, parse_decimal, round_money

ZERO = Decimal(0)
DOCUMENT_TYPES = ("invoice", "bill")
PAYMENT_TYPES = ("invoicePayment", "billPayment")
#: Placeholder Odoo id the widened snapshot gives to what Odoo has not created yet (a
#: partner, a move): the mapper only carries it along, no account depends on it.
PLACEHOLDER_ID = 0


class AccountKey(NamedTuple):
    """Where an amount lands: an Odoo account, or (unmapped) the Kashoo account itself.

    ``AccountKey(None, None)`` collects what no account could be found for (an early-payment
    discount of a company without a discount account).
    """

    odoo_account_id: int | None
    kashoo_account_id: int | None


@dataclass
class RecordPostings:
    """What one Kashoo record posts, per account.

    :ivar bool mapped: the mapper described it (else it was read directly: quarantined).
    :ivar str|None error: the mapper's message when it was not mapped.
    :ivar amounts: :class:`AccountKey` -> ``Decimal`` (company currency, debit positive).
    """

    kashoo_id: int
    kashoo_type: str | None
    date: str | None
    number: str | None
    mapped: bool
    error: str | None = None
    amounts: dict = field(default_factory=dict)


class UnreadableRecord(ValueError):
    """A record neither the mapper nor the direct reading can make sense of."""


def widen_snapshot(snapshot, records):
    """Return ``snapshot`` with placeholders for what only Odoo's import is missing.

    Contacts without partner, employees without partner, payment targets not imported and
    money accounts without journal do not change what a record posts to which account; they
    get :data:`PLACEHOLDER_ID`. Account and tax mappings are left alone.

    :param MappingSnapshot snapshot: the backend's snapshot.
    :param dict records: Kashoo id -> record, the records of the period.
    :rtype: MappingSnapshot
    """
    contacts = dict(snapshot.contacts)
    employees = dict(snapshot.employees)
    imported = dict(snapshot.imported_records)
    for record in records.values():
        if isinstance(record.get("contact"), int):
            contacts.setdefault(record["contact"], PLACEHOLDER_ID)
        if isinstance(record.get("employee"), dict) and employee_key(record["employee"]):
            employees.setdefault(employee_key(record["employee"]), PLACEHOLDER_ID)
        for application in record.get("appliesTo") or ():
            target = (
                records.get(application.get("record")) if isinstance(application, dict) else None
            )
            if target and target.get("type") in DOCUMENT_TYPES:
                imported.setdefault(
                    target["id"],
                    ImportedRecord(
                        PLACEHOLDER_ID,
                        target["type"],
                        target.get("currency") or snapshot.company_currency,
                    ),
                )
    journals = snapshot.journals
    by_account = {kashoo_id: journals.general for kashoo_id in snapshot.accounts}
    by_account.update(journals.by_account)
    return replace(
        snapshot,
        contacts=contacts,
        employees=employees,
        imported_records=imported,
        journals=Journals(
            sale=journals.sale,
            purchase=journals.purchase,
            general=journals.general,
            by_account=by_account,
        ),
    )


def record_postings(record, snapshot, tax_accounts, currency_decimals):
    """Return what ``record`` posts per account, through the mapper where it can.

    :param dict record: a Kashoo record (not removed).
    :param MappingSnapshot snapshot: a widened snapshot (:func:`widen_snapshot`).
    :param tax_accounts: Kashoo tax id -> ``(payable, recoverable)`` Kashoo account ids.
    :param currency_decimals: currency code -> decimals, for currencies Odoo does not use.
    :raise UnreadableRecord: the record cannot be read at all.
    :rtype: RecordPostings
    """
    postings = RecordPostings(
        kashoo_id=record.get("id"),
        kashoo_type=record.get("type"),
        date=record.get("date"),
        number=record.get("number"),
        mapped=True,
    )
    try:
        description = map_record(record, snapshot)
    except MappingError as error:
        postings.mapped = False
        postings.error = error.message
        postings.amounts = _direct_postings(record, snapshot, tax_accounts, currency_decimals)
        return postings
    if not isinstance(description, MoveDescription):
        raise UnreadableRecord(f"Kashoo record {record.get('id')} is removed")
    amounts = defaultdict(Decimal)
    for line in description.lines:
        amounts[AccountKey(line.account_id, None)] += line.balance
    postings.amounts = dict(amounts)
    return postings


# === Direct reading (records the mapper refuses) === #


class _Reader:
    """Reads one record's amounts in the company currency, keyed by account."""

    def __init__(self, record, snapshot, tax_accounts, currency_decimals):
        self.record = record
        self.snapshot = snapshot
        self.tax_accounts = tax_accounts
        self.amounts = defaultdict(Decimal)
        company = snapshot.company_currency
        currency = record.get("currency") or company
        known = snapshot.currencies.get(currency)
        self.decimals = known.decimals if known else currency_decimals.get(currency, 2)
        if currency == company:
            self.rate = None
        else:
            self.rate = parse_decimal(record.get("exchangeRate"))
            if self.rate is None or self.rate <= 0:
                raise UnreadableRecord(
                    f"Kashoo record {record.get('id')} in {currency} has no exchange rate"
                )

    def money(self, minor_units):
        if isinstance(minor_units, bool) or not isinstance(minor_units, int):
            raise UnreadableRecord(
                f"Kashoo record {self.record.get('id')}: {minor_units!r} is not an amount"
            )
        amount = from_minor_units(minor_units, self.decimals)
        if self.rate is None:
            return amount
        return round_money(amount * self.rate, self.snapshot.company_decimals)

    def key(self, kashoo_account_id):
        odoo_account_id = self.snapshot.accounts.get(kashoo_account_id)
        if odoo_account_id:
            return AccountKey(odoo_account_id, None)
        return AccountKey(None, kashoo_account_id)

    def post(self, key, amount):
        self.amounts[key] += amount

    def balance_on(self, key):
        """Post to ``key`` whatever makes the record balance (the counterpart)."""
        self.amounts[key] -= sum(self.amounts.values(), ZERO)

    def tax_key(self, kashoo_tax_id, side, refund, line_key):
        odoo_tax = self.snapshot.taxes.get(kashoo_tax_id, {}).get(side)
        if odoo_tax is not None:
            distribution = odoo_tax.refund if refund else odoo_tax.invoice
            return (
                AccountKey(distribution.account_id, None) if distribution.account_id else line_key
            )
        payable, recoverable = self.tax_accounts.get(kashoo_tax_id, (None, None))
        kashoo_account_id = payable if side == SALE else recoverable
        return self.key(kashoo_account_id) if kashoo_account_id else line_key

    def line_items(self, side, sign, entry):
        items = self.record.get("lineItems")
        if not isinstance(items, list) or not items:
            raise UnreadableRecord(f"Kashoo record {self.record.get('id')} has no line items")
        document_refund = (self.record.get("amount") or 0) < 0
        for item in items:
            if not isinstance(item, dict):
                raise UnreadableRecord(f"Kashoo record {self.record.get('id')}: bad line")
            line_key = self.key(item.get("account"))
            amount = item.get("amount")
            self.post(line_key, sign * self.money(amount))
            refund = amount < 0 if entry else document_refund
            for tax in item.get("taxes") or ():
                key = self.tax_key(tax.get("tax"), side, refund, line_key)
                self.post(key, sign * self.money(tax.get("amount")))

    def payment(self, side):
        cash_sign = 1 if side == SALE else -1
        snapshot = self.snapshot
        counterpart = AccountKey(
            snapshot.receivable_account_id if side == SALE else snapshot.payable_account_id, None
        )
        self.post(
            self.key(self.record.get("depositAccount")),
            cash_sign * self.money(self.record.get("amount")),
        )
        discount_account = snapshot.early_payment_discount_account_ids.get(side)
        for application in self.record.get("appliesTo") or ():
            discount = self.money(application.get("discount") or 0)
            if discount:
                self.post(AccountKey(discount_account, None), cash_sign * discount)
        self.balance_on(counterpart)


def _direct_postings(record, snapshot, tax_accounts, currency_decimals):
    reader = _Reader(record, snapshot, tax_accounts, currency_decimals)
    kashoo_type = record.get("type")
    try:
        if kashoo_type == "invoice":
            reader.line_items(SALE, -1, entry=False)
            reader.balance_on(AccountKey(snapshot.receivable_account_id, None))
        elif kashoo_type == "bill":
            reader.line_items(PURCHASE, 1, entry=False)
            reader.balance_on(AccountKey(snapshot.payable_account_id, None))
        elif kashoo_type == "expense" and record.get("reimbursable") is True:
            reader.line_items(PURCHASE, 1, entry=False)
            reader.balance_on(
                AccountKey(
                    snapshot.employee_payable_account_id or snapshot.payable_account_id, None
                )
            )
        elif kashoo_type == "expense":
            reader.line_items(PURCHASE, 1, entry=True)
            reader.balance_on(reader.key(record.get("paidFrom")))
        elif kashoo_type in PAYMENT_TYPES:
            reader.payment(SALE if kashoo_type == "invoicePayment" else PURCHASE)
        elif kashoo_type == "transfer":
            amount = reader.money(record.get("amount"))
            reader.post(reader.key(record.get("fromAccount")), -amount)
            reader.post(reader.key(record.get("toAccount")), amount)
        else:
            raise UnreadableRecord(
                f"Kashoo record {record.get('id')} has the unknown type {kashoo_type!r}"
            )
    except (AttributeError, TypeError) as error:
        raise UnreadableRecord(f"Kashoo record {record.get('id')}: {error}") from error
    return {key: amount for key, amount in reader.amounts.items() if amount}


# === Open documents (aged receivables and payables) === #


def open_balance(record, snapshot, currency_decimals):
    """Return what is still owed on an invoice or bill, company currency, Kashoo's sign.

    :return: ``Decimal`` (negative for an open credit note), or ``None`` when not a document.
    """
    if record.get("type") not in DOCUMENT_TYPES or record.get("removed") is True:
        return None
    reader = _Reader(record, snapshot, {}, currency_decimals)
    return reader.money(record.get("balanceDue") or 0)


#: Aging buckets of an open document at a date: not yet due, then days past its due date.
AGING_BUCKETS = ("current", "1_30", "31_60", "61_90", "over_90")
_AGING_LIMITS = ((0, "current"), (30, "1_30"), (60, "31_60"), (90, "61_90"))


def aging_bucket(due_date, as_of):
    """Return the :data:`AGING_BUCKETS` entry of a document due on ``due_date``, seen on
    ``as_of`` (a document without a due date is due at once).

    :param date|None due_date: the document's due date.
    :param date as_of: the day the balance is looked at (the report's last day).
    :rtype: str
    """
    overdue = (as_of - due_date).days if due_date else 0
    return next((bucket for limit, bucket in _AGING_LIMITS if overdue <= limit), "over_90")


def due_date(record):
    """The ``dueDate`` of a Kashoo invoice or bill (its ``date`` when it has none), or None."""
    for name in ("dueDate", "date"):
        try:
            return date.fromisoformat(str(record.get(name))[:10])
        except ValueError:
            continue
    return None


# === Schedule === #


def books_comparison_due(first_import, last_run, today, daily_days=30, weekly_days=7):
    """Tell whether a scheduled books comparison should run ``today``.

    Daily during the first ``daily_days`` after the first import (the initial sync period),
    weekly thereafter; never before anything was imported.

    :param date|None first_import: day of the first imported transaction.
    :param date|None last_run: day of the last scheduled run.
    :param date today: today.
    :rtype: bool
    """
    if first_import is None:
        return False
    if last_run is None:
        return True
    if today < first_import + timedelta(days=daily_days):
        return last_run < today
    return today - last_run >= timedelta(days=weekly_days)
