# Run by `odoo-bin shell` (``env`` is given): turn a fresh database into a Canadian company whose
# Kashoo backend is connected to the sandbox at $KASHOO_SANDBOX_URL and mapped the way an
# administrator would map it. Webhooks are registered when $KASHOO_E2E_WEBHOOKS is "1".
import json
import os
import time

import requests

from odoo.addons.kashoo_connector.kashoo_api import TokenSet

sandbox_url = os.environ["KASHOO_SANDBOX_URL"]
odoo_url = os.environ["KASHOO_ODOO_URL"]
company = env.company  # noqa: F821
env["ir.config_parameter"].set_param("web.base.url", odoo_url)  # noqa: F821
env["ir.config_parameter"].set_param("web.base.url.freeze", "True")  # noqa: F821
cad = env.ref("base.CAD")  # noqa: F821
cad.active = True
company.write({"country_id": env.ref("base.ca").id, "currency_id": cad.id,  # noqa: F821
               "state_id": env.ref("base.state_ca_on").id})  # noqa: F821
env["account.chart.template"].try_loading("ca_2023", company, install_demo=False)  # noqa: F821
env["res.currency"].with_context(active_test=False).search(  # noqa: F821
    [("name", "in", ("USD", "JPY"))]).active = True


def ca(code):
    return env["account.account"].search(  # noqa: F821
        [("company_ids", "in", company.id), ("code", "=", code)], limit=1)


backend = env["kashoo.backend"]._get_for_company(company) or env[  # noqa: F821
    "kashoo.backend"].create({"company_id": company.id})
backend.write({
    "name": "Kashoo E2E",
    "api_url": sandbox_url,
    "client_id": "odoo-demo",
    "client_secret": "sandbox-demo-secret",
    "kashoo_business_id": 1001,
    "sync_start_date": os.environ["KASHOO_E2E_START"],
    "auto_sync": True,
    "sync_frequency": "immediate",
})
tokens = requests.post(f"{sandbox_url}/_sandbox/tokens", json={"client_id": "odoo-demo"},
                       timeout=10).json()
env["kashoo.oauth.token"]._save(backend, TokenSet(  # noqa: F821
    access_token=tokens["access_token"], refresh_token=tokens["refresh_token"],
    expires_at=time.time() + tokens["expires_in"], scope=tokens["scope"]))
backend.state = "connected"

# Mapping, as tests/kashoo_mapping_common.py does it.
fixtures = requests.get(f"{sandbox_url}/_sandbox/fixtures", timeout=10).json()
backend._kashoo_refresh_reference_data()
accounts = backend.kashoo_account_ids
accounts.filtered(lambda a: a.suggestion_confidence >= 70).action_accept_suggestion()
Journal = env["account.journal"]  # noqa: F821
bank = Journal.search([("company_id", "=", company.id), ("type", "=", "bank")], limit=1)
cash = Journal.search([("company_id", "=", company.id), ("type", "=", "cash")], limit=1)


def journal(name, journal_type, currency=None):
    return Journal.create({"name": name, "type": journal_type,
                           "code": name[:5].upper().replace(" ", ""), "company_id": company.id,
                           "currency_id": currency and currency.id})


money = {"1000": bank, "1010": journal("Savings", "bank"),
         "1020": journal("USD Chequing", "bank", env.ref("base.USD")),  # noqa: F821
         "2100": journal("Visa", "credit"), "1050": cash}
for number, money_journal in money.items():
    accounts.filtered(lambda a, n=number: a.number == n).write(
        {"account_id": money_journal.default_account_id.id, "journal_id": money_journal.id})
chart = env["account.account"].search([("company_ids", "in", company.id)], order="code")  # noqa: F821
by_hand = {"4200": "411230", "4300": "422100", "5200": "512210", "5500": "512210",
           "5600": "512210", "5700": "522000", "5800": "512210", "5900": "512210",
           "5950": "512207", "5960": "512202", "2400": "221203", "2300": "298000",
           "5000": "511213", "5120": "512121"}
unmappable = set(fixtures.get("unmappableAccount") or [])
for account in accounts:
    if account.account_id or account.kashoo_id in unmappable:
        continue
    account.account_id = ca(by_hand[account.number]) if account.number in by_hand else (
        chart.filtered(lambda c, a=account: a._kashoo_is_compatible(c))[:1])
taxes = backend.kashoo_tax_ids
taxes.action_accept_suggestion()
compound = set(fixtures.get("compoundTax") or [])
taxes.filtered(lambda t: t.kashoo_id in compound).action_create_odoo_taxes()
for method in backend.kashoo_payment_method_ids:
    method_journal = cash if method.name == "Cash" else bank
    method.write({"journal_id": method_journal.id,
                  "payment_method_line_id": method_journal.inbound_payment_method_line_ids[:1].id})
backend.kashoo_employee_payable_account_id = ca("221203")
if not company.account_journal_early_pay_discount_loss_account_id:
    company.account_journal_early_pay_discount_loss_account_id = ca("522100")
if not company.account_journal_early_pay_discount_gain_account_id:
    company.account_journal_early_pay_discount_gain_account_id = ca("423100")

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
env.cr.commit()  # noqa: F821
print("KASHOO_E2E_SETUP " + json.dumps(mapping))
