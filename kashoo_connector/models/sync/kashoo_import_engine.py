"""The import engine: due Kashoo transactions to posted Odoo documents, one batch at a time.

A run (:meth:`KashooImportEngine._run`) repeats, until nothing is due or its time is spent:
fold the new webhook events into the staging rows, claim a batch (``FOR UPDATE SKIP
LOCKED``), import it (:meth:`KashooImportEngine._import_batch`: fetch, classify, build and
post, outcomes) and commit. One commit per batch makes the moves, their staging rows and the
sync log durable together; a crash loses at most the batch, whose rows are still pending.

Quarantine and health follow through the backend's declared hooks
(``_kashoo_on_batch_done``); the move builder (``kashoo.move.builder``) is the only layer
that writes accounting documents.
"""

import logging
import time
from collections import defaultdict
from datetime import date, timedelta

from odoo import _, api, fields, models
from odoo.modules import module as odoo_module

from ...kashoo_api import KashooAuthError, KashooError, sync_retry_delay
from ...kashoo_logic import sync_outcomes
from ...kashoo_logic.import_errors import FIX_RETRY, UnexpectedImportError, unexpected_error
from ...kashoo_mapper.errors import MissingPaymentTargetError
from ...utils import TRANSIENT_DB_ERRORS, kashoo_commit

_logger = logging.getLogger(__name__)

#: Seconds between looks at a payment whose target document is still being imported.
TARGET_WAIT_SECONDS = 10
#: The audit log's word for what an import did to the books.
AUDITED_OUTCOMES = {sync_outcomes.DONE: "import", sync_outcomes.UPDATED: "rewrite"}
#: Times a batch that met a concurrent update is run again before the run gives up.
MAX_CONFLICT_RERUNS = 5


class KashooImportEngine(models.AbstractModel):
    """Runs the import of a backend's due transactions (see the module docstring)."""

    _name = "kashoo.import.engine"
    _description = "Kashoo Import Engine"

    @api.model
    def _run(self, backend, client, time_budget, batch_size):
        """Claim, import and commit batches until none is due or ``time_budget`` is spent.

        :return: (rows finished, rows still due)
        """
        transactions = self.env["kashoo.transaction"].sudo()
        events = self.env["kashoo.webhook.event"].sudo()
        deadline = time.monotonic() + time_budget
        finished = conflicts = 0
        while time.monotonic() < deadline:
            try:
                if events._kashoo_fold_into_staging(backend):
                    kashoo_commit(self.env, "webhook events folded into staging")
                rows = transactions._kashoo_claim(backend, batch_size)
                if not rows:
                    break
                finished += self._import_batch(backend, rows, client)
                # The imported moves, their staging rows and the sync log become durable
                # together, and the row locks are released.
                kashoo_commit(self.env, "one imported batch")
                conflicts = 0
            except TRANSIENT_DB_ERRORS:
                # Another worker (or the poller) changed a row this transaction read: the
                # batch starts again from a fresh snapshot; it costs the rows no try.
                if odoo_module.current_test or conflicts >= MAX_CONFLICT_RERUNS:
                    raise
                conflicts += 1
                _logger.info(
                    "Kashoo backend %s: batch met a concurrent update, again (%s)",
                    backend.id,
                    conflicts,
                )
                self.env.cr.rollback()
                time.sleep(0.05 * conflicts)
            self.env.invalidate_all()
        return finished, transactions._kashoo_due_count(backend)

    @api.model
    def _import_batch(self, backend, rows, client):
        """Import the claimed ``rows``; return how many reached an end state.

        Every row gets an outcome and a sync-log line. A Kashoo error of the whole batch
        schedules retries; an authorization failure is raised, so the caller pauses the
        backend and the claimed rows stay as they were (rolled back by the caller).
        """
        started = time.monotonic()
        outcomes = _Outcomes(self.env, backend)
        failed_before = rows.filtered("error_type")
        rows = rows.sorted(lambda row: (row.kashoo_date or date.max, row.kashoo_id))

        # 1. Fetch: what Kashoo serves now, and the contacts it names, through one client.
        try:
            records, fetched = self._fetch(backend, rows, client)
        except KashooAuthError:
            raise
        except KashooError as error:
            for row in rows:
                outcomes.retry(row, error.code or "kashoo_unavailable", error.message)
            return outcomes.write(rows, started)

        # 2. Classify: documents to create, rewrite or remove; the rest ends or waits here.
        to_create, to_rewrite, to_remove = self._classify(backend, rows, records, fetched, outcomes)

        # 3. Build and post, through the move builder (it isolates a record that fails).
        builder = self.env["kashoo.move.builder"]
        if to_create:
            results = self._isolated(
                rows.browse([row.id for row, _record in to_create]),
                builder._kashoo_build_moves,
                backend,
                [record for _row, record in to_create],
            )
            for (row, _record), result in zip(to_create, results, strict=True):
                outcomes.result(row, result)
        for row, move, record in to_rewrite:
            [result] = self._isolated(
                row, lambda m=move, r=record: [builder._kashoo_rewrite_move(m, r)]
            )
            outcomes.result(row, result)
        for row, move in to_remove:
            [result] = self._isolated(row, lambda m=move: [builder._kashoo_remove_move(m)])
            outcomes.result(row, result)

        # 4. Outcomes: staging rows and the sync log in batch, then quarantine and health.
        finished = outcomes.write(rows, started)
        backend._kashoo_on_batch_done(rows, failed_before, client)
        return finished

    @api.model
    def _fetch(self, backend, rows, client):
        """The record of each row by Kashoo id: fetched again when the staged payload is
        older than announced, a resync forces it, or it does not verify (the engine did not
        write it), else the staged one. The contacts the
        records name are mirrored first, so the builder finds their partners.

        :return: (records by Kashoo id, the rows whose record was fetched now)
        """
        stale = rows.filtered(
            lambda row: row.payload_version < row.kashoo_version
            or row.force
            or not row._kashoo_payload_authentic()
        )
        records = {row.kashoo_id: row.payload for row in rows - stale}
        if stale:
            fetched = client.get_records(stale.mapped("kashoo_id"))
            for row in stale:
                records[row.kashoo_id] = fetched.get(row.kashoo_id)
        contact_ids = {
            record["contact"]
            for record in records.values()
            if isinstance(record, dict) and isinstance(record.get("contact"), int)
        }
        self.env["kashoo.contact"].sudo()._kashoo_fetch_missing(backend, contact_ids, client)
        return records, stale

    @api.model
    def _classify(self, backend, rows, records, fetched, outcomes):
        """Sort the rows into documents to create, rewrite and remove.

        Rows Kashoo does not serve at the announced version yet get their retry here; rows
        whose document is already at this version end here.
        """
        to_create, to_rewrite, to_remove = [], [], []
        live_moves = rows._kashoo_live_moves(backend)
        for row in rows:
            record = records.get(row.kashoo_id)
            if record is None:
                if not row.removed:
                    # An update or create event ahead of what Kashoo serves: wait for it.
                    outcomes.retry(
                        row,
                        "not_visible_yet",
                        _("Kashoo does not show record %(id)s yet.", id=row.kashoo_id),
                    )
                    continue
                record = {
                    "id": row.kashoo_id,
                    "version": row.kashoo_version,
                    "removed": True,
                    "type": row.kashoo_type,
                }
            version = record.get("version") if isinstance(record.get("version"), int) else 0
            if version < row.kashoo_version:
                outcomes.retry(
                    row,
                    "not_visible_yet",
                    _(
                        "Kashoo serves version %(served)s of record %(id)s, an event announced "
                        "version %(announced)s.",
                        served=version,
                        id=row.kashoo_id,
                        announced=row.kashoo_version,
                    ),
                )
                continue
            if row in fetched:
                row._kashoo_take_payload(record)
            own = row._kashoo_own_move()
            if row.move_id and not own:
                # A link the engine did not make (another backend's or company's document):
                # dropped, never acted on.
                row.move_id = False
            move = live_moves.get(row.kashoo_id) or own
            if record.get("removed"):
                if move and not move.reversal_move_ids:
                    to_remove.append((row, move))
                else:
                    outcomes.end(row, "deleted", sync_outcomes.DELETED, move=move or None)
            elif not move:
                to_create.append((row, record))
            elif (move.kashoo_version or 0) >= version:
                # Same version: nothing to do, also on a manual resync (idempotent).
                outcomes.end(row, "done", sync_outcomes.UNCHANGED, move=move)
            else:
                to_rewrite.append((row, move, record))
        return to_create, to_rewrite, to_remove

    @api.model
    def _isolated(self, rows, step, *args):
        """Run a builder ``step`` for ``rows`` in a savepoint: one result per row.

        The builder turns every failure it can foresee into a typed error of its record; a
        failure it did not foresee becomes an :class:`UnexpectedImportError` of each row
        (tried again later) instead of breaking the batch.
        """
        try:
            with self.env.cr.savepoint():
                return step(*args)
        except TRANSIENT_DB_ERRORS:
            raise  # the run starts the whole batch again on a fresh snapshot
        except Exception as error:  # noqa: BLE001 - nothing escapes; retried, then quarantined
            _logger.exception("Kashoo records %s failed unexpectedly", rows.mapped("kashoo_id"))
            return [
                sync_outcomes.ImportResult(
                    row.kashoo_id,
                    row.kashoo_version,
                    None,
                    unexpected_error(row.kashoo_id, error),
                    sync_outcomes.ERROR,
                )
                for row in rows
            ]


#: Written with every outcome that is not a quarantine: no Kashoo object to fix.
_NO_REF = {"fix_ref_kind": False, "fix_ref_key": False, "fix_ref_label": False}


class _Outcomes:
    """What happened to each claimed row; written (rows and sync log) at the end, in batch."""

    def __init__(self, env, backend):
        self.env = env
        self.backend = backend
        self.logs = []
        # What the batch did to the books, for the audit log: {(action, model): [(id, after)]}
        self.audited = defaultdict(list)
        self.finished = 0
        self.now = fields.Datetime.now()

    def _log(self, row, outcome, error_type=None, message=None, move=None):
        self.logs.append(
            {
                "backend_id": self.backend.id,
                "transaction_id": row.id,
                "kashoo_id": row.kashoo_id,
                "kashoo_version": row.kashoo_version,
                "outcome": outcome,
                "error_type": error_type,
                "message": message and str(message)[:1000],
                "try_number": row.tries + 1,
                "move_id": move.id if move else False,
            }
        )

    def end(self, row, state, outcome, move=None, clear_move=False):
        self._log(row, outcome, move=move)
        values = {
            "state": state,
            "tries": 0,
            "next_attempt_at": False,
            "last_attempt_at": self.now,
            "error_type": False,
            "error_message": False,
            "suggested_fix": False,
            "fix_action": False,
            "force": False,
            **_NO_REF,
        }
        if move:
            values["move_id"] = move.id
        elif clear_move:
            values["move_id"] = False
        row.write(values)
        self.finished += 1

    def result(self, row, result):
        """Record what the builder did; the path of a failure follows the error's type."""
        error = result.error
        if isinstance(error, UnexpectedImportError):
            self.retry(row, error.error_type, error.message)
        elif isinstance(error, MissingPaymentTargetError) and self._target_alive(error):
            self.wait(row, error)
        elif error is not None:
            self.quarantine(row, error)
        elif result.outcome == sync_outcomes.DELETED:
            # A reversal keeps the reversed original on the row (the reversal points back at
            # it); a deleted draft leaves nothing.
            if result.move:
                original = result.move.reversed_entry_id or row.move_id
                self._audit("reversal", result.move, row)
                self.end(row, "deleted", sync_outcomes.DELETED, move=original or None)
            else:
                self._audit("removal", row, row)
                self.end(row, "deleted", sync_outcomes.DELETED, clear_move=True)
        else:
            if result.outcome in AUDITED_OUTCOMES:
                self._audit(AUDITED_OUTCOMES[result.outcome], result.move, row)
            self.end(row, "done", result.outcome, move=result.move or None)

    def _audit(self, action, record, row):
        self.audited[action, record._name].append(
            (
                record.id,
                {
                    "kashoo_id": row.kashoo_id,
                    "kashoo_version": row.kashoo_version,
                    "document": record.display_name if record._name == "account.move" else "",
                },
            )
        )

    def _target_alive(self, error):
        """Whether the document a payment waits for may still be imported soon."""
        target_id = getattr(error.kashoo_ref, "key", None)
        if not isinstance(target_id, int):
            return False
        target = self.env["kashoo.transaction"].search(
            [("backend_id", "=", self.backend.id), ("kashoo_id", "=", target_id)], limit=1
        )
        return bool(target) and target.state in ("pending", "retry")

    def wait(self, row, error):
        # Not counted as a try: the payment is fine, its invoice is a few rows behind.
        self._log(row, sync_outcomes.WAITING, error.error_type, error.message)
        row.write(
            {
                "state": "pending",
                "next_attempt_at": self.now + timedelta(seconds=TARGET_WAIT_SECONDS),
                "last_attempt_at": self.now,
                "error_type": error.error_type,
                "error_message": error.message,
            }
        )

    def retry(self, row, error_type, message):
        tries = row.tries + 1
        delay = sync_retry_delay(tries + 1)
        if delay is None:
            self._log(row, sync_outcomes.QUARANTINED, error_type, message)
            row.write(
                {
                    "state": "quarantined",
                    "tries": tries,
                    "next_attempt_at": False,
                    "last_attempt_at": self.now,
                    "error_type": error_type,
                    "error_message": _(
                        "Gave up after %(tries)s tries: %(message)s", tries=tries, message=message
                    ),
                    "suggested_fix": _(
                        "Check the connection to Kashoo and the sync log, then retry."
                    ),
                    "fix_action": FIX_RETRY,
                    "force": False,
                    **_NO_REF,
                }
            )
            self.finished += 1
            return
        self._log(row, sync_outcomes.RETRY, error_type, message)
        row.write(
            {
                "state": "retry",
                "tries": tries,
                "next_attempt_at": self.now + timedelta(seconds=delay),
                "last_attempt_at": self.now,
                "error_type": error_type,
                "error_message": message,
                "suggested_fix": False,
                "fix_action": False,
                **_NO_REF,
            }
        )

    def quarantine(self, row, error):
        self._log(row, sync_outcomes.QUARANTINED, error.error_type, error.message)
        ref = error.kashoo_ref
        key = getattr(ref, "key", None)
        row.write(
            {
                "state": "quarantined",
                "tries": row.tries + 1,
                "next_attempt_at": False,
                "last_attempt_at": self.now,
                "error_type": error.error_type,
                "error_message": error.message,
                "suggested_fix": error.suggested_fix or False,
                "fix_action": error.fix_action or False,
                "force": False,
                "fix_ref_kind": getattr(ref, "kind", False) or False,
                "fix_ref_key": str(key) if key is not None else False,
                "fix_ref_label": getattr(ref, "label", False) or False,
            }
        )
        self.finished += 1

    def write(self, rows, started):
        """Write the sync log and the audit log of the batch, one ``create()`` each per
        kind; return the rows finished."""
        if self.logs:
            share = int((time.monotonic() - started) * 1000 / len(self.logs))
            for log in self.logs:
                log["duration_ms"] = share
            self.env["kashoo.sync.log"].sudo().create(self.logs)
            self.logs = []
        audit = self.env["kashoo.audit.log"].sudo()
        for (action, model), entries in self.audited.items():
            records = self.env[model].browse([record_id for record_id, _after in entries])
            audit._kashoo_record(
                action, records, after=[after for _id, after in entries], backend=self.backend
            )
        self.audited.clear()
        return self.finished
