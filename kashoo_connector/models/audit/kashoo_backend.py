import logging

from dateutil.relativedelta import relativedelta
from psycopg2 import errors as pg_errors

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError
from odoo.models import MAGIC_COLUMNS

from ... import const

_logger = logging.getLogger(__name__)

# Backend fields the engine itself keeps up to date while it runs: run-time state, not
# configuration (a poll moves the cursor every few minutes).
AUDIT_SKIPPED_FIELDS = frozenset(
    {
        "fetch_cursor",
        "last_fetch_at",
        "last_successful_sync",
        "last_sync_error",
        "kashoo_mapping_version",
        "kashoo_reference_refreshed_at",
    }
)
# Staging rows in these states are finished business: a retention purge may remove them.
PURGEABLE_TRANSACTION_STATES = ("done", "deleted", "ignored")


class KashooBackend(models.Model):
    """The audit concern's part of the backend: every configuration change is logged, the
    retention setting, the purge, and the audit log's verification button."""

    _inherit = "kashoo.backend"

    kashoo_retention_years = fields.Integer(
        string="Keep Records (years)",
        default=const.RETENTION_DEFAULT_YEARS,
        help="Imported transactions, their Kashoo payloads, the import attempts' sync log and "
        "the audit log are kept this many years, then purged (0: never purged). The Canada "
        "Revenue Agency requires six years after the end of the tax year a record relates "
        "to, which is up to seven years after it was written: hence the default.",
    )
    kashoo_audit_verified_at = fields.Datetime(
        string="Audit Log Verified", compute="_compute_kashoo_audit_status"
    )
    kashoo_audit_verified_ok = fields.Boolean(
        string="Audit Log Intact", compute="_compute_kashoo_audit_status"
    )

    @api.constrains("kashoo_retention_years")
    def _check_kashoo_retention_years(self):
        for backend in self:
            years = backend.kashoo_retention_years
            if years < 0 or 0 < years < const.RETENTION_MIN_YEARS:
                raise ValidationError(
                    _(
                        "Records must be kept at least %(years)s years (Canada Revenue Agency); "
                        "enter %(years)s or more, or 0 to never purge them.",
                        years=const.RETENTION_MIN_YEARS,
                    )
                )

    def _compute_kashoo_audit_status(self):
        heads = (
            self.env["kashoo.audit.chain"]
            .sudo()
            .search([("company_id", "in", self.company_id.ids)])
        )
        head_of = {head.company_id: head for head in heads}
        for backend in self:
            head = head_of.get(backend.company_id)
            backend.kashoo_audit_verified_at = head.verified_at if head else False
            backend.kashoo_audit_verified_ok = bool(head and head.verified_ok)

    # === CONFIGURATION AUDIT === #

    @api.model
    def _kashoo_audited_fields(self, fnames):
        """The fields among ``fnames`` whose changes are configuration changes: every stored
        field of the backend but bookkeeping, chatter and run-time state."""
        audited = []
        for fname in fnames:
            field = self._fields.get(fname)
            if (
                field is None
                or not field.store
                or field.compute
                or field.related
                or field.type == "one2many"
                or fname in MAGIC_COLUMNS
                or fname in AUDIT_SKIPPED_FIELDS
                or fname.startswith(("message_", "activity_"))
            ):
                continue
            audited.append(fname)
        return audited

    def write(self, vals):
        fnames = self._kashoo_audited_fields(vals)
        if not fnames or not self:
            return super().write(vals)
        audit = self.env["kashoo.audit.log"]
        before = audit._kashoo_snapshot(self, fnames)
        result = super().write(vals)
        audit._kashoo_record_changes("config", self, fnames, before)
        return result

    # === AUDIT LOG VERIFICATION === #

    def action_kashoo_verify_audit_log(self):
        """Button: verify the audit chain of this backend's company."""
        self.ensure_one()
        audit = self.env["kashoo.audit.log"]
        audit._kashoo_check_manager()
        return audit.with_context(allowed_company_ids=self.company_id.ids).action_kashoo_verify()

    def action_kashoo_open_audit_log(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "kashoo_connector.kashoo_audit_log_action"
        )
        action["domain"] = [("company_id", "=", self.company_id.id)]
        return action

    # === RETENTION === #

    @api.model
    def _cron_kashoo_retention_purge(self):
        for backend in self.sudo().search([("kashoo_retention_years", ">", 0)]):
            try:
                with self.env.cr.savepoint():
                    backend._kashoo_retention_purge()
            except pg_errors.SerializationFailure:
                # Another worker sealed this company's chain meanwhile: next run.
                _logger.info("Kashoo retention purge of backend %s postponed", backend.id)

    def _kashoo_retention_limit(self):
        """The moment before which this backend's records may go, or None (never)."""
        self.ensure_one()
        years = self.kashoo_retention_years
        if not years:
            return None
        # The constraint holds the setting at the minimum; this holds the purge there even
        # against a value written in SQL.
        years = max(years, const.RETENTION_MIN_YEARS)
        return fields.Datetime.now() - relativedelta(years=years)

    def _kashoo_retention_purge(self):
        """Delete what is older than the retention setting: import attempts' sync log,
        finished staging rows (with their Kashoo payloads) and the oldest audit entries.

        :return: ``{what: count}`` of the rows deleted.
        """
        self.ensure_one()
        limit = self._kashoo_retention_limit()
        if limit is None:
            return {}
        cr = self.env.cr
        self.env.flush_all()
        cr.execute(
            "DELETE FROM kashoo_sync_log WHERE backend_id = %s AND create_date < %s",
            [self.id, limit],
        )
        counts = {"kashoo.sync.log": cr.rowcount}
        # A staging row counts from its last change: one Kashoo changed recently is live.
        cr.execute(
            """DELETE FROM kashoo_transaction
                WHERE backend_id = %s AND write_date < %s AND state IN %s""",
            [self.id, limit, PURGEABLE_TRANSACTION_STATES],
        )
        counts["kashoo.transaction"] = cr.rowcount
        self.env["kashoo.sync.log"].invalidate_model()
        self.env["kashoo.transaction"].invalidate_model()
        counts["kashoo.audit.log"] = (
            self.env["kashoo.audit.log"].sudo()._kashoo_purge(self.company_id, limit, backend=self)
        )
        if any(counts.values()):
            _logger.info("Kashoo retention purge of backend %s: %s", self.id, counts)
        return counts
