import logging

from odoo import _, api, fields, models
from odoo.exceptions import AccessError

from ... import const
from ...kashoo_logic.books_comparison import books_comparison_due

_logger = logging.getLogger(__name__)


class KashooBackend(models.Model):
    """The books comparison's part of the backend: tolerances, history and the schedule."""

    _inherit = "kashoo.backend"

    kashoo_company_currency_id = fields.Many2one(related="company_id.currency_id")
    kashoo_comparison_tolerance_revenue = fields.Monetary(
        string="Tolerance: Revenue Accounts",
        currency_field="kashoo_company_currency_id",
        default=const.BOOKS_COMPARISON_TOLERANCE_PROFIT_LOSS,
        help="A revenue account whose Kashoo and Odoo balances differ by more than this is "
        "reported as a discrepancy.",
    )
    kashoo_comparison_tolerance_expense = fields.Monetary(
        string="Tolerance: Expense Accounts",
        currency_field="kashoo_company_currency_id",
        default=const.BOOKS_COMPARISON_TOLERANCE_PROFIT_LOSS,
    )
    kashoo_comparison_tolerance_balance_sheet = fields.Monetary(
        string="Tolerance: Balance Sheet Accounts",
        currency_field="kashoo_company_currency_id",
        default=const.BOOKS_COMPARISON_TOLERANCE_BALANCE_SHEET,
        help="Also applies to the sales-tax accounts and to each partner's open balance.",
    )
    kashoo_books_comparison_ids = fields.One2many(
        "kashoo.books.comparison", "backend_id", string="Books Comparisons"
    )

    # === ACTIONS === #

    def action_kashoo_open_books_comparisons(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "kashoo_connector.kashoo_books_comparison_action"
        )
        action["domain"] = [("backend_id", "=", self.id)]
        return action

    # === BUSINESS METHODS === #

    def _kashoo_books_comparison_start(self):
        """The first day a scheduled books comparison covers: where the import starts."""
        self.ensure_one()
        return self.sync_start_date or self._kashoo_default_start_date()

    def _kashoo_run_books_comparison(self, date_from, date_to, trigger="manual"):
        """Compare Kashoo and Odoo over ``[date_from, date_to]``; return the report kept.

        Accountants (Kashoo User) may run it: the access is checked as them, the figures
        are read with the rights of the connector (tokens, mappings, every journal).
        """
        self.ensure_one()
        if not self.env.su and not self.env.user.has_group(
            "kashoo_connector.kashoo_connector_group_user"
        ):
            raise AccessError(_("Only Kashoo users can compare the books with Kashoo."))
        self.check_access("read")
        report = (
            self.env["kashoo.books.comparison"]
            .sudo()
            .create(
                {
                    "backend_id": self.id,
                    "date_from": date_from,
                    "date_to": date_to,
                    "trigger": trigger,
                    "user_id": self.env.user.id,
                }
            )
        )
        report.with_company(self.company_id)._kashoo_compute()
        return report.with_env(self.env)

    def _kashoo_first_import_date(self):
        """Day of the first document imported for this backend, or None.

        Read from the moves, which stay, not from the sync log, which is vacuumed.
        """
        self.ensure_one()
        [(first,)] = (
            self.env["account.move"]
            .sudo()
            ._read_group([("kashoo_backend_id", "=", self.id)], [], ["create_date:min"])
        )
        return first and first.date()

    def _kashoo_last_scheduled_books_comparison(self):
        self.ensure_one()
        last = (
            self.env["kashoo.books.comparison"]
            .sudo()
            .search(
                [("backend_id", "=", self.id), ("trigger", "=", "scheduled")],
                order="run_date desc",
                limit=1,
            )
        )
        return last.run_date.date() if last else None

    def _kashoo_books_comparison_due(self, today=None):
        """Daily during the first month after the first import, weekly thereafter."""
        self.ensure_one()
        today = today or fields.Date.context_today(self)
        return books_comparison_due(
            self._kashoo_first_import_date(),
            self._kashoo_last_scheduled_books_comparison(),
            today,
            daily_days=const.BOOKS_COMPARISON_DAILY_DAYS,
            weekly_days=const.BOOKS_COMPARISON_WEEKLY_DAYS,
        )

    # === CRON === #

    @api.model
    def _cron_kashoo_compare_books(self, today=None):
        """Daily cron: run the books comparisons that are due; one backend's failure spares
        the others."""
        today = today or fields.Date.context_today(self)
        for backend in self.search([("state", "=", "connected")]):
            if not backend._kashoo_books_comparison_due(today):
                continue
            try:
                with self.env.cr.savepoint():
                    report = backend._kashoo_run_books_comparison(
                        backend._kashoo_books_comparison_start(), today, trigger="scheduled"
                    )
            except Exception as error:  # noqa: BLE001 - isolate each backend, keep the cron alive
                _logger.warning(
                    "Kashoo books comparison of backend %s failed: %s", backend.id, error
                )
                continue
            if report.state == "discrepancy":
                backend.message_post(
                    body=_(
                        "Comparing the books with Kashoo from %(start)s to %(end)s found "
                        "differences on %(count)s accounts.",
                        start=report.date_from,
                        end=report.date_to,
                        count=report.discrepancy_count,
                    )
                )
