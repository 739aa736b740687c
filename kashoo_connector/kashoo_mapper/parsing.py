"""Strict readers for the fields of one Kashoo record.

Each reader names the field it could not read, so the quarantine message says what to correct.
Unknown fields are never looked at; ``null`` is the same as absent.
"""

from dateutil.parser import isoparse

from .errors import invalid_record
from .money import parse_decimal


def required_int(record_id, data, key, path=""):
    """Read an integer field that must be present (ids, minor units).

    :param int|None record_id: Kashoo record id, for the error.
    :param dict data: the record or one of its nested objects.
    :param str key: field name.
    :param str path: where ``data`` sits in the record, e.g. ``lineItems[2]``, for the error.
    :raise InvalidRecordError: missing, ``null``, a boolean, a float or text.
    :rtype: int
    """
    value = data.get(key)
    if value is None:
        raise invalid_record(record_id, f"Field '{_field(path, key)}' is missing.")
    return _as_int(record_id, _field(path, key), value)


def optional_int(record_id, data, key, path=""):
    """Read an integer field that may be absent or ``null``.

    :raise InvalidRecordError: present but not an integer.
    :rtype: int|None
    """
    value = data.get(key)
    return None if value is None else _as_int(record_id, _field(path, key), value)


def _field(path, key):
    return f"{path}.{key}" if path else key


def _as_int(record_id, key, value):
    # bool is an int in Python; a float amount is exactly what integer minor units avoid.
    if isinstance(value, bool) or not isinstance(value, int):
        raise invalid_record(
            record_id, f"Field '{key}' must be an integer, got {value!r} ({type(value).__name__})."
        )
    return value


def optional_decimal(record_id, data, key, path=""):
    """Read a decimal field written as text or a number (quantities, exchange rates).

    :raise InvalidRecordError: present but not a finite decimal number.
    :rtype: Decimal|None
    """
    value = data.get(key)
    if value is None:
        return None
    number = parse_decimal(value)
    if number is None:
        raise invalid_record(
            record_id, f"Field '{_field(path, key)}' is not a decimal number: {value!r}."
        )
    return number


def optional_text(data, key):
    """Read a text field; absent, ``null`` and blank all give ``None``.

    :rtype: str|None
    """
    value = data.get(key)
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def business_date(record_id, data, key, required=True):
    """Read a business date (``yyyy-MM-dd``) exactly as written.

    The date is never moved through a time zone: a date-time such as
    ``2026-10-31T23:30:00-05:00`` stays on the 31st, the day the business booked it.

    :param bool required: whether absence is an error.
    :raise InvalidRecordError: missing when required, or not a valid calendar date.
    :rtype: datetime.date|None
    """
    value = data.get(key)
    if value is None or value == "":
        if required:
            raise invalid_record(record_id, f"Field '{key}' is missing.")
        return None
    if not isinstance(value, str):
        raise invalid_record(record_id, f"Field '{key}' must be a yyyy-MM-dd date, got {value!r}.")
    try:
        return isoparse(value).date()
    except ValueError as error:
        raise invalid_record(
            record_id, f"Field '{key}' is not a valid date: {value!r} ({error})."
        ) from error
