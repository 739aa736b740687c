from odoo import fields, models

from ...kashoo_logic import audit_chain


class KashooAuditChain(models.Model):
    """The head of one company's audit chain: the last sequence number and hash given.

    Its row is the chain's lock: the sealer takes it ``FOR UPDATE`` before it numbers and
    hashes the waiting entries, so two workers never give the same number twice. It also
    tells verification where the chain must end, so deleting the newest entries shows.
    """

    _name = "kashoo.audit.chain"
    _description = "Kashoo Audit Chain Head"
    _log_access = False

    company_id = fields.Many2one("res.company", required=True, ondelete="cascade", readonly=True)
    last_sequence = fields.Integer(readonly=True, default=0)
    last_hash = fields.Char(readonly=True, default=audit_chain.GENESIS_HASH)
    verified_at = fields.Datetime(string="Last Verification", readonly=True)
    verified_ok = fields.Boolean(string="Intact at Last Verification", readonly=True)

    _sql_constraints = [
        ("company_uniq", "unique(company_id)", "A company has one audit chain."),
    ]
