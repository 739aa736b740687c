import json
import logging
import time
from datetime import date, datetime, timedelta, timezone

from psycopg2.extras import execute_values

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.modules import module as odoo_module

from ... import const
from ...kashoo_api import KashooAuthError, KashooError, sync_retry_delay
from ...kashoo_api.const import SYNC_MAX_TRIES
from ...kashoo_mapper import MappingError
from ...utils import TRANSIENT_DB_ERRORS

_logger = logging.getLogger(__name__)

#: States from which a row may be claimed by the processing cron.
DUE_STATES = ("pending", "retry")
#: Mapper errors that wait for another transaction instead of quarantining at once.
WAIT_FOR_TARGET = "missing_payment_target"
#: Seconds between looks at a payment whose target document is still being imported.
TARGET_WAIT_SECONDS = 10


def kashoo_commit(env, reason):  # noqa: ARG001 - the reason documents every call site
    """Commit ``env.cr`` unless tests run (there the cursor is shared and must not commit).

    Every call says why resumability needs it; under Odoo's HttpCase the registry cursor is a
    TestCursor whose commit is a savepoint release, but TransactionCase cursors must never
    commit, so the whole helper is skipped in test mode.
    """
    if odoo_module.current_test:
        env.cr.flush()
        return
    env.cr.commit()


def _parse_date(value):
    if not value:
        return None
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def _parse_utc(value):
    """Naive UTC datetime (as Odoo stores it) of an ISO-8601 ``...Z`` string, or None."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo:
        moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    return moment


class KashooTransaction(models.Model):
    """Staging row of one Kashoo transaction: the newest version known and what became of it.

    One row per (backend, Kashoo id). Webhook events and polling pages only *upsert* rows
    here (a newer version resets the row to ``pending``; an older one is ignored); the
    processing cron claims due rows in chronological order with ``FOR UPDATE SKIP LOCKED``,
    re-fetches them from Kashoo in batches and hands them to ``kashoo.move.builder``.
    """

    _name = "kashoo.transaction"
    _description = "Kashoo Transaction"
    _order = "kashoo_date desc, kashoo_id desc"
    _rec_name = "display_name"

    backend_id = fields.Many2one("kashoo.backend", required=True, index=True,
                                 ondelete="cascade", readonly=True)
    company_id = fields.Many2one(related="backend_id.company_id", store=True)
    kashoo_id = fields.Integer(string="Kashoo ID", required=True, readonly=True)
    kashoo_type = fields.Char(string="Type", readonly=True)
    kashoo_number = fields.Char(string="Number", readonly=True)
    kashoo_date = fields.Date(string="Date", readonly=True)
    kashoo_version = fields.Integer(string="Newest Version", readonly=True,
                                    help="The newest version Kashoo announced or served.")
    modified_at = fields.Datetime(string="Modified in Kashoo", readonly=True)
    payload = fields.Json(readonly=True, help="The Kashoo record as last fetched.")
    payload_version = fields.Integer(readonly=True)
    removed = fields.Boolean(readonly=True, help="Kashoo removed (soft-deleted) the record.")
    force = fields.Boolean(readonly=True, help="Re-process even at the same version (resync).")
    state = fields.Selection(selection=const.TRANSACTION_STATES, required=True,
                             default="pending", readonly=True)
    next_attempt_at = fields.Datetime(readonly=True)
    tries = fields.Integer(readonly=True)
    last_attempt_at = fields.Datetime(readonly=True)
    error_type = fields.Char(readonly=True)
    error_message = fields.Text(readonly=True)
    suggested_fix = fields.Char(readonly=True)
    fix_action = fields.Char(readonly=True)
    # The Kashoo object at fault (the mapper's ``kashoo_ref``): what a guided fix opens.
    fix_ref_kind = fields.Char(string="Kashoo Object Kind", readonly=True)
    fix_ref_key = fields.Char(string="Kashoo Object Key", readonly=True,
                              help="The Kashoo id, or the natural key (a currency code...).")
    fix_ref_label = fields.Char(string="Kashoo Object", readonly=True)
    move_id = fields.Many2one("account.move", string="Odoo Document", readonly=True,
                              ondelete="set null", index="btree_not_null")
    sync_log_ids = fields.One2many("kashoo.sync.log", "transaction_id", string="Attempts")

    _sql_constraints = [
        ("backend_kashoo_id_uniq", "unique(backend_id, kashoo_id)",
         "A Kashoo transaction is staged once per backend."),
    ]

    def init(self):
        # The claim query: due rows of a backend in chronological order.
        self.env.cr.execute("""
            CREATE INDEX IF NOT EXISTS kashoo_transaction_due_idx
                ON kashoo_transaction (backend_id, kashoo_date, kashoo_id)
             WHERE state IN ('pending', 'retry')
        """)

    @api.depends("kashoo_type", "kashoo_number", "kashoo_id")
    def _compute_display_name(self):
        for row in self:
            label = row.kashoo_number or f"#{row.kashoo_id}"
            row.display_name = f"{row.kashoo_type or 'record'} {label}"

    # === UPSERTS (webhook events, polling pages) === #

    @api.model
    def _kashoo_upsert_records(self, backend, records, force=False):
        """Stage full Kashoo records (a polling page); return the number of rows changed.

        A row changes only when the record is newer than what is staged (or ``force``, the
        manual resync): an older or equal version never overwrites a newer one.
        """
        rows = []
        for record in records:
            if not isinstance(record, dict) or not isinstance(record.get("id"), int):
                continue
            version = record.get("version")
            version = version if isinstance(version, int) else 0
            rows.append((
                backend.id, backend.company_id.id, record["id"], record.get("type"),
                (record.get("number") or None), _parse_date(record.get("date")), version,
                _parse_utc(record.get("modifiedAt")), json.dumps(record), version,
                bool(record.get("removed")), bool(force),
            ))
        if not rows:
            return 0
        return self._kashoo_upsert(rows, full=True, force=force)

    @api.model
    def _kashoo_upsert_hints(self, backend, hints):
        """Stage webhook hints ``[(kashoo_id, version, removed)]``; payloads are fetched later."""
        rows = [
            (backend.id, backend.company_id.id, kashoo_id, None, None, None, version or 0,
             None, None, 0, bool(removed), False)
            for kashoo_id, version, removed in hints
        ]
        if not rows:
            return 0
        return self._kashoo_upsert(rows, full=False, force=False)

    def _kashoo_upsert(self, rows, full, force):
        # A newer version (or a forced resync) resets the row for processing; a row the
        # accountant chose to ignore stays ignored. Payload columns are only taken from full
        # records; a hint only raises the version, so the processing cron re-fetches.
        newer = "EXCLUDED.kashoo_version > t.kashoo_version"
        if force:
            newer = f"({newer} OR EXCLUDED.force)"
        payload_sets = """
            kashoo_type = COALESCE(EXCLUDED.kashoo_type, t.kashoo_type),
            kashoo_number = COALESCE(EXCLUDED.kashoo_number, t.kashoo_number),
            kashoo_date = COALESCE(EXCLUDED.kashoo_date, t.kashoo_date),
            modified_at = COALESCE(EXCLUDED.modified_at, t.modified_at),
            payload = EXCLUDED.payload,
            payload_version = EXCLUDED.payload_version,
            removed = EXCLUDED.removed,
        """ if full else "removed = EXCLUDED.removed OR t.removed,"
        query = f"""
            INSERT INTO kashoo_transaction AS t
                (backend_id, company_id, kashoo_id, kashoo_type, kashoo_number, kashoo_date,
                 kashoo_version, modified_at, payload, payload_version, removed, force,
                 state, tries, create_uid, write_uid, create_date, write_date)
            VALUES %s
            ON CONFLICT (backend_id, kashoo_id) DO UPDATE SET
                {payload_sets}
                kashoo_version = GREATEST(EXCLUDED.kashoo_version, t.kashoo_version),
                force = t.force OR EXCLUDED.force,
                state = CASE WHEN t.state = 'ignored' AND NOT EXCLUDED.force THEN t.state
                             ELSE 'pending' END,
                tries = 0,
                next_attempt_at = NULL,
                write_date = EXCLUDED.write_date
            WHERE {newer}
        """
        # Pending ORM writes must reach the table before this raw upsert reads it.
        self.env.flush_all()
        if not force:
            rows = self._kashoo_newer_only(rows)
            if not rows:
                return 0
        now = fields.Datetime.now()
        uid = self.env.uid
        values = [row + ("pending", 0, uid, uid, now, now) for row in rows]
        # Same order as the columns: the 12 row values, then state, tries, audit columns.
        template = "(%s, %s, %s, %s, %s, %s, %s, %s, %s::jsonb, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
        # Sort by key so that concurrent upserts lock rows in one order (no deadlock).
        values.sort(key=lambda row: row[2])
        changed = 0
        cursor = self.env.cr._obj
        for start in range(0, len(values), 500):
            execute_values(cursor, query, values[start:start + 500], template=template,
                           page_size=500)
            changed += max(cursor.rowcount, 0)
        self.invalidate_model()
        return changed

    def _kashoo_newer_only(self, rows):
        """The upsert rows that announce a version newer than the one staged.

        ``ON CONFLICT DO UPDATE`` locks the conflicting row even when its ``WHERE`` finds
        nothing newer, so a webhook or an overlapping polling page about rows a processing
        worker has claimed would wait for that worker's whole batch. A plain read skips those
        no-ops first; versions only grow, so a row this snapshot already shows at the same or
        a newer version cannot become a change.
        """
        backend_ids = {row[0] for row in rows}
        self.env.cr.execute(
            """
            SELECT backend_id, kashoo_id, kashoo_version FROM kashoo_transaction
             WHERE backend_id = ANY(%s) AND kashoo_id = ANY(%s)
            """,
            [list(backend_ids), [row[2] for row in rows]],
        )
        staged = {(backend_id, kashoo_id): version
                  for backend_id, kashoo_id, version in self.env.cr.fetchall()}
        return [row for row in rows
                if (row[0], row[2]) not in staged or row[6] > staged[(row[0], row[2])]]

    # === PROCESSING === #

    @api.model
    def _kashoo_claim(self, backend, limit, among=None):
        """Lock and return up to ``limit`` due rows of ``backend``, oldest transaction first.

        ``SKIP LOCKED`` lets several cron workers claim disjoint batches; the locks last until
        the batch commits, so a crash simply releases the rows, still ``pending``.

        :param among: only claim from these rows (an accountant's retry), when given.
        """
        self.env.flush_all()
        self.env.cr.execute(
            """
            SELECT id FROM kashoo_transaction
             WHERE backend_id = %s
               AND state IN ('pending', 'retry')
               AND (next_attempt_at IS NULL OR next_attempt_at <= %s)
               AND (%s OR id = ANY(%s))
             ORDER BY kashoo_date NULLS LAST, kashoo_id
             LIMIT %s
               FOR UPDATE SKIP LOCKED
            """,
            [backend.id, fields.Datetime.now(), among is None, among.ids if among else [],
             limit],
        )
        return self.browse([row[0] for row in self.env.cr.fetchall()])

    @api.model
    def _kashoo_due_count(self, backend):
        self.env.cr.execute(
            """
            SELECT count(*) FROM kashoo_transaction
             WHERE backend_id = %s AND state IN ('pending', 'retry')
               AND (next_attempt_at IS NULL OR next_attempt_at <= %s)
            """,
            [backend.id, fields.Datetime.now()],
        )
        return self.env.cr.fetchone()[0]

    def _kashoo_process(self, backend, client):
        """Import the claimed rows ``self``; return the number of rows that reached an end state.

        Every row of ``self`` gets an outcome and a sync-log row. Kashoo errors of the whole
        batch schedule retries; an authorization failure re-raises so the caller pauses the
        backend and the claimed rows stay untouched (rolled back by the caller).
        """
        started = time.monotonic()
        outcomes = _Outcomes(self, backend)
        # Claimed rows stay "pending" in the database: the claim is the row lock, which a
        # crash releases, so no row can be left stuck in "processing".
        rows = self.sorted(lambda row: (row.kashoo_date or date.max, row.kashoo_id))
        stale = rows.filtered(
            lambda row: not row.payload or row.payload_version < row.kashoo_version or row.force
        )
        fetched = {}
        if stale:
            try:
                fetched = client.get_records(stale.mapped("kashoo_id"))
            except KashooAuthError:
                raise
            except KashooError as error:
                for row in rows:
                    outcomes.retry(row, error.code or "kashoo_unavailable", error.message)
                outcomes.flush(started)
                return outcomes.finished
        to_create, to_rewrite, to_remove = rows._kashoo_classify(backend, stale, fetched,
                                                                 outcomes)
        builder = self.env["kashoo.move.builder"]
        if to_create:
            self._kashoo_create_moves(backend, builder, to_create, outcomes)
        for row, move, record in to_rewrite:
            self._kashoo_isolated(row, outcomes, "updated",
                                  lambda move=move, record=record: builder._kashoo_rewrite_move(
                                      move, record))
        for row, move in to_remove:
            self._kashoo_isolated(row, outcomes, "deleted",
                                  lambda move=move: builder._kashoo_remove_move(move))
        outcomes.flush(started)
        return outcomes.finished

    def _kashoo_classify(self, backend, stale, fetched, outcomes):
        """Sort the claimed rows into documents to create, rewrite and remove.

        Rows that cannot go on yet (Kashoo does not serve the announced version) get their
        retry here; rows whose document is already up to date end here.
        """
        to_create, to_rewrite, to_remove = [], [], []
        live_moves = self._kashoo_live_moves(backend, self)
        for row in self:
            record = fetched.get(row.kashoo_id) if row in stale else row.payload
            if record is None:
                if row.removed:
                    record = {"id": row.kashoo_id, "version": row.kashoo_version,
                              "removed": True, "type": row.kashoo_type}
                else:
                    # An update or create event ahead of what Kashoo serves: wait for it.
                    outcomes.retry(row, "not_visible_yet", _(
                        "Kashoo does not show record %(id)s yet.", id=row.kashoo_id))
                    continue
            version = record.get("version") if isinstance(record.get("version"), int) else 0
            if version < row.kashoo_version:
                outcomes.retry(row, "not_visible_yet", _(
                    "Kashoo serves version %(served)s of record %(id)s, an event announced "
                    "version %(announced)s.", served=version, id=row.kashoo_id,
                    announced=row.kashoo_version))
                continue
            if row in stale:
                row._kashoo_take_payload(record)
            move = live_moves.get(row.kashoo_id) or row.move_id.exists()
            if record.get("removed"):
                if move and not move.reversal_move_ids:
                    to_remove.append((row, move))
                else:
                    outcomes.end(row, "deleted", "deleted", move=move or None)
            elif move:
                # Same version: nothing to do, also on a manual resync (idempotent).
                if (move.kashoo_version or 0) >= version:
                    outcomes.end(row, "done", "unchanged", move=move)
                else:
                    to_rewrite.append((row, move, record))
            else:
                to_create.append((row, record))

        return to_create, to_rewrite, to_remove

    def _kashoo_take_payload(self, record):
        self.write({
            "payload": record,
            "payload_version": record.get("version") or 0,
            "kashoo_version": max(self.kashoo_version, record.get("version") or 0),
            "kashoo_type": record.get("type") or self.kashoo_type,
            "kashoo_number": record.get("number") or self.kashoo_number,
            "kashoo_date": _parse_date(record.get("date")) or self.kashoo_date,
            "modified_at": _parse_utc(record.get("modifiedAt")) or self.modified_at,
            "removed": bool(record.get("removed")),
        })

    @api.model
    def _kashoo_live_moves(self, backend, rows):
        """The live moves of ``rows`` by Kashoo id, found by the unique (company, id) key."""
        moves = self.env["account.move"].sudo().search([
            ("company_id", "=", backend.company_id.id),
            ("kashoo_id", "in", rows.mapped("kashoo_id")),
            ("state", "!=", "cancel"),
        ])
        return {move.kashoo_id: move for move in moves}

    def _kashoo_create_moves(self, backend, builder, to_create, outcomes):
        """Create the new documents in one builder call; isolate a batch that blows up."""
        records = [record for _row, record in to_create]
        try:
            with self.env.cr.savepoint():
                results = builder._kashoo_build_moves(backend, records)
        except TRANSIENT_DB_ERRORS:
            raise  # the caller runs the whole batch again on a fresh snapshot
        except Exception:  # noqa: BLE001 - isolate the record that breaks the batch
            if len(to_create) == 1:
                row, record = to_create[0]
                self._kashoo_isolated(row, outcomes, "done",
                                      lambda: builder._kashoo_build_moves(backend, [record]),
                                      build=True)
                return
            _logger.info("Kashoo batch of %s failed; importing its records one by one",
                         len(to_create))
            for row, record in to_create:
                self._kashoo_isolated(row, outcomes, "done",
                                      lambda record=record: builder._kashoo_build_moves(
                                          backend, [record]), build=True)
            return
        # One result per record, in input order (the builder's contract).
        for (row, _record), result in zip(to_create, results, strict=False):
            outcomes.result(row, result, "done")
        for row, _record in to_create[len(results):]:
            outcomes.retry(row, "no_result", "The move builder returned no result.")

    def _kashoo_isolated(self, row, outcomes, success, call, build=False):
        """Run ``call`` for one row in its own savepoint and record its outcome."""
        try:
            with self.env.cr.savepoint():
                result = call()
        except TRANSIENT_DB_ERRORS:
            raise  # the caller runs the whole batch again on a fresh snapshot
        except MappingError as error:
            outcomes.quarantine(row, error)
            return
        except (UserError, ValidationError) as error:
            outcomes.quarantine(row, _ValidationFailure(str(error)))
            return
        except Exception as error:  # noqa: BLE001 - nothing escapes; retried, then quarantined
            _logger.exception("Kashoo record %s failed unexpectedly", row.kashoo_id)
            outcomes.retry(row, "unexpected_error", f"{type(error).__name__}: {error}")
            return
        if build:
            result = result[0] if result else None
        if result is None:
            outcomes.retry(row, "no_result", "The move builder returned no result.")
            return
        outcomes.result(row, result, success)

    # === ACTIONS === #

    def action_kashoo_retry(self):
        """Quarantine ⇒ pending: try again now, with a fresh budget of tries."""
        self.filtered(lambda row: row.state in ("quarantined", "retry", "ignored")).write({
            "state": "pending", "tries": 0, "next_attempt_at": False, "force": True,
        })
        self.env["kashoo.backend"]._kashoo_wake_processing()

    def action_kashoo_ignore(self):
        self.filtered(lambda row: row.state in ("quarantined", "retry", "pending")).write(
            {"state": "ignored", "next_attempt_at": False})


#: Written with every outcome that is not a quarantine: no Kashoo object to fix.
_NO_REF = {"fix_ref_kind": False, "fix_ref_key": False, "fix_ref_label": False}


class _ValidationFailure:
    """An Odoo validation error shaped like a mapper error, for the quarantine."""

    error_type = "validation"
    kashoo_ref = None

    def __init__(self, message):
        self.message = message
        self.suggested_fix = _lookup_fix(message)
        # The builder's code for "reopen the period" (kashoo_move_builder.FIX_REOPEN_PERIOD).
        self.fix_action = "reopen_period" if _is_lock_message(message) else None


def _is_lock_message(message):
    lowered = (message or "").lower()
    return "lock" in lowered or "period" in lowered or "fiscal" in lowered


def _lookup_fix(message):
    lowered = (message or "").lower()
    if _is_lock_message(message):
        return ("Reopen the accounting period in Odoo (lock dates) or correct the date in "
                "Kashoo, then retry.")
    if "reconcil" in lowered:
        return "Unreconcile the Odoo document, then retry."
    return "Read the message, correct the data in Kashoo or the mapping in Odoo, then retry."


class _Outcomes:
    """Collects what happened to each claimed row, then writes rows and sync logs in batch."""

    def __init__(self, rows, backend):
        self.env = rows.env
        self.backend = backend
        self.logs = []
        self.finished = 0
        self.now = fields.Datetime.now()

    def _log(self, row, outcome, error_type=None, message=None, move=None):
        self.logs.append({
            "backend_id": self.backend.id,
            "transaction_id": row.id,
            "kashoo_id": row.kashoo_id,
            "kashoo_version": row.kashoo_version,
            "outcome": outcome,
            "error_type": error_type,
            "message": message and str(message)[:1000],
            "try_number": row.tries + 1,
            "move_id": move.id if move else False,
        })

    def end(self, row, state, outcome, move=None, clear_move=False):
        self._log(row, outcome, move=move)
        values = {
            "state": state, "tries": 0, "next_attempt_at": False, "last_attempt_at": self.now,
            "error_type": False, "error_message": False, "suggested_fix": False,
            "fix_action": False, "force": False, **_NO_REF,
        }
        if move:
            values["move_id"] = move.id
        elif clear_move:
            values["move_id"] = False
        row.write(values)
        self.finished += 1

    def result(self, row, result, success_outcome):
        """Record a builder result ``(kashoo_id, version, move, error)`` with its outcome."""
        _kashoo_id, _version, move, error = result
        outcome = getattr(result, "outcome", None)
        if error:
            if isinstance(error, str):
                # The builder's text for an unexpected failure: worth another try.
                self.retry(row, "unexpected_error", error)
            elif getattr(error, "error_type", None) == WAIT_FOR_TARGET and self._target_alive(
                    error):
                self.wait(row, error)
            else:
                self.quarantine(row, error)
            return
        if outcome == "reversed":
            # The row keeps the reversed original; the reversal points back at it.
            original = move.reversed_entry_id if move else None
            self.end(row, "deleted", "deleted", move=original or row.move_id or None)
        elif outcome == "removed" or success_outcome == "deleted":
            self.end(row, "deleted", "deleted", move=None, clear_move=True)
        else:
            log_outcome = {"exists": "unchanged", "updated": "updated"}.get(
                outcome, success_outcome)
            self.end(row, "done", log_outcome, move=move or None)

    def _target_alive(self, error):
        """Whether the document a payment waits for may still be imported soon."""
        ref = getattr(error, "kashoo_ref", None)
        target_id = getattr(ref, "key", None)
        if not isinstance(target_id, int):
            return False
        target = self.env["kashoo.transaction"].search([
            ("backend_id", "=", self.backend.id), ("kashoo_id", "=", target_id)], limit=1)
        return bool(target) and target.state in ("pending", "processing", "retry")

    def wait(self, row, error):
        # Not counted as a try: the payment is fine, its invoice is a few rows behind.
        self._log(row, "waiting", error.error_type, error.message)
        row.write({
            "state": "pending",
            "next_attempt_at": self.now + timedelta(seconds=TARGET_WAIT_SECONDS),
            "last_attempt_at": self.now,
            "error_type": error.error_type,
            "error_message": error.message,
        })

    def retry(self, row, error_type, message):
        tries = row.tries + 1
        delay = sync_retry_delay(tries + 1)
        if delay is None:
            self._log(row, "quarantined", error_type, message)
            row.write({
                "state": "quarantined", "tries": tries, "next_attempt_at": False,
                "last_attempt_at": self.now, "error_type": error_type,
                "error_message": _("Gave up after %(tries)s tries: %(message)s",
                                   tries=tries, message=message),
                "suggested_fix": _("Check the connection to Kashoo and the sync log, then "
                                   "retry."),
                "fix_action": "retry", "force": False, **_NO_REF,
            })
            self.finished += 1
            return
        self._log(row, "retry", error_type, message)
        row.write({
            "state": "retry", "tries": tries,
            "next_attempt_at": self.now + timedelta(seconds=delay),
            "last_attempt_at": self.now, "error_type": error_type, "error_message": message,
            "suggested_fix": False, "fix_action": False, **_NO_REF,
        })

    def quarantine(self, row, error):
        self._log(row, "quarantined", error.error_type, error.message)
        ref = getattr(error, "kashoo_ref", None)
        key = getattr(ref, "key", None)
        row.write({
            "state": "quarantined", "tries": row.tries + 1, "next_attempt_at": False,
            "last_attempt_at": self.now, "error_type": error.error_type,
            "error_message": error.message,
            "suggested_fix": getattr(error, "suggested_fix", False) or False,
            "fix_action": getattr(error, "fix_action", False) or False, "force": False,
            "fix_ref_kind": getattr(ref, "kind", False) or False,
            "fix_ref_key": str(key) if key is not None else False,
            "fix_ref_label": getattr(ref, "label", False) or False,
        })
        self.finished += 1

    def flush(self, started):
        if not self.logs:
            return
        share = int((time.monotonic() - started) * 1000 / len(self.logs))
        for log in self.logs:
            log["duration_ms"] = share
        self.env["kashoo.sync.log"].sudo().create(self.logs)
        self.logs = []


# Re-exported for the tests: the number of tries before quarantine.
MAX_TRIES = SYNC_MAX_TRIES
