from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import KashooCommon


@tagged("post_install", "-at_install")
class TestAccess(KashooCommon):
    def test_accountant_reads_but_cannot_change_the_backend(self):
        backend = self.backend.with_user(self.accountant)
        self.assertEqual(backend.name, "Kashoo Test")
        with self.assertRaises(AccessError):
            backend.write({"api_url": "https://evil.example"})
        with self.assertRaises(AccessError):
            self.env["kashoo.backend"].with_user(self.accountant).create(
                {"company_id": self.other_company.id}
            )
        with self.assertRaises(AccessError):
            backend.unlink()

    def test_manager_configures_the_backend(self):
        backend = self.backend.with_user(self.kashoo_manager)
        backend.write({"name": "Renamed"})
        self.assertEqual(self.backend.name, "Renamed")
        # Where the connection points is for system administrators (see
        # test_connection_security).
        with self.assertRaises(AccessError):
            backend.write({"api_url": "https://sandbox.kashoo.test"})
        other = (
            self.env["kashoo.backend"]
            .with_user(self.kashoo_manager)
            .create({"company_id": self.other_company.id})
        )
        other.unlink()
        self.assertFalse(other.exists())

    def test_portal_user_sees_nothing(self):
        with self.assertRaises(AccessError):
            self.backend.with_user(self.portal_user).read(["name"])
        with self.assertRaises(AccessError):
            self.env["kashoo.backend"].with_user(self.portal_user).search([])

    def test_backends_of_other_companies_are_hidden(self):
        other = self.env["kashoo.backend"].create({"company_id": self.other_company.id})
        visible = self.env["kashoo.backend"].with_user(self.single_company_manager).search([])
        self.assertIn(self.backend, visible)
        self.assertNotIn(other, visible)
        with self.assertRaises(AccessError):
            other.with_user(self.single_company_manager).read(["name"])
