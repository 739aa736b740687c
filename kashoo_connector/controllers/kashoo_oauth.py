import logging
import re

from werkzeug.exceptions import Forbidden

from odoo import _, http
from odoo.http import request

from .. import const
from ..kashoo_api import KashooError

_logger = logging.getLogger(__name__)

# RFC 6749 §4.1.2.1 error codes, in words an administrator understands.
_AUTHORIZATION_ERRORS = {
    "access_denied": "Access was declined on Kashoo's consent page.",
    "invalid_request": "Kashoo found the authorization request malformed.",
    "unauthorized_client": "This Kashoo application may not use the authorization code flow.",
    "unsupported_response_type": "Kashoo does not support this kind of authorization.",
    "invalid_scope": "Kashoo refused the requested permissions (scopes).",
    "server_error": "Kashoo had an internal error; try again later.",
    "temporarily_unavailable": "Kashoo is temporarily unavailable; try again later.",
}


_SETTINGS_URL = "/odoo/action-account.action_account_config"

# The callback's query carries the authorization code and the state: both are credentials
# for a few minutes, and must not be written to the access log.
_CALLBACK_SECRETS = re.compile(r"([?&](?:code|state)=)[^&\s\"]*")


class _CallbackQueryMask(logging.Filter):
    """Masks ``code`` and ``state`` in werkzeug's request line of the OAuth callback."""

    kashoo_callback_mask = True

    def filter(self, record):
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            return True
        if const.OAUTH_CALLBACK_ROUTE in message:
            record.msg = _CALLBACK_SECRETS.sub(r"\1***", message)
            record.args = ()
        return True


def _install_callback_query_mask():
    werkzeug_logger = logging.getLogger("werkzeug")
    # Once per process, even when the module is imported again for another database.
    if not any(getattr(f, "kashoo_callback_mask", False) for f in werkzeug_logger.filters):
        werkzeug_logger.addFilter(_CallbackQueryMask())


_install_callback_query_mask()


class KashooOAuthController(http.Controller):
    _callback_url = const.OAUTH_CALLBACK_ROUTE

    @http.route(_callback_url, type="http", auth="user", methods=["GET"])
    def kashoo_oauth_callback(
        self, state=None, code=None, error=None, error_description=None, **kwargs
    ):
        """Finish the authorization started by the Authorize with Kashoo button."""
        state_sudo, reason = request.env["kashoo.oauth.state"]._consume(state)
        backend = state_sudo.backend_id
        if reason:
            _logger.warning(
                "Kashoo OAuth callback rejected for user %s from %s: %s state",
                request.env.user.login,
                request.httprequest.remote_addr,
                reason,
            )
            if backend:
                backend._log_auth("callback", "rejected", f"Rejected callback: {reason} state.")
            # Keep the consumption of a reused or expired state despite the 403.
            request.env.cr.commit()
            raise Forbidden(
                _(
                    "This Kashoo authorization link is not valid (%(reason)s). Start "
                    "again with Authorize with Kashoo.",
                    reason=reason,
                )
            )
        backend = backend.with_user(request.env.user)
        if error:
            message = _AUTHORIZATION_ERRORS.get(error, error)
            details = f"{error}: {error_description}" if error_description else error
            backend._log_auth("callback", "failure", details)
            return self._back_to_settings(backend, "error", message)
        if not code:
            backend._log_auth("callback", "failure", "no authorization code")
            return self._back_to_settings(
                backend, "error", _("Kashoo returned no authorization code.")
            )
        try:
            backend._complete_authorization(code, state_sudo._code_verifier())
        except KashooError as exchange_error:
            backend._log_auth("token", "failure", exchange_error.message)
            return self._back_to_settings(backend, "error", exchange_error.message)
        return self._back_to_settings(backend, "success", "")

    def _back_to_settings(self, backend, outcome, message):
        if message:
            backend.message_post(
                body=_("Kashoo authorization failed: %(message)s", message=message)
            )
        # Back where the administrator clicked Authorize; the block shows the outcome.
        return request.redirect(f"{_SETTINGS_URL}?kashoo_auth={outcome}")
