from datetime import datetime, timezone

from odoo import api, fields, models

from ... import utils
from ...kashoo_api import KashooAuthRevoked, TokenSet


class KashooOAuthToken(models.Model):
    """The OAuth tokens of a backend, in a row of their own.

    Refreshing locks and rewrites this row in its own short transaction; keeping it apart from
    ``kashoo.backend`` means a refresh never conflicts with a transaction that is editing the
    backend's settings or state.
    """

    _name = "kashoo.oauth.token"
    _description = "Kashoo OAuth Tokens"

    backend_id = fields.Many2one("kashoo.backend", required=True, ondelete="cascade")
    access_token_encrypted = fields.Char(groups="base.group_system", required=True)
    refresh_token_encrypted = fields.Char(groups="base.group_system")
    expires_at = fields.Datetime(groups="base.group_system")
    scope = fields.Char()

    _sql_constraints = [
        ("backend_uniq", "unique(backend_id)", "A backend has one set of tokens."),
    ]

    @api.model
    def _save(self, backend, token_set):
        """Encrypt and store ``token_set`` as ``backend``'s tokens; keep a refresh token the
        server did not rotate."""
        box = utils.get_secret_box(self.env)
        values = {
            "access_token_encrypted": box.encrypt(token_set.access_token),
            "expires_at": _utc_datetime(token_set.expires_at),
            "scope": token_set.scope or False,
        }
        if token_set.refresh_token:
            values["refresh_token_encrypted"] = box.encrypt(token_set.refresh_token)
        tokens = self.sudo().search([("backend_id", "=", backend.id)])
        if tokens:
            tokens.write(values)
        else:
            tokens.create(dict(values, backend_id=backend.id))

    @api.model
    def _load(self, backend, lock=False):
        """Return ``backend``'s :class:`TokenSet`, optionally locking its row first.

        :raise KashooAuthRevoked: the backend was never authorized (or was disconnected).
        """
        if lock:
            self.env.cr.execute(
                "SELECT id FROM kashoo_oauth_token WHERE backend_id = %s FOR NO KEY UPDATE",
                [backend.id],
            )
        tokens = self.sudo().search([("backend_id", "=", backend.id)])
        if not tokens:
            raise KashooAuthRevoked(
                self.env._("this backend has no access token: " "authorize with Kashoo"),
                code="not_authorized",
            )
        return TokenSet(
            access_token=utils.decrypt_secret(self.env, tokens.access_token_encrypted),
            refresh_token=tokens.refresh_token_encrypted
            and utils.decrypt_secret(self.env, tokens.refresh_token_encrypted),
            expires_at=_utc_timestamp(tokens.expires_at),
            scope=tokens.scope or None,
        )


def _utc_datetime(timestamp):
    """Naive UTC datetime, as Odoo stores it, of a Unix time (or ``False``)."""
    if timestamp is None:
        return False
    return datetime.fromtimestamp(int(timestamp), timezone.utc).replace(tzinfo=None)


def _utc_timestamp(value):
    """Unix time of a naive UTC datetime as Odoo stores it, or ``None``."""
    if not value:
        return None
    return value.replace(tzinfo=timezone.utc).timestamp()
