import json
import logging

from markupsafe import Markup

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ... import const
from ...kashoo_api import KashooError
from ...kashoo_mapper.errors import REF_ACCOUNT, REF_CONTACT, REF_TAX
from ...kashoo_mapper.money import from_minor_units

_logger = logging.getLogger(__name__)

#: States from which an accountant may retry or ignore a row.
RETRYABLE_STATES = ("quarantined", "retry", "ignored")
IGNORABLE_STATES = ("quarantined", "retry", "pending")
MANAGER_GROUP = "kashoo_connector.kashoo_connector_group_manager"


class KashooTransaction(models.Model):
    """The accountant's side of the staging rows: review, guided fixes and an audit trail.

    A quarantined row keeps what the mapper said (``error_type``, ``fix_action`` and the
    Kashoo object at fault, ``fix_ref_*``); the guided fixes open the mapping row of exactly
    that object. Every decision (retry, ignore, fix) is posted in the row's chatter.
    """

    _name = "kashoo.transaction"
    _inherit = ["kashoo.transaction", "mail.thread", "mail.activity.mixin"]
    # Accountants read these rows and discuss them; only the engine writes them.
    _mail_post_access = "read"

    ignore_reason = fields.Text(readonly=True, help="Why an accountant chose to ignore it.")
    ignored_by_id = fields.Many2one("res.users", string="Ignored By", readonly=True)
    ignored_at = fields.Datetime(readonly=True)

    error_label = fields.Char(string="Error", compute="_compute_error_label")
    partner_id = fields.Many2one("res.partner", string="Partner", compute="_compute_payload_info")
    contact_name = fields.Char(
        string="Contact",
        compute="_compute_payload_info",
        help="The Odoo partner of the Kashoo contact, else its name.",
    )
    currency_id = fields.Many2one("res.currency", compute="_compute_payload_info")
    amount = fields.Monetary(compute="_compute_payload_info", currency_field="currency_id")
    payload_html = fields.Html(
        string="Kashoo Data", compute="_compute_payload_html", sanitize=False
    )
    attempt_count = fields.Integer(string="Attempt Count", compute="_compute_attempt_count")
    webhook_event_ids = fields.Many2many(
        "kashoo.webhook.event", string="Webhook Events", compute="_compute_webhook_event_ids"
    )

    fix_kashoo_account_id = fields.Many2one("kashoo.account", compute="_compute_fix_targets")
    fix_kashoo_tax_id = fields.Many2one("kashoo.tax", compute="_compute_fix_targets")
    fix_tax_creatable = fields.Boolean(
        compute="_compute_fix_targets", help="The Kashoo tax lacks an Odoo tax on a side."
    )
    can_edit_mappings = fields.Boolean(compute="_compute_can_edit_mappings")

    # === COMPUTE METHODS === #

    @api.depends("error_type")
    def _compute_error_label(self):
        for row in self:
            code = row.error_type
            row.error_label = (
                row.env._(const.ERROR_TYPE_LABELS[code])
                if (code in const.ERROR_TYPE_LABELS)
                else code
            )

    @api.depends("payload", "backend_id")
    def _compute_payload_info(self):
        # One search for the contacts and one for the currencies of all rows.
        payloads = {row: row.payload if isinstance(row.payload, dict) else {} for row in self}
        contact_ids = {
            payload.get("contact")
            for payload in payloads.values()
            if isinstance(payload.get("contact"), int)
        }
        contacts = {}
        if contact_ids:
            for contact in (
                self.env["kashoo.contact"]
                .sudo()
                .search(
                    [
                        ("backend_id", "in", self.backend_id.ids),
                        ("kashoo_id", "in", list(contact_ids)),
                    ]
                )
            ):
                contacts[(contact.backend_id.id, contact.kashoo_id)] = contact
        codes = {payload["currency"] for payload in payloads.values() if payload.get("currency")}
        currencies = (
            self.env["res.currency"]
            .with_context(active_test=False)
            .search([("name", "in", list(codes))])
            .grouped("name")
            if codes
            else {}
        )
        for row, payload in payloads.items():
            contact = contacts.get((row.backend_id.id, payload.get("contact")))
            partner = contact.partner_id if contact else self.env["res.partner"]
            row.partner_id = partner
            row.contact_name = (
                (partner.display_name if partner else None)
                or payload.get("contactName")
                or (contact and contact.name)
                or False
            )
            currency = currencies.get(payload.get("currency")) or row.company_id.currency_id
            row.currency_id = currency
            minor_units = payload.get("amount")
            row.amount = (
                float(from_minor_units(minor_units, currency.decimal_places))
                if (isinstance(minor_units, int) and not isinstance(minor_units, bool))
                else 0.0
            )

    @api.depends("payload")
    def _compute_payload_html(self):
        for row in self:
            if not row.payload:
                row.payload_html = False
                continue
            text = json.dumps(row.payload, indent=2, sort_keys=True, ensure_ascii=False)
            row.payload_html = Markup('<pre class="o_kashoo_payload">%s</pre>') % text

    def _compute_attempt_count(self):
        counts = dict(
            self.env["kashoo.sync.log"]._read_group(
                [("transaction_id", "in", self.ids)], ["transaction_id"], ["__count"]
            )
        )
        for row in self:
            row.attempt_count = counts.get(row, 0)

    @api.depends("backend_id", "kashoo_id")
    def _compute_webhook_event_ids(self):
        events = (
            self.env["kashoo.webhook.event"].search(
                [
                    ("backend_id", "in", self.backend_id.ids),
                    ("kashoo_id", "in", self.mapped("kashoo_id")),
                ]
            )
            if self.ids
            else self.env["kashoo.webhook.event"]
        )
        by_key = events.grouped(lambda event: (event.backend_id.id, event.kashoo_id))
        for row in self:
            row.webhook_event_ids = by_key.get((row.backend_id.id, row.kashoo_id), events.browse())

    @api.depends("fix_ref_kind", "fix_ref_key", "backend_id")
    def _compute_fix_targets(self):
        targets = {REF_ACCOUNT: {}, REF_TAX: {}}
        for kind, model in ((REF_ACCOUNT, "kashoo.account"), (REF_TAX, "kashoo.tax")):
            keys = {
                int(row.fix_ref_key)
                for row in self
                if row.fix_ref_kind == kind and (row.fix_ref_key or "").isdigit()
            }
            if keys:
                for record in (
                    self.env[model]
                    .with_context(active_test=False)
                    .search(
                        [("backend_id", "in", self.backend_id.ids), ("kashoo_id", "in", list(keys))]
                    )
                ):
                    targets[kind][(record.backend_id.id, record.kashoo_id)] = record
        for row in self:
            key = (
                (row.backend_id.id, int(row.fix_ref_key))
                if (row.fix_ref_key or "").isdigit()
                else None
            )
            account = targets[REF_ACCOUNT].get(key) if row.fix_ref_kind == REF_ACCOUNT else None
            tax = targets[REF_TAX].get(key) if row.fix_ref_kind == REF_TAX else None
            row.fix_kashoo_account_id = account or False
            row.fix_kashoo_tax_id = tax or False
            row.fix_tax_creatable = bool(tax) and not (tax.sale_tax_id and tax.purchase_tax_id)

    def _compute_can_edit_mappings(self):
        self.can_edit_mappings = self.env.user.has_group(MANAGER_GROUP)

    # === ACTIONS: retry and ignore === #

    def action_kashoo_retry(self):
        """Retry the rows now (a few) or in the processing cron (many), with a fresh budget.

        :return: a notification of what happened, which reloads the view.
        """
        rows = self._kashoo_reviewable(RETRYABLE_STATES)
        if not rows:
            raise UserError(_("Only quarantined, ignored or waiting transactions can be retried."))
        rows.write(
            {
                "state": "pending",
                "tries": 0,
                "next_attempt_at": False,
                "force": True,
                "ignore_reason": False,
                "ignored_by_id": False,
                "ignored_at": False,
            }
        )
        self.env["kashoo.backend"]._kashoo_wake_processing()
        self.env["kashoo.audit.log"]._kashoo_record("retry", rows)
        rows._kashoo_log_decision(_("Retry asked by %(user)s.", user=self.env.user.name))
        self.env["kashoo.sync.log"]._kashoo_update_resolution(rows)
        if len(rows) > const.RETRY_NOW_LIMIT:
            return _notify(
                _("Retry scheduled"),
                _(
                    "%(count)s transactions are imported again by the import job in a moment.",
                    count=len(rows),
                ),
            )
        rows._kashoo_retry_now()
        done = rows.filtered(lambda row: row.state in ("done", "deleted"))
        still = rows.filtered(lambda row: row.state == "quarantined")
        message = _(
            "%(done)s imported, %(failed)s still in quarantine, %(waiting)s waiting.",
            done=len(done),
            failed=len(still),
            waiting=len(rows) - len(done) - len(still),
        )
        return _notify(_("Retried"), message, "success" if not still else "warning")

    def action_kashoo_retry_same_error(self):
        """Retry every quarantined row of this backend that failed the same way.

        "The same way" is the error type and, when the error names one, the same Kashoo
        object: after mapping Kashoo tax 3013, every record stuck on that tax goes again.
        """
        self.ensure_one()
        self.check_access("read")
        if not self.error_type:
            raise UserError(_("This transaction has no error to match."))
        domain = [
            ("backend_id", "=", self.backend_id.id),
            ("state", "=", "quarantined"),
            ("error_type", "=", self.error_type),
        ]
        if self.fix_ref_key:
            domain += [
                ("fix_ref_kind", "=", self.fix_ref_kind),
                ("fix_ref_key", "=", self.fix_ref_key),
            ]
        rows = self.search(domain)
        if self.state in RETRYABLE_STATES:
            rows |= self
        return rows.action_kashoo_retry()

    def action_kashoo_ignore(self):
        """Ask why, in a small wizard; the reason is kept on the rows and in their chatter."""
        rows = self.filtered(lambda row: row.state in IGNORABLE_STATES)
        if not rows:
            raise UserError(_("Only quarantined or waiting transactions can be ignored."))
        return {
            "type": "ir.actions.act_window",
            "name": _("Ignore Kashoo Transactions"),
            "res_model": "kashoo.quarantine.ignore.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_transaction_ids": [fields.Command.set(rows.ids)]},
        }

    def _kashoo_ignore(self, reason):
        """Set the rows aside for good (a newer Kashoo version does not wake them up)."""
        reason = (reason or "").strip()
        if not reason:
            raise UserError(
                _(
                    "Say why the transactions are ignored: the reason is kept for "
                    "the audit trail."
                )
            )
        rows = self._kashoo_reviewable(IGNORABLE_STATES)
        rows.write(
            {
                "state": "ignored",
                "next_attempt_at": False,
                "ignore_reason": reason,
                "ignored_by_id": self.env.uid,
                "ignored_at": fields.Datetime.now(),
            }
        )
        self.env["kashoo.audit.log"]._kashoo_record("ignore", rows, after={"reason": reason})
        rows._kashoo_log_decision(
            Markup("%s<br/>%s")
            % (_("Ignored by %(user)s. Reason:", user=self.env.user.name), reason)
        )
        self.env["kashoo.sync.log"]._kashoo_update_resolution(rows)
        rows.backend_id._kashoo_update_quarantine_activity()
        return rows.with_env(self.env)

    def action_kashoo_open_move(self):
        self.ensure_one()
        if not self.move_id:
            raise UserError(_("No Odoo document was written for this transaction."))
        return self.move_id.get_formview_action()

    # === ACTIONS: guided fixes === #

    def action_kashoo_fix_account(self):
        self.ensure_one()
        account = self._kashoo_fix_target("fix_kashoo_account_id")
        return self._kashoo_open_fix(
            account,
            _("Map Kashoo Account"),
            _(
                "Guided fix used by %(user)s: mapping of Kashoo account %(account)s opened.",
                user=self.env.user.name,
                account=account.display_name,
            ),
        )

    def action_kashoo_fix_tax(self):
        self.ensure_one()
        tax = self._kashoo_fix_target("fix_kashoo_tax_id")
        return self._kashoo_open_fix(
            tax,
            _("Map Kashoo Tax"),
            _(
                "Guided fix used by %(user)s: mapping of Kashoo tax %(tax)s opened.",
                user=self.env.user.name,
                tax=tax.display_name,
            ),
        )

    def action_kashoo_create_tax(self):
        """Create the missing Odoo taxes of the Kashoo tax (Canadian accounts), then show it."""
        self.ensure_one()
        tax = self._kashoo_fix_target("fix_kashoo_tax_id")
        tax.action_create_odoo_taxes()
        self._kashoo_log_decision(
            _(
                "Guided fix used by %(user)s: Odoo taxes created for Kashoo tax %(tax)s "
                "(%(odoo)s).",
                user=self.env.user.name,
                tax=tax.display_name,
                odoo=", ".join((tax.sale_tax_id | tax.purchase_tax_id).mapped("display_name")),
            )
        )
        return self._kashoo_open_fix(tax, _("Map Kashoo Tax"))

    def action_kashoo_fix_contact(self):
        """Open the Kashoo contact's mapping row; mirror it and match or create its partner
        first when it has none."""
        self.ensure_one()
        self._kashoo_check_mapping_rights()
        if self.fix_ref_kind != REF_CONTACT or not (self.fix_ref_key or "").isdigit():
            raise UserError(_("This error names no Kashoo contact."))
        Contact = self.env["kashoo.contact"].with_context(active_test=False)
        contact = Contact.search(
            [("backend_id", "=", self.backend_id.id), ("kashoo_id", "=", int(self.fix_ref_key))],
            limit=1,
        )
        if not contact:
            payload = self.payload if isinstance(self.payload, dict) else {}
            contact = Contact.create(
                {
                    "backend_id": self.backend_id.id,
                    "kashoo_id": int(self.fix_ref_key),
                    "name": payload.get("contactName") or self.fix_ref_label or "",
                }
            )
        if not contact.partner_id:
            contact._kashoo_resolve_partners()
        return self._kashoo_open_fix(
            contact,
            _("Link Kashoo Contact"),
            _(
                "Guided fix used by %(user)s: Kashoo contact %(contact)s linked to %(partner)s.",
                user=self.env.user.name,
                contact=contact.display_name,
                partner=contact.partner_id.display_name or _("no partner"),
            ),
        )

    def action_kashoo_fix_lock_date(self):
        self.ensure_one()
        if not self.env.user.has_group("account.group_account_manager"):
            raise UserError(_("Only accounting administrators can change lock dates."))
        self._kashoo_log_decision(
            _("Guided fix used by %(user)s: lock dates opened.", user=self.env.user.name)
        )
        return {
            "type": "ir.actions.act_window",
            "name": _("Lock Dates"),
            "res_model": "kashoo.lock.date.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {
                "default_company_id": self.company_id.id,
                "default_transaction_id": self.id,
            },
        }

    # === BUSINESS METHODS === #

    def _kashoo_fix_target(self, field_name):
        self._kashoo_check_mapping_rights()
        target = self[field_name]
        if not target:
            raise UserError(
                _(
                    "The Kashoo object of this error is not in the reference data: "
                    "refresh it from the Kashoo backend."
                )
            )
        return target

    def _kashoo_check_mapping_rights(self):
        if not self.env.user.has_group(MANAGER_GROUP):
            raise UserError(_("Only Kashoo managers can change the mappings."))

    def _kashoo_open_fix(self, record, name, note=None):
        """The editable mapping list, filtered on ``record``; the breadcrumb leads back."""
        if note:
            self._kashoo_log_decision(note)
        return {
            "type": "ir.actions.act_window",
            "name": name,
            "res_model": record._name,
            "view_mode": "list",
            "views": [(False, "list")],
            "domain": [("id", "=", record.id)],
            "context": {"active_test": False},
        }

    def _kashoo_log_decision(self, body):
        """One chatter note per row, in one batch, in the name of the user who decided."""
        if self:
            self.sudo()._message_log_batch(bodies=dict.fromkeys(self.ids, body))

    def _kashoo_reviewable(self, states):
        """The rows of ``self`` in ``states``, ready for the engine's own writes.

        Users never write staging rows (their access is read-only): a review action first
        checks that the user may read every row of ``self`` (the Kashoo groups and the
        company rules), then changes them as the engine does.

        :raise AccessError: a row the user may not see, e.g. another company's.
        """
        self.check_access("read")
        return self.sudo().filtered(lambda row: row.state in states)

    def _kashoo_retry_now(self):
        """Import the rows in this request, so the accountant sees the outcome at once.

        Rows another worker holds are skipped (``SKIP LOCKED``): the cron, already woken,
        imports them. A failing connection leaves the rows pending for the cron too.
        """
        for backend, rows in self.sudo().grouped("backend_id").items():
            if not backend._kashoo_sync_allowed():
                continue
            claimed = rows._kashoo_claim(backend, len(rows), among=rows)
            if not claimed:
                continue
            try:
                with self.env.cr.savepoint(), backend._kashoo_client() as client:
                    self.env["kashoo.import.engine"]._import_batch(backend, claimed, client)
            except KashooError as error:
                _logger.info(
                    "Kashoo retry of %s rows left to the cron: %s", len(claimed), error.message
                )
        self.invalidate_recordset()


def _notify(title, message, kind="info"):
    return {
        "type": "ir.actions.client",
        "tag": "display_notification",
        "params": {
            "title": title,
            "message": message,
            "type": kind,
            "next": {"type": "ir.actions.client", "tag": "soft_reload"},
        },
    }
