"""The mapping snapshot: everything the mapper may know about Odoo, read once per batch.

The Odoo side builds one :class:`MappingSnapshot` per batch (one ``search_read`` per table) and
the mapper looks nothing up anywhere else. Odoo ids are plain ``int``. The lookup methods raise
the typed error that tells a person which mapping is missing.
"""

from dataclasses import dataclass, field, fields
from datetime import date
from decimal import Decimal
from types import MappingProxyType

from dateutil.parser import isoparse

from .errors import (
    ACCOUNT_MAPPING_MENU,
    CONTACT_MAPPING_MENU,
    FIX_ACTIVATE_CURRENCY,
    FIX_CORRECT_IN_KASHOO,
    FIX_IMPORT_TARGET_FIRST,
    FIX_MAP_ACCOUNT,
    FIX_MAP_BANK_JOURNAL,
    FIX_MAP_CONTACT,
    FIX_MAP_EMPLOYEE,
    FIX_MAP_TAX,
    FIX_SET_COMPANY_ACCOUNT,
    JOURNAL_MAPPING_MENU,
    KASHOO_SETTINGS_MENU,
    REF_ACCOUNT,
    REF_CONTACT,
    REF_CURRENCY,
    REF_EMPLOYEE,
    REF_RECORD,
    REF_SETTING,
    REF_TAX,
    TAX_MAPPING_MENU,
    CurrencyMismatchError,
    KashooRef,
    MissingPaymentTargetError,
    UnknownContactError,
    UnknownCurrencyError,
    UnmappedAccountError,
    UnmappedTaxError,
)
from .money import parse_decimal

#: Tax sides, as Odoo's ``type_tax_use``.
SALE = "sale"
PURCHASE = "purchase"


@dataclass(frozen=True)
class CurrencyInfo:
    """An Odoo currency the company can post in.

    :ivar int odoo_id: ``res.currency`` id.
    :ivar int decimals: decimals of the currency (2 for CAD, 0 for JPY).
    """

    odoo_id: int
    decimals: int


@dataclass(frozen=True)
class KashooAccount:
    """What Kashoo says about one of its accounts; used in messages and currency checks."""

    number: str | None = None
    name: str | None = None
    type: str | None = None
    sub_type: str | None = None
    currency: str | None = None

    @classmethod
    def from_kashoo(cls, data):
        """Build from a Kashoo account object (``GET /accounts``); unknown fields are ignored.

        :param dict data: e.g. ``{"id": 2001, "number": "1000", "name": "Chequing", ...}``.
        :rtype: KashooAccount
        """
        return cls(
            number=data.get("number"),
            name=data.get("name"),
            type=data.get("type"),
            sub_type=data.get("subType"),
            currency=data.get("currency"),
        )


@dataclass(frozen=True)
class KashooTax:
    """What Kashoo says about one of its taxes: enough to check and explain its amounts.

    :ivar Decimal rate: percent, e.g. ``Decimal("9.975")``.
    :ivar bool compound: computed on the base plus the non-compound taxes before it.
    """

    name: str
    rate: Decimal
    kind: str | None = None
    compound: bool = False
    province: str | None = None
    valid_from: date | None = None
    valid_to: date | None = None

    @classmethod
    def from_kashoo(cls, data):
        """Build from a Kashoo tax object (``GET /taxes``); unknown fields are ignored.

        :param dict data: e.g. ``{"id": 3001, "name": "GST", "rate": "5.000", ...}``.
        :raise ValueError: when the rate or a validity date cannot be read.
        :rtype: KashooTax
        """
        rate = parse_decimal(data.get("rate"))
        if rate is None:
            raise ValueError(f"Kashoo tax {data.get('id')} has no readable rate: {data!r}")
        return cls(
            name=data.get("name") or f"Tax {data.get('id')}",
            rate=rate,
            kind=data.get("kind"),
            compound=bool(data.get("compound")),
            province=data.get("province"),
            valid_from=_optional_date(data.get("validFrom")),
            valid_to=_optional_date(data.get("validTo")),
        )

    def applies_on(self, day):
        """Tell whether the tax is valid on ``day`` (HST NS was 15 % until 2025-03-31).

        :param date day: the business date of the record.
        :rtype: bool
        """
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_to is None or day <= self.valid_to
        )


def _optional_date(value):
    return isoparse(value).date() if value else None


@dataclass(frozen=True)
class TaxDistribution:
    """The ``tax`` repartition line of an Odoo tax for one document type (invoice or refund).

    The explicit-tax-line path writes it on the tax journal item; l10n_ca taxes have exactly one.

    :ivar int repartition_line_id: ``account.tax.repartition.line`` id.
    :ivar int|None account_id: the tax account; ``None`` means the tax stays on the account of
        its base line, as Odoo does for a repartition line without an account (non-recoverable
        PST charged on a purchase, for instance).
    :ivar tuple tax_tag_ids: tags of the tax repartition line (go on the tax journal item).
    :ivar tuple base_tag_ids: tags of the base repartition line (go on the base journal items).
    """

    repartition_line_id: int
    account_id: int | None
    tax_tag_ids: tuple[int, ...] = ()
    base_tag_ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class OdooTax:
    """An Odoo tax with its invoice and refund distributions.

    :ivar int tax_id: ``account.tax`` id.
    """

    tax_id: int
    invoice: TaxDistribution
    refund: TaxDistribution


@dataclass(frozen=True)
class PaymentMethodTarget:
    """Where a Kashoo payment method lands in Odoo.

    :ivar int journal_id: bank or cash journal.
    :ivar int|None payment_method_line_id: method line of that journal; ``None`` lets Odoo
        take the journal's default.
    """

    journal_id: int
    payment_method_line_id: int | None = None


@dataclass(frozen=True)
class Journals:
    """Journals the mapper posts into.

    :ivar int sale: customer invoices and credit notes.
    :ivar int purchase: vendor bills, refunds, and employee expense claims.
    :ivar int general: transfers and expenses paid from an account without its own journal.
    :ivar by_account: Kashoo bank or credit-card account id -> its Odoo journal id.
    """

    sale: int
    purchase: int
    general: int
    by_account: dict[int, int] = field(default_factory=dict)

    def __post_init__(self):
        object.__setattr__(self, "by_account", MappingProxyType(dict(self.by_account)))


@dataclass(frozen=True)
class ImportedRecord:
    """A Kashoo record already imported, which a payment may apply to.

    :ivar int move_id: the live ``account.move`` of the record.
    :ivar str kashoo_type: ``invoice`` or ``bill``.
    :ivar str currency_code: currency the move was written in.
    """

    move_id: int
    kashoo_type: str
    currency_code: str


@dataclass(frozen=True)
class OdooPrecision:
    """Decimal precisions of the Odoo database, which limit how a line can be written.

    Odoo rounds ``quantity``, ``price_unit`` and ``discount`` to these digits when it stores
    them (decimal precisions 'Product Unit of Measure', 'Product Price' and 'Discount').
    """

    quantity: int = 2
    price: int = 2
    discount: int = 2


def employee_key(employee):
    """Return the key of an employee in :attr:`MappingSnapshot.employees`.

    Kashoo names an employee by ``{"name": ..., "email": ...}`` only, without an id: the key is
    the e-mail, else the name, stripped and case-folded. The Odoo side builds the snapshot's
    employee map with this same function.

    :param dict employee: the record's ``employee`` object.
    :rtype: str
    """
    email = (employee.get("email") or "").strip()
    return (email or (employee.get("name") or "").strip()).casefold()


@dataclass(frozen=True)
class MappingSnapshot:
    """Every mapping the mapper needs, frozen for one batch.

    :ivar int kashoo_business_id: the Kashoo business (part of each move's audit UUID).
    :ivar str company_currency: code of the Odoo company currency, e.g. ``"CAD"``.
    :ivar currencies: currency code -> :class:`CurrencyInfo`, for every usable currency.
    :ivar accounts: Kashoo account id -> Odoo ``account.account`` id.
    :ivar kashoo_accounts: Kashoo account id -> :class:`KashooAccount` (names for messages).
    :ivar taxes: Kashoo tax id -> ``{"sale": OdooTax, "purchase": OdooTax}`` (either side may
        be absent).
    :ivar kashoo_taxes: Kashoo tax id -> :class:`KashooTax`.
    :ivar contacts: Kashoo contact id -> Odoo ``res.partner`` id.
    :ivar journals: :class:`Journals`.
    :ivar int receivable_account_id: receivable for customer invoices and payments.
    :ivar int payable_account_id: payable for vendor bills and payments.
    :ivar int|None employee_payable_account_id: payable of employee expense claims; must be
        of type payable in Odoo.
    :ivar early_payment_discount_account_ids: ``{"sale": id, "purchase": id}``: where a
        discount granted to a customer (a loss) or taken from a vendor (a gain) is written off.
    :ivar payment_methods: Kashoo payment method name -> :class:`PaymentMethodTarget`.
    :ivar employees: :func:`employee_key` -> Odoo partner id of the employee.
    :ivar imported_records: Kashoo record id -> :class:`ImportedRecord`, for the records the
        batch's payments apply to.
    :ivar OdooPrecision precision: decimal precisions of the database.
    """

    kashoo_business_id: int
    company_currency: str
    currencies: dict[str, CurrencyInfo]
    accounts: dict[int, int]
    kashoo_accounts: dict[int, KashooAccount]
    taxes: dict[int, dict[str, OdooTax]]
    kashoo_taxes: dict[int, KashooTax]
    contacts: dict[int, int]
    journals: Journals
    receivable_account_id: int
    payable_account_id: int
    employee_payable_account_id: int | None = None
    early_payment_discount_account_ids: dict[str, int] = field(default_factory=dict)
    payment_methods: dict[str, PaymentMethodTarget] = field(default_factory=dict)
    employees: dict[str, int] = field(default_factory=dict)
    imported_records: dict[int, ImportedRecord] = field(default_factory=dict)
    precision: OdooPrecision = OdooPrecision()

    def __post_init__(self):
        # Read-only views: a snapshot shared by a batch cannot be changed by one record.
        for snapshot_field in fields(self):
            value = getattr(self, snapshot_field.name)
            if isinstance(value, dict):
                object.__setattr__(self, snapshot_field.name, MappingProxyType(dict(value)))
        if self.company_currency not in self.currencies:
            raise ValueError(f"company currency {self.company_currency} is not in currencies")

    @property
    def company_decimals(self):
        """Decimals of the company currency.

        :rtype: int
        """
        return self.currencies[self.company_currency].decimals

    def account_label(self, kashoo_account_id):
        """Name a Kashoo account the way a person recognises it: ``4010 'Shipping Income'``.

        :param int kashoo_account_id: Kashoo account id.
        :rtype: str
        """
        account = self.kashoo_accounts.get(kashoo_account_id)
        if account is None:
            return f"id {kashoo_account_id}"
        return f"{account.number or f'id {kashoo_account_id}'} '{account.name or ''}'"

    def currency(self, code):
        """Return the Odoo currency of a Kashoo currency code.

        :param str code: ISO 4217 code.
        :raise UnknownCurrencyError: the currency is not active in the company.
        :rtype: CurrencyInfo
        """
        currency = self.currencies.get(code)
        if currency is None:
            raise UnknownCurrencyError(
                f"Currency {code} is not active in the Odoo company.",
                kashoo_ref=KashooRef(REF_CURRENCY, code, code),
                fix_action=FIX_ACTIVATE_CURRENCY,
                suggested_fix=f"Activate the currency {code} in Accounting > Configuration > "
                "Currencies, then retry.",
            )
        return currency

    def odoo_account(self, kashoo_account_id, record_currency):
        """Return the Odoo account of a Kashoo account, after checking its currency.

        :param int kashoo_account_id: Kashoo account id.
        :param str record_currency: currency of the record that posts to it.
        :raise UnmappedAccountError: the account is not mapped.
        :raise CurrencyMismatchError: the account is kept in a third currency, which Odoo
            refuses on a line of another currency.
        :rtype: int
        """
        label = self.account_label(kashoo_account_id)
        ref = KashooRef(REF_ACCOUNT, kashoo_account_id, label)
        kashoo_account = self.kashoo_accounts.get(kashoo_account_id)
        account_currency = kashoo_account and kashoo_account.currency
        if account_currency and account_currency not in (self.company_currency, record_currency):
            raise CurrencyMismatchError(
                f"Kashoo account {label} is kept in {account_currency} but the record is in "
                f"{record_currency}.",
                kashoo_ref=ref,
                fix_action=FIX_CORRECT_IN_KASHOO,
                suggested_fix=f"Record it in Kashoo in {account_currency} or on an account in "
                f"{record_currency} or {self.company_currency}.",
            )
        odoo_account_id = self.accounts.get(kashoo_account_id)
        if odoo_account_id is None:
            kind = f" ({kashoo_account.type})" if kashoo_account and kashoo_account.type else ""
            raise UnmappedAccountError(
                f"Kashoo account {label}{kind} is not mapped to an Odoo account.",
                kashoo_ref=ref,
                fix_action=FIX_MAP_ACCOUNT,
                suggested_fix=f"Map Kashoo account {label} to an Odoo account in "
                f"{ACCOUNT_MAPPING_MENU}, then retry.",
            )
        return odoo_account_id

    def bank_journal(self, kashoo_account_id):
        """Return the journal of a Kashoo bank or credit-card account.

        :param int kashoo_account_id: Kashoo account id.
        :raise UnmappedAccountError: the account has no journal.
        :rtype: int
        """
        journal_id = self.journals.by_account.get(kashoo_account_id)
        if journal_id is None:
            label = self.account_label(kashoo_account_id)
            raise UnmappedAccountError(
                f"Kashoo account {label} has no Odoo bank journal.",
                kashoo_ref=KashooRef(REF_ACCOUNT, kashoo_account_id, label),
                fix_action=FIX_MAP_BANK_JOURNAL,
                suggested_fix=f"Link Kashoo account {label} to an Odoo bank or cash journal in "
                f"{JOURNAL_MAPPING_MENU}, then retry.",
            )
        return journal_id

    def company_account(self, account_id, setting_name, purpose):
        """Return a company-level account the record needs, or say which setting is empty.

        :param int|None account_id: the snapshot value.
        :param str setting_name: the snapshot field, used as the key of the error.
        :param str purpose: what the account is for, e.g. ``"early-payment discounts"``.
        :raise UnmappedAccountError: the setting is empty.
        :rtype: int
        """
        if account_id is None:
            raise UnmappedAccountError(
                f"No Odoo account is set for {purpose}.",
                kashoo_ref=KashooRef(REF_SETTING, setting_name, purpose),
                fix_action=FIX_SET_COMPANY_ACCOUNT,
                suggested_fix=f"Choose the account for {purpose} in {KASHOO_SETTINGS_MENU}, "
                "then retry.",
            )
        return account_id

    def tax(self, kashoo_tax_id, side):
        """Return what Kashoo and Odoo know about a tax, for one side.

        :param int kashoo_tax_id: Kashoo tax id.
        :param str side: :data:`SALE` or :data:`PURCHASE`.
        :raise UnmappedTaxError: the tax is unknown or not mapped on that side.
        :rtype: tuple[KashooTax, OdooTax]
        """
        kashoo_tax = self.kashoo_taxes.get(kashoo_tax_id)
        odoo_tax = self.taxes.get(kashoo_tax_id, {}).get(side)
        if kashoo_tax is None or odoo_tax is None:
            label = (
                f"{kashoo_tax_id} '{kashoo_tax.name}' ({kashoo_tax.rate}%)"
                if kashoo_tax
                else f"id {kashoo_tax_id}"
            )
            raise UnmappedTaxError(
                f"Kashoo tax {label} is not mapped to an Odoo {side} tax.",
                kashoo_ref=KashooRef(REF_TAX, kashoo_tax_id, label),
                fix_action=FIX_MAP_TAX,
                suggested_fix=f"Map Kashoo tax {label} to an Odoo {side} tax in "
                f"{TAX_MAPPING_MENU}, then retry.",
            )
        return kashoo_tax, odoo_tax

    def partner(self, contact_id, contact_name):
        """Return the Odoo partner of a Kashoo contact.

        :param int contact_id: Kashoo contact id.
        :param str|None contact_name: the record's ``contactName``, for the message.
        :raise UnknownContactError: the contact has no partner yet.
        :rtype: int
        """
        partner_id = self.contacts.get(contact_id)
        if partner_id is None:
            label = f"{contact_id} '{contact_name}'" if contact_name else f"id {contact_id}"
            raise UnknownContactError(
                f"Kashoo contact {label} has no Odoo partner.",
                kashoo_ref=KashooRef(REF_CONTACT, contact_id, label),
                fix_action=FIX_MAP_CONTACT,
                suggested_fix=f"Sync Kashoo contacts or link contact {label} to a partner in "
                f"{CONTACT_MAPPING_MENU}, then retry.",
            )
        return partner_id

    def employee_partner(self, employee):
        """Return the Odoo partner of the employee to reimburse.

        :param dict employee: the record's ``employee`` object (``name``, ``email``).
        :raise UnknownContactError: no partner is linked to that employee.
        :rtype: int
        """
        key = employee_key(employee)
        partner_id = self.employees.get(key)
        if partner_id is None:
            name = (employee.get("name") or "").strip()
            email = (employee.get("email") or "").strip()
            label = f"{name} <{email}>".strip() if email else name
            raise UnknownContactError(
                f"Employee {label} has no Odoo partner to reimburse.",
                kashoo_ref=KashooRef(REF_EMPLOYEE, key, label),
                fix_action=FIX_MAP_EMPLOYEE,
                suggested_fix=f"Link employee {label} to the partner to reimburse in "
                f"{CONTACT_MAPPING_MENU}, then retry.",
            )
        return partner_id

    def imported_record(self, kashoo_record_id):
        """Return the imported move a payment applies to.

        :param int kashoo_record_id: Kashoo id of the invoice or bill.
        :raise MissingPaymentTargetError: it is not imported (yet).
        :rtype: ImportedRecord
        """
        imported = self.imported_records.get(kashoo_record_id)
        if imported is None:
            raise MissingPaymentTargetError(
                f"The payment applies to Kashoo record {kashoo_record_id}, which is not "
                "imported into Odoo.",
                kashoo_ref=KashooRef(REF_RECORD, kashoo_record_id, f"record {kashoo_record_id}"),
                fix_action=FIX_IMPORT_TARGET_FIRST,
                suggested_fix=f"Import Kashoo record {kashoo_record_id} first (fix its own "
                "quarantine entry if it has one), then retry this payment.",
            )
        return imported
