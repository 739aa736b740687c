from odoo.tests import tagged

from .common import KashooCommon


@tagged("post_install", "-at_install")
class TestKashooPartnerCompany(KashooCommon):
    """Partners the connector creates belong to the backend's company; matching looks only at
    the partners that company can see."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.other_backend = cls.env["kashoo.backend"].create(
            {"name": "Kashoo Other", "company_id": cls.other_company.id}
        )

    def _contact(self, backend, kashoo_id, **values):
        return self.env["kashoo.contact"].create(
            {"backend_id": backend.id, "kashoo_id": kashoo_id, "name": "Contact", **values}
        )

    def test_new_partner_is_created_in_the_backend_company(self):
        contact = self._contact(self.backend, 91001, email="new@company-a.example")
        contact._kashoo_resolve_partners()
        self.assertEqual(contact.match_method, "created")
        self.assertEqual(contact.partner_id.company_id, self.company)

    def test_another_company_partner_is_never_matched(self):
        foreign = self.env["res.partner"].create(
            {
                "name": "Other's customer",
                "email": "shared@customer.example",
                "kashoo_business_number": "123456782",
                "company_id": self.other_company.id,
            }
        )
        by_email = self._contact(self.backend, 91002, email="shared@customer.example")
        by_number = self._contact(self.backend, 91003, business_number="123456782")
        (by_email | by_number)._kashoo_resolve_partners()
        for contact in by_email | by_number:
            self.assertNotEqual(contact.partner_id, foreign)
            self.assertEqual(contact.partner_id.company_id, self.company)
        # The other company's own contact finds its partner.
        theirs = self._contact(self.other_backend, 91002, email="shared@customer.example")
        theirs._kashoo_resolve_partners()
        self.assertEqual(theirs.partner_id, foreign)

    def test_one_batch_of_two_companies_keeps_them_apart(self):
        mine = self._contact(self.backend, 91004, email="both@customer.example")
        theirs = self._contact(self.other_backend, 91004, email="both@customer.example")
        (mine | theirs)._kashoo_resolve_partners()
        self.assertEqual(mine.partner_id.company_id, self.company)
        self.assertEqual(theirs.partner_id.company_id, self.other_company)

    def test_shared_partner_is_still_matched(self):
        shared = self.env["res.partner"].create(
            {"name": "Shared", "email": "everyone@shared.example", "company_id": False}
        )
        contact = self._contact(self.backend, 91005, email="everyone@shared.example")
        contact._kashoo_resolve_partners()
        self.assertEqual(contact.partner_id, shared)

    def test_employee_partners_belong_to_the_backend_company(self):
        foreign = self.env["res.partner"].create(
            {
                "name": "Their employee",
                "email": "pat@employees.example",
                "company_id": self.other_company.id,
            }
        )
        found = self.backend.sudo()._kashoo_employee_partners(
            [
                {"name": "Pat", "email": "pat@employees.example"},
                {"name": "Sam", "email": "sam@employees.example"},
            ]
        )
        partners = self.env["res.partner"].browse(found.values())
        self.assertEqual(len(partners), 2)
        self.assertNotIn(foreign, partners)
        self.assertEqual(partners.company_id, self.company)
        # Asked again, the same partners come back: none is created twice.
        again = self.backend.sudo()._kashoo_employee_partners(
            [{"name": "Pat", "email": "PAT@employees.example"}]
        )
        self.assertEqual(again, {"pat@employees.example": found["pat@employees.example"]})
