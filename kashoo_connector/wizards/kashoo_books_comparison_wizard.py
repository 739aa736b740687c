from odoo import _, api, fields, models
from odoo.exceptions import UserError


class KashooBooksComparisonWizard(models.TransientModel):
    """Compare Books with Kashoo: compare Kashoo and Odoo over a period, now, and open the
    report."""

    _name = "kashoo.books.comparison.wizard"
    _description = "Compare Books with Kashoo"

    backend_id = fields.Many2one(
        "kashoo.backend",
        required=True,
        ondelete="cascade",
        default=lambda self: self.env["kashoo.backend"]._get_for_company(self.env.company),
    )
    date_from = fields.Date(string="From", required=True)
    date_to = fields.Date(string="To", required=True, default=fields.Date.context_today)

    @api.onchange("backend_id")
    def _onchange_backend_id(self):
        if self.backend_id and not self.date_from:
            self.date_from = self.backend_id._kashoo_books_comparison_start()

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        backend = self.env["kashoo.backend"].browse(values.get("backend_id"))
        if "date_from" in fields_list and backend and not values.get("date_from"):
            values["date_from"] = backend._kashoo_books_comparison_start()
        return values

    def action_run(self):
        self.ensure_one()
        if self.date_from > self.date_to:
            raise UserError(_("The period must start before it ends."))
        if self.backend_id.state != "connected":
            raise UserError(
                _(
                    "Connect the backend to Kashoo before comparing the books: "
                    "Kashoo's side is read live."
                )
            )
        report = self.backend_id._kashoo_run_books_comparison(self.date_from, self.date_to)
        return {
            "type": "ir.actions.act_window",
            "res_model": "kashoo.books.comparison",
            "res_id": report.id,
            "view_mode": "form",
            "target": "current",
        }
