/** @odoo-module */

import { registry } from "@web/core/registry";

// An administrator connects the company to Kashoo from Accounting settings: client id and
// secret of the Kashoo app, authorize (Kashoo's consent page approves and sends the browser
// back), verify, and the business name appears. TestConnectTour starts the sandbox.
registry.category("web_tour.tours").add("kashoo_connect_tour", {
    url: "/odoo/action-account.action_account_config",
    steps: () => [
        {
            content: "Enter the Client ID of the Kashoo application",
            trigger: "div[name=kashoo_client_id] input",
            run: "edit odoo-tour-client",
        },
        {
            content: "Enter its Client Secret",
            trigger: "div[name=kashoo_client_secret] input",
            run: "edit tour-client-secret-value",
        },
        {
            content: "Choose the Kashoo business (the demo login reaches two)",
            trigger: "div[name=kashoo_business_ref] input",
            run: "edit 1001",
        },
        {
            content: "Authorize with Kashoo",
            trigger: "button[name=action_kashoo_authorize]",
            run: "click",
        },
        {
            content: "Back from Kashoo, the connection is authorized",
            trigger: "div[name=kashoo_backend_state]:contains(Connected)",
        },
        {
            content: "Verify the connection",
            trigger: "button[name=action_kashoo_verify]",
            run: "click",
        },
        {
            content: "Kashoo's business name is shown",
            trigger: ".o_notification:contains(Maple Leaf Supplies Ltd)",
        },
        {
            content: "and stays in the settings block",
            trigger: "div[name=kashoo_business_name]:contains(Maple Leaf Supplies Ltd)",
        },
    ],
});
