/** @odoo-module */

import { registry } from "@web/core/registry";
import { openKashooMenu } from "@kashoo_connector/../tests/tours/kashoo_tour_steps";

// An administrator checks that the Kashoo sync is healthy: opens Accounting > Kashoo >
// Health Dashboard, reads the current figures of the backend's card (success rate,
// processing and API times, queue, quarantine, the open alert), opens the trend graph of
// the hourly snapshots, and comes back to the dashboard.
// TestKashooHealthTour seeds a week of snapshots and the last hour's sync log first.
const CARD = ".o_kashoo_health_dashboard .o_kanban_record:contains(Maple Leaf Kashoo)";

registry.category("web_tour.tours").add("kashoo_health_tour", {
    url: "/odoo",
    steps: () => [
        ...openKashooMenu("kashoo_health_dashboard_menu", "the Health Dashboard"),
        {
            content: "46 of 48 imports succeeded in the last 24 hours",
            trigger: `${CARD} div[name=success_rate]:contains(95.8 %)`,
        },
        {
            content: "Processing takes 140 ms per transaction",
            trigger: `${CARD} div[name=processing_time]:contains(140 ms)`,
        },
        {
            content: "Kashoo answers in 90 ms",
            trigger: `${CARD} div[name=api_time]:contains(90 ms)`,
        },
        {
            content: "Four transactions wait in the queue",
            trigger: `${CARD} div[name=queue_depth]:contains(4)`,
        },
        {
            content: "Two wait in quarantine",
            trigger: `${CARD} div[name=quarantine]:contains(2)`,
        },
        {
            content: "The queue is a third above its baseline: one open alert",
            trigger: `${CARD} .o_kashoo_health_open_alerts:contains(1 open alert):contains(Queue depth)`,
        },
        {
            // The seeded hours lie between 95 and 99.5 %: every day's mean starts with 9.
            content: "The card draws the week's success rate and says what it spans",
            trigger: `${CARD} div[name=trend]:contains(between 9) .o_dashboard_graph canvas`,
        },
        {
            content: "Open the trends",
            trigger: `${CARD} button[name=action_kashoo_open_health_trends]`,
            run: "click",
        },
        {
            content: "The trend graph of the hourly snapshots is drawn, from real figures",
            trigger: ".o_graph_view:not(:has(.o_view_sample_data)) .o_graph_renderer canvas",
        },
        {
            content: "It is the backend's",
            trigger: ".o_breadcrumb:contains(Health Trends: Maple Leaf Kashoo)",
        },
        {
            content: "Back to the dashboard",
            trigger: ".o_breadcrumb .breadcrumb-item a:contains(Kashoo Health Dashboard)",
            run: "click",
        },
        {
            content: "The dashboard again, with its figures and trend",
            trigger: `${CARD} div[name=trend] .o_dashboard_graph canvas`,
        },
    ],
});
