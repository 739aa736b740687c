from urllib.parse import urlsplit

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from .. import const


class KashooBackend(models.Model):
    """One connection between an Odoo company and a Kashoo business.

    Every other part of the connector (mappings, staging, logs) hangs off a backend, in the
    manner of OCA connector backends.
    """

    _name = "kashoo.backend"
    _description = "Kashoo Backend"
    _inherit = ["mail.thread"]
    _order = "company_id, id"

    name = fields.Char(required=True, tracking=True, default=lambda self: _("Kashoo"))
    company_id = fields.Many2one(
        "res.company",
        required=True,
        index=True,
        ondelete="cascade",
        default=lambda self: self.env.company,
        tracking=True,
    )
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
        help="Kashoo API version. The default comes from the system parameter "
        "kashoo.api.version.",
    )
    state = fields.Selection(
        selection=const.BACKEND_STATES,
        required=True,
        default="draft",
        readonly=True,
        copy=False,
        tracking=True,
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

    # === CONSTRAINT METHODS === #

    @api.constrains("api_url")
    def _check_api_url(self):
        for backend in self:
            parts = urlsplit(backend.api_url or "")
            if parts.scheme not in ("http", "https") or not parts.netloc:
                raise ValidationError(
                    _("The Kashoo API URL must be an http(s) address, not %(url)r.",
                      url=backend.api_url)
                )

    # === BUSINESS METHODS === #

    @api.model
    def _get_for_company(self, company):
        """Return the backend of ``company`` (an empty recordset if it has none)."""
        return self.search([("company_id", "=", company.id)], limit=1)
