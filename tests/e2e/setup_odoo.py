# Run by `odoo-bin shell` (``env`` is given): turn a fresh database into a Canadian company whose
# Kashoo backend is connected to the sandbox at $KASHOO_SANDBOX_URL and mapped the way an
# administrator would map it. Webhooks are registered when $KASHOO_E2E_WEBHOOKS is "1".
# `env` is a global given by `odoo-bin shell`, which ruff cannot know.
# ruff: noqa: F821
import json
import os

from odoo.addons.kashoo_connector.demo.sandbox_books import (
    BUSINESS_ID,
    DEMO_CLIENT_ID,
    DEMO_CLIENT_SECRET,
    connect_to_sandbox,
    map_sandbox_books,
    sandbox_request,
)

sandbox_url = os.environ["KASHOO_SANDBOX_URL"]
odoo_url = os.environ["KASHOO_ODOO_URL"]
company = env.company
env["ir.config_parameter"].set_param("web.base.url", odoo_url)
env["ir.config_parameter"].set_param("web.base.url.freeze", "True")
cad = env.ref("base.CAD")
cad.active = True
company.write(
    {
        "country_id": env.ref("base.ca").id,
        "currency_id": cad.id,
        "state_id": env.ref("base.state_ca_on").id,
    }
)
env["account.chart.template"].try_loading("ca_2023", company, install_demo=False)
env["res.currency"].with_context(active_test=False).search(
    [("name", "in", ("USD", "JPY"))]
).active = True


backend = env["kashoo.backend"]._get_for_company(company) or env["kashoo.backend"].create(
    {"company_id": company.id}
)
backend.write(
    {
        "name": "Kashoo E2E",
        "api_url": sandbox_url,
        "client_id": DEMO_CLIENT_ID,
        "client_secret": DEMO_CLIENT_SECRET,
        "kashoo_business_id": BUSINESS_ID,
        "sync_start_date": os.environ["KASHOO_E2E_START"],
        "auto_sync": True,
        "sync_frequency": "immediate",
    }
)
connect_to_sandbox(backend, sandbox_url)
map_sandbox_books(backend, sandbox_request(sandbox_url, "GET", "/_sandbox/fixtures"))

if os.environ.get("KASHOO_E2E_WEBHOOKS") == "1":
    backend.action_kashoo_register_webhook()
elif os.environ.get("KASHOO_E2E_WEBHOOK_SECRET"):
    # The benchmark signs its own deliveries with a secret it knows.
    backend._kashoo_set_webhook_secret(os.environ["KASHOO_E2E_WEBHOOK_SECRET"])

mapping = {
    "accounts": {a.kashoo_id: a.account_id.id for a in backend.kashoo_account_ids},
    "backend_id": backend.id,
    "company_id": company.id,
}
env.cr.commit()
print("KASHOO_E2E_SETUP " + json.dumps(mapping))
