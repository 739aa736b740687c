import json
import os
from unittest.mock import patch

from odoo.exceptions import AccessError
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import mute_logger

from .. import utils
from ..kashoo_api.secret_box import generate_key
from ..kashoo_logic.tax_numbers import compact_tax_number
from .kashoo_mapping_common import KashooCanadaCommon

TAX_FIELDS = ("business_number", "gst_number", "qst_number")


@tagged("post_install", "-at_install")
class TestTaxNumberEncryption(KashooCanadaCommon):
    """Kashoo contacts' tax numbers live encrypted, matched and searched by a keyed hash."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.backend._kashoo_refresh_reference_data()
        cls.kashoo_user = new_test_user(
            cls.env,
            "kashoo_tax_user",
            groups="account.group_account_user,kashoo_connector.kashoo_connector_group_user",
            company_id=cls.company.id,
        )

    def _plain_numbers(self, contacts):
        return {
            number for contact in contacts for field in TAX_FIELDS if (number := contact[field])
        }

    def test_refresh_stores_no_plain_tax_number(self):
        contacts = self.backend.kashoo_contact_ids
        numbers = self._plain_numbers(contacts)
        self.assertGreater(len(numbers), 5)
        self.env.flush_all()
        self.env.cr.execute(
            "SELECT row_to_json(c)::text FROM kashoo_contact c WHERE backend_id = %s",
            [self.backend.id],
        )
        stored = "\n".join(row[0] for row in self.env.cr.fetchall())
        for number in numbers:
            self.assertFalse(number in stored, "a plain tax number is stored")
            self.assertFalse(compact_tax_number(number) in stored, "a plain number is stored")
        with_bn = contacts.filtered(lambda c: len(compact_tax_number(c.business_number)) == 9)
        self.assertTrue(with_bn)
        self.assertTrue(all(with_bn.sudo().mapped("business_number_encrypted")))
        self.assertTrue(all(with_bn.mapped("kashoo_bn9_hash")))

    def test_bn9_matches_an_existing_partner_and_finds_the_contact(self):
        partner = self.env["res.partner"].create(
            {"name": "Registered", "kashoo_business_number": "123456782"}
        )
        contact = self.env["kashoo.contact"].create(
            {
                "backend_id": self.backend.id,
                "kashoo_id": 99102,
                "name": "Registered Ltd",
                "gst_number": "123456782 RT 0001",
            }
        )
        self.assertEqual(contact.gst_number, "123456782 RT 0001")
        contact._kashoo_resolve_partners()
        self.assertEqual(contact.partner_id, partner)
        self.assertEqual(contact.match_method, "tax_number")
        self.assertEqual(
            self.env["kashoo.contact"].search([("gst_number", "=", "123456782RT0001")]),
            contact,
        )
        self.assertEqual(
            self.env["kashoo.contact"].search([("business_number", "=", "123 456 782")]),
            contact,
        )

    def test_kashoo_user_cannot_read_plain_numbers(self):
        contact = self.backend.kashoo_contact_ids.filtered("business_number")[:1]
        self.assertTrue(contact)
        as_user = contact.with_user(self.kashoo_user)
        self.assertTrue(as_user.read(["name"]))
        for field in (*TAX_FIELDS, "business_number_encrypted"):
            with self.assertRaises(AccessError):
                as_user.read([field])
            with self.assertRaises(AccessError):
                as_user.search_read([("id", "=", contact.id)], [field])
        with self.assertRaises(AccessError):
            as_user.write({"business_number": "123456782"})

    def test_reencryption_covers_tax_numbers(self):
        contact = self.backend.kashoo_contact_ids.filtered(
            lambda c: len(compact_tax_number(c.business_number)) == 9
        )[:1]
        plain = contact.business_number
        key_b = generate_key()
        keys = f"{key_b},{utils.get_encryption_key()}"
        with patch.dict(os.environ, {utils.ENCRYPTION_KEY_ENV: keys}):
            self.backend.sudo()._kashoo_reencrypt_secrets()
        self.env.invalidate_all()
        with patch.dict(os.environ, {utils.ENCRYPTION_KEY_ENV: key_b}):
            self.assertEqual(contact.business_number, plain)
            self.assertEqual(
                self.env["kashoo.contact"].search(
                    [("backend_id", "=", self.backend.id), ("business_number", "=", plain)]
                ),
                contact,
            )


@tagged("post_install", "-at_install")
class TestTaxNumberRpc(HttpCase):
    """Over JSON-RPC, a Kashoo User who is not a manager gets no tax number of a contact."""

    def test_kashoo_user_reads_no_tax_number_over_rpc(self):
        company = self.env.company
        backend = self.env["kashoo.backend"].create(
            {"name": "Kashoo RPC", "company_id": company.id, "api_url": "https://127.0.0.1:1"}
        )
        contact = self.env["kashoo.contact"].create(
            {
                "backend_id": backend.id,
                "kashoo_id": 99201,
                "name": "Registered Ltd",
                "business_number": "123456782",
            }
        )
        new_test_user(
            self.env,
            "kashoo_rpc_user",
            password="kashoo_rpc_user_pw",
            groups="base.group_user,kashoo_connector.kashoo_connector_group_user",
            company_id=company.id,
        )
        self.authenticate("kashoo_rpc_user", "kashoo_rpc_user_pw")

        def call(method, args, kwargs=None):
            response = self.url_open(
                "/web/dataset/call_kw",
                data=json.dumps(
                    {
                        "jsonrpc": "2.0",
                        "method": "call",
                        "params": {
                            "model": "kashoo.contact",
                            "method": method,
                            "args": args,
                            "kwargs": kwargs or {},
                        },
                    }
                ),
                headers={"Content-Type": "application/json"},
            )
            return response.json()

        self.assertEqual(
            call("read", [[contact.id], ["name"]])["result"][0]["name"], "Registered Ltd"
        )
        for field in ("business_number", "business_number_encrypted", "kashoo_bn9_hash"):
            with mute_logger("odoo.http"):
                answer = call("read", [[contact.id], [field]])
            if field == "kashoo_bn9_hash":
                # The keyed hash is no secret without the key, but it is not the number.
                self.assertNotIn("123456782", json.dumps(answer))
                continue
            self.assertIn("error", answer, field)
            self.assertNotIn("123456782", json.dumps(answer))
        with mute_logger("odoo.http"):
            answer = call("search_read", [[("id", "=", contact.id)]], {"fields": []})
        self.assertNotIn("123456782", json.dumps(answer))
