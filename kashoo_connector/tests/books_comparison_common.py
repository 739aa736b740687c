from datetime import date
from decimal import Decimal

from odoo.tools import mute_logger

from ..demo.sandbox_books import BUSINESS_ID, sandbox_request
from .common import ENGINE_LOGGERS

# The sandbox's generated books end on 2026-11-20: the compared period holds only the
# records written here, so every difference is known.
PERIOD_START = "2026-11-21"
PERIOD_END = "2026-11-30"
HST_ON = 3002


class BooksComparisonBookMixin:
    """A small book in the sandbox with two known gaps between Kashoo and Odoo.

    Imported: invoice A (to customer 1), invoice B (customer 1) and a partial payment of it,
    bill D (vendor 1). Quarantined: bill Q (vendor 2) on Kashoo's unmapped Suspense account.
    After the import, in Kashoo only: invoice C (customer 2) is created and invoice A's
    quantity goes from 10 to 11. Every amount is in cents, with Kashoo's 13 % HST ON.
    """

    @classmethod
    def _build_book(cls, env, backend, sandbox_url):
        cls.sandbox_url = sandbox_url
        with backend._kashoo_client() as client:
            existing = list(
                client.iter_records(start_date=_day(PERIOD_START), end_date=_day(PERIOD_END))
            )
            contacts = list(client.iter_contacts())
        assert not existing, "the sandbox already has records in the compared period"
        customers = [c for c in contacts if c["type"] == "CUSTOMER" and c["currency"] == "CAD"]
        vendors = [c for c in contacts if c["type"] == "VENDOR" and c["currency"] == "CAD"]
        cls.customer_1, cls.customer_2 = customers[0]["id"], customers[1]["id"]
        cls.vendor_1, cls.vendor_2 = vendors[0]["id"], vendors[1]["id"]
        account = {row.number: row.kashoo_id for row in backend.kashoo_account_ids}
        cls.kashoo_account_ids = account

        def line(number, quantity, unit_price):
            return {
                "account": account[number],
                "quantity": str(quantity),
                "unitPrice": unit_price,
                "taxes": [HST_ON],
            }

        cls.invoice_a = cls._post_record(
            {
                "type": "invoice",
                "date": "2026-11-23",
                "contact": cls.customer_1,
                "lineItems": [line("4000", 10, 10000)],
            }
        )  # 1,000.00 + 130.00 HST
        cls.invoice_b = cls._post_record(
            {
                "type": "invoice",
                "date": "2026-11-24",
                "contact": cls.customer_1,
                "lineItems": [line("4100", 1, 50000)],
            }
        )  # 500.00 + 65.00
        cls.payment_b = cls._post_record(
            {
                "type": "invoicePayment",
                "date": "2026-11-26",
                "contact": cls.customer_1,
                "depositAccount": account["1000"],
                "appliesTo": [{"record": cls.invoice_b["id"], "amount": 30000}],
            }
        )
        cls.bill_d = cls._post_record(
            {
                "type": "bill",
                "date": "2026-11-25",
                "contact": cls.vendor_1,
                "lineItems": [line("5200", 1, 20000)],
            }
        )  # 200.00 + 26.00
        cls.bill_q = cls._post_record(
            {
                "type": "bill",
                "date": "2026-11-27",
                "contact": cls.vendor_2,
                "lineItems": [line("9999", 1, 10000)],
            }
        )  # 100.00 + 13.00, Suspense: unmapped
        backend.sync_start_date = PERIOD_START
        with mute_logger(*ENGINE_LOGGERS):
            backend._kashoo_fetch()
            backend._kashoo_process_batches(time_budget=600)
        # Kashoo changes that Odoo never hears of (no sync after them).
        cls.invoice_c = cls._post_record(
            {
                "type": "invoice",
                "date": "2026-11-28",
                "contact": cls.customer_2,
                "lineItems": [line("4200", 1, 2000)],
            }
        )  # 20.00 + 2.60
        lines = [
            {
                "account": item["account"],
                "description": item.get("description") or "",
                "quantity": "11",
                "unitPrice": item["unitPrice"],
                "discount": item.get("discount") or 0,
                "taxes": [tax["tax"] for tax in item["taxes"]],
            }
            for item in cls.invoice_a["lineItems"]
        ]
        cls.invoice_a = cls._sandbox(
            "PATCH", f"/_sandbox/records/{cls.invoice_a['id']}", {"lineItems": lines}
        )  # 1,100.00 + 143.00

    @classmethod
    def _sandbox(cls, method, path, body=None):
        return sandbox_request(cls.sandbox_url, method, path, body)

    @classmethod
    def _post_record(cls, spec):
        return cls._sandbox("POST", "/_sandbox/records", dict(spec, businessId=BUSINESS_ID))


def _day(text):
    return date.fromisoformat(text)


def cents(amount):
    return Decimal(amount) / 100
