import base64
import binascii
import contextlib
import logging
import time
from datetime import timedelta
from urllib.parse import urlsplit

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.modules.module import get_manifest

from ... import const, utils
from ...kashoo_api import (
    AUTH_MODE_CLASSIC,
    AUTH_MODE_OAUTH,
    ClassicTokenProvider,
    KashooAuth,
    KashooAuthError,
    KashooAuthRejected,
    KashooAuthRevoked,
    KashooCertificatePinError,
    KashooClient,
    KashooError,
    KashooForbidden,
    KashooNotFound,
    KashooTransientError,
    OAuthTokenManager,
    build_authorize_url,
    code_challenge_s256,
    exchange_code,
    generate_code_verifier,
    refresh_tokens,
)

_logger = logging.getLogger(__name__)

#: Where the connection points and as which client. The bearer token, the refresh token and
#: the client secret are sent wherever these say, so only system administrators set them.
CONNECTION_FIELDS = (
    "api_url",
    "api_prefix",
    "api_version",
    "auth_mode",
    "client_id",
    "kashoo_business_id",
)
#: The connection fields that decide which server (and which client registration) receives
#: the tokens. The business id is not one: the same server, under the same authorization,
#: decides itself which businesses that authorization reaches.
ENDPOINT_FIELDS = ("api_url", "api_prefix", "api_version", "auth_mode", "client_id")


class KashooBackend(models.Model):
    """One connection between an Odoo company and a Kashoo business.

    Every other part of the connector (mappings, staging, logs) hangs off a backend, in the
    manner of OCA connector backends. Secrets live encrypted in ``*_encrypted`` columns that
    only system administrators can read; the key is in odoo.conf or the environment.
    """

    _name = "kashoo.backend"
    _description = "Kashoo Backend"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "company_id, id"

    # === FIELDS === #

    name = fields.Char(required=True, tracking=True, default=lambda self: _("Kashoo"))
    company_id = fields.Many2one(
        "res.company",
        required=True,
        index=True,
        ondelete="cascade",
        default=lambda self: self.env.company,
        tracking=True,
    )
    state = fields.Selection(
        selection=const.BACKEND_STATES,
        required=True,
        default="draft",
        readonly=True,
        copy=False,
        tracking=True,
    )

    # Where Kashoo is.
    api_url = fields.Char(
        string="API URL",
        required=True,
        default=lambda self: self._default_param(const.PARAM_API_URL, const.DEFAULT_API_URL),
        tracking=True,
        help="Base URL of the Kashoo API. The default comes from the system parameter "
        "kashoo.api.url.",
    )
    api_version = fields.Char(
        string="API Version",
        required=True,
        default=lambda self: self._default_param(
            const.PARAM_API_VERSION, const.DEFAULT_API_VERSION
        ),
        tracking=True,
        help="Kashoo API version; replaces {version} in the path prefix. The default comes "
        "from the system parameter kashoo.api.version.",
    )
    api_prefix = fields.Char(
        string="API Path Prefix",
        required=True,
        default=const.DEFAULT_API_PREFIX,
        tracking=True,
        help="Path before every API resource: /api for Kashoo's own layout, or /{version} "
        "for the versioned layout of the integration specification (e.g. /v2).",
    )
    auth_mode = fields.Selection(
        selection=const.AUTH_MODES,
        required=True,
        default=AUTH_MODE_OAUTH,
        tracking=True,
        help="OAuth 2.0 (authorization code with PKCE) or Kashoo's classic API token.",
    )

    # The Kashoo application registration and the business it reaches.
    client_id = fields.Char(string="Client ID", tracking=True, copy=False)
    client_secret = fields.Char(
        string="Client Secret",
        compute="_compute_write_only_secrets",
        inverse="_inverse_client_secret",
        groups="base.group_system",
        help="Shown empty once stored; type a new value to replace it.",
    )
    client_secret_new = fields.Char(
        string="New Client Secret",
        compute="_compute_write_only_secrets",
        inverse="_inverse_client_secret_new",
        groups="base.group_system",
        help="To rotate the client secret without interruption: enter the new secret here, "
        "then click Rotate Client Secret. The current secret stays in use until Kashoo has "
        "accepted the new one.",
    )
    client_secret_changed_at = fields.Datetime(
        string="Client Secret Set On",
        readonly=True,
        copy=False,
        help="When the current client secret was entered; the administrators are reminded "
        "to rotate it after 90 days.",
    )
    classic_token = fields.Char(
        string="Classic API Token",
        compute="_compute_write_only_secrets",
        inverse="_inverse_classic_token",
        groups="base.group_system",
        help="A token from POST /api/authTokens, used in the classic authentication mode.",
    )
    kashoo_business_id = fields.Integer(string="Kashoo Business ID", tracking=True, copy=False)
    kashoo_business_name = fields.Char(string="Kashoo Business", readonly=True, copy=False)
    has_client_secret = fields.Boolean(compute="_compute_has_secrets")
    has_client_secret_pending = fields.Boolean(compute="_compute_has_secrets")
    has_tokens = fields.Boolean(compute="_compute_has_secrets")
    redirect_uri = fields.Char(
        string="Redirect URI",
        compute="_compute_redirect_uri",
        help="Register this exact address with your Kashoo application.",
    )

    # Encrypted at rest; never exposed to anyone but system administrators.
    client_secret_encrypted = fields.Char(groups="base.group_system", copy=False)
    # A new client secret not yet proven with Kashoo; the current one is used meanwhile.
    client_secret_pending_encrypted = fields.Char(groups="base.group_system", copy=False)
    classic_token_encrypted = fields.Char(groups="base.group_system", copy=False)
    webhook_secret_encrypted = fields.Char(groups="base.group_system", copy=False)
    token_scope = fields.Char(string="Granted Scopes", compute="_compute_token_scope")
    token_refresh_margin = fields.Integer(
        string="Refresh Margin (s)",
        default=const.DEFAULT_TOKEN_REFRESH_MARGIN,
        help="Renew the access token when fewer seconds than this remain before it expires.",
    )

    tls_spki_pins = fields.Char(
        string="Pinned Certificate Keys",
        groups="base.group_system",
        copy=False,
        help="Optional. Base64 SHA-256 hashes of the SubjectPublicKeyInfo of the keys Kashoo's "
        "certificates may have, comma-separated (include the next key before a renewal). "
        "When set, a server presenting any other key is refused before a token is sent.",
    )

    auth_log_ids = fields.One2many("kashoo.auth.log", "backend_id", string="Authentication Log")
    last_auth_message = fields.Char(
        string="Last Authentication Event", compute="_compute_last_auth_message"
    )

    _sql_constraints = [
        (
            "company_uniq",
            "unique(company_id)",
            "A company can be connected to one Kashoo business only.",
        ),
    ]

    # === DEFAULT METHODS === #

    def _default_param(self, key, fallback):
        return self.env["ir.config_parameter"].sudo().get_param(key) or fallback

    # === COMPUTE METHODS === #

    def _compute_write_only_secrets(self):
        # Secrets are write-only in the UI: nobody reads a stored value back.
        self.client_secret = False
        self.client_secret_new = False
        self.classic_token = False

    def _compute_has_secrets(self):
        authorized = (
            self.env["kashoo.oauth.token"]
            .sudo()
            .search([("backend_id", "in", self.ids)])
            .backend_id
        )
        for backend, backend_sudo in zip(self, self.sudo(), strict=True):
            backend.has_client_secret = bool(backend_sudo.client_secret_encrypted)
            backend.has_client_secret_pending = bool(backend_sudo.client_secret_pending_encrypted)
            backend.has_tokens = backend in authorized or bool(backend_sudo.classic_token_encrypted)

    def _compute_token_scope(self):
        tokens = self.env["kashoo.oauth.token"].sudo().search([("backend_id", "in", self.ids)])
        scopes = {token.backend_id.id: token.scope for token in tokens}
        for backend in self:
            backend.token_scope = scopes.get(backend.id, False)

    def _compute_redirect_uri(self):
        for backend in self:
            backend.redirect_uri = backend.get_base_url() + const.OAUTH_CALLBACK_ROUTE

    @api.depends("auth_log_ids")
    def _compute_last_auth_message(self):
        for backend in self:
            last = backend.auth_log_ids[:1]
            if not last:
                backend.last_auth_message = False
                continue
            # The selection labels in the reader's language, as the log's list view shows them.
            events = dict(last._fields["event"]._description_selection(backend.env))
            outcomes = dict(last._fields["outcome"]._description_selection(backend.env))
            backend.last_auth_message = (
                f"{last.create_date:%Y-%m-%d %H:%M} UTC, "
                f"{events[last.event]}: {outcomes[last.outcome]}"
                + (f" ({last.message})" if last.message else "")
            )

    def _inverse_client_secret(self):
        entered = self.filtered("client_secret")
        self._store_secret("client_secret_encrypted", "client_secret", _("Client secret"))
        entered._kashoo_client_secret_replaced()

    def _inverse_client_secret_new(self):
        self._store_secret(
            "client_secret_pending_encrypted", "client_secret_new", _("New client secret")
        )

    def _inverse_classic_token(self):
        self._store_secret("classic_token_encrypted", "classic_token", _("Classic API token"))

    def _store_secret(self, column, field_name, label):
        """Encrypt the typed value of ``field_name`` into ``column``; empty keeps the old one."""
        for backend in self:
            value = backend[field_name]
            if not value:
                continue
            backend.sudo()[column] = utils.get_secret_box(self.env).encrypt(value)
            # Tracked as a change without its value, which must never reach the chatter.
            backend.message_post(body=_("%(secret)s changed.", secret=label))

    # === CONSTRAINT METHODS === #

    @api.constrains("api_url")
    def _check_api_url(self):
        for backend in self:
            parts = urlsplit(backend.api_url or "")
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise ValidationError(
                    _(
                        "The Kashoo API URL must be an http(s) address, not %(url)r.",
                        url=backend.api_url,
                    )
                )
            if parts.username is not None or parts.password is not None:
                raise ValidationError(
                    _("The Kashoo API URL must not contain a user name or password.")
                )
            if parts.scheme == "http" and not utils.plain_http_allowed(parts.hostname):
                # Tokens and the client secret would cross the network readable by anyone
                # on the path; only this machine's own loopback is exempt.
                raise ValidationError(
                    _(
                        "The Kashoo API URL must use https: %(url)s would send the tokens "
                        "unencrypted. Plain http is accepted only for this machine (localhost, "
                        "127.0.0.0/8, ::1).",
                        url=backend.api_url,
                    )
                )

    @api.constrains("tls_spki_pins")
    def _check_tls_spki_pins(self):
        for backend in self.sudo():
            for pin in _split_pins(backend.tls_spki_pins):
                try:
                    valid = len(base64.b64decode(pin, validate=True)) == 32
                except (binascii.Error, ValueError):
                    valid = False
                if not valid:
                    raise ValidationError(
                        _(
                            "%(pin)s is not a certificate key pin: a pin is the base64 of the "
                            "SHA-256 of the key's SubjectPublicKeyInfo (44 characters).",
                            pin=pin,
                        )
                    )

    @api.constrains("api_prefix")
    def _check_api_prefix(self):
        for backend in self:
            if not (backend.api_prefix or "").startswith("/"):
                raise ValidationError(_("The API path prefix must start with '/', e.g. /api."))

    # === CRUD METHODS === #

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.is_system():
            named = {name for vals in vals_list for name in CONNECTION_FIELDS if name in vals}
            defaults = self.default_get(list(named)) if named else {}
            for vals in vals_list:
                chosen = [
                    name
                    for name in named & vals.keys()
                    if not self._kashoo_same_value(name, vals[name], defaults.get(name))
                ]
                if chosen:
                    self._kashoo_refuse_connection_change(chosen)
        return super().create(vals_list)

    def write(self, vals):
        # Kept small: who may redirect the connection, and what a redirect forgets.
        moved = self._kashoo_connection_changes(vals)
        result = super().write(vals)
        for backend, names in moved.items():
            backend._kashoo_forget_authorization(
                names, keep_classic_token=bool(vals.get("classic_token"))
            )
        return result

    def _kashoo_same_value(self, name, value, current):
        field = self._fields[name]
        value = field.convert_to_record(field.convert_to_cache(value, self, validate=False), self)
        return (value or False) == (current or False)

    def _kashoo_connection_changes(self, vals):
        """Check who changes :data:`CONNECTION_FIELDS`; return, per backend, the changed ones
        that send the credentials elsewhere (:data:`ENDPOINT_FIELDS`)."""
        names = [name for name in CONNECTION_FIELDS if name in vals]
        changed = {}
        for backend in self if names else ():
            if fields_changed := [
                name
                for name in names
                if not backend._kashoo_same_value(name, vals[name], backend[name])
            ]:
                changed[backend] = fields_changed
        if changed and not self.env.is_system():
            self._kashoo_refuse_connection_change(sorted(set().union(*changed.values())))
        return {
            backend: moved
            for backend, names in changed.items()
            if (moved := [name for name in names if name in ENDPOINT_FIELDS])
        }

    def _kashoo_refuse_connection_change(self, names):
        raise AccessError(
            _(
                "Only system administrators can change where the Kashoo connection points "
                "(%(fields)s).",
                fields=self._kashoo_field_labels(names),
            )
        )

    def _kashoo_field_labels(self, names):
        return ", ".join(self._fields[name]._description_string(self.env) for name in names)

    def _kashoo_forget_authorization(self, names, keep_classic_token=False):
        """Drop the tokens obtained for the previous endpoint: sent to the new one they would
        hand it the old authorization. The backend waits for a new authorization."""
        self.ensure_one()
        backend_sudo = self.sudo()
        tokens = self.env["kashoo.oauth.token"].sudo().search([("backend_id", "=", self.id)])
        drop_classic = bool(backend_sudo.classic_token_encrypted) and not keep_classic_token
        if not (tokens or drop_classic) and self.state == "draft":
            return
        tokens.unlink()
        values = {"state": "reauthorize"}
        if drop_classic:
            values["classic_token_encrypted"] = False
        backend_sudo.write(values)
        message = _(
            "The Kashoo connection was changed (%(fields)s): the stored tokens were removed. "
            "Authorize with Kashoo again before the next synchronization.",
            fields=self._kashoo_field_labels(names),
        )
        self._log_auth("reconfigure", "success", message)
        self.message_post(body=message)

    # === ACTION METHODS === #

    def action_kashoo_authorize(self):
        """Send the administrator to Kashoo's consent page (OAuth 2.0 code flow with PKCE)."""
        self.ensure_one()
        self._check_administrator()
        if not self.client_id or not self.has_client_secret:
            raise UserError(
                _("Enter the Client ID and Client Secret of your Kashoo application " "first.")
            )
        code_verifier = generate_code_verifier()
        state = self.env["kashoo.oauth.state"]._issue(self, code_verifier)
        url = build_authorize_url(
            self._oauth_endpoint(const.OAUTH_AUTHORIZE_PATH),
            self.client_id,
            self.redirect_uri,
            const.OAUTH_SCOPES,
            state,
            code_challenge_s256(code_verifier),
        )
        self._log_auth(
            "authorize",
            "success",
            _("Sent %(user)s to Kashoo's consent page.", user=self.env.user.name),
        )
        return {"type": "ir.actions.act_url", "url": url, "target": "self"}

    def action_kashoo_verify(self):
        """Fetch the business profile and show its name, or say precisely what is wrong."""
        self.ensure_one()
        self._check_administrator()
        business = self._fetch_business_profile()
        self.write(
            {
                "kashoo_business_id": business["id"],
                "kashoo_business_name": business.get("name") or "",
                "state": "connected",
            }
        )
        self._log_auth(
            "verify",
            "success",
            _("Reached Kashoo business %(name)s.", name=self.kashoo_business_name),
        )
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "title": _("Connected to Kashoo"),
                "message": _("Kashoo business: %(name)s", name=self.kashoo_business_name),
                # Reload the screen so it shows the business and the new state.
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    def action_kashoo_disconnect(self):
        """Forget every token; the client registration stays."""
        self._check_administrator()
        self.env["kashoo.oauth.token"].sudo().search([("backend_id", "in", self.ids)]).unlink()
        self.write({"state": "draft"})
        for backend in self:
            backend._log_auth("disconnect", "success", _("Tokens removed."))

    def action_kashoo_reencrypt_secrets(self):
        """Re-encrypt every stored secret of the connector with the first configured key.

        Afterwards the older keys can be removed from the configuration.
        """
        self._check_administrator()
        count = self._kashoo_reencrypt_secrets()
        message = _(
            "%(count)s stored Kashoo secrets were re-encrypted with the first configured key; "
            "the older keys can now be removed from the configuration.",
            count=count,
        )
        for backend in self:
            backend.message_post(body=message)
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {"type": "success", "title": _("Secrets re-encrypted"), "message": message},
        }

    def action_kashoo_rotate_client_secret(self):
        """Make the pending client secret current once Kashoo has accepted it.

        The proof is a token refresh authenticated with the new secret: on success the new
        tokens and the new secret are stored together and the old secret is wiped; on any
        failure the old secret stays in use, untouched.
        """
        self.ensure_one()
        self._check_administrator()
        backend_sudo = self.sudo()
        if not backend_sudo.client_secret_pending_encrypted:
            raise UserError(_("Enter the new client secret first, then rotate."))
        if self.auth_mode != AUTH_MODE_OAUTH:
            raise UserError(_("Only an OAuth connection has a client secret to rotate."))
        if not self.env["kashoo.oauth.token"].sudo().search([("backend_id", "=", self.id)]):
            raise UserError(
                _(
                    "There is no authorization to prove the new client secret with. Enter it "
                    "as the Client Secret and authorize with Kashoo instead."
                )
            )
        secret = self._kashoo_decrypted("client_secret_pending_encrypted")
        try:
            self._kashoo_prove_client_secret(secret)
        except KashooAuthRejected as error:
            reason = _("Kashoo refused the new client secret (%(details)s).", details=error.message)
        except KashooAuthRevoked as error:
            reason = _(
                "Kashoo refused the stored authorization (%(details)s); authorize again, then "
                "rotate.",
                details=error.message,
            )
        except KashooTransientError as error:
            reason = _(
                "Kashoo could not be reached (%(details)s); try again later.",
                details=error.message,
            )
        except KashooError as error:
            reason = _("Kashoo answered unexpectedly (%(details)s).", details=error.message)
        else:
            return {
                "type": "ir.actions.client",
                "tag": "display_notification",
                "params": {
                    "type": "success",
                    "title": _("Client secret rotated"),
                    "message": _(
                        "Kashoo accepted the new client secret; it is now in use and the old "
                        "one was removed."
                    ),
                    "next": {"type": "ir.actions.client", "tag": "soft_reload"},
                },
            }
        raise UserError(_("%(reason)s The old client secret stays in use.", reason=reason))

    @api.model
    def _kashoo_reencrypt_secrets(self):
        """Rotate every ``*_encrypted`` column of the connector's models to the first key, in
        every company; return how many values were rewritten. Nothing is written unless every
        value could be decrypted (the transaction fails as a whole)."""
        box = utils.get_secret_box(self.env)
        count = 0
        for model_name, model in self.env.registry.items():
            if not model_name.startswith("kashoo.") or model._abstract or model._transient:
                continue
            columns = [
                name
                for name, field in model._fields.items()
                if name.endswith("_encrypted") and field.type == "char" and field.store
            ]
            for column in columns:
                domain = [(column, "!=", False)]
                for record in (
                    self.env[model_name].sudo().with_context(active_test=False).search(domain)
                ):
                    try:
                        rotated = box.rotate(record[column])
                    except KashooError as error:
                        raise UserError(
                            _(
                                "A stored Kashoo secret (%(model)s %(field)s, record %(id)s) "
                                "cannot be decrypted with any configured key; nothing was "
                                "re-encrypted. Put the key that encrypted it back, or enter "
                                "that secret again.",
                                model=model_name,
                                field=column,
                                id=record.id,
                            )
                        ) from error
                    record.write({column: rotated})
                    count += 1
        return count

    # === BUSINESS METHODS === #

    @api.model
    def _get_for_company(self, company):
        """Return the backend of ``company`` (an empty recordset if it has none)."""
        return self.search([("company_id", "=", company.id)], limit=1)

    def _check_administrator(self):
        if not self.env.is_system():
            raise UserError(_("Only administrators can connect Odoo to Kashoo."))

    def _oauth_endpoint(self, path):
        return self.api_url.rstrip("/") + path

    def _kashoo_client(self):
        """Return the one :class:`KashooClient` through which this backend talks to Kashoo."""
        self.ensure_one()
        if self.auth_mode == AUTH_MODE_CLASSIC:
            provider = ClassicTokenProvider(token=self._kashoo_stored_classic_token)
        else:
            store = _BackendTokenStore(self)
            provider = OAuthTokenManager(
                store, store.refresh, margin_seconds=self.token_refresh_margin
            )
        return KashooClient(
            self.api_url,
            tls_pins=self._kashoo_tls_pins(),
            auth=KashooAuth(provider, mode=self.auth_mode),
            api_prefix=self.api_prefix.replace("{version}", self.api_version),
            business_id=self.kashoo_business_id or None,
            integration_version=_addon_version(),
            instance_uuid=self.env["ir.config_parameter"].sudo().get_param("database.uuid"),
            timeout=const.REQUEST_TIMEOUT,
            logger=_logger,
            on_close=self._kashoo_on_client_close,
        )

    def _kashoo_on_client_close(self, client, error):
        """Store the calls ``client`` made that no page or batch stored yet.

        The operation is the one the caller named in the context (``kashoo_api_operation``).
        After an error that is not Kashoo's, the transaction may be unusable: nothing is
        written then.
        """
        entries = client.take_request_log()
        if entries and (error is None or isinstance(error, KashooError)):
            self._kashoo_log_api_calls(
                entries, self.env.context.get(const.CONTEXT_API_OPERATION) or "other"
            )

    def _kashoo_log_api_calls(self, entries, operation):
        """Keep ``entries`` (from :meth:`KashooClient.take_request_log`) in the API access
        log; the API log concern stores them."""
        self.ensure_one()

    def _kashoo_decrypted(self, column):
        """The plain value of the encrypted ``column`` of this backend (``None`` if empty)."""
        self.ensure_one()
        value = self.sudo()[column]
        return utils.decrypt_secret(self.env, value) if value else None

    def _kashoo_prove_client_secret(self, secret):
        """Refresh the tokens authenticated with ``secret``; on success make ``secret`` the
        client secret.

        The new tokens are committed by the refresh itself; the secret is adopted in this
        transaction (writing the backend row from the refresh's cursor could wait on this
        transaction's own lock). Should this transaction fail, the old secret stays current
        and the new one pending: the rotation can be retried.

        :raise KashooError: Kashoo refused or could not be reached; nothing changed.
        """
        self.ensure_one()
        store = _BackendTokenStore(self, client_secret=secret, operation="rotate")
        OAuthTokenManager(store, store.refresh).get_access_token(force_refresh=True)
        self._kashoo_adopt_client_secret(secret)

    def _kashoo_adopt_client_secret(self, secret):
        """Make the proven ``secret`` current and wipe the old and the pending one."""
        self.ensure_one()
        self.sudo().write(
            {
                "client_secret_encrypted": utils.get_secret_box(self.env).encrypt(secret),
                "client_secret_pending_encrypted": False,
            }
        )
        self._kashoo_client_secret_replaced()
        self.message_post(body=_("Client secret rotated; the old one was removed."))

    def _kashoo_client_secret_replaced(self):
        """Start the secret's age afresh and close the reminder to rotate it."""
        self.sudo().write({"client_secret_changed_at": fields.Datetime.now()})
        self.sudo().activity_feedback(
            [const.ACTIVITY_TYPE_ROTATE_SECRET],
            feedback=_("The client secret was replaced."),
        )

    @api.model
    def _cron_kashoo_client_secret_reminder(self):
        """Ask the administrators, once while it stays open, to rotate every client secret
        older than :data:`const.CLIENT_SECRET_ROTATION_DAYS`."""
        limit = fields.Datetime.now() - timedelta(days=const.CLIENT_SECRET_ROTATION_DAYS)
        activity_type = self.env.ref(const.ACTIVITY_TYPE_ROTATE_SECRET)
        backends = self.sudo().search(
            [
                ("auth_mode", "=", AUTH_MODE_OAUTH),
                ("client_secret_encrypted", "!=", False),
                "|",
                ("client_secret_changed_at", "<", limit),
                "&",
                ("client_secret_changed_at", "=", False),
                ("create_date", "<", limit),
            ]
        )
        admins = self.env.ref("base.group_system").users.filtered(lambda user: not user.share)
        for backend in backends:
            reminded = backend.activity_ids.filtered(
                lambda activity: activity.activity_type_id == activity_type
            ).user_id
            for admin in admins:
                if backend.company_id in admin.company_ids and admin not in reminded:
                    backend.activity_schedule(
                        const.ACTIVITY_TYPE_ROTATE_SECRET,
                        summary=_("Rotate the Kashoo client secret"),
                        note=_(
                            "The client secret of %(backend)s was set more than %(days)s days "
                            "ago. Create a new secret in Kashoo, enter it as New Client Secret "
                            "and click Rotate Client Secret: the old one stays in use until "
                            "Kashoo accepts the new one.",
                            backend=backend.display_name,
                            days=const.CLIENT_SECRET_ROTATION_DAYS,
                        ),
                        user_id=admin.id,
                    )

    def _kashoo_tls_pins(self):
        return _split_pins(self.sudo().tls_spki_pins) or None

    def _kashoo_refresh_tokens(self, refresh_token, client_secret=None):
        """Spend ``refresh_token`` at Kashoo's token endpoint; return the new token set.

        :param str|None client_secret: authenticate with this secret instead of the stored one
            (a rotation proving the new secret).
        """
        return refresh_tokens(
            self._oauth_endpoint(const.OAUTH_TOKEN_PATH),
            refresh_token,
            self.client_id,
            client_secret or utils.decrypt_secret(self.env, self.sudo().client_secret_encrypted),
            timeout=const.REQUEST_TIMEOUT,
            tls_pins=self._kashoo_tls_pins(),
        )

    def _kashoo_stored_classic_token(self):
        """The stored classic API token, read when the first call needs it."""
        backend_sudo = self.sudo()
        if not backend_sudo.classic_token_encrypted:
            raise KashooAuthRevoked(
                self.env._("no classic API token is stored"), code="not_authorized"
            )
        return utils.decrypt_secret(backend_sudo.env, backend_sudo.classic_token_encrypted)

    def _fetch_business_profile(self):
        """Return Kashoo's business object for this backend, choosing it if there is one only.

        :raise UserError: with the precise reason (unreachable, unauthorized, forbidden, wrong
            business).
        """
        try:
            with self._kashoo_client() as client:
                if self.kashoo_business_id:
                    return client.get_business()
                businesses = client.list_businesses()
        except KashooNotFound as error:
            self._log_auth("verify", "failure", error.message)
            raise UserError(
                _(
                    "Kashoo does not know business %(business)s, or this connection may not see "
                    "it. Check the Kashoo Business ID.",
                    business=self.kashoo_business_id,
                )
            ) from error
        except KashooCertificatePinError as error:
            self._log_auth("verify", "failure", error.message)
            raise UserError(
                _(
                    "The server at %(url)s presented a certificate key that is not pinned, so "
                    "nothing was sent to it. Check the Pinned Certificate Keys. Details: "
                    "%(details)s",
                    url=self.api_url,
                    details=error.message,
                )
            ) from error
        except KashooForbidden as error:
            self._log_auth("verify", "failure", error.message)
            raise UserError(
                _(
                    "Kashoo refused access (forbidden): the authorization lacks a scope or the "
                    "business subscription is inactive. Details: %(details)s",
                    details=error.message,
                )
            ) from error
        except KashooAuthError as error:
            self._log_auth("verify", "failure", error.message)
            raise UserError(
                _(
                    "Kashoo did not accept the credentials (unauthorized). Authorize with Kashoo "
                    "again. Details: %(details)s",
                    details=error.message,
                )
            ) from error
        except KashooTransientError as error:
            self._log_auth("verify", "failure", error.message)
            raise UserError(
                _(
                    "Kashoo could not be reached at %(url)s (unreachable). Details: %(details)s",
                    url=self.api_url,
                    details=error.message,
                )
            ) from error
        except KashooError as error:
            self._log_auth("verify", "failure", error.message)
            raise UserError(
                _("Kashoo answered unexpectedly: %(details)s", details=error.message)
            ) from error
        if len(businesses) != 1:
            names = ", ".join(f"{b.get('id')}: {b.get('name')}" for b in businesses) or "-"
            raise UserError(
                _(
                    "This Kashoo login reaches %(count)s businesses (%(names)s). Enter the Kashoo "
                    "Business ID to use, then verify again.",
                    count=len(businesses),
                    names=names,
                )
            )
        return businesses[0]

    def _complete_authorization(self, code, code_verifier):
        """Exchange the authorization code of the OAuth callback and store the tokens."""
        self.ensure_one()
        backend_sudo = self.sudo()
        endpoint = self._oauth_endpoint(const.OAUTH_TOKEN_PATH)
        entries = []
        try:
            with _timed_token_call(endpoint, entries):
                token_set = exchange_code(
                    endpoint,
                    code,
                    self.redirect_uri,
                    code_verifier,
                    self.client_id,
                    utils.decrypt_secret(self.env, backend_sudo.client_secret_encrypted),
                    timeout=const.REQUEST_TIMEOUT,
                    tls_pins=self._kashoo_tls_pins(),
                )
        finally:
            self._kashoo_log_api_calls(entries, "token")
        self.env["kashoo.oauth.token"]._save(self, token_set)
        self.write({"state": "connected"})
        self._log_auth("token", "success", _("Authorization granted; tokens stored."))

    def _mark_reauthorization_needed(self, reason):
        """Pause the backend and tell its administrators, once, that a person must act."""
        self.ensure_one()
        if self.state == "reauthorize":
            return
        self.write({"state": "reauthorize"})
        self._log_auth("refresh", "failure", reason)
        summary = _("Kashoo needs to be authorized again")
        note = _(
            "Kashoo refused the stored authorization (%(reason)s). Synchronization is "
            "paused until an administrator clicks Authorize with Kashoo.",
            reason=reason,
        )
        admins = self.env.ref("base.group_system").users.filtered(
            lambda user: self.company_id in user.company_ids and not user.share
        )
        for admin in admins:
            self.activity_schedule(
                "mail.mail_activity_data_todo", summary=summary, note=note, user_id=admin.id
            )
        self.message_post(body=note)

    def _log_auth(self, event, outcome, message):
        self.env["kashoo.auth.log"].sudo().create(
            {
                "backend_id": self.id,
                "event": event,
                "outcome": outcome,
                "message": message,
                "user_id": self.env.uid,
            }
        )


@contextlib.contextmanager
def _timed_token_call(url, entries):
    """Append to ``entries`` an access-log entry (as :meth:`KashooClient.take_request_log`
    gives) for the token-endpoint POST made inside the block."""
    entry = {"at": time.time(), "method": "POST", "path": urlsplit(url).path, "status": None}
    started = time.monotonic()
    try:
        yield
        # The token functions return only on a 200 answer.
        entry["status"] = 200
    except KashooError as error:
        entry["status"] = error.status
        raise
    finally:
        entry["seconds"] = max(time.monotonic() - started, 0.0)
        entries.append(entry)


def _split_pins(text):
    return [pin.strip() for pin in (text or "").split(",") if pin.strip()]


def _addon_version():
    return get_manifest("kashoo_connector").get("version", "")


class _BackendTokenStore:
    """Where a backend's OAuth tokens live, for :class:`OAuthTokenManager`.

    A refresh runs in its own cursor that locks the token row, so two workers never spend
    the same refresh token, and commits the rotated refresh token before the new access
    token is used: a later rollback of the caller's transaction cannot lose it.
    """

    def __init__(self, backend, client_secret=None, operation="token"):
        self._backend = backend
        self._locked = None
        # A rotation authenticates with the new secret, adopted when the refresh succeeds.
        self._client_secret = client_secret
        self._operation = operation
        self._entries = []

    def refresh(self, refresh_token):
        """The manager's refresh function: the backend's, timed for the API access log."""
        endpoint = self._backend._oauth_endpoint(const.OAUTH_TOKEN_PATH)
        with _timed_token_call(endpoint, self._entries):
            return self._backend._kashoo_refresh_tokens(
                refresh_token, client_secret=self._client_secret
            )

    def _flush_entries(self):
        entries, self._entries = self._entries, []
        if entries and self._locked is not None:
            self._locked._kashoo_log_api_calls(entries, self._operation)

    def load(self):
        backend = self._backend
        if backend.state == "reauthorize":
            # Kashoo already refused the refresh token: asking again would only loop.
            raise KashooAuthRevoked(
                backend.env._("Kashoo must be authorized again"), code="reauthorize"
            )
        return backend.env["kashoo.oauth.token"]._load(backend)

    @contextlib.contextmanager
    def refreshing(self):
        backend = self._backend
        with backend.env.registry.cursor() as cr:
            env = backend.env(cr=cr)
            self._locked = env["kashoo.backend"].browse(backend.id)
            try:
                yield env["kashoo.oauth.token"]._load(self._locked, lock=True)
            except KashooAuthRevoked as error:
                self._flush_entries()
                self._locked._mark_reauthorization_needed(error.message)
                cr.commit()  # keep the paused state and the notification despite the raise
                backend.invalidate_recordset(["state"])
                raise
            except KashooError as error:
                self._flush_entries()
                self._locked._log_auth("refresh", "failure", error.message)
                cr.commit()  # the audit trail of the failed attempt survives the raise
                raise
            else:
                self._flush_entries()
            finally:
                self._locked = None
            # The rotated refresh token is durable before the new access token is used.
            cr.commit()
        backend.env["kashoo.oauth.token"].invalidate_model()

    def save(self, token_set, forced):
        locked = self._locked
        locked.env["kashoo.oauth.token"]._save(locked, token_set)
        # env._, not _(): this helper is no record, so _() would find no language.
        if self._client_secret is not None:
            message = locked.env._("Access token renewed with the new client secret.")
        elif forced:
            message = locked.env._("Access token renewed after a 401.")
        else:
            message = locked.env._("Access token renewed ahead of expiry.")
        locked._log_auth("refresh", "success", message)
