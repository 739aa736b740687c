from odoo.addons.account.tests.common import AccountTestInvoicingCommon

from ..demo.sandbox_books import (
    BUSINESS_ID,
    DEMO_CLIENT_ID,
    company_account,
    connect_to_sandbox,
    map_sandbox_books,
    sandbox_request,
)
from .common import start_sandbox

SANDBOX_SIZE = 200  # seed 42, size 200: the fixture ids of kashoo_sandbox/README.md


def create_connected_backend(env, company, sandbox):
    """Create ``company``'s backend, connected to sandbox business 1001 with fresh tokens."""
    backend = env["kashoo.backend"].create(
        {
            "name": "Kashoo Maple Leaf",
            "company_id": company.id,
            "api_url": sandbox.url,
            "client_id": DEMO_CLIENT_ID,
            "kashoo_business_id": BUSINESS_ID,
        }
    )
    return connect_to_sandbox(backend, sandbox.url)


class KashooCanadaCommon(AccountTestInvoicingCommon):
    """A Canadian company (chart ca_2023) connected to the Kashoo sandbox.

    ``_map_everything`` maps the sandbox's chart, taxes and payment methods the way an
    administrator would (``sandbox_books.map_sandbox_books``).
    """

    @classmethod
    @AccountTestInvoicingCommon.setup_country("ca")
    def setUpClass(cls):
        super().setUpClass()
        cls.sandbox = start_sandbox(cls, auto_approve=True, size=SANDBOX_SIZE)
        cls.company = cls.env.company
        # The accountant of AccountTestInvoicingCommon also administers the connector.
        cls.env.user.groups_id += cls.env.ref("kashoo_connector.kashoo_connector_group_manager")
        cls.env["res.currency"].with_context(active_test=False).search(
            [("name", "in", ("USD", "JPY"))]
        ).active = True
        cls.backend = create_connected_backend(cls.env, cls.company, cls.sandbox)
        cls.fixtures = sandbox_request(cls.sandbox.url, "GET", "/_sandbox/fixtures")

    # === HELPERS === #

    @classmethod
    def _ca(cls, code):
        """The company's l10n_ca account with this code."""
        return company_account(cls.company, code)

    @classmethod
    def _kashoo_account(cls, number):
        return cls.env["kashoo.account"].search(
            [("backend_id", "=", cls.backend.id), ("number", "=", number)]
        )

    @classmethod
    def _kashoo_tax(cls, name):
        return cls.env["kashoo.tax"].search(
            [("backend_id", "=", cls.backend.id), ("name", "=", name)]
        )

    @classmethod
    def _map_everything(cls):
        map_sandbox_books(cls.backend, cls.fixtures)

    @classmethod
    def _records(cls, ids):
        with cls.backend._kashoo_client() as client:
            found = client.get_records(ids)
        return [found[record_id] for record_id in ids]

    @classmethod
    def _all_records(cls):
        with cls.backend._kashoo_client() as client:
            return list(client.iter_records())
