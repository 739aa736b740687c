from odoo import fields, models

from ... import const


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    kashoo_require_2fa = fields.Boolean(
        string="Require two-factor authentication to manage Kashoo",
        config_parameter=const.PARAM_REQUIRE_2FA,
        help="Connection, mappings and resync can then only be changed by users who have "
        "enabled two-factor authentication. Turn it off on test databases only.",
    )
