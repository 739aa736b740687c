/** @odoo-module */

import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_service/tour_utils";

// An administrator finds the Kashoo Integration block in Accounting settings and opens the
// company's backend, whose API URL comes from the kashoo.api.url system parameter.
registry.category("web_tour.tours").add("kashoo_settings_tour", {
    url: "/odoo/action-account.action_account_config",
    steps: () => [
        {
            content: "The Kashoo Integration block is in the Accounting settings",
            trigger: "h2:contains(Kashoo Integration)",
        },
        {
            content: "Set up the connection of this company",
            trigger: "#kashoo_backend_setting button[name=action_kashoo_open_backend]:contains(Set up)",
            run: "click",
        },
        {
            content: "The backend form shows the default API URL",
            trigger: ".o_form_view .o_field_widget[name=api_url]:contains(https://api.kashoo.com), .o_form_view .o_field_widget[name=api_url] input:value(https://api.kashoo.com)",
        },
        {
            content: "Rename the backend",
            trigger: ".o_form_view .o_field_widget[name=name] input",
            run: "edit Kashoo - Tour Company",
        },
        ...stepUtils.saveForm(),
        {
            content: "Back to the settings",
            trigger: ".o_breadcrumb .o_back_button a, .o_breadcrumb li.breadcrumb-item a",
            run: "click",
        },
        {
            content: "The block now shows the connection status and offers to open it",
            trigger: "#kashoo_backend_setting button[name=action_kashoo_open_backend]:contains(Open)",
        },
    ],
});
