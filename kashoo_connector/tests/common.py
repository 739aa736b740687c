import os
import sys

from odoo.tests import new_test_user
from odoo.tests.common import TransactionCase

from .. import const

# The loggers of the sync engine, muted where a test provokes the failures they report.
ENGINE_LOGGERS = (
    "odoo.addons.kashoo_connector.models.sync.kashoo_backend",
    "odoo.addons.kashoo_connector.models.sync.kashoo_transaction",
    "odoo.addons.kashoo_connector.models.sync.kashoo_move_builder",
    "odoo.addons.kashoo_connector.models.sync.kashoo_import_engine",
    "odoo.addons.kashoo_connector.models.mapping.kashoo_contact",
    "odoo.addons.kashoo_connector.models.connection.kashoo_backend",
    "odoo.addons.kashoo_connector.kashoo_api.client",
)


class KashooCommon(TransactionCase):
    """Users of each role and a second company, shared by the connector's tests."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        cls.other_company = cls.env["res.company"].create({"name": "Other Kashoo Company"})
        add_role_users(cls, "kashoo")
        cls.backend = cls.env["kashoo.backend"].create(
            {"name": "Kashoo Test", "company_id": cls.company.id}
        )


def add_role_users(test_class, login_prefix):
    """Give ``test_class`` a user of each role, in ``test_class.company`` (the managers and the
    accountant also in ``test_class.other_company``), with logins that start with
    ``login_prefix``."""
    both_companies = [test_class.company.id, test_class.other_company.id]
    env = test_class.env
    test_class.kashoo_manager = new_test_user(
        env,
        f"{login_prefix}_manager",
        groups="kashoo_connector.kashoo_connector_group_manager",
        company_id=test_class.company.id,
        company_ids=both_companies,
    )
    test_class.accountant = new_test_user(
        env,
        f"{login_prefix}_accountant",
        groups="account.group_account_user,kashoo_connector.kashoo_connector_group_user",
        company_id=test_class.company.id,
        company_ids=both_companies,
    )
    test_class.single_company_manager = new_test_user(
        env,
        f"{login_prefix}_manager_one_company",
        groups="kashoo_connector.kashoo_connector_group_manager",
        company_id=test_class.company.id,
        company_ids=[test_class.company.id],
    )
    test_class.portal_user = new_test_user(
        env, f"{login_prefix}_portal", groups="base.group_portal"
    )


def start_sandbox(test_class, **settings):
    """Start the project's Kashoo sandbox on a free 127.0.0.1 port for ``test_class``.

    The sandbox package sits beside the addon in the repository; it is stopped when the
    class's tests end.
    """
    repository = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    if repository not in sys.path:
        sys.path.append(repository)
    from kashoo_sandbox import SandboxServer  # noqa: PLC0415 - needs the path set above

    settings.setdefault("rate_limit", 0)
    settings.setdefault("size", 30)
    sandbox = SandboxServer(**settings).start()
    test_class.addClassCleanup(sandbox.stop)
    return sandbox


def allow_management_without_2fa(env):
    """Turn off the two-factor requirement for managing the integration, as test databases
    do (the setting says so); only the tests of the requirement keep it on."""
    env["ir.config_parameter"].sudo().set_param(const.PARAM_REQUIRE_2FA, False)
    # The server's requests read the database, not this transaction's pending writes.
    env.flush_all()
