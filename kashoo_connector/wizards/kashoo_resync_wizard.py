from odoo import _, fields, models
from odoo.exceptions import UserError


class KashooResyncWizard(models.TransientModel):
    """Manual resync: re-read every Kashoo transaction dated from a day and re-process it.

    The fetch cron lists the records in pages of 100 and stages them with ``force``; the
    processing cron then re-imports them in batches with progress. Idempotent: a record whose
    document is already there at the same version is left as it is, a missing one is created.
    """

    _name = "kashoo.resync.wizard"
    _description = "Kashoo Manual Resync"

    backend_id = fields.Many2one("kashoo.backend", required=True, ondelete="cascade")
    date_from = fields.Date(string="Resync From", required=True)

    def action_resync(self):
        self.ensure_one()
        backend = self.backend_id
        if backend.state != "connected":
            raise UserError(_("Connect the backend to Kashoo before resynchronizing."))
        backend.write({"resync_from": self.date_from})
        backend.message_post(body=_("Manual resync from %(date)s requested.", date=self.date_from))
        self.env.ref("kashoo_connector.ir_cron_kashoo_fetch")._trigger()
        return {"type": "ir.actions.act_window_close"}
