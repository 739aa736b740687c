import logging
from datetime import timedelta

from odoo import api, fields, models

from ... import const

_logger = logging.getLogger(__name__)


class KashooWebhookEvent(models.Model):
    """A verified webhook delivery, stored once per ``webhook-id``.

    The controller only inserts rows here (an ``ON CONFLICT DO NOTHING`` insert, so a retried
    delivery has no effect) and wakes the processing cron; it never touches the staging rows,
    which the processing cron may hold locked. Events are hints: the cron folds them into
    ``kashoo.transaction`` and then re-fetches each record from Kashoo.
    """

    _name = "kashoo.webhook.event"
    _description = "Kashoo Webhook Event"
    _order = "id desc"

    backend_id = fields.Many2one(
        "kashoo.backend", required=True, index=True, ondelete="cascade", readonly=True
    )
    company_id = fields.Many2one(related="backend_id.company_id", store=True)
    webhook_id = fields.Char(string="Webhook ID", required=True, readonly=True)
    event_type = fields.Char(readonly=True)
    kashoo_id = fields.Integer(string="Kashoo ID", readonly=True)
    kashoo_version = fields.Integer(readonly=True)
    received_at = fields.Datetime(required=True, readonly=True, default=fields.Datetime.now)
    state = fields.Selection(
        selection=[("new", "New"), ("done", "Folded into staging"), ("ignored", "Ignored")],
        required=True,
        default="new",
        readonly=True,
        index=True,
    )

    _sql_constraints = [
        # The idempotency key of Standard Webhooks: the same id across every retry. It is
        # the sender's id for one endpoint, so another backend's equal id is another event.
        (
            "webhook_id_uniq",
            "unique(backend_id, webhook_id)",
            "A webhook event is stored once per backend.",
        ),
    ]

    @api.model
    def _kashoo_store(self, backend, webhook_id, event_type, kashoo_id, version):
        """Insert one event unless ``backend`` knows its ``webhook-id``; return True if it
        was new. The id is stored whole (the controller refuses ids too long to store)."""
        if len(webhook_id) > const.WEBHOOK_ID_MAX_LENGTH:
            raise ValueError("webhook-id longer than the stored maximum")
        self.env.cr.execute(
            """
            INSERT INTO kashoo_webhook_event
                (backend_id, company_id, webhook_id, event_type, kashoo_id, kashoo_version,
                 received_at, state, create_uid, write_uid, create_date, write_date)
            VALUES (%s, %s, %s, %s, %s, %s, now() at time zone 'UTC', 'new', %s, %s,
                    now() at time zone 'UTC', now() at time zone 'UTC')
            ON CONFLICT (backend_id, webhook_id) DO NOTHING
            RETURNING id
            """,
            [
                backend.id,
                backend.company_id.id,
                webhook_id,
                event_type,
                kashoo_id,
                version,
                self.env.uid,
                self.env.uid,
            ],
        )
        return bool(self.env.cr.fetchone())

    @api.autovacuum
    def _gc_kashoo_webhook_events(self):
        """Forget processed events once Kashoo can no longer retry them (≥ 48 h)."""
        limit = fields.Datetime.now() - timedelta(hours=const.WEBHOOK_EVENT_RETENTION_HOURS)
        self.env.cr.execute(
            "DELETE FROM kashoo_webhook_event WHERE received_at < %s AND state != 'new'",
            [limit],
        )
        if self.env.cr.rowcount:
            _logger.info("Removed %s old Kashoo webhook events", self.env.cr.rowcount)

    @api.model
    def _kashoo_fold_into_staging(self, backend, limit=5000):
        """Fold ``backend``'s new events into its staging rows; return how many were read.

        Events are hints (no amounts): the newest announced version of each record, or its
        deletion, is staged; the import then fetches the record itself from Kashoo.
        """
        cr = self.env.cr
        self.env.flush_all()
        cr.execute(
            """
            SELECT id, kashoo_id, kashoo_version, event_type FROM kashoo_webhook_event
             WHERE backend_id = %s AND state = 'new'
             ORDER BY id LIMIT %s FOR UPDATE SKIP LOCKED
            """,
            [backend.id, limit],
        )
        events = cr.fetchall()
        if not events:
            return 0
        newest = {}
        for _event_id, kashoo_id, version, event_type in events:
            if not kashoo_id:
                continue
            removed = event_type == "transaction.deleted"
            known = newest.get(kashoo_id)
            if (
                known is None
                or (version or 0) > known[0]
                or ((version or 0) == known[0] and removed)
            ):
                newest[kashoo_id] = (version or 0, removed)
        hints = [(kashoo_id, version, removed) for kashoo_id, (version, removed) in newest.items()]
        self.env["kashoo.transaction"].sudo()._kashoo_upsert_hints(backend, hints)
        cr.execute(
            "UPDATE kashoo_webhook_event SET state = 'done' WHERE id = ANY(%s)",
            [[event[0] for event in events]],
        )
        return len(events)
