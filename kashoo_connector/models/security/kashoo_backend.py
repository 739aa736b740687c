from odoo import models


class KashooBackend(models.Model):
    """A backend's settings, and the actions that change its connection, are management."""

    _name = "kashoo.backend"
    _inherit = ["kashoo.backend", "kashoo.management.guard"]

    def action_kashoo_authorize(self):
        self._kashoo_check_management_2fa()
        return super().action_kashoo_authorize()

    def action_kashoo_disconnect(self):
        self._kashoo_check_management_2fa()
        return super().action_kashoo_disconnect()

    def action_kashoo_register_webhook(self):
        self._kashoo_check_management_2fa()
        return super().action_kashoo_register_webhook()

    def action_kashoo_refresh_reference_data(self):
        self._kashoo_check_management_2fa()
        return super().action_kashoo_refresh_reference_data()
