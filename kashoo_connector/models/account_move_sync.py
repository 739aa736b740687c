from odoo import models
from odoo.tools.sql import column_exists


class AccountMove(models.Model):
    _inherit = "account.move"

    def init(self):
        super().init()
        # At most one live document per (company, Kashoo id), enforced by the database, not
        # by a search: a re-delivered or re-fetched transaction can only update in place.
        # Reversals of removed records carry no kashoo_id (the field is not copied).
        if column_exists(self.env.cr, "account_move", "kashoo_id"):
            self.env.cr.execute("""
                CREATE UNIQUE INDEX IF NOT EXISTS account_move_kashoo_live_uniq
                    ON account_move (company_id, kashoo_id)
                 WHERE kashoo_id IS NOT NULL AND kashoo_id != 0 AND state != 'cancel'
            """)
