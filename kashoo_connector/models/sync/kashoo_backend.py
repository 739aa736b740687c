import json
import logging
import secrets
import time
from datetime import date, timedelta

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.modules import module as odoo_module

from ... import const, utils
from ...kashoo_api import KashooAuthError, KashooError
from ...kashoo_logic import sync_outcomes
from ...utils import TRANSIENT_DB_ERRORS, kashoo_commit
from .kashoo_transaction import _parse_utc

_logger = logging.getLogger(__name__)

#: Backend fields written to (and restored from) the daily sync-state export. No secrets.
EXPORTED_CONFIG_FIELDS = (
    "name",
    "api_url",
    "api_prefix",
    "api_version",
    "auth_mode",
    "client_id",
    "kashoo_business_id",
    "kashoo_business_name",
    "auto_sync",
    "sync_frequency",
    "sync_start_date",
    "fetch_overlap_seconds",
    "webhook_rotation_hours",
    "webhook_endpoint_id",
)
EXPORTED_STATE_FIELDS = ("fetch_cursor", "last_fetch_at")
EXPORT_FORMAT = "kashoo_connector.sync_state/1"


class KashooBackend(models.Model):
    """The sync engine's part of the backend: webhook secret, polling cursor, sync state."""

    _inherit = "kashoo.backend"

    # === FIELDS === #

    webhook_secret = fields.Char(
        string="Webhook Secret",
        compute="_compute_webhook_secret",
        inverse="_inverse_webhook_secret",
        groups="base.group_system",
        help="The whsec_... secret Kashoo signs webhooks with. Shown empty once stored; "
        "typing a new one keeps the previous one valid during the rotation window.",
    )
    webhook_secret_previous_encrypted = fields.Char(groups="base.group_system", copy=False)
    webhook_rotation_until = fields.Datetime(
        string="Previous Secret Valid Until", readonly=True, copy=False, groups="base.group_system"
    )
    webhook_rotation_hours = fields.Integer(
        string="Rotation Window (h)",
        default=const.DEFAULT_WEBHOOK_ROTATION_HOURS,
        help="After a new webhook secret is stored, the previous one is still accepted for "
        "this many hours (0 to 168).",
    )
    has_webhook_secret = fields.Boolean(compute="_compute_has_webhook_secret")
    # Routes a delivery to its backend before any secret is decrypted: only this backend's
    # secret is then tried. Not a credential (the signature is), but unguessable, so junk
    # posted to the bare route or to a made-up URL touches no secret at all.
    webhook_token = fields.Char(
        readonly=True,
        copy=False,
        groups="base.group_system",
        default=lambda self: _new_webhook_token(),
    )
    webhook_url = fields.Char(
        string="Webhook URL",
        compute="_compute_webhook_url",
        groups="base.group_system",
        help="Register this exact address with Kashoo: it names this backend.",
    )
    webhook_endpoint_id = fields.Char(string="Kashoo Webhook Endpoint", readonly=True, copy=False)

    auto_sync = fields.Boolean(
        string="Auto-sync new transactions",
        default=True,
        help="Import new and changed Kashoo transactions automatically (webhooks and "
        "polling). When off, nothing is fetched or imported until you turn it back on.",
    )
    sync_frequency = fields.Selection(
        selection=const.SYNC_FREQUENCIES,
        default="immediate",
        required=True,
        help="How often Kashoo is polled for changes. Webhooks are processed at once whatever "
        "this says.",
    )
    sync_start_date = fields.Date(
        string="Import From",
        help="The initial load imports transactions dated from this day. Empty: the start of "
        "the company's current fiscal year.",
    )
    fetch_overlap_seconds = fields.Integer(
        string="Polling Overlap (s)",
        default=const.DEFAULT_FETCH_OVERLAP_SECONDS,
        help="Each poll re-reads changes this many seconds before the cursor, so records "
        "Kashoo commits late are not missed.",
    )
    fetch_cursor = fields.Datetime(
        string="Polling Cursor",
        readonly=True,
        copy=False,
        help="Newest Kashoo modification time of a completely committed poll.",
    )
    resync_from = fields.Date(string="Resync From", readonly=True, copy=False)
    last_fetch_at = fields.Datetime(string="Last Poll", readonly=True, copy=False)
    last_successful_sync = fields.Datetime(
        compute="_compute_last_successful_sync",
        help="When the last transaction was imported, updated or deleted.",
    )
    last_sync_error = fields.Char(readonly=True, copy=False)

    transaction_ids = fields.One2many("kashoo.transaction", "backend_id")
    count_done = fields.Integer(string="Imported", compute="_compute_sync_counts")
    count_failed = fields.Integer(string="Quarantined", compute="_compute_sync_counts")
    count_deleted = fields.Integer(string="Deleted", compute="_compute_sync_counts")
    queue_depth = fields.Integer(
        compute="_compute_sync_counts", help="Transactions and events waiting to be imported."
    )

    _sql_constraints = [
        ("webhook_token_uniq", "unique(webhook_token)", "A webhook token names one backend."),
    ]

    def init(self):
        super().init()
        # A new column gets one default for every existing row: give each backend its own.
        self.env.cr.execute(
            """
            SELECT id FROM kashoo_backend
             WHERE webhook_token IS NULL
                OR webhook_token IN (SELECT webhook_token FROM kashoo_backend
                                      GROUP BY webhook_token HAVING count(*) > 1)
            """
        )
        for (backend_id,) in self.env.cr.fetchall():
            self.env.cr.execute(
                "UPDATE kashoo_backend SET webhook_token = %s WHERE id = %s",
                [_new_webhook_token(), backend_id],
            )

    # === CONSTRAINTS === #

    @api.constrains("webhook_rotation_hours")
    def _check_webhook_rotation_hours(self):
        for backend in self:
            if not 0 <= backend.webhook_rotation_hours <= const.MAX_WEBHOOK_ROTATION_HOURS:
                raise ValidationError(
                    _(
                        "The rotation window of the webhook secret must be between 0 and "
                        "%(max)s hours.",
                        max=const.MAX_WEBHOOK_ROTATION_HOURS,
                    )
                )

    # === COMPUTE METHODS === #

    def _compute_webhook_secret(self):
        self.webhook_secret = False

    def _inverse_webhook_secret(self):
        for backend in self:
            if backend.webhook_secret:
                backend._kashoo_set_webhook_secret(backend.webhook_secret)

    def _compute_has_webhook_secret(self):
        for backend, backend_sudo in zip(self, self.sudo(), strict=True):
            backend.has_webhook_secret = bool(backend_sudo.webhook_secret_encrypted)

    def _compute_webhook_url(self):
        for backend, backend_sudo in zip(self, self.sudo(), strict=True):
            # Shown once saved: an unsaved form's token is not the one create() stores.
            token = isinstance(backend.id, int) and backend_sudo.webhook_token
            backend.webhook_url = (
                f"{backend.get_base_url()}{const.WEBHOOK_ROUTE}/{token}" if token else False
            )

    def _compute_sync_counts(self):
        counts = {}
        if self.ids:
            groups = (
                self.env["kashoo.transaction"]
                .sudo()
                ._read_group([("backend_id", "in", self.ids)], ["backend_id", "state"], ["__count"])
            )
            for backend, state, count in groups:
                counts[(backend.id, state)] = count
            events = (
                self.env["kashoo.webhook.event"]
                .sudo()
                ._read_group(
                    [("backend_id", "in", self.ids), ("state", "=", "new")],
                    ["backend_id"],
                    ["__count"],
                )
            )
            for backend, count in events:
                counts[(backend.id, "event")] = count
        for backend in self:
            get = lambda state, b=backend: counts.get((b.id, state), 0)  # noqa: E731
            backend.count_done = get("done")
            backend.count_failed = get("quarantined")
            backend.count_deleted = get("deleted")
            backend.queue_depth = get("pending") + get("retry") + get("event")

    def _compute_last_successful_sync(self):
        # Read from the sync log rather than stored on the backend: writing the backend row
        # from every batch would serialize the parallel cron workers on it.
        last = {}
        if self.ids:
            self.env.cr.execute(
                """
                SELECT backend_id, max(create_date) FROM kashoo_sync_log
                 WHERE backend_id = ANY(%s)
                   AND outcome = ANY(%s)
                 GROUP BY backend_id
                """,
                [self.ids, list(sync_outcomes.SUCCESS_OUTCOMES)],
            )
            last = dict(self.env.cr.fetchall())
        for backend in self:
            backend.last_successful_sync = last.get(backend.id, False)

    # === WEBHOOK SECRET === #

    def _kashoo_set_webhook_secret(self, secret):
        """Store ``secret`` encrypted; the previous one stays valid for the rotation window."""
        self.ensure_one()
        backend_sudo = self.sudo()
        box = utils.get_secret_box(self.env)
        values = {"webhook_secret_encrypted": box.encrypt(secret.strip())}
        if backend_sudo.webhook_secret_encrypted:
            values["webhook_secret_previous_encrypted"] = backend_sudo.webhook_secret_encrypted
            values["webhook_rotation_until"] = fields.Datetime.now() + timedelta(
                hours=min(max(self.webhook_rotation_hours, 0), const.MAX_WEBHOOK_ROTATION_HOURS)
            )
        backend_sudo.write(values)
        self.message_post(body=_("Webhook secret changed."))

    def _kashoo_webhook_secrets(self):
        """The secrets a delivery may be signed with now: the current one, and the previous
        one while its rotation window lasts. Empty when none is configured."""
        self.ensure_one()
        backend_sudo = self.sudo()
        secrets = []
        if backend_sudo.webhook_secret_encrypted:
            secrets.append(utils.decrypt_secret(self.env, backend_sudo.webhook_secret_encrypted))
        if (
            backend_sudo.webhook_secret_previous_encrypted
            and backend_sudo.webhook_rotation_until
            and backend_sudo.webhook_rotation_until > fields.Datetime.now()
        ):
            secrets.append(
                utils.decrypt_secret(self.env, backend_sudo.webhook_secret_previous_encrypted)
            )
        return secrets

    # === ACTIONS === #

    def action_kashoo_register_webhook(self):
        """Subscribe this database's webhook URL with Kashoo and store the returned secret."""
        self.ensure_one()
        self._check_administrator()
        try:
            with self._kashoo_client() as client:
                endpoint = client.register_webhook(self.webhook_url)
        except KashooError as error:
            raise UserError(
                _("Kashoo refused the webhook registration: %(details)s", details=error.message)
            ) from error
        secret = endpoint.get("secret")
        if not secret:
            raise UserError(_("Kashoo returned no webhook secret."))
        self._kashoo_set_webhook_secret(secret)
        self.webhook_endpoint_id = str(endpoint.get("id") or "")
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "title": _("Webhook registered"),
                "message": _(
                    "Kashoo will post transaction events to %(url)s.", url=self.webhook_url
                ),
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    def action_kashoo_sync_now(self):
        """Poll and import now, in the cron workers (Kashoo Managers: it spends API quota and
        starts imports into the books)."""
        if not self.env.su and not self.env.user.has_group(
            "kashoo_connector.kashoo_connector_group_manager"
        ):
            raise AccessError(_("Only Kashoo managers can start a synchronization."))
        self.check_access("read")
        self.env.ref("kashoo_connector.ir_cron_kashoo_fetch")._trigger()
        self._kashoo_wake_processing()

    @api.model
    def _kashoo_wake_processing(self):
        """Wake every processing worker now; they share out the due rows between them.

        A worker that already has a due trigger waiting is not triggered again: during a
        burst of webhooks one trigger per worker is enough (the running import folds new
        events in before every batch), and the webhook answers sooner without writing one.
        """
        crons = self.env["ir.cron"].sudo()
        for xmlid in const.PROCESS_CRON_XMLIDS:
            crons |= self.env.ref(xmlid, raise_if_not_found=False) or crons
        if not crons:
            return
        self.env["ir.cron.trigger"].flush_model()
        self.env.cr.execute(
            """
            SELECT DISTINCT cron_id FROM ir_cron_trigger
             WHERE cron_id = ANY(%s) AND call_at <= %s
            """,
            [crons.ids, fields.Datetime.now()],
        )
        waiting = {row[0] for row in self.env.cr.fetchall()}
        for cron in crons.filtered(lambda cron: cron.id not in waiting):
            cron._trigger()

    def action_kashoo_open_transactions(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "kashoo_connector.kashoo_transaction_action"
        )
        action["domain"] = [("backend_id", "=", self.id)]
        return action

    # === FETCH (polling) === #

    def _kashoo_sync_allowed(self):
        self.ensure_one()
        return self.state == "connected" and self.auto_sync and self.kashoo_business_id

    def _kashoo_default_start_date(self):
        """The start of the company's current fiscal year."""
        self.ensure_one()
        dates = self.company_id.compute_fiscalyear_dates(fields.Date.context_today(self))
        return dates["date_from"]

    def _kashoo_fetch_due(self):
        self.ensure_one()
        if self.resync_from or not self.last_fetch_at or not self.fetch_cursor:
            return True
        period = const.SYNC_FREQUENCY_SECONDS.get(self.sync_frequency, 0)
        return fields.Datetime.now() - self.last_fetch_at >= timedelta(seconds=period)

    def _kashoo_fetch(self):
        """Poll Kashoo for changed records and stage them; return the number of rows staged.

        Pages of 100 are staged and committed one by one. Kashoo lists by id, not by
        modification time, so the cursor only moves once *every* page of the listing is
        committed, to the newest ``modifiedAt`` seen (never to the clock at run start); a crash
        half-way re-reads the same listing, which re-stages nothing new (equal versions are
        no-ops). The next poll starts ``fetch_overlap_seconds`` before the cursor.
        """
        self.ensure_one()
        transactions = self.env["kashoo.transaction"].sudo()
        resync_from = self.resync_from
        if resync_from:
            params = {"start_date": resync_from}
        elif self.fetch_cursor:
            params = {
                "modified_since": self.fetch_cursor
                - timedelta(seconds=max(self.fetch_overlap_seconds, 0))
            }
        else:
            params = {"start_date": self.sync_start_date or self._kashoo_default_start_date()}
        newest = self.fetch_cursor
        staged = 0
        page = []

        def stage(page):
            nonlocal newest, staged
            for attempt in range(5):
                try:
                    staged += transactions._kashoo_upsert_records(
                        self, page, force=bool(resync_from)
                    )
                    break
                except TRANSIENT_DB_ERRORS:
                    # A processing worker updated one of these rows since our snapshot.
                    if odoo_module.current_test or attempt == 4:
                        raise
                    self.env.cr.rollback()
                    time.sleep(0.1 * (attempt + 1))
            for record in page:
                modified = _modified_at(record)
                if modified and (not newest or modified > newest):
                    newest = modified
            self._kashoo_on_page_staged(client)
            # The page is durable before the next one is read: a crash loses no staged row.
            kashoo_commit(self.env, "staged page of a polling listing")
            self._kashoo_wake_processing()

        with self._kashoo_client() as client:
            for record in client.iter_records(**params):
                page.append(record)
                if len(page) >= client.page_size:
                    stage(page)
                    page = []
            if page:
                stage(page)
        values = {
            "fetch_cursor": newest,
            "last_fetch_at": fields.Datetime.now(),
            "last_sync_error": False,
        }
        if resync_from and self.resync_from == resync_from:
            values["resync_from"] = False
        self.write(values)
        # The cursor moves only now that every page of the listing is committed.
        kashoo_commit(self.env, "polling cursor after a complete listing")
        return staged

    @api.model
    def _cron_kashoo_fetch(self):
        """Poll every connected backend that is due; one backend's failure spares the others."""
        for backend in self.search([]):
            if not backend._kashoo_sync_allowed() or not backend._kashoo_fetch_due():
                continue
            backend._kashoo_guarded("fetch", backend._kashoo_fetch)

    # === PROCESS === #

    def _kashoo_process_batches(
        self,
        time_budget=const.PROCESS_TIME_BUDGET,
        batch_size=const.PROCESS_BATCH_SIZE,
        client=None,
    ):
        """Import this backend's due transactions (see ``kashoo.import.engine``).

        :return: (rows finished, rows still due)
        """
        self.ensure_one()
        with client or self._kashoo_client() as client:
            return self.env["kashoo.import.engine"]._run(self, client, time_budget, batch_size)

    # === HOOKS: what follows an import step, for the concerns that read it === #

    def _kashoo_on_page_staged(self, client):
        """Called after a polling page is staged, before its commit (health extends it)."""
        self.ensure_one()

    def _kashoo_on_batch_done(self, rows, failed_before, client):
        """Called after an import batch has its outcomes, before its commit.

        :param rows: the batch's staging rows, as the batch left them.
        :param failed_before: the rows that came into the batch with an error.
        :param client: the batch's Kashoo client (its request statistics).
        """
        self.ensure_one()

    @api.model
    def _cron_kashoo_process(self):
        """Import due transactions of every connected backend, reporting cron progress."""
        done = remaining = 0
        for backend in self.search([]):
            if not backend._kashoo_sync_allowed():
                continue
            result = backend._kashoo_guarded("process", backend._kashoo_process_batches)
            if result:
                done += result[0]
                remaining += result[1]
        self.env["ir.cron"]._notify_progress(done=done, remaining=remaining)
        if remaining and not self.env.context.get("ir_cron_progress_id"):
            self._kashoo_wake_processing()

    def _kashoo_guarded(self, what, call):
        """Run ``call`` so that no exception escapes a cron (Odoo disables failing crons).

        An authorization failure pauses the backend (the client already set it to
        ``reauthorize``) and leaves the claimed rows pending; anything else is logged on the
        backend and retried by the next run.
        """
        self.ensure_one()
        try:
            return call()
        except KashooAuthError as error:
            self._kashoo_rollback()
            self._kashoo_note_failure(what, "auth", error.message)
        except KashooError as error:
            self._kashoo_rollback()
            self._kashoo_note_failure(what, error.code or "kashoo_error", error.message)
        except Exception as error:  # noqa: BLE001 - a cron must survive any failure
            self._kashoo_rollback()
            _logger.exception("Kashoo %s failed for backend %s", what, self.id)
            self._kashoo_note_failure(
                what, "unexpected_error", f"{type(error).__name__}: " f"{error}"
            )
        return None

    def _kashoo_rollback(self):
        """Undo the failed step's uncommitted work (skipped in tests, whose shared cursor may
        not roll back; there the failing steps raise before writing anything that matters)."""
        if odoo_module.current_test:
            self.env.invalidate_all()
            return
        self.env.cr.rollback()

    def _kashoo_note_failure(self, what, error_type, message):
        self.invalidate_recordset()
        _logger.warning(
            "Kashoo %s of backend %s failed (%s): %s", what, self.id, error_type, message
        )
        try:
            self._kashoo_write_failure(what, error_type, message)
        except Exception:  # noqa: BLE001 - even the failure note must not break the cron
            self._kashoo_rollback()
            _logger.exception("Kashoo: could not record the failure of backend %s", self.id)

    def _kashoo_write_failure(self, what, error_type, message):
        self.env["kashoo.sync.log"].sudo().create(
            {
                "backend_id": self.id,
                "outcome": "paused" if error_type == "auth" else "error",
                "error_type": error_type,
                "message": f"{what}: {message}"[:1000],
            }
        )
        self.sudo().last_sync_error = f"{what}: {message}"[:250]
        kashoo_commit(self.env, "failure note survives the rolled-back work")

    # === SYNC STATE EXPORT / RESTORE (disaster recovery) === #

    def _kashoo_sync_state_data(self):
        self.ensure_one()
        config = {}
        for name in EXPORTED_CONFIG_FIELDS:
            value = self[name]
            config[name] = value.isoformat() if isinstance(value, date) else value
        state = {
            name: self[name] and fields.Datetime.to_string(self[name])
            for name in EXPORTED_STATE_FIELDS
        }
        state.update(
            {
                "last_successful_sync": self.last_successful_sync
                and fields.Datetime.to_string(self.last_successful_sync),
                "processed": self.count_done,
                "failed": self.count_failed,
                "deleted": self.count_deleted,
                "queue_depth": self.queue_depth,
            }
        )
        return {
            "format": EXPORT_FORMAT,
            "exported_at": fields.Datetime.to_string(fields.Datetime.now()),
            "company": self.company_id.name,
            "configuration": config,
            "sync_state": state,
        }

    def _kashoo_export_sync_state(self):
        """Attach today's JSON export to the backend; keep the newest ones only."""
        attachments = self.env["ir.attachment"].sudo()
        for backend in self:
            data = json.dumps(backend._kashoo_sync_state_data(), indent=2, sort_keys=True)
            attachments.create(
                {
                    "name": f"kashoo_sync_state_{fields.Date.today()}.json",
                    "res_model": self._name,
                    "res_id": backend.id,
                    "mimetype": "application/json",
                    "raw": data.encode(),
                }
            )
            old = attachments.search(
                [
                    ("res_model", "=", self._name),
                    ("res_id", "=", backend.id),
                    ("name", "=like", "kashoo_sync_state_%.json"),
                ],
                order="id desc",
                offset=const.SYNC_EXPORTS_KEPT,
            )
            old.unlink()

    @api.model
    def _cron_kashoo_export_sync_state(self):
        for backend in self.search([]):
            backend._kashoo_guarded("export", backend._kashoo_export_sync_state)

    def _kashoo_restore_sync_state(self, data):
        """Restore configuration and cursor from an export (a dict or JSON text/bytes)."""
        self.ensure_one()
        if isinstance(data, bytes | str):
            try:
                data = json.loads(data)
            except ValueError as error:
                raise UserError(_("This file is not a Kashoo sync-state export.")) from error
        if not isinstance(data, dict) or data.get("format") != EXPORT_FORMAT:
            raise UserError(_("This file is not a Kashoo sync-state export."))
        values = {}
        for name, value in (data.get("configuration") or {}).items():
            if name in EXPORTED_CONFIG_FIELDS and name in self._fields:
                values[name] = value
        for name, value in (data.get("sync_state") or {}).items():
            if name in EXPORTED_STATE_FIELDS:
                values[name] = value or False
        self.write(values)
        self.message_post(
            body=_("Sync state restored from the export of %(when)s.", when=data.get("exported_at"))
        )


def _new_webhook_token():
    return secrets.token_urlsafe(const.WEBHOOK_TOKEN_BYTES)


def _modified_at(record):
    return _parse_utc(record.get("modifiedAt")) if isinstance(record, dict) else None
