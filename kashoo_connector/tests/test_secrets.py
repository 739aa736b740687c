import json
import os
from unittest.mock import patch

from odoo.exceptions import AccessError, UserError
from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger
from odoo.tools.misc import file_path

from .. import utils
from ..kashoo_api import TokenSet
from .common import KashooCommon, allow_management_without_2fa

CLIENT_SECRET = "client-secret-4b9f0c1e7d2a"
ACCESS_TOKEN = "access-token-91c3e5a7b2d4"
REFRESH_TOKEN = "refresh-token-5e8a1f3c9b70"
WEBHOOK_SECRET = "whsec_c2VjcmV0LXdlYmhvb2sta2V5LTEyMzQ1Ng=="


def _store_all_secrets(backend):
    backend.write({"client_id": "odoo-test", "client_secret": CLIENT_SECRET})
    backend.env["kashoo.oauth.token"]._save(
        backend, TokenSet(access_token=ACCESS_TOKEN, refresh_token=REFRESH_TOKEN)
    )
    backend.sudo().webhook_secret_encrypted = utils.get_secret_box(backend.env).encrypt(
        WEBHOOK_SECRET
    )


@tagged("post_install", "-at_install")
class TestSecrets(KashooCommon):
    def _table_dump(self):
        """Every row of the tables that could hold a secret, as the database stores it."""
        self.env.flush_all()
        dump = []
        for table in (
            "kashoo_backend",
            "kashoo_oauth_token",
            "kashoo_oauth_state",
            "kashoo_auth_log",
            "mail_message",
            "mail_tracking_value",
            "ir_config_parameter",
        ):
            # The table names are the fixed literals above, never user input.
            self.env.cr.execute(f"SELECT row_to_json(t)::text FROM {table} t")
            dump.extend(row[0] for row in self.env.cr.fetchall())
        return "\n".join(dump)

    def test_no_secret_is_stored_in_plain_text(self):
        _store_all_secrets(self.backend)
        self.backend.action_kashoo_authorize()  # stores a PKCE verifier too
        dump = self._table_dump()
        self.assertIn(self.backend.sudo().client_secret_encrypted, dump)
        for secret in (CLIENT_SECRET, ACCESS_TOKEN, REFRESH_TOKEN, WEBHOOK_SECRET):
            self.assertNotIn(secret, dump)
        state = self.env["kashoo.oauth.state"].search([("backend_id", "=", self.backend.id)])
        self.assertNotIn(state._code_verifier(), dump)
        stored = self.backend.sudo().client_secret_encrypted
        self.assertEqual(utils.decrypt_secret(self.env, stored), CLIENT_SECRET)

    def test_secret_change_is_tracked_without_its_value(self):
        self.backend.client_secret = CLIENT_SECRET
        self.backend.invalidate_recordset()
        last_message = self.backend.message_ids[0]
        self.assertIn("Client secret changed", last_message.body)
        self.assertNotIn(CLIENT_SECRET, last_message.body)
        self.assertFalse(self.backend.client_secret, "a stored secret is never read back")
        self.assertTrue(self.backend.has_client_secret)

    def test_empty_value_keeps_the_stored_secret(self):
        self.backend.client_secret = CLIENT_SECRET
        stored = self.backend.sudo().client_secret_encrypted
        self.backend.write({"client_secret": False, "name": "Renamed"})
        self.assertEqual(self.backend.sudo().client_secret_encrypted, stored)

    def test_no_key_refuses_to_store_a_secret(self):
        with (
            patch.dict(os.environ, {utils.ENCRYPTION_KEY_ENV: ""}),
            patch.dict(utils.config.options, {utils.ENCRYPTION_KEY_OPTION: ""}),
        ):
            with self.assertRaisesRegex(UserError, "kashoo_encryption_key"):
                self.backend.client_secret = CLIENT_SECRET
        self.assertFalse(self.backend.sudo().client_secret_encrypted)

    def test_malformed_key_is_a_clear_error(self):
        with patch.dict(os.environ, {utils.ENCRYPTION_KEY_ENV: "not-a-fernet-key"}):
            with self.assertRaisesRegex(UserError, "not a valid Fernet key"):
                self.backend.client_secret = CLIENT_SECRET

    def test_wrong_key_is_a_clear_error(self):
        self.backend.client_secret = CLIENT_SECRET
        other_key = "t0Jm0XbZkT3ZB3qk7m5Hn5cG0N2fE8yPqvL2VhXo3Ws="
        with patch.dict(os.environ, {utils.ENCRYPTION_KEY_ENV: other_key}):
            with self.assertRaisesRegex(UserError, "cannot be decrypted with the configured key"):
                utils.decrypt_secret(self.env, self.backend.sudo().client_secret_encrypted)

    def test_rotated_keys_still_decrypt_old_secrets(self):
        self.backend.client_secret = CLIENT_SECRET
        new_key = "t0Jm0XbZkT3ZB3qk7m5Hn5cG0N2fE8yPqvL2VhXo3Ws="
        rotated = f"{new_key},{utils.get_encryption_key()}"
        with patch.dict(os.environ, {utils.ENCRYPTION_KEY_ENV: rotated}):
            stored = self.backend.sudo().client_secret_encrypted
            self.assertEqual(utils.decrypt_secret(self.env, stored), CLIENT_SECRET)

    def test_secret_fields_are_for_system_administrators_only(self):
        _store_all_secrets(self.backend)
        secret_fields = [
            "client_secret_encrypted",
            "webhook_secret_encrypted",
            "client_secret",
            "classic_token_encrypted",
        ]
        tokens = self.env["kashoo.oauth.token"].search([("backend_id", "=", self.backend.id)])
        for user in (self.kashoo_manager, self.accountant):
            for field_name in secret_fields:
                with (
                    self.subTest(user=user.login, field=field_name),
                    self.assertRaises(AccessError),
                ):
                    self.backend.with_user(user).read([field_name])
            with (
                self.subTest(user=user.login, model="kashoo.oauth.token"),
                self.assertRaises(AccessError),
            ):
                tokens.with_user(user).read(["access_token_encrypted"])

    def test_secrets_are_not_copied(self):
        _store_all_secrets(self.backend)
        copy = self.backend.copy({"company_id": self.other_company.id})
        for column in ("client_secret_encrypted", "webhook_secret_encrypted"):
            self.assertFalse(copy.sudo()[column])
        self.assertFalse(copy.has_tokens)
        self.assertTrue(self.backend.has_tokens)

    def test_neutralize_wipes_secrets(self):
        _store_all_secrets(self.backend)
        self.backend.state = "connected"
        self.env.flush_all()
        with open(file_path("kashoo_connector/data/neutralize.sql")) as sql:
            self.env.cr.execute(sql.read())
        self.env.invalidate_all()
        backend_sudo = self.backend.sudo()
        self.assertFalse(backend_sudo.client_secret_encrypted)
        self.assertFalse(backend_sudo.webhook_secret_encrypted)
        self.assertFalse(backend_sudo.has_tokens)
        self.assertEqual(backend_sudo.state, "draft")


@tagged("post_install", "-at_install")
class TestSecretsOverRpc(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        allow_management_without_2fa(cls.env)

    @mute_logger("odoo.http")
    def test_accountant_cannot_read_secrets_over_json_rpc(self):
        backend = self.env["kashoo.backend"].search([], limit=1) or self.env[
            "kashoo.backend"
        ].create({"company_id": self.env.company.id})
        _store_all_secrets(backend)
        accountant = self.env["res.users"].create(
            {
                "name": "RPC Accountant",
                "login": "rpc_accountant",
                "password": "rpc_accountant",
                "groups_id": [
                    (
                        6,
                        0,
                        [
                            self.env.ref("account.group_account_user").id,
                            self.env.ref("kashoo_connector.kashoo_connector_group_user").id,
                        ],
                    )
                ],
            }
        )
        self.authenticate(accountant.login, "rpc_accountant")

        def rpc_read(fields):
            response = self.url_open(
                "/web/dataset/call_kw/kashoo.backend/read",
                data=json.dumps(
                    {
                        "jsonrpc": "2.0",
                        "method": "call",
                        "params": {
                            "model": "kashoo.backend",
                            "method": "read",
                            "args": [[backend.id], fields],
                            "kwargs": {},
                        },
                    }
                ),
                headers={"Content-Type": "application/json"},
            )
            return response.json()

        allowed = rpc_read(["name", "state"])
        self.assertEqual(allowed["result"][0]["name"], backend.name)
        for field_name in ("client_secret_encrypted", "webhook_secret_encrypted"):
            answer = rpc_read([field_name])
            self.assertIn("error", answer, field_name)
            self.assertEqual(answer["error"]["data"]["name"], "odoo.exceptions.AccessError")
            self.assertNotIn(backend.sudo()[field_name], json.dumps(answer))
        tokens = self.env["kashoo.oauth.token"].search([("backend_id", "=", backend.id)])
        response = self.url_open(
            "/web/dataset/call_kw/kashoo.oauth.token/read",
            data=json.dumps(
                {
                    "jsonrpc": "2.0",
                    "method": "call",
                    "params": {
                        "model": "kashoo.oauth.token",
                        "method": "read",
                        "args": [tokens.ids, ["access_token_encrypted", "refresh_token_encrypted"]],
                        "kwargs": {},
                    },
                }
            ),
            headers={"Content-Type": "application/json"},
        ).json()
        self.assertEqual(response["error"]["data"]["name"], "odoo.exceptions.AccessError")
        self.assertNotIn(tokens.access_token_encrypted, json.dumps(response))
