/** @odoo-module */

// The way into every Kashoo screen, as a user clicks it: the apps, Accounting, its Kashoo menu,
// then one entry of that menu.
export const KASHOO_MENU = "[data-menu-xmlid='kashoo_connector.kashoo_connector_menu_root']";

/**
 * @param {string} menu the xmlid of the entry under Accounting > Kashoo, without the module
 * @param {string} label what the entry is called, for the step's description
 */
export function openKashooMenu(menu, label) {
    return [
        {
            content: "Show the apps",
            trigger: ".o_navbar_apps_menu button",
            run: "click",
        },
        {
            content: "Open Accounting",
            trigger: ".o_app[data-menu-xmlid='account.menu_finance']",
            run: "click",
        },
        {
            content: "Open the Kashoo menu of Accounting",
            trigger: `.o_menu_sections ${KASHOO_MENU}`,
            run: "click",
        },
        {
            content: `Open ${label}`,
            trigger: `.dropdown-item[data-menu-xmlid='kashoo_connector.${menu}']`,
            run: "click",
        },
    ];
}
