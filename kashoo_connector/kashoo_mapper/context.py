"""The header of one Kashoo record, read and checked once: identity, date, currency and rate."""

import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from .errors import (
    FIX_CORRECT_IN_KASHOO,
    REF_CURRENCY,
    CurrencyMismatchError,
    KashooRef,
    invalid_record,
)
from .money import convert, from_minor_units
from .parsing import business_date, optional_decimal, optional_int, optional_text, required_int
from .snapshot import CurrencyInfo

#: Namespace of the audit UUIDs: uuid5(NAMESPACE_URL, "https://api.kashoo.com/odoo/account.move").
MOVE_UUID_NAMESPACE = uuid.UUID("623c1ebc-54f5-5482-a6ab-f8e51c122106")


def move_uuid(kashoo_business_id, kashoo_id, version_token):
    """Return the audit UUID of one version of a Kashoo record in one business.

    The UUID is derived (UUID version 5), not drawn at random: the same record version always
    gets the same UUID, so a webhook replayed or a page fetched twice is recognised as a
    duplicate, and each new version (which replaces the previous move) gets a new one.

    :param int kashoo_business_id: Kashoo business id.
    :param int kashoo_id: Kashoo record id.
    :param str version_token: the record's ``version``; its ``modifiedAt`` when it has none.
    :rtype: str
    """
    return str(uuid.uuid5(MOVE_UUID_NAMESPACE, f"{kashoo_business_id}/{kashoo_id}/{version_token}"))


@dataclass(frozen=True)
class RecordContext:
    """What every part of the mapping needs to know about the record being mapped.

    :ivar Decimal|None rate: Kashoo's exchange rate, ``None`` in the company currency.
    """

    record_id: int
    version: int | None
    kashoo_type: str
    read_only: bool
    date: date
    number: str | None
    memo: str | None
    move_uuid: str
    currency_code: str
    currency: CurrencyInfo
    company_currency: str
    company_decimals: int
    rate: Decimal | None

    def money(self, minor_units):
        """Turn minor units of the record currency into an exact amount.

        :param int minor_units: e.g. ``115000``.
        :rtype: Decimal
        """
        return from_minor_units(minor_units, self.currency.decimals)

    def to_company(self, amount):
        """Convert an amount of the record currency at Kashoo's rate.

        :param Decimal amount: record currency.
        :rtype: Decimal
        """
        return convert(amount, self.rate, self.company_decimals)


def read_context(record, record_id, kashoo_type, snapshot):
    """Read and check the header fields of a record.

    :param dict record: the Kashoo record.
    :param int record_id: its id, already read.
    :param str kashoo_type: its type, already checked.
    :param MappingSnapshot snapshot: mappings of the batch.
    :raise InvalidRecordError: a bad date, version or rate.
    :raise UnknownCurrencyError: the currency is not active in Odoo.
    :raise CurrencyMismatchError: the rate contradicts the currency.
    :rtype: RecordContext
    """
    version = optional_int(record_id, record, "version")
    currency_code = optional_text(record, "currency") or snapshot.company_currency
    currency = snapshot.currency(currency_code)
    rate = _exchange_rate(record, record_id, currency_code, snapshot.company_currency)
    version_token = str(version) if version is not None else optional_text(record, "modifiedAt")
    return RecordContext(
        record_id=record_id,
        version=version,
        kashoo_type=kashoo_type,
        read_only=record.get("readOnly") is True,
        date=business_date(record_id, record, "date"),
        number=optional_text(record, "number"),
        memo=optional_text(record, "memo"),
        move_uuid=move_uuid(snapshot.kashoo_business_id, record_id, version_token or "unversioned"),
        currency_code=currency_code,
        currency=currency,
        company_currency=snapshot.company_currency,
        company_decimals=snapshot.company_decimals,
        rate=rate,
    )


def _exchange_rate(record, record_id, currency_code, company_currency):
    rate = optional_decimal(record_id, record, "exchangeRate")
    ref = KashooRef(REF_CURRENCY, currency_code, currency_code)
    if currency_code == company_currency:
        if rate is not None and rate != 1:
            raise CurrencyMismatchError(
                f"The record is in the company currency {currency_code} but carries the "
                f"exchange rate {rate}.",
                kashoo_ref=ref,
                fix_action=FIX_CORRECT_IN_KASHOO,
                suggested_fix="Check the currency of the record in Kashoo; a record in the "
                "business currency has the rate 1.",
            )
        return None
    if rate is None:
        raise CurrencyMismatchError(
            f"The record is in {currency_code}, not the company currency {company_currency}, "
            "and carries no exchange rate.",
            kashoo_ref=ref,
            fix_action=FIX_CORRECT_IN_KASHOO,
            suggested_fix=f"Enter the {currency_code} exchange rate on the record in Kashoo.",
        )
    if rate <= 0:
        raise invalid_record(record_id, f"Field 'exchangeRate' must be positive, got {rate}.")
    return rate


def required_minor_units(context, data, key, path=""):
    """Read a money field of the record as an exact amount of the record currency.

    :param RecordContext context: the record being mapped.
    :param dict data: the record or a nested object.
    :param str key: field name.
    :param str path: where ``data`` sits, for the error.
    :raise InvalidRecordError: missing or not integer minor units.
    :rtype: Decimal
    """
    return context.money(required_int(context.record_id, data, key, path))
