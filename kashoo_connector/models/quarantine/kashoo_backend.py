from markupsafe import Markup

from odoo import _, fields, models

QUARANTINE_ACTIVITY_TYPE = "kashoo_connector.mail_activity_type_kashoo_quarantine"
# First key of the advisory lock that serialises the activity update of one backend between
# the processing workers (the second key is the backend id).
QUARANTINE_ACTIVITY_LOCK = 4107


class KashooBackend(models.Model):
    """One open "review the quarantine" activity per backend for the accountants."""

    _inherit = "kashoo.backend"

    kashoo_quarantine_user_id = fields.Many2one(
        "res.users",
        string="Quarantine Reviewer",
        domain="[('share', '=', False), ('company_ids', 'in', company_id)]",
        help="Gets the activity when transactions land in quarantine. Empty: the first "
        "Kashoo user of the company who is not a Kashoo manager (else the first manager).",
    )

    def action_kashoo_open_quarantine(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "kashoo_connector.kashoo_transaction_quarantine_action"
        )
        action["domain"] = [("state", "=", "quarantined"), ("backend_id", "=", self.id)]
        return action

    def _kashoo_on_batch_done(self, rows, failed_before, client):
        """After each batch: the resolutions of the earlier failures, and the activity."""
        super()._kashoo_on_batch_done(rows, failed_before, client)
        self.env["kashoo.sync.log"].sudo()._kashoo_update_resolution(failed_before)
        if failed_before or any(row.state == "quarantined" for row in rows):
            self._kashoo_update_quarantine_activity()

    def _kashoo_quarantine_reviewer(self):
        """The user the quarantine activity goes to (see ``kashoo_quarantine_user_id``)."""
        self.ensure_one()
        if self.kashoo_quarantine_user_id.active:
            return self.kashoo_quarantine_user_id
        users = self.env.ref("kashoo_connector.kashoo_connector_group_user").sudo().users
        users = users.filtered(
            lambda user: not user.share
            and user.active
            and self.company_id in user.company_ids
            and user != self.env.ref("base.user_root")
        ).sorted("id")
        manager = self.env.ref("kashoo_connector.kashoo_connector_group_manager")
        accountants = users.filtered(lambda user: manager not in user.groups_id)
        return accountants[:1] or users[:1]

    def _kashoo_update_quarantine_activity(self):
        """Keep one open activity per backend saying how many rows wait in quarantine.

        Called once per processed batch (and after an accountant's decision): the open
        activity is updated in place, never duplicated; it is closed when the quarantine is
        empty, and a new one is scheduled for the next quarantined row after that.
        """
        activity_type = self.env.ref(QUARANTINE_ACTIVITY_TYPE)
        counts = dict(
            self.env["kashoo.transaction"]
            .sudo()
            ._read_group(
                [("backend_id", "in", self.ids), ("state", "=", "quarantined")],
                ["backend_id"],
                ["__count"],
            )
        )
        for backend in self.sudo():
            # Two workers finishing a batch at once would both find no activity. The one
            # that does not get the lock leaves the update to the other (it never waits: an
            # import must not queue behind another batch); the next batch corrects the count.
            self.env.cr.execute(
                "SELECT pg_try_advisory_xact_lock(%s, %s)", [QUARANTINE_ACTIVITY_LOCK, backend.id]
            )
            if not self.env.cr.fetchone()[0]:
                continue
            activity = (
                self.env["mail.activity"]
                .sudo()
                .search(
                    [
                        ("res_model", "=", backend._name),
                        ("res_id", "=", backend.id),
                        ("activity_type_id", "=", activity_type.id),
                    ],
                    limit=1,
                )
            )
            count = counts.get(backend, 0)
            if not count:
                if activity:
                    activity.action_feedback(feedback=_("The quarantine is empty."))
                continue
            summary = _("%(count)s Kashoo transactions in quarantine", count=count)
            if activity and activity.summary == summary:
                continue
            note = Markup("<p>%s</p>") % _(
                "%(count)s transactions of %(backend)s could not be imported. Open "
                "Accounting > Kashoo > Quarantine, fix the cause (each item suggests how) and "
                "retry them.",
                count=count,
                backend=backend.display_name,
            )
            if activity:
                activity.write({"summary": summary, "note": note})
                continue
            reviewer = backend._kashoo_quarantine_reviewer()
            if reviewer:
                backend.activity_schedule(
                    QUARANTINE_ACTIVITY_TYPE, summary=summary, note=note, user_id=reviewer.id
                )
