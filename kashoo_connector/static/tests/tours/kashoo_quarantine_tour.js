/** @odoo-module */

import { registry } from "@web/core/registry";
import { openKashooMenu } from "@kashoo_connector/../tests/tours/kashoo_tour_steps";

// An accountant resolves a quarantined invoice: opens Accounting > Kashoo > Quarantine, opens
// the invoice stuck on Kashoo's unmapped "Eco Fee 2%" tax, uses the guided fix "Map this tax"
// (the mapping row of that very tax opens), chooses the Odoo sale tax, comes back through the
// breadcrumb, clicks Retry, opens the posted invoice and ends on the quarantine form, now Done.
// TestKashooQuarantineTour stages the invoice with the Eco Fee's sale tax unmapped first.
const ECO_INVOICE = "50029";

registry.category("web_tour.tours").add("kashoo_quarantine_tour", {
    url: "/odoo",
    steps: () => [
        ...openKashooMenu("kashoo_quarantine_menu", "the Quarantine"),
        {
            content: "The Eco Fee invoice waits with its reason; open it",
            trigger: `.o_data_row:has(td[name=kashoo_id]:contains(${ECO_INVOICE})):has(td[name=error_label]:contains(Kashoo tax not mapped)) td[name=contact_name]`,
            run: "click",
        },
        {
            content: "The form says what failed and how to fix it",
            trigger: ".o_kashoo_quarantine_error:contains(Eco Fee):contains(Suggested fix)",
        },
        {
            content: "Use the guided fix: Map this tax",
            trigger: "button[name=action_kashoo_fix_tax]",
            run: "click",
        },
        {
            content: "Only the Eco Fee's mapping row is shown; edit its Odoo sale tax",
            trigger: ".o_list_view .o_data_row:has(td[name=name]:contains(Eco Fee)) td[name=sale_tax_id]",
            run: "click",
        },
        {
            content: "Search the Odoo tax",
            trigger: ".o_data_row td[name=sale_tax_id] input",
            run: "edit Eco Fee",
        },
        {
            content: "Choose it",
            trigger: ".o-autocomplete--dropdown-item a:contains(Eco Fee)",
            run: "click",
        },
        {
            content: "Save the mapping",
            trigger: ".o_list_button_save",
            run: "click",
        },
        {
            content: "The Eco Fee is mapped on both sides",
            trigger: ".o_data_row:has(td[name=name]:contains(Eco Fee)) td[name=state]:contains(Mapped)",
        },
        {
            content: "Back to the quarantined invoice",
            trigger: ".o_breadcrumb .o_back_button",
            run: "click",
        },
        {
            content: "Retry it",
            trigger: ".o_form_view .o_statusbar_buttons button[name=action_kashoo_retry]",
            run: "click",
        },
        {
            content: "It is imported: the transaction is done and shows its document",
            trigger: ".o_form_view .o_statusbar_status .o_arrow_button_current:contains(Done)",
        },
        {
            content: "Open the invoice",
            trigger: ".o_form_view button[name=action_kashoo_open_move]",
            run: "click",
        },
        {
            content: "The invoice is posted",
            trigger: ".o_form_view .o_statusbar_status .o_arrow_button_current:contains(Posted)",
        },
        {
            content: "Its Kashoo button leads back to where it came from",
            trigger: ".o_form_view button[name=action_kashoo_open_lineage]",
            run: "click",
        },
        {
            content: "Let the retry notification go, for a clear picture",
            trigger: "body:not(:has(.o_notification))",
        },
        {
            content: "The transaction again: Done, with the failed and the successful attempt",
            trigger: ".o_form_view:has(.o_arrow_button_current:contains(Done)) .o_field_widget[name=sync_log_ids] .o_data_row:nth-child(2)",
        },
    ],
});
