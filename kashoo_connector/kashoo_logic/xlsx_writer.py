"""The books comparison report as an XLSX workbook, written with Odoo's own xlsxwriter.

One sheet per section (accounts, sales taxes, open receivables and payables) and one with the
transactions that explain the differences, so an accountant can file or annotate the figures.
"""

import io

import xlsxwriter

from .books_comparison import AGING_BUCKETS

ACCOUNT_COLUMNS = (
    "Odoo Account",
    "Kashoo Account",
    "Kind",
    "Kashoo Balance",
    "Odoo Balance",
    "Difference",
    "Tolerance",
    "Discrepancy",
)
TAX_COLUMNS = (
    "Odoo Account",
    "Kashoo Account",
    "Kashoo Taxes",
    "Kashoo Balance",
    "Odoo Balance",
    "Difference",
    "Tolerance",
    "Discrepancy",
)
AGE_LABELS = ("Not Due", "1-30 Days", "31-60 Days", "61-90 Days", "Over 90 Days")
AGING_COLUMNS = (
    "Kind",
    "Contact",
    "Odoo Partner",
    "Kashoo Open",
    "Odoo Open",
    "Difference",
    "Kashoo Documents",
    "Odoo Documents",
    "Discrepancy",
    *(f"{side} {age}" for side in ("Kashoo", "Odoo") for age in AGE_LABELS),
)
DETAIL_COLUMNS = (
    "Odoo Account",
    "Kashoo Account",
    "Kashoo ID",
    "Type",
    "Date",
    "Number",
    "Kashoo Amount",
    "Odoo Amount",
    "Difference",
    "Reason",
    "Odoo Entry",
    "Sync State",
)


def _label(record, field_name):
    """The human label of a selection value."""
    value = record[field_name]
    return (
        dict(record._fields[field_name]._description_selection(record.env)).get(value, "")
        if value
        else ""
    )


def books_comparison_workbook(report):
    """Return the XLSX bytes of a ``kashoo.books.comparison`` record.

    :param report: one ``kashoo.books.comparison``.
    :rtype: bytes
    """
    output = io.BytesIO()
    # Text from Kashoo (numbers, labels, contact names) is data: never let the writer turn a
    # value such as "=HYPERLINK(...)" into a live formula or link when the sheet is opened.
    workbook = xlsxwriter.Workbook(
        output,
        {
            "in_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        },
    )
    decimals = report.currency_id.decimal_places
    styles = {
        "title": workbook.add_format({"bold": True, "font_size": 14}),
        "header": workbook.add_format({"bold": True, "bg_color": "#e9ecef", "text_wrap": True}),
        "money": workbook.add_format(
            {"num_format": f"#,##0.{'0' * decimals}" if decimals else "#,##0"}
        ),
        "alert": workbook.add_format(
            {
                "num_format": f"#,##0.{'0' * decimals}" if decimals else "#,##0",
                "bg_color": "#f8d7da",
            }
        ),
        "date": workbook.add_format({"num_format": "yyyy-mm-dd"}),
    }

    def sheet(name, columns, rows):
        worksheet = workbook.add_worksheet(name)
        worksheet.write_string(0, 0, report.name or "", styles["title"])
        worksheet.write_string(
            1,
            0,
            f"Run on {report.run_date:%Y-%m-%d %H:%M} UTC by "
            f"{report.user_id.name or ''}; {report.currency_id.name}",
        )
        for column, title in enumerate(columns):
            worksheet.write_string(3, column, title, styles["header"])
        worksheet.set_column(0, len(columns) - 1, 18)
        for row_index, (cells, alert) in enumerate(rows, start=4):
            for column, cell in enumerate(cells):
                if isinstance(cell, float):
                    worksheet.write_number(
                        row_index, column, cell, styles["alert" if alert else "money"]
                    )
                elif hasattr(cell, "isoformat"):
                    worksheet.write_datetime(row_index, column, cell, styles["date"])
                elif isinstance(cell, int) and not isinstance(cell, bool):
                    worksheet.write_number(row_index, column, cell)
                else:
                    worksheet.write_string(
                        row_index, column, "" if cell in (None, False) else str(cell)
                    )
        return worksheet

    def line_cells(line, middle):
        return (
            (
                line.account_id.display_name or "",
                line.kashoo_account_label or "",
                middle,
                line.kashoo_balance,
                line.odoo_balance,
                line.difference,
                line.tolerance,
                "Yes" if line.is_discrepancy else "No",
            ),
            line.is_discrepancy,
        )

    sheet(
        "Accounts",
        ACCOUNT_COLUMNS,
        [line_cells(line, _label(line, "account_kind")) for line in report.line_ids],
    )
    sheet(
        "Sales Taxes",
        TAX_COLUMNS,
        [line_cells(line, line.tax_names or "") for line in report.tax_line_ids],
    )
    sheet(
        "Receivables and Payables",
        AGING_COLUMNS,
        [
            (
                (
                    _label(row, "kind"),
                    row.contact_name or "",
                    row.partner_id.display_name or "",
                    row.kashoo_amount,
                    row.odoo_amount,
                    row.difference,
                    row.kashoo_document_count,
                    row.odoo_document_count,
                    "Yes" if row.is_discrepancy else "No",
                    *(
                        row[f"{side}_{bucket}"]
                        for side in ("kashoo", "odoo")
                        for bucket in AGING_BUCKETS
                    ),
                ),
                row.is_discrepancy,
            )
            for row in report.aging_ids
        ],
    )
    sheet(
        "Differences",
        DETAIL_COLUMNS,
        [
            (
                (
                    detail.account_id.display_name or "",
                    detail.kashoo_account_label or "",
                    detail.kashoo_id or "",
                    detail.kashoo_type or "",
                    detail.kashoo_date or "",
                    detail.kashoo_number or "",
                    detail.kashoo_amount,
                    detail.odoo_amount,
                    detail.difference,
                    _label(detail, "reason"),
                    detail.move_id.display_name or "",
                    _label(detail, "transaction_state"),
                ),
                True,
            )
            for detail in report.detail_ids
        ],
    )
    workbook.close()
    return output.getvalue()
