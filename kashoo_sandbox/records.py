"""Build and validate record (transaction) JSON in the shape of docs/kashoo-data-format.md.

The generator and the control API both go through :func:`build_record`, so seeded data and data
created by tests obey the same arithmetic: line amount = quantity x unit price - discount; tax per
line per tax rounded half up; record amount = lines + taxes. Rules that need other records
(payments against invoices) live in :mod:`kashoo_sandbox.store`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from .money import TaxRate, line_net_amount, line_tax_amounts, parse_decimal

RECORD_TYPES = ("invoice", "bill", "invoicePayment", "billPayment", "transfer", "expense")

# Path segments of /records/{type} (the real API uses plurals); singular names are accepted too.
TYPE_BY_PATH_SEGMENT = {
    "invoices": "invoice",
    "bills": "bill",
    "invoicePayments": "invoicePayment",
    "billPayments": "billPayment",
    "transfers": "transfer",
    "expenses": "expense",
    **{name: name for name in RECORD_TYPES},
}

# Common fields present on every record, null where they do not apply, in serving order.
COMMON_FIELDS = (
    "id",
    "type",
    "number",
    "date",
    "dueDate",
    "contact",
    "contactName",
    "currency",
    "exchangeRate",
    "amount",
    "totalDue",
    "balanceDue",
    "memo",
    "poNumber",
    "terms",
    "removed",
    "readOnly",
)
TYPE_FIELDS = {
    "invoice": ("lineItems",),
    "bill": ("lineItems",),
    "invoicePayment": ("depositAccount", "paymentMethod", "appliesTo"),
    "billPayment": ("depositAccount", "paymentMethod", "appliesTo"),
    "transfer": ("fromAccount", "toAccount"),
    "expense": ("paidFrom", "reimbursable", "employee", "lineItems"),
}
TRAILING_FIELDS = ("modifiedAt", "version")
# Fields a caller may not set: the store owns them.
RESERVED_FIELDS = frozenset({"id", "version", "modifiedAt", "businessId"})

TERMS_DAYS = {"NET15": 15, "NET30": 30, "NET45": 45, "NET60": 60, "DUE_ON_RECEIPT": 0}
CONTACT_TYPE_FOR = {
    "invoice": "CUSTOMER",
    "invoicePayment": "CUSTOMER",
    "bill": "VENDOR",
    "billPayment": "VENDOR",
    "expense": "VENDOR",
}
PAYMENT_TARGET_TYPE = {"invoicePayment": "invoice", "billPayment": "bill"}
MONEY_ACCOUNT_SUBTYPES = ("BANK", "CREDIT_CARD")
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class RecordValidationError(ValueError):
    """A record spec breaks a rule; becomes HTTP 400 (or 409 for state conflicts)."""

    def __init__(self, field: str, message: str, status: int = 400):
        super().__init__(message)
        self.field = field
        self.message = message
        self.status = status


@dataclass
class BusinessContext:
    """The lookups a record needs: this business's accounts, taxes and contacts by id."""

    business_id: int
    currency: str
    accounts: dict[int, dict]
    taxes: dict[int, dict]
    contacts: dict[int, dict]


def parse_date(value: object, field: str) -> date:
    if not isinstance(value, str) or not ISO_DATE.match(value):
        raise RecordValidationError(field, f"{field} must be a yyyy-MM-dd string")
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise RecordValidationError(field, f"{field} must be a yyyy-MM-dd date") from exc


def _integer(value: object, field: str, *, minimum: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise RecordValidationError(field, f"{field} must be an integer amount in minor units")
    if minimum is not None and value < minimum:
        raise RecordValidationError(field, f"{field} must be >= {minimum}")
    return value


def _account(ctx: BusinessContext, value: object, field: str, subtypes=None) -> dict:
    account = ctx.accounts.get(value) if isinstance(value, int) else None
    if account is None or account["removed"]:
        raise RecordValidationError(field, f"{field}: unknown account {value!r}")
    if subtypes and account["subType"] not in subtypes:
        raise RecordValidationError(field, f"{field}: account {value} is not a bank or card")
    return account


def _contact(ctx: BusinessContext, value: object, record_type: str, required: bool) -> dict | None:
    if value is None and not required:
        return None
    contact = ctx.contacts.get(value) if isinstance(value, int) else None
    if contact is None or contact["removed"]:
        raise RecordValidationError("contact", f"unknown contact {value!r}")
    expected = CONTACT_TYPE_FOR[record_type]
    if contact["type"] != expected:
        raise RecordValidationError("contact", f"a {record_type} needs a {expected} contact")
    return contact


def _exchange_rate(ctx: BusinessContext, currency: str, value: object) -> str:
    """The rate as served: ``"1"`` for the business currency, else a positive decimal string."""
    if value is None:
        if currency == ctx.currency:
            return "1"
        raise RecordValidationError("exchangeRate", "foreign-currency records need exchangeRate")
    try:
        rate = parse_decimal(value, "exchangeRate")
    except ValueError as exc:
        raise RecordValidationError("exchangeRate", str(exc)) from exc
    if currency == ctx.currency and rate != 1:
        raise RecordValidationError("exchangeRate", "business-currency records use rate 1")
    if rate <= 0:
        raise RecordValidationError("exchangeRate", "exchangeRate must be positive")
    return "1" if currency == ctx.currency else str(value)


def _tax_is_valid_on(tax: dict, on_date: date) -> bool:
    if tax["validFrom"] and on_date < date.fromisoformat(tax["validFrom"]):
        return False
    return not (tax["validTo"] and on_date > date.fromisoformat(tax["validTo"]))


def _build_line(ctx: BusinessContext, raw: object, index: int, on_date: date) -> dict:
    where = f"lineItems[{index}]"
    if not isinstance(raw, dict):
        raise RecordValidationError(where, f"{where} must be an object")
    account = _account(ctx, raw.get("account"), f"{where}.account")
    try:
        quantity = parse_decimal(raw.get("quantity", "1"), f"{where}.quantity")
    except ValueError as exc:
        raise RecordValidationError(f"{where}.quantity", str(exc)) from exc
    unit_price = _integer(raw.get("unitPrice"), f"{where}.unitPrice")
    discount = _integer(raw.get("discount", 0), f"{where}.discount", minimum=0)
    net = line_net_amount(quantity, unit_price, discount)
    if "amount" in raw and raw["amount"] != net:
        raise RecordValidationError(
            f"{where}.amount", f"{where}.amount is {raw['amount']}, expected {net}"
        )

    raw_taxes = raw.get("taxes") or []
    if not isinstance(raw_taxes, list):
        raise RecordValidationError(f"{where}.taxes", "taxes must be a list")
    tax_ids: list[int] = []
    given_amounts: list[object] = []
    for entry in raw_taxes:
        tax_id = entry.get("tax") if isinstance(entry, dict) else entry
        tax = ctx.taxes.get(tax_id) if isinstance(tax_id, int) else None
        if tax is None or tax["removed"]:
            raise RecordValidationError(f"{where}.taxes", f"unknown tax {tax_id!r}")
        if tax_id in tax_ids:
            raise RecordValidationError(f"{where}.taxes", f"tax {tax_id} listed twice")
        if not _tax_is_valid_on(tax, on_date):
            raise RecordValidationError(
                f"{where}.taxes", f"tax {tax_id} ({tax['name']}) is not valid on {on_date}"
            )
        tax_ids.append(tax_id)
        given_amounts.append(entry.get("amount") if isinstance(entry, dict) else None)
    rates = [
        TaxRate(tid, Decimal(ctx.taxes[tid]["rate"]), ctx.taxes[tid]["compound"]) for tid in tax_ids
    ]
    amounts = line_tax_amounts(net, rates)
    for tax_id, given, computed in zip(tax_ids, given_amounts, amounts, strict=True):
        if given is not None and given != computed:
            raise RecordValidationError(
                f"{where}.taxes", f"tax {tax_id} amount is {given}, expected {computed}"
            )
    line = {
        "account": account["id"],
        "description": raw.get("description"),
        "quantity": str(raw.get("quantity", "1")),
        "unitPrice": unit_price,
        "discount": discount,
        "amount": net,
        "taxes": [{"tax": tid, "amount": amt} for tid, amt in zip(tax_ids, amounts, strict=True)],
    }
    # Unknown line fields pass through, so tests can serve "extra fields" on lines too.
    for key, value in raw.items():
        if key not in line:
            line[key] = value
    return line


def _build_lines(ctx: BusinessContext, spec: dict, on_date: date) -> tuple[list[dict], int]:
    raw_lines = spec.get("lineItems")
    if not isinstance(raw_lines, list) or not raw_lines:
        raise RecordValidationError("lineItems", "lineItems must be a non-empty list")
    lines = [_build_line(ctx, raw, i, on_date) for i, raw in enumerate(raw_lines)]
    total = sum(line["amount"] + sum(t["amount"] for t in line["taxes"]) for line in lines)
    return lines, total


def _build_applies_to(spec: dict) -> tuple[list[dict], int]:
    raw = spec.get("appliesTo")
    if not isinstance(raw, list) or not raw:
        raise RecordValidationError("appliesTo", "appliesTo must be a non-empty list")
    applied = []
    seen = set()
    for index, entry in enumerate(raw):
        where = f"appliesTo[{index}]"
        if not isinstance(entry, dict) or not isinstance(entry.get("record"), int):
            raise RecordValidationError(where, f"{where} needs an integer record id")
        if entry["record"] in seen:
            raise RecordValidationError(where, f"record {entry['record']} applied twice")
        seen.add(entry["record"])
        applied.append(
            {
                "record": entry["record"],
                "amount": _integer(entry.get("amount"), f"{where}.amount", minimum=1),
                "discount": _integer(entry.get("discount", 0), f"{where}.discount", minimum=0),
            }
        )
    return applied, sum(a["amount"] for a in applied)


def build_record(
    ctx: BusinessContext,
    spec: dict,
    *,
    record_id: int,
    version: int,
    modified_at: str,
    settled: int = 0,
) -> dict:
    """Return a complete record dict from ``spec``, computing and checking every amount.

    ``settled`` is what payments have already settled on an invoice or bill; it only affects
    ``balanceDue``. Unknown fields in ``spec`` are kept as they are (the API allows extras).
    """
    record_type = spec.get("type")
    if record_type not in RECORD_TYPES:
        raise RecordValidationError("type", f"type must be one of {', '.join(RECORD_TYPES)}")
    on_date = parse_date(spec.get("date"), "date")
    contact = (
        _contact(
            ctx,
            spec.get("contact"),
            record_type,
            required=record_type in CONTACT_TYPE_FOR and record_type != "expense",
        )
        if record_type != "transfer"
        else None
    )
    default_currency = contact["currency"] if contact else ctx.currency
    currency = spec.get("currency") or default_currency
    if not isinstance(currency, str) or len(currency) != 3:
        raise RecordValidationError("currency", "currency must be an ISO 4217 code")

    record: dict = {name: None for name in COMMON_FIELDS}
    record.update(
        {
            "id": record_id,
            "type": record_type,
            "number": spec.get("number"),
            "date": on_date.isoformat(),
            "contact": contact["id"] if contact else None,
            "contactName": contact["name"] if contact else None,
            "currency": currency,
            "exchangeRate": _exchange_rate(ctx, currency, spec.get("exchangeRate")),
            "memo": spec.get("memo"),
            "poNumber": spec.get("poNumber"),
            "removed": bool(spec.get("removed", False)),
            "readOnly": bool(spec.get("readOnly", False)),
        }
    )

    if record_type in ("invoice", "bill"):
        lines, amount = _build_lines(ctx, spec, on_date)
        terms = spec.get("terms") or contact["terms"]
        due = spec.get("dueDate")
        if due is None:
            due = (on_date + timedelta(days=TERMS_DAYS.get(terms, 30))).isoformat()
        else:
            parse_date(due, "dueDate")
        record.update(
            {
                "dueDate": due,
                "terms": terms,
                "amount": amount,
                "totalDue": amount,
                "balanceDue": amount - settled,
                "lineItems": lines,
            }
        )
    elif record_type in ("invoicePayment", "billPayment"):
        applied, amount = _build_applies_to(spec)
        deposit = _account(
            ctx, spec.get("depositAccount"), "depositAccount", MONEY_ACCOUNT_SUBTYPES
        )
        method = spec.get("paymentMethod") or "Electronic Transfer"
        record.update(
            {
                "amount": amount,
                "depositAccount": deposit["id"],
                "paymentMethod": method,
                "appliesTo": applied,
            }
        )
    elif record_type == "transfer":
        source = _account(ctx, spec.get("fromAccount"), "fromAccount", MONEY_ACCOUNT_SUBTYPES)
        target = _account(ctx, spec.get("toAccount"), "toAccount", MONEY_ACCOUNT_SUBTYPES)
        if source["id"] == target["id"]:
            raise RecordValidationError("toAccount", "a transfer needs two different accounts")
        amount = _integer(spec.get("amount"), "amount", minimum=1)
        record.update({"amount": amount, "fromAccount": source["id"], "toAccount": target["id"]})
    else:  # expense
        lines, amount = _build_lines(ctx, spec, on_date)
        reimbursable = bool(spec.get("reimbursable", False))
        employee = spec.get("employee")
        paid_from = spec.get("paidFrom")
        if reimbursable:
            if not isinstance(employee, dict) or not employee.get("name"):
                raise RecordValidationError("employee", "a reimbursable expense needs employee")
            if paid_from is not None:
                raise RecordValidationError("paidFrom", "a reimbursable expense has no paidFrom")
        else:
            paid_from = _account(ctx, paid_from, "paidFrom", MONEY_ACCOUNT_SUBTYPES)["id"]
            employee = None
        record.update(
            {
                "amount": amount,
                "paidFrom": paid_from,
                "reimbursable": reimbursable,
                "employee": employee,
                "lineItems": lines,
            }
        )

    if "amount" in spec and spec["amount"] != record["amount"]:
        raise RecordValidationError(
            "amount", f"amount is {spec['amount']}, expected {record['amount']} (lines + taxes)"
        )
    for name in TYPE_FIELDS[record_type]:
        record.setdefault(name, None)
    record["modifiedAt"] = modified_at
    record["version"] = version
    known = set(COMMON_FIELDS) | set(TYPE_FIELDS[record_type]) | RESERVED_FIELDS
    known |= {"totalDue", "balanceDue"}
    for key, value in spec.items():
        if key not in known and key not in record:
            record[key] = value
    return record


def spec_from_record(record: dict) -> dict:
    """The inputs needed to rebuild ``record`` (computed amounts dropped, so they are redone)."""
    spec = {k: v for k, v in record.items() if k not in RESERVED_FIELDS}
    for key in ("amount", "totalDue", "balanceDue", "contactName"):
        spec.pop(key, None)
    if record["type"] == "transfer":
        spec["amount"] = record["amount"]
    if spec.get("lineItems"):
        spec["lineItems"] = [
            {
                **{k: v for k, v in line.items() if k != "amount"},
                "taxes": [t["tax"] for t in line["taxes"]],
            }
            for line in spec["lineItems"]
        ]
    return spec
