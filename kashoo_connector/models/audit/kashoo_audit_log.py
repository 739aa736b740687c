import hashlib
import json
import logging
from collections.abc import Mapping
from datetime import date, datetime

from markupsafe import Markup
from psycopg2 import errors as pg_errors
from psycopg2.extras import execute_values

from odoo import SUPERUSER_ID, _, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.modules.registry import Registry

from ...kashoo_logic import audit_chain

_logger = logging.getLogger(__name__)

MANAGER_GROUP = "kashoo_connector.kashoo_connector_group_manager"

AUDIT_ACTIONS = [
    ("import", "Import"),
    ("rewrite", "Rewrite"),
    ("reversal", "Reversal"),
    ("removal", "Draft removed"),
    ("retry", "Retry"),
    ("ignore", "Ignore"),
    ("undo", "Undo"),
    ("resync", "Manual resync"),
    ("config", "Configuration change"),
    ("mapping", "Mapping change"),
    (audit_chain.PURGE_ACTION, "Retention purge"),
]

# What a secret's value becomes in the log: the fact that it changed, never the value.
SECRET_MARK = "changed"
SECRET_HIDDEN = "***"
_SECRET_WORDS = ("secret", "password", "passwd", "private_key", "api_key")

# The session setting a retention purge sets, for the table's trigger, while it deletes.
PURGE_SETTING = "kashoo.audit_purge"
# Entries read per query while a chain is verified (a chain may hold millions).
VERIFY_PAGE = 5000
# Problems listed in an alert; the rest are counted.
ALERT_MAX_PROBLEMS = 20


def is_secret_field(name):
    """Whether a field's value must never be written to the log."""
    lowered = name.lower()
    return (
        lowered.endswith(("_encrypted", "_token", "_verifier"))
        or lowered in ("token", "access_token", "refresh_token")
        or any(word in lowered for word in _SECRET_WORDS)
    )


def _jsonable(value):
    if isinstance(value, datetime):
        return fields.Datetime.to_string(value)
    if isinstance(value, date):
        return fields.Date.to_string(value)
    if isinstance(value, models.BaseModel):
        return value.ids
    if isinstance(value, (set, frozenset, tuple)):
        return sorted(value) if isinstance(value, (set, frozenset)) else list(value)
    return str(value)


def _values_text(values):
    """Canonical JSON of before/after values, secrets masked: the exact text that is hashed."""
    masked = {
        str(key): (SECRET_MARK if is_secret_field(str(key)) and value else value)
        for key, value in (values or {}).items()
    }
    return audit_chain.canonical_json(json.loads(json.dumps(masked, default=_jsonable)))


class KashooAuditLog(models.Model):
    """Append-only, hash-chained log of what the connector did and who changed its settings.

    One chain per company: a company's managers verify their own books' trail (the record
    rules let them see nothing else), a retention purge follows the company's setting, and
    the companies of one database never wait for each other's writers.

    Entries are written in the transaction of the change they describe, without a number or
    hash; right after that transaction commits, the sealer numbers and hashes them in a short
    transaction of its own, under the chain head's row lock, in READ COMMITTED so it sees
    what other workers sealed while it waited. Numbering inside the writer's own transaction
    would not do: Odoo's REPEATABLE READ snapshot hides entries committed after it began, so
    two import workers would fork the chain or fail each other's batches. The daily
    verification cron seals what a crash left waiting.

    ``write()`` and ``unlink()`` are refused to everybody, the superuser included; a trigger
    refuses UPDATE and DELETE in SQL too, except sealing (filling the chain fields of a waiting
    entry and nothing else), the foreign keys' ``SET NULL`` when a user or backend is deleted
    (the hash covers the ids kept in ``user_ref``/``backend_ref``), and the retention purge,
    which sets a session setting while it deletes.
    """

    _name = "kashoo.audit.log"
    _description = "Kashoo Audit Log"
    _order = "id desc"
    _log_access = False
    _rec_name = "res_name"

    sequence = fields.Integer(readonly=True, index=True, copy=False)
    company_id = fields.Many2one(
        "res.company", required=True, readonly=True, index=True, ondelete="restrict"
    )
    logged_at = fields.Datetime(string="When", required=True, readonly=True, index=True)
    user_id = fields.Many2one("res.users", string="Who", readonly=True, ondelete="set null")
    user_ref = fields.Integer(string="User ID", readonly=True)
    backend_id = fields.Many2one(
        "kashoo.backend", string="Backend", readonly=True, index=True, ondelete="set null"
    )
    backend_ref = fields.Integer(string="Backend ID", readonly=True)
    action = fields.Selection(AUDIT_ACTIONS, required=True, readonly=True)
    res_model = fields.Char(string="Model", readonly=True, index=True)
    res_id = fields.Many2oneReference(string="Record ID", model_field="res_model", readonly=True)
    res_name = fields.Char(string="Record", readonly=True)
    before_values = fields.Text(string="Before", readonly=True)
    after_values = fields.Text(string="After", readonly=True)
    previous_hash = fields.Char(readonly=True, copy=False)
    hash = fields.Char(readonly=True, copy=False)
    sealed = fields.Boolean(compute="_compute_sealed")

    _sql_constraints = [
        (
            "sequence_uniq",
            "unique(company_id, sequence)",
            "An audit chain gives each sequence number once.",
        ),
    ]

    def init(self):
        # The table refuses UPDATE and DELETE to every SQL session too, so a mistaken script
        # or a forgotten ORM path cannot rewrite history; a purge or a DBA says so explicitly.
        self.env.cr.execute(
            f"""
            CREATE OR REPLACE FUNCTION kashoo_audit_log_guard() RETURNS trigger AS $$
            BEGIN
                IF TG_OP = 'DELETE' THEN
                    IF current_setting('{PURGE_SETTING}', true) = 'on' THEN
                        RETURN OLD;
                    END IF;
                ELSIF OLD.hash IS NULL
                      AND (to_jsonb(NEW) - ARRAY['sequence', 'previous_hash', 'hash'])
                        = (to_jsonb(OLD) - ARRAY['sequence', 'previous_hash', 'hash']) THEN
                    RETURN NEW;
                ELSIF (to_jsonb(NEW) - ARRAY['user_id', 'backend_id'])
                        = (to_jsonb(OLD) - ARRAY['user_id', 'backend_id'])
                      AND (NEW.user_id IS NULL OR NEW.user_id = OLD.user_id)
                      AND (NEW.backend_id IS NULL OR NEW.backend_id = OLD.backend_id) THEN
                    RETURN NEW;
                END IF;
                RAISE EXCEPTION 'kashoo_audit_log is append-only (% refused)', TG_OP
                    USING ERRCODE = 'insufficient_privilege';
            END
            $$ LANGUAGE plpgsql;
            DROP TRIGGER IF EXISTS kashoo_audit_log_guard ON kashoo_audit_log;
            CREATE TRIGGER kashoo_audit_log_guard
                BEFORE UPDATE OR DELETE ON kashoo_audit_log
                FOR EACH ROW EXECUTE FUNCTION kashoo_audit_log_guard();
            """
        )

    def _compute_sealed(self):
        for entry in self:
            entry.sealed = bool(entry.hash)

    # === WRITING === #

    @api.model_create_multi
    def create(self, vals_list):
        now = fields.Datetime.now()
        for vals in vals_list:
            # The chain fields are the sealer's, the time and the author the server's.
            for key in ("sequence", "previous_hash", "hash"):
                vals.pop(key, None)
            vals["logged_at"] = now
            vals["user_id"] = vals["user_ref"] = vals.get("user_id") or self.env.uid
            vals["backend_ref"] = vals.get("backend_id") or False
        entries = super().create(vals_list)
        self._kashoo_seal_after_commit()
        return entries

    def write(self, vals):
        raise UserError(_("The Kashoo audit log is append-only: its entries cannot be changed."))

    def unlink(self):
        raise UserError(_("The Kashoo audit log is append-only: its entries cannot be deleted."))

    @api.model
    def _kashoo_record(self, action, records, before=None, after=None, backend=None):
        """Log ``action`` on each of ``records``, in one ``create()``.

        :param action: a key of :data:`AUDIT_ACTIONS`.
        :param records: the records concerned (any model), possibly empty.
        :param before: the values before, as one dict for every record, a dict keyed by
            record id, or a list aligned with ``records``; values must be JSON-able (dates,
            datetimes and recordsets are converted). A key that names a secret is stored as
            "changed", never with its value.
        :param after: the values after, in the same forms.
        :param backend: the backend concerned; by default each record's ``backend_id`` (or
            the record itself, for a backend).
        :return: the entries created.
        """
        if not records:
            return self.browse()
        befores = _per_record(before, records)
        afters = _per_record(after, records)
        vals_list = []
        for record, before_values, after_values in zip(records, befores, afters, strict=True):
            record_backend = backend or _backend_of(record)
            if record._name == "res.company":
                company = record
            else:
                company = (
                    record_backend.company_id
                    or ("company_id" in record._fields and record.sudo().company_id)
                    or self.env.company
                )
            vals_list.append(
                {
                    "company_id": company.id,
                    "backend_id": record_backend.id or False,
                    "user_id": self.env.uid,
                    "action": action,
                    "res_model": record._name,
                    "res_id": record.id,
                    "res_name": (record.sudo().display_name or "")[:500],
                    "before_values": _values_text(before_values),
                    "after_values": _values_text(after_values),
                }
            )
        return self.sudo().create(vals_list)

    @api.model
    def _kashoo_snapshot(self, records, fnames):
        """The values of ``fnames`` on ``records`` now, to compare after a write.

        :return: ``{record id: {field: (comparison key, shown value)}}``; a secret's shown
            value is never its own.
        """
        snapshot = {}
        for record in records.sudo():
            snapshot[record.id] = {fname: _field_value(record, fname) for fname in fnames}
        return snapshot

    @api.model
    def _kashoo_record_changes(self, action, records, fnames, before):
        """Log, in one ``create()``, the fields of ``records`` that differ from ``before``
        (a :meth:`_kashoo_snapshot`), with their values before and after."""
        records = records.exists()
        after = self._kashoo_snapshot(records, fnames)
        changed, befores, afters = records.browse(), [], []
        for record in records:
            old, new = before.get(record.id, {}), after[record.id]
            diff = [fname for fname in fnames if fname in old and old[fname][0] != new[fname][0]]
            if not diff:
                continue
            changed |= record
            befores.append({fname: old[fname][1] for fname in diff})
            afters.append({fname: new[fname][1] for fname in diff})
        return self._kashoo_record(action, changed, befores, afters)

    # === SEALING === #

    def _kashoo_seal_after_commit(self):
        cr = self.env.cr
        if cr.postcommit.data.get("kashoo_audit_seal"):
            return
        cr.postcommit.data["kashoo_audit_seal"] = True
        dbname = cr.dbname

        @cr.postcommit.add
        def seal():
            try:
                with Registry(dbname).cursor() as seal_cr:
                    # First statement of the transaction: the head's row lock then returns
                    # its newest version, and each query sees what others sealed meanwhile.
                    seal_cr.execute("SET TRANSACTION ISOLATION LEVEL READ COMMITTED")
                    api.Environment(seal_cr, SUPERUSER_ID, {})["kashoo.audit.log"]._kashoo_seal()
            except Exception:  # noqa: BLE001 - the change is committed; the cron seals later
                _logger.warning("Kashoo audit entries left for the next sealing", exc_info=True)

    @api.model
    def _kashoo_seal(self, companies=None):
        """Number and hash the waiting entries of ``companies`` (all by default), per chain.

        :return: how many entries were sealed.
        """
        cr = self.env.cr
        self.env.flush_all()
        if companies is None:
            cr.execute("SELECT DISTINCT company_id FROM kashoo_audit_log WHERE hash IS NULL")
            company_ids = sorted(row[0] for row in cr.fetchall())
        else:
            company_ids = sorted(companies.ids)
        sealed = 0
        for company_id in company_ids:
            last_sequence, last_hash = self._kashoo_lock_head(company_id)
            cr.execute(
                f"""SELECT {", ".join(_STORED_COLUMNS)} FROM kashoo_audit_log
                     WHERE company_id = %s AND hash IS NULL ORDER BY id FOR UPDATE""",
                [company_id],
            )
            rows = cr.dictfetchall()
            if not rows:
                continue
            contents = [_content_of(row, with_chain=False) for row in rows]
            chained = audit_chain.seal(contents, last_sequence, last_hash)
            execute_values(
                cr._obj,
                """UPDATE kashoo_audit_log AS log
                      SET sequence = v.sequence, previous_hash = v.previous_hash, hash = v.hash
                     FROM (VALUES %s) AS v(id, sequence, previous_hash, hash)
                    WHERE log.id = v.id""",
                [(row["id"], *link) for row, link in zip(rows, chained, strict=True)],
            )
            cr.execute(
                "UPDATE kashoo_audit_chain SET last_sequence = %s, last_hash = %s "
                "WHERE company_id = %s",
                [chained[-1][0], chained[-1][2], company_id],
            )
            sealed += len(rows)
        self.invalidate_model(["sequence", "previous_hash", "hash"])
        self.env["kashoo.audit.chain"].invalidate_model(["last_sequence", "last_hash"])
        return sealed

    def _kashoo_lock_head(self, company_id):
        """Lock the head of a company's chain (created if new); return its sequence and hash."""
        cr = self.env.cr
        cr.execute(
            """INSERT INTO kashoo_audit_chain (company_id, last_sequence, last_hash)
               VALUES (%s, 0, %s) ON CONFLICT (company_id) DO NOTHING""",
            [company_id, audit_chain.GENESIS_HASH],
        )
        cr.execute(
            "SELECT last_sequence, last_hash FROM kashoo_audit_chain WHERE company_id = %s "
            "FOR NO KEY UPDATE",
            [company_id],
        )
        return cr.fetchone()

    @api.model
    def _kashoo_seal_in_savepoint(self):
        """Seal in the current transaction, unless another worker is sealing concurrently
        (in REPEATABLE READ, its head then cannot be locked: it will seal them itself)."""
        try:
            with self.env.cr.savepoint():
                return self._kashoo_seal()
        except pg_errors.SerializationFailure:
            return 0

    # === VERIFICATION === #

    @api.model
    def _kashoo_verify(self, companies):
        """Walk the chain of each of ``companies``; return ``{company: Report}``."""
        cr = self.env.cr
        self.env.flush_all()
        reports = {}
        heads = self.env["kashoo.audit.chain"].sudo().search([("company_id", "in", companies.ids)])
        head_of = {head.company_id.id: head for head in heads}
        for company in companies:
            head = head_of.get(company.id)
            reports[company] = audit_chain.verify(
                self._kashoo_iter_chain(company.id),
                head_sequence=head.last_sequence if head else None,
                head_hash=head.last_hash if head else None,
            )
            if head:
                cr.execute(
                    "UPDATE kashoo_audit_chain SET verified_at = now() AT TIME ZONE 'UTC', "
                    "verified_ok = %s WHERE id = %s",
                    [reports[company].ok, head.id],
                )
        self.env["kashoo.audit.chain"].invalidate_model(["verified_at", "verified_ok"])
        return reports

    def _kashoo_iter_chain(self, company_id):
        """The sealed entries of a company, by sequence, read a page at a time."""
        cr = self.env.cr
        after = -1
        while True:
            cr.execute(
                f"""SELECT {", ".join(_STORED_COLUMNS)}, sequence, previous_hash, hash
                      FROM kashoo_audit_log
                     WHERE company_id = %s AND hash IS NOT NULL AND sequence > %s
                  ORDER BY sequence LIMIT %s""",
                [company_id, after, VERIFY_PAGE],
            )
            rows = cr.dictfetchall()
            for row in rows:
                yield {**_content_of(row, with_chain=True), "id": row["id"], "hash": row["hash"]}
            if len(rows) < VERIFY_PAGE:
                return
            after = rows[-1]["sequence"]

    @api.model
    def _kashoo_verify_and_alert(self, companies):
        """Verify, then tell the Kashoo managers of each company whose chain is damaged."""
        reports = self._kashoo_verify(companies)
        for company, report in reports.items():
            if not report.ok:
                self._kashoo_alert(company, report)
        return reports

    def _kashoo_problem_text(self, problem):
        kind = problem.kind
        if kind == audit_chain.ALTERED:
            return _(
                "Entry #%(sequence)s was altered: its content no longer matches its hash.",
                sequence=problem.sequence,
            )
        if kind == audit_chain.BROKEN_LINK:
            return _(
                "Entry #%(sequence)s is not linked to the entry before it: an earlier entry "
                "was replaced.",
                sequence=problem.sequence,
            )
        if kind == audit_chain.GAP:
            return _(
                "Entries #%(first)s to #%(last)s are missing (deleted) before entry "
                "#%(sequence)s.",
                first=problem.missing_from,
                last=problem.missing_to,
                sequence=problem.sequence,
            )
        if kind == audit_chain.BAD_START:
            return _(
                "The chain does not start where it should: entries #%(first)s to #%(last)s "
                "are missing or entry #%(sequence)s was altered, without a retention purge.",
                first=problem.missing_from,
                last=problem.missing_to,
                sequence=problem.sequence,
            )
        return _(
            "The newest entries #%(first)s to #%(last)s are missing (deleted).",
            first=problem.missing_from,
            last=problem.missing_to,
        )

    def _kashoo_report_lines(self, company, report):
        """A title and one sentence per problem (the first ones), for an alert."""
        lines = [self._kashoo_problem_text(problem) for problem in report.problems]
        extra = len(lines) - ALERT_MAX_PROBLEMS
        lines = lines[:ALERT_MAX_PROBLEMS]
        if extra > 0:
            lines.append(_("... and %(count)s more.", count=extra))
        title = _("Kashoo audit log of %(company)s: tampering detected.", company=company.name)
        return title, lines

    def _kashoo_alert(self, company, report):
        """Post the problems on the company's backend, notify and assign its managers."""
        backend = self.env["kashoo.backend"].sudo().search([("company_id", "=", company.id)])
        title, lines = self._kashoo_report_lines(company, report)
        if not backend:
            _logger.warning("%s %s", title, " ".join(lines))
            return
        body = Markup("<p>%s</p><ul>%s</ul>") % (
            title,
            Markup().join(Markup("<li>%s</li>") % line for line in lines),
        )
        backend = backend[0]
        managers = (
            self.env.ref(MANAGER_GROUP)
            .sudo()
            .users.filtered(
                lambda user: user.id != SUPERUSER_ID
                and not user.share
                and company in user.company_ids
            )
        )
        backend.message_post(
            body=body,
            partner_ids=managers.partner_id.ids,
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
        )
        summary = _("Kashoo audit log tampered with")
        open_for = backend.activity_ids.filtered(lambda a: a.summary == summary).user_id
        for manager in managers - open_for:
            backend.activity_schedule(
                "mail.mail_activity_data_warning", summary=summary, note=body, user_id=manager.id
            )

    def _kashoo_check_manager(self):
        if not self.env.user.has_group(MANAGER_GROUP):
            raise AccessError(_("Only Kashoo managers may verify the audit log."))

    def action_kashoo_verify(self):
        """Button: verify the chains of the companies the user works in; say the result."""
        self._kashoo_check_manager()
        companies = self.env.companies & self.env.user.company_ids
        reports = self.sudo()._kashoo_verify_and_alert(companies)
        damaged = [company for company, report in reports.items() if not report.ok]
        if damaged:
            message = " ".join(
                " ".join([title, *lines])
                for title, lines in (
                    self._kashoo_report_lines(company, reports[company]) for company in damaged
                )
            )
            kind, title = "danger", _("Audit log tampered with")
        else:
            message = _(
                "%(count)s entries verified: every entry is intact and none is missing.",
                count=sum(report.count for report in reports.values()),
            )
            kind, title = "success", _("Audit log intact")
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {"title": title, "message": message, "type": kind, "sticky": bool(damaged)},
        }

    @api.model
    def _cron_kashoo_verify_audit_log(self):
        """Daily: seal what waits, then verify every company's chain and alert."""
        self._kashoo_seal_in_savepoint()
        companies = self.env["res.company"].sudo().search([])
        self.sudo()._kashoo_verify_and_alert(companies)

    # === RETENTION === #

    @api.model
    def _kashoo_purge(self, company, before, backend=None):
        """Delete the oldest sealed entries of ``company`` logged before ``before``.

        Only a prefix of the chain goes (up to the first entry that is younger), and a
        ``purge`` entry records the sequence and hash of the last one deleted, so the chain
        still verifies. Returns the number of entries deleted.
        """
        cr = self.env.cr
        self._kashoo_seal(company)
        last_sequence, _last_hash = self._kashoo_lock_head(company.id)
        cr.execute(
            "SELECT min(sequence) FROM kashoo_audit_log WHERE company_id = %s "
            "AND hash IS NOT NULL AND logged_at >= %s",
            [company.id, before],
        )
        first_kept = cr.fetchone()[0]
        through = first_kept - 1 if first_kept else last_sequence
        cr.execute(
            "SELECT sequence, hash FROM kashoo_audit_log WHERE company_id = %s "
            "AND hash IS NOT NULL AND sequence <= %s ORDER BY sequence DESC LIMIT 1",
            [company.id, through],
        )
        row = cr.fetchone()
        if not row:
            return 0
        through, through_hash = row
        cr.execute("SELECT set_config(%s, 'on', true)", [PURGE_SETTING])
        try:
            cr.execute(
                "DELETE FROM kashoo_audit_log WHERE company_id = %s AND sequence <= %s",
                [company.id, through],
            )
            count = cr.rowcount
        finally:
            cr.execute("SELECT set_config(%s, 'off', true)", [PURGE_SETTING])
        self.invalidate_model()
        self._kashoo_record(
            audit_chain.PURGE_ACTION,
            company,
            after={
                audit_chain.PURGED_THROUGH_SEQUENCE: through,
                audit_chain.PURGED_THROUGH_HASH: through_hash,
                "count": count,
                "before": fields.Datetime.to_string(before),
            },
            backend=backend,
        )
        self._kashoo_seal(company)
        return count


# Stored columns of the hashed content, as the sealer and the verifier read them.
_STORED_COLUMNS = (
    "id",
    "company_id",
    "logged_at",
    "user_ref",
    "backend_ref",
    "action",
    "res_model",
    "res_id",
    "res_name",
    "before_values",
    "after_values",
)


def _content_of(row, with_chain):
    """The hashed content of a stored row (``with_chain``: its sequence and previous hash)."""
    logged_at = row["logged_at"]
    content = {
        "company_id": row["company_id"],
        "logged_at": logged_at.isoformat(sep=" ", timespec="microseconds") if logged_at else None,
        "user_id": row["user_ref"],
        "backend_id": row["backend_ref"],
        "action": row["action"],
        "res_model": row["res_model"],
        "res_id": row["res_id"],
        "res_name": row["res_name"],
        "before_values": row["before_values"],
        "after_values": row["after_values"],
    }
    if with_chain:
        content["sequence"] = row["sequence"]
        content["previous_hash"] = row["previous_hash"]
    return content


def _backend_of(record):
    if record._name == "kashoo.backend":
        return record
    if "backend_id" in record._fields:
        return record.sudo().backend_id
    return record.env["kashoo.backend"]


def _per_record(values, records):
    """Before/after values given for a batch, as one dict per record."""
    if values is None:
        return [{} for _record in records]
    if isinstance(values, (list, tuple)):
        if len(values) != len(records):
            raise ValueError("one before/after dict per record is needed")
        return [dict(item or {}) for item in values]
    if isinstance(values, Mapping) and values and all(isinstance(key, int) for key in values):
        return [dict(values.get(record.id) or {}) for record in records]
    return [dict(values) for _record in records]


def _field_value(record, fname):
    """(comparison key, shown value) of a field of ``record`` (read as superuser)."""
    field = record._fields[fname]
    value = record[fname]
    if is_secret_field(fname) or field.type == "binary":
        digest = hashlib.sha256(str(value or "").encode()).hexdigest() if value else None
        return digest, (SECRET_HIDDEN if value else None)
    if field.type == "many2one":
        shown = [value.id, value.display_name] if value else None
        return value.id or None, shown
    if field.type in ("many2many", "one2many"):
        ids = sorted(value.ids)
        return tuple(ids), ids
    if field.type == "datetime":
        shown = fields.Datetime.to_string(value) if value else None
        return shown, shown
    if field.type == "date":
        shown = fields.Date.to_string(value) if value else None
        return shown, shown
    if field.type == "json":
        return audit_chain.canonical_json(value), value
    if value is False and field.type not in ("boolean",):
        value = None
    return value, value
