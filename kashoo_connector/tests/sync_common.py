from datetime import date

from odoo.tests import HttpCase

from ..demo.sandbox_books import (
    BUSINESS_ID,
    DEMO_CLIENT_ID,
    DEMO_CLIENT_SECRET,
    connect_to_sandbox,
    sandbox_request,
)
from .common import allow_management_without_2fa, start_sandbox


class KashooSyncCase(HttpCase):
    """A backend connected to a real Kashoo sandbox over HTTP, as an administrator would."""

    sandbox_settings = {}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        allow_management_without_2fa(cls.env)
        settings = dict({"seed": 7, "size": 30, "time_scale": 0.001}, **cls.sandbox_settings)
        cls.sandbox = start_sandbox(cls, **settings)
        cls.backend = cls.env["kashoo.backend"]._get_for_company(cls.env.company) or cls.env[
            "kashoo.backend"
        ].create({"company_id": cls.env.company.id})
        cls.backend.write(
            {
                "api_url": cls.sandbox.url,
                "api_prefix": "/api",
                "auth_mode": "oauth",
                "client_id": DEMO_CLIENT_ID,
                "client_secret": DEMO_CLIENT_SECRET,
                "kashoo_business_id": BUSINESS_ID,
                "sync_start_date": date(2020, 1, 1),
                "auto_sync": True,
            }
        )
        cls._connect()

    def setUp(self):
        super().setUp()
        # Fresh tokens for every test: a test may revoke them in the (shared) sandbox.
        self._connect()

    @classmethod
    def _connect(cls):
        connect_to_sandbox(cls.backend, cls.sandbox.url)

    @classmethod
    def _sandbox(cls, method, path, body=None):
        return sandbox_request(cls.sandbox.url, method, path, body)

    def _fast_client(self):
        """The backend's client, trying each call once (no in-call backoff) for speed."""
        client = self.backend._kashoo_client()
        client.max_attempts = 1
        return client

    def _rows(self, **domain):
        return self.env["kashoo.transaction"].search(
            [("backend_id", "=", self.backend.id)]
            + [(name, "=", value) for name, value in domain.items()]
        )

    def _kashoo_records(self):
        """Every record of the business, as Kashoo lists it."""
        with self._fast_client() as client:
            return list(client.iter_records())
