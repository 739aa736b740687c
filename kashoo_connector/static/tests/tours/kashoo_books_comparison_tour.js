/** @odoo-module */

import { registry } from "@web/core/registry";
import { openKashooMenu } from "@kashoo_connector/../tests/tours/kashoo_tour_steps";

// An administrator checks Odoo's books against Kashoo's: opens Accounting > Kashoo >
// Books Comparisons, opens the report the test ran, sees the revenue account whose Kashoo
// balance differs highlighted, drills into it (the invoice changed in Kashoo after the import,
// with both amounts), and comes back to the report.
// TestKashooBooksComparisonTour builds the sandbox book and runs the report first.
const SALES_LINE =
    ".o_field_widget[name=line_ids] .o_data_row.text-danger" +
    ":has(td[name=kashoo_account_label]:contains(Product Sales))";

registry.category("web_tour.tours").add("kashoo_books_comparison_tour", {
    url: "/odoo",
    steps: () => [
        ...openKashooMenu("kashoo_books_comparison_menu", "Books Comparisons"),
        {
            content: "Open the report with differences",
            trigger: ".o_data_row:has(td[name=state]:contains(Differences)) td[name=date_from]",
            run: "click",
        },
        {
            content: "The report says Kashoo and Odoo differ",
            trigger: ".o_kashoo_books_comparison_alert:contains(Kashoo and Odoo differ)",
        },
        {
            content: "Product Sales is highlighted: Kashoo's balance is not Odoo's",
            trigger: `${SALES_LINE} td[name=difference]:contains(100.00)`,
        },
        {
            content: "Explain the difference",
            trigger: `${SALES_LINE} button[name=action_open_details]`,
            run: "click",
        },
        {
            content: "The invoice changed in Kashoo explains it, with both amounts",
            trigger:
                ".o_list_view .o_data_row:has(td[name=reason]:contains(Different amount))" +
                ":has(td[name=kashoo_amount]:contains(1,100.00))" +
                ":has(td[name=odoo_amount]:contains(1,000.00))",
        },
        {
            content: "Back to the report",
            trigger: ".o_breadcrumb .breadcrumb-item:not(.active) a:contains(Kashoo)",
            run: "click",
        },
        {
            content: "The report again, its differing account highlighted",
            trigger: `${SALES_LINE} button[name=action_open_details]`,
        },
    ],
});
