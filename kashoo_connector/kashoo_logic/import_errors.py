"""Typed errors of the import beyond the mapper's, and the one factory that builds them.

The engine routes a failure by its type: a :class:`~kashoo_mapper.MappingError` subclass
goes to the quarantine with its ``error_type``, ``fix_action`` and Kashoo object, an
:class:`UnexpectedImportError` is tried again, and a payment's
``MissingPaymentTargetError`` waits for its document. Nothing is decided from a message's
text: messages are translated.
"""

from ..kashoo_mapper.errors import (
    FIX_CORRECT_IN_KASHOO,
    REF_RECORD,
    KashooRef,
    MappingError,
)

FIX_REOPEN_PERIOD = "reopen_period"
FIX_UNRECONCILE = "unreconcile"
FIX_RETRY = "retry"


class PostingError(MappingError):
    """Odoo refused to write or post the document (a business rule, not the mapping)."""

    error_type = "posting_failed"


class LockedPeriodError(PostingError):
    """The record's date falls in a period closed by a lock date."""

    error_type = "locked_period"


class ReconciledMoveError(PostingError):
    """The move is reconciled (paid, matched): it cannot change under the accountant's feet."""

    error_type = "reconciled"


class UnexpectedImportError(MappingError):
    """A failure nobody anticipated (a bug, a crash in Odoo): worth another try, then the
    quarantine once the tries are spent."""

    error_type = "unexpected_error"


def record_error(cls, record_id, message, fix_action, suggested_fix):
    """Build the error ``cls`` about Kashoo record ``record_id``.

    :rtype: MappingError
    """
    return cls(
        message,
        kashoo_ref=KashooRef(REF_RECORD, record_id, f"record {record_id}"),
        fix_action=fix_action,
        suggested_fix=suggested_fix,
        record_id=record_id,
    )


def locked_period_error(record_id, day, lock_date):
    return record_error(
        LockedPeriodError,
        record_id,
        f"Kashoo record {record_id} is dated {day}, in a period locked until {lock_date}.",
        FIX_REOPEN_PERIOD,
        "Move the lock date in Accounting > Configuration > Settings > Lock Dates (or enter "
        "the correction in an open period in Kashoo), then retry.",
    )


def reconciled_error(record_id, move_name):
    return record_error(
        ReconciledMoveError,
        record_id,
        f"Kashoo record {record_id} changed but its move {move_name} is reconciled.",
        FIX_UNRECONCILE,
        f"Unreconcile {move_name} (or remove its payment first), then retry.",
    )


def refused_error(record_id, reason):
    """Odoo refused the record for a reason of its own (its message, already translated)."""
    return record_error(
        PostingError,
        record_id,
        f"Odoo refused Kashoo record {record_id}: {reason}",
        FIX_CORRECT_IN_KASHOO,
        "Read Odoo's message, correct the mapping or the record in Kashoo, then retry.",
    )


def unexpected_error(record_id, exception):
    return record_error(
        UnexpectedImportError,
        record_id,
        f"{type(exception).__name__}: {exception}",
        FIX_RETRY,
        "Check the connection to Kashoo and the sync log, then retry.",
    )
