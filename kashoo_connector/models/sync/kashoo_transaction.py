import hmac as stdlib_hmac
import json
import logging
from datetime import date, datetime, timezone

from psycopg2.extras import execute_values

from odoo import api, fields, models
from odoo.tools.misc import hmac as odoo_hmac

from ... import const

_logger = logging.getLogger(__name__)


#: HMAC scope of the staged payloads' digests.
PAYLOAD_DIGEST_SCOPE = "kashoo_connector.transaction_payload"


def _canonical(record):
    """The one JSON text of a record that its digest covers (jsonb keeps no key order)."""
    return json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


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
    and ``kashoo.import.engine`` imports them. Users never write these rows: the review
    actions of the quarantine are the only way a person changes one.
    """

    _name = "kashoo.transaction"
    _description = "Kashoo Transaction"
    _order = "kashoo_date desc, kashoo_id desc"
    _rec_name = "display_name"

    backend_id = fields.Many2one(
        "kashoo.backend", required=True, index=True, ondelete="cascade", readonly=True
    )
    company_id = fields.Many2one(related="backend_id.company_id", store=True)
    kashoo_id = fields.Integer(string="Kashoo ID", required=True, readonly=True)
    kashoo_type = fields.Char(string="Type", readonly=True)
    kashoo_number = fields.Char(string="Number", readonly=True)
    kashoo_date = fields.Date(string="Date", readonly=True)
    kashoo_version = fields.Integer(
        string="Newest Version",
        readonly=True,
        help="The newest version Kashoo announced or served.",
    )
    modified_at = fields.Datetime(string="Modified in Kashoo", readonly=True)
    payload = fields.Json(readonly=True, help="The Kashoo record as last fetched.")
    payload_version = fields.Integer(readonly=True)
    payload_digest = fields.Char(
        readonly=True,
        copy=False,
        help="Keyed hash of the payload, written with it by the engine: a payload is acted "
        "on only while it verifies, else it is fetched again from Kashoo.",
    )
    removed = fields.Boolean(readonly=True, help="Kashoo removed (soft-deleted) the record.")
    force = fields.Boolean(readonly=True, help="Re-process even at the same version (resync).")
    state = fields.Selection(
        selection=const.TRANSACTION_STATES, required=True, default="pending", readonly=True
    )
    next_attempt_at = fields.Datetime(readonly=True)
    tries = fields.Integer(readonly=True)
    last_attempt_at = fields.Datetime(readonly=True)
    error_type = fields.Char(readonly=True)
    error_message = fields.Text(readonly=True)
    suggested_fix = fields.Char(readonly=True)
    fix_action = fields.Char(readonly=True)
    # The Kashoo object at fault (the mapper's ``kashoo_ref``): what a guided fix opens.
    fix_ref_kind = fields.Char(string="Kashoo Object Kind", readonly=True)
    fix_ref_key = fields.Char(
        string="Kashoo Object Key",
        readonly=True,
        help="The Kashoo id, or the natural key (a currency code...).",
    )
    fix_ref_label = fields.Char(string="Kashoo Object", readonly=True)
    move_id = fields.Many2one(
        "account.move",
        string="Odoo Document",
        readonly=True,
        ondelete="set null",
        index="btree_not_null",
    )
    sync_log_ids = fields.One2many("kashoo.sync.log", "transaction_id", string="Attempts")

    _sql_constraints = [
        (
            "backend_kashoo_id_uniq",
            "unique(backend_id, kashoo_id)",
            "A Kashoo transaction is staged once per backend.",
        ),
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
            payload = _canonical(record)
            rows.append(
                (
                    backend.id,
                    backend.company_id.id,
                    record["id"],
                    record.get("type"),
                    (record.get("number") or None),
                    _parse_date(record.get("date")),
                    version,
                    _parse_utc(record.get("modifiedAt")),
                    payload,
                    version,
                    bool(record.get("removed")),
                    bool(force),
                    self._kashoo_digest(payload),
                )
            )
        if not rows:
            return 0
        return self._kashoo_upsert(rows, full=True, force=force)

    @api.model
    def _kashoo_upsert_hints(self, backend, hints):
        """Stage webhook hints ``[(kashoo_id, version, removed)]``; payloads are fetched later."""
        rows = [
            (
                backend.id,
                backend.company_id.id,
                kashoo_id,
                None,
                None,
                None,
                version or 0,
                None,
                None,
                0,
                bool(removed),
                False,
                None,
            )
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
        payload_sets = (
            """
            kashoo_type = COALESCE(EXCLUDED.kashoo_type, t.kashoo_type),
            kashoo_number = COALESCE(EXCLUDED.kashoo_number, t.kashoo_number),
            kashoo_date = COALESCE(EXCLUDED.kashoo_date, t.kashoo_date),
            modified_at = COALESCE(EXCLUDED.modified_at, t.modified_at),
            payload = EXCLUDED.payload,
            payload_version = EXCLUDED.payload_version,
            payload_digest = EXCLUDED.payload_digest,
            removed = EXCLUDED.removed,
        """
            if full
            else "removed = EXCLUDED.removed OR t.removed,"
        )
        query = f"""
            INSERT INTO kashoo_transaction AS t
                (backend_id, company_id, kashoo_id, kashoo_type, kashoo_number, kashoo_date,
                 kashoo_version, modified_at, payload, payload_version, removed, force,
                 payload_digest, state, tries, create_uid, write_uid, create_date, write_date)
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
        # Same order as the columns: the 13 row values, then state, tries, audit columns.
        template = (
            "(%s, %s, %s, %s, %s, %s, %s, %s, %s::jsonb, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
        )
        # Sort by key so that concurrent upserts lock rows in one order (no deadlock).
        values.sort(key=lambda row: row[2])
        changed = 0
        cursor = self.env.cr._obj
        for start in range(0, len(values), 500):
            execute_values(
                cursor, query, values[start : start + 500], template=template, page_size=500
            )
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
        staged = {
            (backend_id, kashoo_id): version
            for backend_id, kashoo_id, version in self.env.cr.fetchall()
        }
        return [
            row
            for row in rows
            if (row[0], row[2]) not in staged or row[6] > staged[(row[0], row[2])]
        ]

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
            [backend.id, fields.Datetime.now(), among is None, among.ids if among else [], limit],
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

    @api.model
    def _kashoo_digest(self, canonical_payload):
        """The keyed hash (the database secret) of a payload in its canonical JSON form."""
        return odoo_hmac(self.env(su=True), PAYLOAD_DIGEST_SCOPE, canonical_payload)

    def _kashoo_payload_authentic(self):
        """Whether this row's payload is the one the engine stored from Kashoo."""
        self.ensure_one()
        if not isinstance(self.payload, dict) or not self.payload_digest:
            return False
        expected = self._kashoo_digest(_canonical(self.payload))
        return stdlib_hmac.compare_digest(expected, self.payload_digest)

    def _kashoo_take_payload(self, record):
        self.write(
            {
                "payload": record,
                "payload_digest": self._kashoo_digest(_canonical(record)),
                "payload_version": record.get("version") or 0,
                "kashoo_version": max(self.kashoo_version, record.get("version") or 0),
                "kashoo_type": record.get("type") or self.kashoo_type,
                "kashoo_number": record.get("number") or self.kashoo_number,
                "kashoo_date": _parse_date(record.get("date")) or self.kashoo_date,
                "modified_at": _parse_utc(record.get("modifiedAt")) or self.modified_at,
                "removed": bool(record.get("removed")),
            }
        )

    def _kashoo_live_moves(self, backend):
        """The live moves of these rows by Kashoo id: the backend's own, in its company,
        found by the unique (company, Kashoo id) key."""
        moves = (
            self.env["account.move"]
            .sudo()
            .search(
                [
                    ("company_id", "=", backend.company_id.id),
                    ("kashoo_backend_id", "=", backend.id),
                    ("kashoo_id", "in", self.mapped("kashoo_id")),
                    ("state", "!=", "cancel"),
                ]
            )
        )
        return {move.kashoo_id: move for move in moves}

    def _kashoo_own_move(self):
        """The row's linked document if it is its own (same backend, company and Kashoo id),
        else none: a row never acts on another backend's or company's document."""
        self.ensure_one()
        move = self.move_id.exists()
        if (
            move
            and move.company_id == self.backend_id.company_id
            and move.kashoo_backend_id == self.backend_id
            and move.kashoo_id == self.kashoo_id
        ):
            return move
        return move.browse()
