# Run by scripts/run.sh through `odoo-bin shell` (which provides `env`): connects the demo
# company's Kashoo backend to the local sandbox and maps its books, as an administrator would
# from the settings; the cron workers of `make run` then import the transactions (the demo
# seed's unmappable records land in the quarantine). The sandbox's control API stands in for
# the consent page (its fixed demo OAuth client and demo user); Authorize with Kashoo in the UI
# works as well (login demo@kashoo.test / demo).
# `env` is a global given by `odoo-bin shell`, which ruff cannot know.
# ruff: noqa: F821
import datetime
import os

from odoo import fields

from odoo.addons.kashoo_connector.demo.sandbox_books import (
    BUSINESS_ID,
    DEMO_CLIENT_ID,
    DEMO_CLIENT_SECRET,
    connect_to_sandbox,
    map_sandbox_books,
    sandbox_request,
)

sandbox_url = os.environ["KASHOO_SANDBOX_URL"]
env["ir.config_parameter"].sudo().set_param("kashoo.api.url", sandbox_url)
# A demo database: managing the integration does not ask the demo admin for two-factor.
env["ir.config_parameter"].sudo().set_param("kashoo_connector.require_2fa", False)
backend = env["kashoo.backend"]._get_for_company(env.company)
if not backend:
    backend = env["kashoo.backend"].create({"name": "Kashoo Sandbox"})
backend.write(
    {
        "api_url": sandbox_url,
        "client_id": DEMO_CLIENT_ID,
        "client_secret": DEMO_CLIENT_SECRET,
        "kashoo_business_id": BUSINESS_ID,
    }
)
connect_to_sandbox(backend, sandbox_url)
backend.action_kashoo_verify()
if not backend.kashoo_account_ids.account_id:
    # First run only: later runs keep what the user mapped or changed in the UI.
    fixtures = sandbox_request(sandbox_url, "GET", "/_sandbox/fixtures")
    env["res.currency"].with_context(active_test=False).search(
        [("name", "in", ("USD", "JPY"))]
    ).active = True
    map_sandbox_books(backend, fixtures)
backend.auto_sync = True
env.cr.commit()
if not backend.transaction_ids:
    # First run: import the demo book now, so the quarantine, the health dashboard and a
    # books comparison report are there at the first look (the crons carry on from here).
    backend._kashoo_fetch()
    backend._kashoo_process_batches(time_budget=600)
    # The hour in progress is counted as complete, so the dashboard shows this import.
    env["kashoo.health.snapshot"]._kashoo_take_snapshots(  # noqa: F821
        backend, now=fields.Datetime.now() + datetime.timedelta(hours=1)
    )
    backend._kashoo_run_books_comparison(
        backend._kashoo_default_start_date(), fields.Date.context_today(backend)
    )
    env.cr.commit()  # noqa: F821
counts = {
    state: len(backend.transaction_ids.filtered(lambda row, s=state: row.state == s))
    for state in ("done", "quarantined")
}
print(
    f"Kashoo backend {backend.name!r} connected to {backend.kashoo_business_name} "
    f"at {sandbox_url}; {len(backend.kashoo_account_ids.account_id)} accounts mapped, "
    f"{counts['done']} transactions imported, {counts['quarantined']} in quarantine"
)
