# Run by scripts/run.sh through `odoo-bin shell` (which provides `env`): points the demo
# company's Kashoo backend at the local sandbox.
import os

sandbox_url = os.environ["KASHOO_SANDBOX_URL"]
env["ir.config_parameter"].sudo().set_param("kashoo.api.url", sandbox_url)  # noqa: F821
backend = env["kashoo.backend"]._get_for_company(env.company)  # noqa: F821
if not backend:
    backend = env["kashoo.backend"].create({"name": "Kashoo Sandbox"})  # noqa: F821
backend.api_url = sandbox_url
env.cr.commit()  # noqa: F821
print(f"kashoo backend {backend.name!r} -> {sandbox_url}")
