import threading

from odoo import api, models
from odoo.exceptions import AccessError
from odoo.http import request

from ... import const


class KashooManagementGuard(models.AbstractModel):
    """What managing the integration means for a model: creating, changing or deleting its
    records asks a person for two-factor authentication."""

    _name = "kashoo.management.guard"
    _description = "Kashoo Management Guard"

    @api.model_create_multi
    def create(self, vals_list):
        self._kashoo_check_management_2fa()
        return super().create(vals_list)

    def write(self, vals):
        self._kashoo_check_management_2fa()
        return super().write(vals)

    def unlink(self):
        self._kashoo_check_management_2fa()
        return super().unlink()

    @api.model
    def _kashoo_check_management_2fa(self):
        """Refuse to manage the integration (connection, mappings, resync) in a request of a
        user without two-factor authentication (the web client's session, JSON-RPC or
        XML-RPC alike), unless the setting is turned off.

        Only people are asked: the engine's own writes (superuser, crons, no request) are
        not management.

        :raise AccessError: the user has not enabled two-factor authentication.
        """
        # XML-RPC lends out the request while it runs the call and names its user on the
        # thread instead.
        by_a_person = bool(request) or getattr(threading.current_thread(), "uid", None) == (
            self.env.uid
        )
        if self.env.su or not by_a_person:
            return
        # Set on install; the settings checkbox removes it when unticked, as Odoo does.
        required = self.env["ir.config_parameter"].sudo().get_param(const.PARAM_REQUIRE_2FA)
        if not required or required in ("False", "0"):
            return
        if not self.env.user.totp_enabled:
            raise AccessError(
                self.env._(
                    "Managing the Kashoo integration requires two-factor authentication. "
                    "Enable it in your profile (My Profile > Account Security > Two-factor "
                    "Authentication), then try again."
                )
            )
