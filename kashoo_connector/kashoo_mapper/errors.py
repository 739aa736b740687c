"""Typed errors of the mapper: what is wrong, on which Kashoo object, and how a person fixes it.

The quarantine screen pre-fills its guided fix from the structured attributes, never from the
message text: ``error_type`` says what went wrong, ``fix_action`` which screen or action fixes
it, and ``kashoo_ref`` the Kashoo object to select there.
"""

from dataclasses import asdict, dataclass

# Where a person fixes a mapping. One place, so the wording follows the menus if they move.
ACCOUNT_MAPPING_MENU = "Accounting > Kashoo > Account Mapping"
TAX_MAPPING_MENU = "Accounting > Kashoo > Tax Mapping"
CONTACT_MAPPING_MENU = "Accounting > Kashoo > Contact Mapping"
JOURNAL_MAPPING_MENU = "Accounting > Kashoo > Journal Mapping"
KASHOO_SETTINGS_MENU = "Accounting > Configuration > Settings > Kashoo"

# Codes of the action that fixes an error (``MappingError.fix_action``).
FIX_MAP_ACCOUNT = "map_account"
FIX_MAP_BANK_JOURNAL = "map_bank_journal"
FIX_MAP_TAX = "map_tax"
FIX_MAP_CONTACT = "map_contact"
FIX_MAP_EMPLOYEE = "map_employee"
FIX_SET_COMPANY_ACCOUNT = "set_company_account"
FIX_ACTIVATE_CURRENCY = "activate_currency"
FIX_IMPORT_TARGET_FIRST = "import_target_first"
FIX_CORRECT_IN_KASHOO = "correct_in_kashoo"
FIX_IGNORE_RECORD = "ignore_record"
FIX_REPORT_TO_MAINTAINERS = "report_to_maintainers"

# Kinds of Kashoo object an error points at (``KashooRef.kind``).
REF_ACCOUNT = "account"
REF_TAX = "tax"
REF_CONTACT = "contact"
REF_EMPLOYEE = "employee"
REF_CURRENCY = "currency"
REF_RECORD = "record"
REF_SETTING = "setting"


@dataclass(frozen=True)
class KashooRef:
    """The Kashoo object a person has to look at to fix an error.

    :ivar str kind: one of the ``REF_*`` constants, e.g. ``"account"``.
    :ivar key: the Kashoo id (int), or the natural key when Kashoo has no id (an employee's
        e-mail, a currency code, the name of a setting).
    :ivar str label: how a person recognises the object, e.g. ``4010 'Shipping Income'``.
    """

    kind: str
    key: int | str | None
    label: str


class MappingError(Exception):
    """Base class of every error the mapper raises; the record goes to quarantine.

    :ivar str error_type: stable machine code of the failure (class attribute).
    :ivar str message: what is wrong, for a person.
    :ivar KashooRef kashoo_ref: the Kashoo object at fault.
    :ivar str fix_action: one of the ``FIX_*`` codes.
    :ivar str suggested_fix: one sentence telling a person what to do.
    :ivar int|None record_id: the Kashoo record being mapped, set by :func:`map_record`.
    """

    error_type = "mapping_error"

    def __init__(self, message, *, kashoo_ref, fix_action, suggested_fix, record_id=None):
        super().__init__(message)
        self.message = message
        self.kashoo_ref = kashoo_ref
        self.fix_action = fix_action
        self.suggested_fix = suggested_fix
        self.record_id = record_id

    def to_dict(self):
        """Return the error as plain JSON-ready data for the quarantine record.

        :return: a dict with ``error_type``, ``message``, ``fix_action``, ``suggested_fix``,
            ``record_id`` and ``kashoo_ref`` (itself a dict).
        :rtype: dict
        """
        return {
            "error_type": self.error_type,
            "message": self.message,
            "fix_action": self.fix_action,
            "suggested_fix": self.suggested_fix,
            "record_id": self.record_id,
            "kashoo_ref": asdict(self.kashoo_ref),
        }


class UnmappedAccountError(MappingError):
    """A Kashoo account (or a company-level account the record needs) has no Odoo counterpart."""

    error_type = "unmapped_account"


class UnmappedTaxError(MappingError):
    """A Kashoo tax has no Odoo tax for the side (sale or purchase) the record needs."""

    error_type = "unmapped_tax"


class UnknownContactError(MappingError):
    """A Kashoo contact or an employee has no Odoo partner."""

    error_type = "unknown_contact"


class UnbalancedError(MappingError):
    """The amounts of the record do not add up, so no balanced move can be written."""

    error_type = "unbalanced"


class CurrencyMismatchError(MappingError):
    """Currencies or the exchange rate of the record contradict each other or an account."""

    error_type = "currency_mismatch"


class UnsupportedTypeError(MappingError):
    """The record ``type`` is not one the connector imports."""

    error_type = "unsupported_type"


class InvalidRecordError(MappingError):
    """A field is missing or malformed (bad date, money that is not integer minor units...)."""

    error_type = "invalid_record"


class UnknownCurrencyError(MappingError):
    """The record's currency is not active in the Odoo company."""

    error_type = "unknown_currency"


class MissingPaymentTargetError(MappingError):
    """A payment applies to a Kashoo record that has not been imported into Odoo yet."""

    error_type = "missing_payment_target"


def invalid_record(record_id, message):
    """Build the error for malformed Kashoo data, which only a change in Kashoo can fix.

    :param int|None record_id: the Kashoo record id, when it could be read.
    :param str message: what is malformed, naming the field.
    :rtype: InvalidRecordError
    """
    return InvalidRecordError(
        message,
        kashoo_ref=KashooRef(REF_RECORD, record_id, f"record {record_id}"),
        fix_action=FIX_CORRECT_IN_KASHOO,
        suggested_fix="Correct the record in Kashoo; the next sync imports the new version.",
        record_id=record_id,
    )
