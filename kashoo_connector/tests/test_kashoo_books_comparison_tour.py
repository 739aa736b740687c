import io
from datetime import date

import openpyxl

from odoo.tests import HttpCase, tagged

from .books_comparison_common import PERIOD_END, PERIOD_START, BooksComparisonBookMixin
from .common import allow_management_without_2fa
from .kashoo_mapping_common import KashooCanadaCommon
from .tour_screenshots import final_screenshot


@tagged("post_install", "-at_install")
class TestKashooBooksComparisonTour(BooksComparisonBookMixin, KashooCanadaCommon, HttpCase):
    """An administrator opens a books comparison report, sees a difference and drills into it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        allow_management_without_2fa(cls.env)
        cls._map_everything()
        cls._build_book(cls.env, cls.backend, cls.sandbox.url)
        cls.report = cls.backend._kashoo_run_books_comparison(
            date.fromisoformat(PERIOD_START), date.fromisoformat(PERIOD_END)
        )
        admin = cls.env.ref("base.user_admin")
        admin.write({"company_ids": [(4, cls.company.id)], "company_id": cls.company.id})

    def test_books_comparison_tour(self):
        self.assertEqual(self.report.state, "discrepancy")
        with final_screenshot("kashoo_books_comparison_") as saved:
            self.start_tour("/odoo", "kashoo_books_comparison_tour", login="admin")
        self.assertEqual(len(saved), 1)

    def test_xlsx_download(self):
        url = self.report.with_user(self.env.ref("base.user_admin")).action_export_xlsx()["url"]
        self.authenticate("admin", "admin")
        response = self.url_open(url)
        self.assertEqual(response.status_code, 200)
        workbook = openpyxl.load_workbook(io.BytesIO(response.content))
        differences = workbook["Differences"]
        self.assertEqual(
            {row[2] for row in differences.iter_rows(min_row=5, values_only=True)},
            {self.invoice_a["id"], self.invoice_c["id"], self.bill_q["id"]},
        )
