import base64

from odoo import fields, models


class KashooSyncRestoreWizard(models.TransientModel):
    """Restore a backend's configuration and polling cursor from a daily JSON export."""

    _name = "kashoo.sync.restore.wizard"
    _description = "Kashoo Sync State Restore"

    backend_id = fields.Many2one("kashoo.backend", required=True, ondelete="cascade")
    export_file = fields.Binary(string="Export (JSON)", required=True, attachment=False)
    export_filename = fields.Char()

    def action_restore(self):
        self.ensure_one()
        self.backend_id._kashoo_restore_sync_state(base64.b64decode(self.export_file))
        return {"type": "ir.actions.act_window_close"}
