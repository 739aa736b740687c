"""The sync log's vocabulary, and the one result type every import step returns.

The move builder, the import engine, the sync log, the quarantine's resolutions and the
health figures all speak of an attempt in these words, so they are defined once, here.
"""

from dataclasses import dataclass

#: The attempt imported a new document.
DONE = "done"
#: The attempt brought an imported document to a newer version of its record.
UPDATED = "updated"
#: The document was already at this version: nothing was written.
UNCHANGED = "unchanged"
#: The record was removed in Kashoo: its draft was deleted or its posted document reversed.
DELETED = "deleted"
#: A payment waits, untried, for the document it settles (a few rows behind it).
WAITING = "waiting"
#: A transient failure: the row is tried again later.
RETRY = "retry"
#: The record waits for a person (an error a retry cannot cure).
QUARANTINED = "quarantined"
#: A whole run stopped because Kashoo refused the authorization.
PAUSED = "paused"
#: A whole run failed (Kashoo unreachable, an unexpected failure).
ERROR = "error"

#: The attempts that brought the record to its end state in Odoo.
SUCCESS_OUTCOMES = (DONE, UPDATED, UNCHANGED, DELETED)
#: The attempts that failed for the record itself.
FAILURE_OUTCOMES = (RETRY, QUARANTINED)
#: Every attempt on a record, as the success rate counts them.
ATTEMPT_OUTCOMES = SUCCESS_OUTCOMES + FAILURE_OUTCOMES
#: The outcomes of a backend run that failed as a whole (no record at fault).
RUN_FAILURE_OUTCOMES = (ERROR, PAUSED)
#: The failures someone may have to resolve (what the quarantine's resolution follows).
RESOLVABLE_OUTCOMES = FAILURE_OUTCOMES + (ERROR,)


@dataclass(frozen=True)
class ImportResult:
    """What one step did to one Kashoo record.

    :ivar int|None kashoo_id: the record id (``None`` if the record had none).
    :ivar int|None version: the record version.
    :ivar move: the ``account.move`` written (for a payment: the payment's move; for a
        deletion of a posted document: the reversing move); an empty recordset or ``None``
        when nothing was written.
    :ivar error: ``None``, or the typed error (a ``MappingError`` subclass) that stopped it.
    :ivar str outcome: one of :data:`SUCCESS_OUTCOMES`, or :data:`ERROR` with ``error`` set.
    :ivar tuple notes: sentences for the sync log (tax amounts forced, rounding...).
    """

    kashoo_id: int | None
    version: int | None
    move: object
    error: object = None
    outcome: str = DONE
    notes: tuple = ()

    @property
    def ok(self):
        return self.error is None
