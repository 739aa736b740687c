# Run by scripts/run.sh through `odoo-bin shell` (which provides `env`): connects the demo
# company's Kashoo backend to the local sandbox, as an administrator would from the settings.
# The sandbox's control API stands in for the consent page (its fixed demo OAuth client and
# demo user); Authorize with Kashoo in the UI works as well (login demo@kashoo.test / demo).
import os
import time

import requests

from odoo.addons.kashoo_connector.kashoo_api import TokenSet

DEMO_CLIENT_ID = "odoo-demo"
DEMO_CLIENT_SECRET = "sandbox-demo-secret"  # the sandbox's published demo value, not a secret
DEMO_BUSINESS_ID = 1001

sandbox_url = os.environ["KASHOO_SANDBOX_URL"]
env["ir.config_parameter"].sudo().set_param("kashoo.api.url", sandbox_url)  # noqa: F821
backend = env["kashoo.backend"]._get_for_company(env.company)  # noqa: F821
if not backend:
    backend = env["kashoo.backend"].create({"name": "Kashoo Sandbox"})  # noqa: F821
backend.write({
    "api_url": sandbox_url,
    "client_id": DEMO_CLIENT_ID,
    "client_secret": DEMO_CLIENT_SECRET,
    "kashoo_business_id": DEMO_BUSINESS_ID,
})
answer = requests.post(f"{sandbox_url}/_sandbox/tokens", json={"client_id": DEMO_CLIENT_ID},
                       timeout=10)
answer.raise_for_status()
tokens = answer.json()
env["kashoo.oauth.token"]._save(backend, TokenSet(  # noqa: F821
    access_token=tokens["access_token"],
    refresh_token=tokens["refresh_token"],
    expires_at=time.time() + tokens["expires_in"],
    scope=tokens["scope"],
))
backend.action_kashoo_verify()
env.cr.commit()  # noqa: F821
print(f"Kashoo backend {backend.name!r} connected to {backend.kashoo_business_name} "
      f"at {sandbox_url}")
