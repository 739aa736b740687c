import datetime
from datetime import timedelta

from odoo import api, fields, models

from ... import const

API_LOG_OPERATIONS = [
    ("fetch", "Polling"),
    ("process", "Import"),
    ("reference", "Reference data"),
    ("verify", "Connection check"),
    ("webhook", "Webhook registration"),
    ("token", "Token refresh"),
    ("rotate", "Client secret rotation"),
    ("other", "Other"),
]
STATUS_CLASSES = [
    ("2xx", "Success (2xx)"),
    ("3xx", "Redirect (3xx)"),
    ("4xx", "Refused (4xx)"),
    ("429", "Rate limited (429)"),
    ("5xx", "Server error (5xx)"),
    ("none", "No response"),
]


def status_class(status):
    """The class of an HTTP status for the log's filters; 429 stands apart from the 4xx."""
    if not status:
        return "none"
    if status == 429:
        return "429"
    return {2: "2xx", 3: "3xx", 4: "4xx", 5: "5xx"}.get(status // 100, "none")


class KashooApiAccessLog(models.Model):
    """One HTTP exchange of the connector with Kashoo, for reviewing how the API is used.

    Only the method, the URL path (never the query string), the status and the duration
    are kept: no header, parameter or body, hence no token or secret. Entries are written
    by the connector alone and kept :data:`const.API_ACCESS_LOG_RETENTION_DAYS` days.
    """

    _name = "kashoo.api.access.log"
    _description = "Kashoo API Access Log"
    _order = "called_at desc, id desc"
    _rec_name = "endpoint"

    backend_id = fields.Many2one(
        "kashoo.backend", required=True, index=True, ondelete="cascade", readonly=True
    )
    company_id = fields.Many2one(related="backend_id.company_id", store=True, index=True)
    called_at = fields.Datetime(
        string="Time", required=True, index=True, readonly=True, default=fields.Datetime.now
    )
    operation = fields.Selection(
        selection=API_LOG_OPERATIONS, required=True, default="other", readonly=True
    )
    method = fields.Char(string="Method", required=True, readonly=True)
    endpoint = fields.Char(string="Endpoint", required=True, readonly=True)
    status_code = fields.Integer(
        string="Status", readonly=True, help="The HTTP status; 0 when no response came."
    )
    status_class = fields.Selection(
        selection=STATUS_CLASSES, compute="_compute_status_class", store=True
    )
    duration_ms = fields.Integer(string="Duration (ms)", readonly=True)

    @api.depends("status_code")
    def _compute_status_class(self):
        for entry in self:
            entry.status_class = status_class(entry.status_code)

    @api.model
    def _kashoo_store(self, backend, entries, operation):
        """Write ``entries`` (from :meth:`KashooClient.take_request_log`) in one create."""
        if not entries:
            return self.browse()
        return self.sudo().create(
            [
                {
                    "backend_id": backend.id,
                    "called_at": datetime.datetime.fromtimestamp(entry["at"], datetime.UTC).replace(
                        tzinfo=None
                    ),
                    "operation": operation,
                    "method": str(entry["method"])[:16],
                    # A path holds ids, never a secret: the query string is not in it.
                    "endpoint": str(entry["path"] or "/")[:255],
                    "status_code": entry["status"] or 0,
                    "duration_ms": round(entry["seconds"] * 1000),
                }
                for entry in entries
            ]
        )

    @api.autovacuum
    def _gc_kashoo_api_access_log(self):
        limit = fields.Datetime.now() - timedelta(days=const.API_ACCESS_LOG_RETENTION_DAYS)
        self.env.cr.execute("DELETE FROM kashoo_api_access_log WHERE called_at < %s", [limit])
