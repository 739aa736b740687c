import hashlib
import secrets
from datetime import timedelta

from odoo import api, fields, models

from ... import const, utils


def _digest(state):
    # Only the hash is stored: a database reader cannot replay a pending state.
    return hashlib.sha256(state.encode("utf-8")).hexdigest()


class KashooOAuthState(models.Model):
    """A pending OAuth authorization: the random ``state`` sent to Kashoo, bound to the user,
    company and backend that started it, with its PKCE verifier. Single-use, short-lived."""

    _name = "kashoo.oauth.state"
    _description = "Kashoo OAuth Authorization in Progress"

    state_digest = fields.Char(required=True, index=True, readonly=True)
    backend_id = fields.Many2one("kashoo.backend", required=True, ondelete="cascade")
    company_id = fields.Many2one(related="backend_id.company_id")
    user_id = fields.Many2one("res.users", required=True, ondelete="cascade")
    code_verifier_encrypted = fields.Char(required=True)
    expires_at = fields.Datetime(required=True)
    used = fields.Boolean(default=False)

    _sql_constraints = [
        ("state_digest_uniq", "unique(state_digest)", "An OAuth state is used once only."),
    ]

    @api.model
    def _issue(self, backend, code_verifier):
        """Create a state for ``backend`` and the current user; return the value to send."""
        state = secrets.token_urlsafe(32)
        self.sudo().create(
            {
                "state_digest": _digest(state),
                "backend_id": backend.id,
                "user_id": self.env.uid,
                "code_verifier_encrypted": utils.get_secret_box(self.env).encrypt(code_verifier),
                "expires_at": fields.Datetime.now()
                + timedelta(minutes=const.OAUTH_STATE_LIFETIME_MINUTES),
            }
        )
        return state

    @api.model
    def _consume(self, state):
        """Return ``(record, reason)`` for a state received on the callback.

        A state that belongs to the current user is locked and marked used whatever the
        outcome, so it never works twice; ``reason`` is ``None`` when it is valid. A state of
        another user (or company) is left untouched: anyone could otherwise spend, and so
        cancel, an administrator's authorization in progress by opening its link first.
        """
        if not state:
            return self.browse(), "missing"
        self.env.cr.execute(
            "SELECT id FROM kashoo_oauth_state WHERE state_digest = %s FOR UPDATE",
            [_digest(state)],
        )
        row = self.env.cr.fetchone()
        record = self.sudo().browse(row[0] if row else ())
        if not record:
            return record, "unknown"
        if record.user_id.id != self.env.uid:
            return record, "other_user"
        if record.backend_id.company_id not in self.env.user.company_ids:
            return record, "other_company"
        if record.used:
            return record, "reused"
        record.used = True
        if record.expires_at < fields.Datetime.now():
            return record, "expired"
        return record, None

    def _code_verifier(self):
        self.ensure_one()
        return utils.decrypt_secret(self.env, self.code_verifier_encrypted)

    @api.autovacuum
    def _gc_expired_states(self):
        cutoff = fields.Datetime.now() - timedelta(days=1)
        self.sudo().search([("expires_at", "<", cutoff)]).unlink()
