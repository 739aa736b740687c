/** @odoo-module */

import { registry } from "@web/core/registry";
import { openKashooMenu, KASHOO_MENU } from "@kashoo_connector/../tests/tours/kashoo_tour_steps";

// An administrator maps Kashoo's chart and taxes: opens Accounting > Kashoo > Account Mapping,
// accepts every suggestion above 80 % and one more by hand, then creates the missing
// provincial tax (Kashoo's "Eco Fee 2%", a PST) from the tax mapping screen, and tests the
// QST mapping (Kashoo's and Odoo's results side by side).
// TestKashooMappingTour starts the sandbox and refreshes the reference data first.

function row(name) {
    return `.o_data_row:has(td[name=name]:contains(${name}))`;
}

registry.category("web_tour.tours").add("kashoo_mapping_tour", {
    url: "/odoo",
    steps: () => [
        ...openKashooMenu("kashoo_account_menu", "Account Mapping"),
        {
            content: "Kashoo's Product Sales comes with a suggestion",
            trigger: `${row("Product Sales")} td[name=suggested_account_id]:contains(Sales of Goods)`,
        },
        {
            content: "Accept all suggestions above a confidence",
            trigger: "button:contains(Accept All Above Confidence)",
            run: "click",
        },
        {
            content: "Keep 80 %",
            trigger: ".modal div[name=min_confidence] input",
            run: "edit 80",
        },
        {
            content: "Accept them",
            trigger: ".modal button[name=action_accept]",
            run: "click",
        },
        {
            content: "Product Sales is mapped",
            trigger: `${row("Product Sales")} td[name=state]:contains(Mapped)`,
        },
        {
            content: "Accept a suggestion below the threshold by hand",
            trigger: `${row("Wages and Salaries")} button[name=action_accept_suggestion]`,
            run: "click",
        },
        {
            content: "Wages and Salaries is mapped",
            trigger: `${row("Wages and Salaries")} td[name=state]:contains(Mapped)`,
        },
        {
            content: "Open the Kashoo menu again",
            trigger: `.o_menu_sections ${KASHOO_MENU}`,
            run: "click",
        },
        {
            content: "Open Tax Mapping",
            trigger: ".dropdown-item[data-menu-xmlid='kashoo_connector.kashoo_tax_menu']",
            run: "click",
        },
        {
            content: "Kashoo's Eco Fee has no Odoo tax: create it",
            trigger: `${row("Eco Fee")} button[name=action_create_odoo_taxes]`,
            run: "click",
        },
        {
            content: "Confirm",
            trigger: ".modal-footer button.btn-primary",
            run: "click",
        },
        {
            content: "The Eco Fee is mapped on both sides",
            trigger: `${row("Eco Fee")} td[name=state]:contains(Mapped)`,
        },
        {
            content: "Accept the suggested Odoo taxes of QST",
            trigger: `${row("QST")} button[name=action_accept_suggestion]`,
            run: "click",
        },
        {
            content: "Test the QST mapping",
            trigger: `${row("QST")} button[name=action_test_mapping]`,
            run: "click",
        },
        {
            content: "Kashoo and Odoo compute the same QST, side by side",
            trigger: ".modal .o_kashoo_tax_test_result:contains(Both compute the same tax)",
        },
        {
            content: "Close the test",
            trigger: ".modal-footer button.btn-primary",
            run: "click",
        },
        {
            content: "Back on the tax mapping",
            trigger: `${row("QST")} td[name=state]:contains(Mapped)`,
        },
    ],
});
