"""Create Kashoo records in the sandbox and compare them with what Odoo imported."""

import random
import time
from collections import defaultdict
from decimal import Decimal

import requests
from sandbox_helpers import control_json

from kashoo_sandbox import DEMO_CLIENT_ID

BUSINESS_ID = 1001
START_DATE = "2026-11-21"  # the sandbox's generated books end on 2026-11-20
DATES = ["2026-11-21", "2026-11-22", "2026-11-23", "2026-11-24", "2026-11-25"]


class SandboxBooks:
    """The records this run creates in the sandbox, through its control API."""

    def __init__(self, sandbox, seed=11):
        self.sandbox = sandbox
        self.url = sandbox.url
        self.rng = random.Random(seed)
        token = self.control("POST", "/tokens", {"client_id": DEMO_CLIENT_ID})["access_token"]
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {token}"
        accounts = self._api("/accounts")
        self.account_ids = {account["number"]: account["id"] for account in accounts}
        taxes = self._api("/taxes")
        self.hst_on = next(tax["id"] for tax in taxes if tax["name"] == "HST ON")
        contacts = self._api("/contacts")
        self.customers = [
            c["id"]
            for c in contacts
            if c["type"] == "CUSTOMER" and c.get("currency", "CAD") == "CAD"
        ]
        self.vendors = [
            c["id"] for c in contacts if c["type"] == "VENDOR" and c.get("currency", "CAD") == "CAD"
        ]
        self.created = []

    def _api(self, suffix, params=None):
        items, offset = [], 0
        while True:
            page = self.session.get(
                f"{self.url}/api/businesses/{BUSINESS_ID}{suffix}",
                params=dict(params or {}, limit=100, offset=offset),
                timeout=30,
            ).json()
            items.extend(page)
            if len(page) < 100:
                return items
            offset += 100

    def control(self, method, path, body=None):
        """The sandbox's control API at ``/_sandbox{path}``; generous timeout, as Odoo keeps
        the machine busy meanwhile."""
        return control_json(self.sandbox, method, path, json=body, timeout=30)

    def _lines(self, numbers):
        return [
            {
                "account": self.account_ids[self.rng.choice(numbers)],
                "description": f"Item {self.rng.randint(1, 999)}",
                "quantity": str(self.rng.randint(1, 9)),
                "unitPrice": self.rng.randint(500, 250000),
                "discount": 0,
                "taxes": [self.hst_on],
            }
            for _line in range(self.rng.randint(1, 3))
        ]

    def create_one(self, index):
        if index % 5 < 3:
            spec = {
                "type": "invoice",
                "contact": self.rng.choice(self.customers),
                "lineItems": self._lines(["4000", "4100"]),
            }
        else:
            spec = {
                "type": "bill",
                "contact": self.rng.choice(self.vendors),
                "lineItems": self._lines(["5300", "5400", "5200"]),
            }
        spec.update(
            businessId=BUSINESS_ID, date=DATES[index % len(DATES)], memo=f"e2e record {index}"
        )
        record = self.control("POST", "/records", spec)
        self.created.append(record["id"])
        return record

    def update_one(self, record_id):
        record = self.control("GET", f"/records/{record_id}")
        lines = [
            {
                "account": line["account"],
                "description": line["description"],
                "quantity": str(Decimal(line["quantity"]) + 1),
                "unitPrice": line["unitPrice"],
                "discount": line.get("discount") or 0,
                "taxes": [tax["tax"] for tax in line["taxes"]],
            }
            for line in record["lineItems"]
        ]
        return self.control(
            "PATCH", f"/records/{record_id}", {"lineItems": lines, "memo": "updated"}
        )

    def delete_one(self, record_id):
        return self.control("DELETE", f"/records/{record_id}")

    def current(self):
        """Every record of the run's period, as Kashoo serves it now, by id."""
        return {record["id"]: record for record in self._api("/records", {"startDate": START_DATE})}


def staging_state(server):
    rows = server.query(
        "SELECT kashoo_id, kashoo_version, state, error_type, error_message "
        "FROM kashoo_transaction"
    )
    return {row[0]: row[1:] for row in rows}


def converged(server, records):
    """True when every record's newest version reached an end state in Odoo."""
    rows = staging_state(server)
    for record_id, record in records.items():
        row = rows.get(record_id)
        if (
            not row
            or row[0] < record["version"]
            or row[1] not in ("done", "deleted", "quarantined")
        ):
            return False
    return not any(state in ("pending", "retry") for _v, state, *_rest in rows.values())


def wait_until(predicate, timeout, interval=1.0, tick=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        if tick:
            tick()
        time.sleep(interval)
    return predicate()


def compare_books(server, records, company_id, account_map):
    """Return a list of differences between Kashoo's records and Odoo's documents."""
    problems = []
    rows = staging_state(server)
    quarantined = {kid: row for kid, row in rows.items() if row[1] == "quarantined"}
    for kid, row in quarantined.items():
        problems.append(f"record {kid} quarantined: {row[2]}: {row[3]}")
    moves = server.query(
        """
        SELECT m.kashoo_id, m.id, m.state, m.kashoo_version, m.amount_total, m.amount_tax,
               EXISTS(SELECT 1 FROM account_move r WHERE r.reversed_entry_id = m.id)
          FROM account_move m
         WHERE m.company_id = %s AND m.kashoo_id IS NOT NULL AND m.kashoo_id != 0
        """,
        [company_id],
    )
    by_record = defaultdict(list)
    for kid, *rest in moves:
        by_record[kid].append(rest)
    expected_balance = defaultdict(Decimal)
    live_move_ids = []
    for kid, record in records.items():
        found = by_record.get(kid, [])
        if record.get("removed"):
            live = [m for m in found if m[1] != "cancel" and not m[5]]
            if live:
                problems.append(f"removed record {kid} still has live document {live}")
            continue
        if len(found) != 1:
            problems.append(f"record {kid} has {len(found)} documents")
            continue
        move_id, state, version, total, tax, reversed_ = found[0]
        live_move_ids.append(move_id)
        taxes = sum(t["amount"] for line in record["lineItems"] for t in line["taxes"])
        if state != "posted" or reversed_:
            problems.append(f"record {kid}: document {move_id} is {state}, reversed={reversed_}")
        if version != record["version"]:
            problems.append(f"record {kid}: version {version} != {record['version']}")
        if Decimal(str(total)).quantize(Decimal("0.01")) != Decimal(abs(record["amount"])) / 100:
            problems.append(f"record {kid}: total {total} != {record['amount'] / 100}")
        if Decimal(str(tax)).quantize(Decimal("0.01")) != Decimal(abs(taxes)) / 100:
            problems.append(f"record {kid}: tax {tax} != {taxes / 100}")
        sign = -1 if record["type"] == "invoice" else 1
        for line in record["lineItems"]:
            expected_balance[account_map[str(line["account"])]] += (
                sign * Decimal(line["amount"]) / 100
            )
    for kid in set(by_record) - set(records):
        problems.append(f"document for unknown record {kid}")
    if live_move_ids:
        actual = dict(
            server.query(
                """
            SELECT account_id, sum(balance) FROM account_move_line
             WHERE move_id = ANY(%s) AND account_id = ANY(%s) GROUP BY account_id
            """,
                [live_move_ids, list(expected_balance)],
            )
        )
        for account_id, balance in expected_balance.items():
            got = Decimal(str(actual.get(account_id, 0))).quantize(Decimal("0.01"))
            if got != balance.quantize(Decimal("0.01")):
                problems.append(f"account {account_id}: Odoo balance {got} != Kashoo {balance}")
    return problems + numbering_problems(server, company_id)


def numbering_problems(server, company_id):
    """Two workers post into the same journals: Odoo's numbering must stay unique, gapless."""
    problems = []
    for journal, prefix, count, highest, names in server.query(
        """
            SELECT journal_id, sequence_prefix, count(*), max(sequence_number),
                   count(DISTINCT name)
              FROM account_move WHERE company_id = %s AND state = 'posted'
             GROUP BY journal_id, sequence_prefix
            """,
        [company_id],
    ):
        if count != highest or names != count:
            problems.append(
                f"journal {journal} {prefix}: {count} posted moves numbered up to "
                f"{highest}, {names} distinct names"
            )
    return problems
