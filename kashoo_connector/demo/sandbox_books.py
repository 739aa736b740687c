"""Map the Kashoo sandbox's books the way an administrator would, in one place (demo and tests).

Used by the addon's tests (``KashooCanadaCommon``, ``KashooSyncCase``), the end-to-end test and
benchmark (``tests/e2e/setup_odoo.py``) and ``make run`` (``scripts/demo_setup.py``), so that every
one of them connects the same way and imports against the same mapping. The sandbox's
deliberately unmappable account and tax stay unmapped (the records that use them are
quarantined, as Kashoo data that needs a person would be).
"""

import time

import requests

from ..kashoo_api import TokenSet

#: The sandbox's fixed demo OAuth client; its secret is published in kashoo_sandbox/README.md.
DEMO_CLIENT_ID = "odoo-demo"
DEMO_CLIENT_SECRET = "sandbox-demo-secret"
#: The sandbox's "Maple Leaf Supplies Ltd" (Ontario), the business these books are mapped for.
BUSINESS_ID = 1001

#: Kashoo account number -> l10n_ca (ca_2023) account code, where no suggestion is confident.
ACCOUNTS_BY_HAND = {
    "4200": "411230",
    "4300": "422100",
    "5200": "512210",
    "5500": "512210",
    "5600": "512210",
    "5700": "522000",
    "5800": "512210",
    "5900": "512210",
    "5950": "512207",
    "5960": "512202",
    "2400": "221203",
    "2300": "298000",
    "5000": "511213",
    "5120": "512121",
}
#: Suggestions at or above this confidence are accepted as they are.
ACCEPT_CONFIDENCE = 70
EMPLOYEE_PAYABLE_CODE = "221203"
EARLY_PAY_LOSS_CODE = "522100"
EARLY_PAY_GAIN_CODE = "423100"


def sandbox_request(sandbox_url, method, path, body=None):
    """Call the sandbox at ``path`` (its control API is under ``/_sandbox/``) where the call must
    succeed: its JSON answer, None when empty; an HTTP error status raises."""
    response = requests.request(method, sandbox_url + path, json=body, timeout=10)
    response.raise_for_status()
    return response.json() if response.content else None


def connect_to_sandbox(backend, sandbox_url, client_id=DEMO_CLIENT_ID):
    """Give ``backend`` fresh tokens of the sandbox's OAuth client ``client_id``, and mark it
    connected: the sandbox's control API stands in for the consent page and its redirect.

    :return: ``backend``.
    """
    tokens = sandbox_request(sandbox_url, "POST", "/_sandbox/tokens", {"client_id": client_id})
    backend.env["kashoo.oauth.token"]._save(
        backend,
        TokenSet(
            access_token=tokens["access_token"],
            refresh_token=tokens["refresh_token"],
            expires_at=time.time() + tokens["expires_in"],
            scope=tokens["scope"],
        ),
    )
    backend.state = "connected"
    return backend


def company_account(company, code):
    """The company's account with this code (an empty recordset when the chart has none)."""
    return company.env["account.account"].search(
        [("company_ids", "in", company.id), ("code", "=", code)], limit=1
    )


def _journal(company, name, journal_type, currency=None):
    Journal = company.env["account.journal"]
    code = name[:5].upper().replace(" ", "")
    return Journal.search(
        [("company_id", "=", company.id), ("code", "=", code)], limit=1
    ) or Journal.create(
        {
            "name": name,
            "type": journal_type,
            "code": code,
            "company_id": company.id,
            "currency_id": currency and currency.id,
        }
    )


def map_sandbox_books(backend, fixtures):
    """Refresh ``backend``'s reference data and map all of it, as an administrator would.

    :param backend: a ``kashoo.backend`` connected to sandbox business 1001, in a company with
        the ``ca_2023`` chart.
    :param dict fixtures: the sandbox's ``GET /_sandbox/fixtures`` answer.
    """
    env, company = backend.env, backend.company_id
    Journal = env["account.journal"]
    bank = Journal.search([("company_id", "=", company.id), ("type", "=", "bank")], limit=1)
    cash = Journal.search([("company_id", "=", company.id), ("type", "=", "cash")], limit=1)
    backend._kashoo_refresh_reference_data()
    accounts = backend.kashoo_account_ids
    accounts.filtered(
        lambda account: account.suggestion_confidence >= ACCEPT_CONFIDENCE
    ).action_accept_suggestion()
    money_journals = {
        "1000": bank,
        "1010": _journal(company, "Savings", "bank"),
        "1020": _journal(company, "USD Chequing", "bank", env.ref("base.USD")),
        "2100": _journal(company, "Visa", "credit"),
        "1050": cash,
    }
    for number, journal in money_journals.items():
        accounts.filtered(lambda account, number=number: account.number == number).write(
            {"account_id": journal.default_account_id.id, "journal_id": journal.id}
        )
    chart = env["account.account"].search([("company_ids", "in", company.id)], order="code")
    unmappable = set(fixtures.get("unmappableAccount") or ())
    for account in accounts:
        if account.account_id or account.kashoo_id in unmappable:
            continue
        if account.number in ACCOUNTS_BY_HAND:
            account.account_id = company_account(company, ACCOUNTS_BY_HAND[account.number])
        else:
            account.account_id = chart.filtered(
                lambda candidate, account=account: account._kashoo_is_compatible(candidate)
            )[:1]
    taxes = backend.kashoo_tax_ids
    taxes.action_accept_suggestion()
    compound = set(fixtures.get("compoundTax") or ())
    taxes.filtered(lambda tax: tax.kashoo_id in compound).action_create_odoo_taxes()
    for method in backend.kashoo_payment_method_ids:
        journal = cash if method.name == "Cash" else bank
        method.write(
            {
                "journal_id": journal.id,
                "payment_method_line_id": journal.inbound_payment_method_line_ids[:1].id,
            }
        )
    backend.kashoo_employee_payable_account_id = company_account(company, EMPLOYEE_PAYABLE_CODE)
    if not company.account_journal_early_pay_discount_loss_account_id:
        company.account_journal_early_pay_discount_loss_account_id = company_account(
            company, EARLY_PAY_LOSS_CODE
        )
    if not company.account_journal_early_pay_discount_gain_account_id:
        company.account_journal_early_pay_discount_gain_account_id = company_account(
            company, EARLY_PAY_GAIN_CODE
        )
