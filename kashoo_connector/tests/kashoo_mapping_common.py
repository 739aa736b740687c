import time

import requests

from odoo.addons.account.tests.common import AccountTestInvoicingCommon

from ..kashoo_api import TokenSet
from .common import start_sandbox

BUSINESS_ID = 1001  # the sandbox's "Maple Leaf Supplies Ltd" (Ontario)
SANDBOX_SIZE = 200  # seed 42, size 200: the fixture ids of kashoo_sandbox/README.md


def connect_to_sandbox(env, company, sandbox):
    """Create ``company``'s backend, connected to sandbox business 1001 with fresh tokens."""
    backend = env["kashoo.backend"].create({
        "name": "Kashoo Maple Leaf",
        "company_id": company.id,
        "api_url": sandbox.url,
        "client_id": "odoo-demo",
        "kashoo_business_id": BUSINESS_ID,
    })
    tokens = requests.post(f"{sandbox.url}/_sandbox/tokens", json={"client_id": "odoo-demo"},
                           timeout=10).json()
    env["kashoo.oauth.token"]._save(backend, TokenSet(
        access_token=tokens["access_token"], refresh_token=tokens["refresh_token"],
        expires_at=time.time() + tokens["expires_in"], scope=tokens["scope"]))
    backend.state = "connected"
    return backend


class KashooCanadaCommon(AccountTestInvoicingCommon):
    """A Canadian company (chart ca_2023) connected to the Kashoo sandbox.

    ``_map_everything`` maps the sandbox's chart, taxes and payment methods the way an
    administrator would: suggestions accepted, the rest chosen by hand, money accounts on
    their own journals; the sandbox's deliberately unmappable account and tax stay unmapped.
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
            [("name", "in", ("USD", "JPY"))]).active = True
        cls.backend = connect_to_sandbox(cls.env, cls.company, cls.sandbox)
        cls.fixtures = requests.get(f"{cls.sandbox.url}/_sandbox/fixtures", timeout=10).json()

    # === HELPERS === #

    @classmethod
    def _ca(cls, code):
        """The company's l10n_ca account with this code."""
        return cls.env["account.account"].search(
            [("company_ids", "in", cls.company.id), ("code", "=", code)], limit=1)

    @classmethod
    def _kashoo_account(cls, number):
        return cls.env["kashoo.account"].search(
            [("backend_id", "=", cls.backend.id), ("number", "=", number)])

    @classmethod
    def _kashoo_tax(cls, name):
        return cls.env["kashoo.tax"].search(
            [("backend_id", "=", cls.backend.id), ("name", "=", name)])

    @classmethod
    def _journal(cls, name, journal_type, currency=None):
        return cls.env["account.journal"].create({
            "name": name, "type": journal_type, "code": name[:5].upper().replace(" ", ""),
            "company_id": cls.company.id, "currency_id": currency and currency.id,
        })

    @classmethod
    def _map_everything(cls):
        backend = cls.backend
        backend._kashoo_refresh_reference_data()
        accounts = backend.kashoo_account_ids
        unmappable = set(cls.fixtures["unmappableAccount"])
        accounts.filtered(lambda a: a.suggestion_confidence >= 70).action_accept_suggestion()
        usd = cls.env.ref("base.USD")
        money_accounts = {
            "1000": cls.company_data["default_journal_bank"],
            "1010": cls._journal("Savings", "bank"),
            "1020": cls._journal("USD Chequing", "bank", usd),
            "2100": cls._journal("Visa", "credit"),
            "1050": cls.company_data["default_journal_cash"],
        }
        for number, journal in money_accounts.items():
            cls._kashoo_account(number).write(
                {"account_id": journal.default_account_id.id, "journal_id": journal.id})
        chart = cls.env["account.account"].search(
            [("company_ids", "in", cls.company.id)], order="code")
        by_hand = {
            "4200": "411230", "4300": "422100", "5200": "512210", "5500": "512210",
            "5600": "512210", "5700": "522000", "5800": "512210", "5900": "512210",
            "5950": "512207", "5960": "512202", "2400": "221203", "2300": "298000",
            "5000": "511213", "5120": "512121",
        }
        for account in backend.kashoo_account_ids:
            if account.account_id or account.kashoo_id in unmappable:
                continue
            target = cls._ca(by_hand[account.number]) if account.number in by_hand else (
                chart.filtered(lambda candidate, account=account: account._kashoo_is_compatible(
                    candidate))[:1])
            account.account_id = target
        taxes = backend.kashoo_tax_ids
        taxes.action_accept_suggestion()
        taxes.filtered(lambda tax: tax.kashoo_id == cls.fixtures["compoundTax"][0]
                       ).action_create_odoo_taxes()
        bank = cls.company_data["default_journal_bank"]
        for method in backend.kashoo_payment_method_ids:
            journal = cls.company_data["default_journal_cash"] if method.name == "Cash" else bank
            method.write({"journal_id": journal.id,
                          "payment_method_line_id": journal.inbound_payment_method_line_ids[:1].id})
        backend.kashoo_employee_payable_account_id = cls._ca("221203")
        company = cls.company
        if not company.account_journal_early_pay_discount_loss_account_id:
            company.account_journal_early_pay_discount_loss_account_id = cls._ca("522100")
        if not company.account_journal_early_pay_discount_gain_account_id:
            company.account_journal_early_pay_discount_gain_account_id = cls._ca("423100")

    @classmethod
    def _records(cls, ids):
        with cls.backend._kashoo_client() as client:
            found = client.get_records(ids)
        return [found[record_id] for record_id in ids]

    @classmethod
    def _all_records(cls):
        with cls.backend._kashoo_client() as client:
            return list(client.iter_records())
