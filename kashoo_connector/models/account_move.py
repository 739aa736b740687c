from odoo import fields, models


class AccountMove(models.Model):
    """Where a move came from in Kashoo: the record, its version and the audit trail."""

    _inherit = "account.move"

    kashoo_backend_id = fields.Many2one(
        "kashoo.backend", string="Kashoo Backend", index=True, copy=False, readonly=True,
        ondelete="restrict",
    )
    kashoo_id = fields.Integer(string="Kashoo ID", index=True, copy=False, readonly=True)
    kashoo_version = fields.Integer(string="Kashoo Version", copy=False, readonly=True)
    kashoo_type = fields.Char(string="Kashoo Type", copy=False, readonly=True)
    kashoo_uuid = fields.Char(
        string="Kashoo Audit UUID", copy=False, readonly=True, index="btree_not_null",
        help="Derived from the Kashoo business, record id and version: the same record "
        "version always gets the same UUID.",
    )
    kashoo_original_amount = fields.Float(
        string="Kashoo Original Amount", copy=False, readonly=True, digits=0,
        help="The record total in its own currency, with Kashoo's sign.",
    )
    kashoo_exchange_rate = fields.Float(
        string="Kashoo Exchange Rate", copy=False, readonly=True, digits=(16, 10),
        help="Company-currency units per unit of the record currency, as Kashoo gave it; "
        "empty for records in the company currency.",
    )


class AccountPayment(models.Model):
    """Payments imported from Kashoo carry the same identity as their journal entry."""

    _inherit = "account.payment"

    kashoo_backend_id = fields.Many2one(
        "kashoo.backend", string="Kashoo Backend", index=True, copy=False, readonly=True,
        ondelete="restrict",
    )
    kashoo_id = fields.Integer(string="Kashoo ID", index=True, copy=False, readonly=True)
    kashoo_version = fields.Integer(string="Kashoo Version", copy=False, readonly=True)
    kashoo_type = fields.Char(string="Kashoo Type", copy=False, readonly=True)
    kashoo_uuid = fields.Char(string="Kashoo Audit UUID", copy=False, readonly=True)
