"""Seeded, deterministic generator of Canadian small-business books.

``generate(store, seed, size)`` fills a :class:`~kashoo_sandbox.store.Store` with two businesses:

* 1001 "Maple Leaf Supplies Ltd" (Ontario, fiscal year from 2026-01-01, data up to 2026-11-20):
  exactly ``size`` records, including the named fixtures (credit notes, USD and JPY records,
  removed and read-only rows, extra fields, a compound tax, deliberately unmappable records, ...)
  when ``size >= MIN_SIZE_WITH_FIXTURES``;
* 1002 "Bluenose Marine Services Inc." (Nova Scotia, fiscal year 2025-02-01 to 2026-01-31, so the
  HST NS 15 % -> 14 % change on 2025-04-01 shows up): ``secondary_size`` records (default
  ``max(20, size // 10)``).

Same seed and sizes give byte-identical data. All amounts go through the same builder as the
control API, so totals are exact and payments never over-pay.
"""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from . import reference_data as ref
from .canada import (
    gst_hst_number,
    random_address,
    random_invalid_bn9,
    random_qst_number,
    random_valid_bn9,
)
from .store import Store

MIN_SIZE_WITH_FIXTURES = 40

REGULAR_KIND_WEIGHTS = (
    ("invoice", 36),
    ("bill", 18),
    ("invoicePayment", 22),
    ("billPayment", 12),
    ("expense", 8),
    ("transfer", 4),
)


@dataclass(frozen=True)
class Slot:
    day: date
    order: int
    kind: str  # a record kind or a fixture name


def generate(
    store: Store, seed: int = 42, size: int = 200, secondary_size: int | None = None
) -> None:
    if size < 0:
        raise ValueError("size must be >= 0")
    for profile in ref.BUSINESS_PROFILES:
        primary = profile.business_id == ref.PRIMARY_BUSINESS_ID
        if primary:
            count = size
        else:
            count = max(20, size // 10) if secondary_size is None else secondary_size
        rng = random.Random(f"kashoo-sandbox:{seed}:{profile.business_id}")
        BusinessGenerator(store, profile, rng, count, primary=primary).run()


def _ascii_slug(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return "".join(c for c in ascii_name.lower() if c.isalnum())[:24] or "contact"


class BusinessGenerator:
    def __init__(
        self,
        store: Store,
        profile: ref.BusinessProfile,
        rng: random.Random,
        record_count: int,
        primary: bool,
    ):
        self.store = store
        self.profile = profile
        self.rng = rng
        self.record_count = record_count
        self.primary = primary
        self.with_fixtures = primary and record_count >= MIN_SIZE_WITH_FIXTURES
        self.business_id = profile.business_id
        self.account_ids: dict[str, int] = {}
        self.tax_ids: dict[str, int] = {}
        self.customers: list[dict] = []
        self.vendors: list[dict] = []
        self.vendor_category: dict[int, ref.VendorCategory] = {}
        self.special_contacts: dict[str, dict] = {}
        # document type -> contact id -> ids of its CAD invoices/bills with a positive balance,
        # oldest first (what the payment slots draw from)
        self.open_documents: dict[str, dict[int, list[int]]] = {"invoice": {}, "bill": {}}
        self.usd_invoice_id: int | None = None
        self.document_counter = 0

    # --- reference data ------------------------------------------------------------------------

    def run(self) -> None:
        self._create_business()
        self._create_accounts()
        self._create_taxes()
        self._create_contacts()
        self._create_records()

    def _create_business(self) -> None:
        p = self.profile
        self.store.add_business(
            {
                "id": p.business_id,
                "name": p.name,
                "currency": "CAD",
                "country": "CA",
                "province": p.province,
                "fiscalYearStart": p.fiscal_year_start.isoformat(),
                "businessNumber": p.business_number,
            },
            p.user_ids,
        )

    def _create_accounts(self) -> None:
        data = self.store.business_data(self.business_id)
        for definition in ref.CHART_OF_ACCOUNTS:
            account_id = self.store.allocate_id("account")
            self.account_ids[definition.key] = account_id
            data.accounts[account_id] = {
                "id": account_id,
                "number": definition.number,
                "name": definition.name,
                "type": definition.type,
                "subType": definition.sub_type,
                "currency": definition.currency,
                "removed": False,
            }
        if self.with_fixtures:
            self.store.add_fixture("unmappableAccount", self.account_ids["suspense"])

    def _registration(self, kind: str | None) -> str | None:
        bn = self.profile.business_number
        return {
            "gst": gst_hst_number(bn),
            "qst": f"{bn}1TQ0001",
            "pst": f"PST-{bn[:4]}-{bn[4:8]}",
        }.get(kind or "")

    def _create_taxes(self) -> None:
        data = self.store.business_data(self.business_id)
        for definition in ref.TAXES:
            tax_id = self.store.allocate_id("tax")
            self.tax_ids[definition.key] = tax_id
            data.taxes[tax_id] = {
                "id": tax_id,
                "name": definition.name,
                "kind": definition.kind,
                "rate": definition.rate,
                "province": definition.province,
                "compound": definition.compound,
                "recoverable": definition.recoverable,
                "registrationNumber": self._registration(definition.registration),
                "payableAccount": self.account_ids[definition.payable_key],
                "recoverableAccount": (
                    self.account_ids[definition.recoverable_key]
                    if definition.recoverable_key
                    else None
                ),
                "validFrom": definition.valid_from.isoformat() if definition.valid_from else None,
                "validTo": definition.valid_to.isoformat() if definition.valid_to else None,
                "removed": False,
            }
        if self.with_fixtures:
            self.store.add_fixture("unmappableTax", self.tax_ids["eco_fee"])
            self.store.add_fixture("compoundTax", self.tax_ids["compound_pst"])

    def _add_contact(
        self,
        name: str,
        contact_type: str,
        province: str | None,
        *,
        currency: str = "CAD",
        address: dict | None = None,
        registration: str = "random",
        email_prefix: str = "ap",
    ) -> dict:
        rng = self.rng
        contact_id = self.store.allocate_id("contact")
        email = None if rng.random() < 0.05 else f"{email_prefix}@{_ascii_slug(name)}.example"
        terms = rng.choices(("NET30", "NET15", "DUE_ON_RECEIPT"), (60, 30, 10))[0]
        bn = gst = qst = None
        if registration == "random":
            roll = rng.random()
            registration = "valid" if roll < 0.70 else "invalid" if roll < 0.82 else "none"
        if registration == "valid":
            bn = random_valid_bn9(rng)
            gst = gst_hst_number(bn)
            if province == "QC":
                qst = random_qst_number(rng)
        elif registration == "invalid":
            # Half fail the check digit, half are malformed; the connector must flag both.
            bn = random_invalid_bn9(rng) if rng.random() < 0.5 else random_valid_bn9(rng)[:8]
            gst = f"{bn}RT0001"
            self.store.add_fixture("invalidBusinessNumber", contact_id)
        contact = {
            "id": contact_id,
            "name": name,
            "type": contact_type,
            "email": email,
            "currency": currency,
            "terms": terms,
            "businessNumber": bn,
            "gstNumber": gst,
            "qstNumber": qst,
            "address": address or random_address(rng, province),
            "removed": False,
        }
        self.store.business_data(self.business_id).contacts[contact_id] = contact
        return contact

    def _create_contacts(self) -> None:
        rng = self.rng
        if self.primary:
            customer_count = min(max(self.record_count // 10, 12), 300)
        else:
            customer_count = 8
        provinces = [p for p, _ in self.profile.customer_provinces]
        weights = [w for _, w in self.profile.customer_provinces]
        prefixes, middles, suffixes = ref.CUSTOMER_NAME_PARTS
        names = [f"{a} {b} {c}" for a in prefixes for b in middles for c in suffixes]
        rng.shuffle(names)
        for name in names[:customer_count]:
            province = rng.choices(provinces, weights)[0]
            self.customers.append(self._add_contact(name, "CUSTOMER", province))
        for category in ref.VENDOR_CATEGORIES:
            for name in category.names:
                province = rng.choice(("ON", "ON", "QC", self.profile.province))
                vendor = self._add_contact(name, "VENDOR", province, email_prefix="billing")
                self.vendors.append(vendor)
                self.vendor_category[vendor["id"]] = category
        for key, name in (("fuel", "Northway Fuel"), ("office", "Paperclip Office Supplies")):
            self.special_contacts[key] = self._add_contact(
                name, "VENDOR", self.profile.province, registration="valid", email_prefix="receipts"
            )
        if self.with_fixtures:
            self.special_contacts["usd_customer"] = self._add_contact(
                "Great Lakes Outfitters LLC",
                "CUSTOMER",
                None,
                currency="USD",
                registration="none",
                address={
                    "street": "200 Delaware Ave",
                    "city": "Buffalo",
                    "province": "NY",
                    "postalCode": "14202",
                    "country": "US",
                },
            )
            self.special_contacts["jpy_vendor"] = self._add_contact(
                "Kyoto Lacquerware K.K.",
                "VENDOR",
                None,
                currency="JPY",
                registration="none",
                email_prefix="export",
                address={
                    "street": "12 Shijo-dori",
                    "city": "Kyoto",
                    "province": None,
                    "postalCode": "600-8001",
                    "country": "JP",
                },
            )

    # --- records -------------------------------------------------------------------------------

    def _fixture_plan(self) -> list[tuple[int, str]]:
        """(day offset from the fiscal year start, fixture name)."""
        if self.with_fixtures:
            return [
                (5, "readonly_invoice"),
                (8, "readonly_bill"),
                (33, "reimbursable_expense"),
                (40, "discount_invoice"),
                (45, "eco_fee_invoice"),
                (55, "suspense_bill"),
                (60, "credit_note_on"),
                (70, "removed_invoice"),
                (80, "extra_fields_invoice"),
                (90, "usd_invoice"),
                (100, "jpy_bill"),
                (115, "usd_payment"),
                (120, "vendor_refund"),
                (130, "compound_invoice"),
                (140, "eco_fee_invoice"),
                (150, "credit_note_bc"),
                (160, "paypal_payment"),
                (170, "early_discount_payment"),
                (175, "suspense_expense"),
                (180, "partial_payment"),
                (190, "multi_payment"),
                (200, "compound_invoice"),
                (230, "eco_fee_invoice"),
            ]
        if not self.primary and self.record_count >= 2:
            return [(42, "ns15_invoice"), (73, "ns14_invoice")]
        return []

    def _plan_slots(self) -> list[Slot]:
        rng = self.rng
        start = self.profile.fiscal_year_start
        days = (self.profile.period_end - start).days + 1
        fixtures = self._fixture_plan()[: self.record_count]
        slots = [
            Slot(start + timedelta(days=min(offset, days - 1)), i, name)
            for i, (offset, name) in enumerate(fixtures)
        ]
        remaining = self.record_count - len(slots)
        payroll_days = []
        if remaining >= 30:
            month = date(start.year, start.month, 15)
            while month <= self.profile.period_end and len(payroll_days) < remaining // 15:
                payroll_days.append(month)
                month = (month.replace(day=1) + timedelta(days=32)).replace(day=15)
        slots.extend(Slot(d, len(slots) + i, "payroll") for i, d in enumerate(payroll_days))
        remaining -= len(payroll_days)
        kinds = [k for k, _ in REGULAR_KIND_WEIGHTS]
        weights = [w for _, w in REGULAR_KIND_WEIGHTS]
        base = len(slots)
        for i, kind in enumerate(rng.choices(kinds, weights, k=remaining)):
            slots.append(Slot(start + timedelta(days=rng.randrange(days)), base + i, kind))
        slots.sort(key=lambda s: (s.day, s.order))
        return slots

    def _moment(self, day: date) -> datetime:
        # Business hours in Eastern/Atlantic time, expressed in UTC.
        return datetime.combine(day, time(13, 0), tzinfo=timezone.utc) + timedelta(
            seconds=self.rng.randrange(8 * 3600)
        )

    def _create_records(self) -> None:
        handlers = {
            "invoice": self._regular_invoice,
            "bill": self._regular_bill,
            "invoicePayment": lambda day: self._payment(day, "invoicePayment"),
            "billPayment": lambda day: self._payment(day, "billPayment"),
            "expense": self._regular_expense,
            "transfer": self._transfer,
            "payroll": self._payroll,
        }
        created: list[dict] = []
        for slot in self._plan_slots():
            handler = handlers.get(slot.kind) or getattr(self, f"_fixture_{slot.kind}")
            record = handler(slot.day)
            created.append(record)
        self._edit_some(created)

    def _create(self, spec: dict, day: date, tag: str | None = None) -> dict:
        record = self.store.create_record(self.business_id, spec, at=self._moment(day), emit=False)
        if tag:
            self.store.add_fixture(tag, record["id"])
        if (
            record["type"] in ("invoice", "bill")
            and record["amount"] > 0
            and record["currency"] == "CAD"
        ):
            self.open_documents[record["type"]].setdefault(record["contact"], []).append(
                record["id"]
            )
        return record

    def _edit_some(self, created: list[dict]) -> None:
        """Give a few documents a second version (a memo edit some days later)."""
        rng = self.rng
        for record in created:
            if record["type"] not in ("invoice", "bill") or rng.random() >= 0.06:
                continue
            current = self.store.records_by_id[record["id"]]
            if current["removed"] or current["readOnly"]:
                continue
            day = date.fromisoformat(current["date"]) + timedelta(days=rng.randint(1, 20))
            day = min(day, self.profile.period_end)
            self.store.update_record(
                record["id"], {"memo": "Corrected PO reference"}, at=self._moment(day), emit=False
            )

    # --- building blocks ------------------------------------------------------------------------

    def _tax_ids_for(self, province: str | None, day: date) -> list[int]:
        return [self.tax_ids[key] for key in ref.sales_tax_keys(province or "", day)]

    def _sales_lines(
        self,
        day: date,
        province: str | None,
        *,
        allow_shipping: bool = True,
        allow_discount: bool = True,
        taxes: list[int] | None = None,
    ) -> list[dict]:
        rng = self.rng
        catalogue = ref.SALES_CATALOGUE if self.primary else ref.MARINE_CATALOGUE
        tax_ids = self._tax_ids_for(province, day) if taxes is None else taxes
        lines = []
        for item in rng.sample(catalogue, rng.randint(1, 3)):
            quantity = rng.choice(item.quantities)
            discount = 0
            if allow_discount and item.account_key == "product_sales" and rng.random() < 0.1:
                gross = int(quantity.split(".")[0]) * item.unit_price
                discount = gross * rng.choice((5, 10)) // 100
            lines.append(
                {
                    "account": self.account_ids[item.account_key],
                    "description": item.description,
                    "quantity": quantity,
                    "unitPrice": item.unit_price,
                    "discount": discount,
                    "taxes": list(tax_ids),
                }
            )
        if allow_shipping and self.primary and rng.random() < 0.25:
            lines.append(
                {
                    "account": self.account_ids["shipping_revenue"],
                    "description": ref.SHIPPING_ITEM.description,
                    "quantity": "1",
                    "unitPrice": ref.SHIPPING_ITEM.unit_price + rng.randrange(0, 2000, 50),
                    "discount": 0,
                    "taxes": list(tax_ids),
                }
            )
        return lines

    def _customer(self, provinces: tuple[str, ...] | None = None) -> dict:
        if provinces:
            matching = [c for c in self.customers if c["address"]["province"] in provinces]
            if matching:
                return self.rng.choice(matching)
        return self.rng.choice(self.customers)

    def _invoice_spec(self, day: date, customer: dict, **overrides) -> dict:
        rng = self.rng
        spec = {
            "type": "invoice",
            "date": day.isoformat(),
            "contact": customer["id"],
            "memo": rng.choice(
                (
                    None,
                    None,
                    f"Order for {customer['address']['city']}",
                    "Thank you for your business",
                )
            ),
            "poNumber": f"PO-{rng.randint(10000, 99999)}" if rng.random() < 0.3 else None,
            "lineItems": self._sales_lines(day, customer["address"]["province"]),
        }
        spec.update(overrides)
        return spec

    def _regular_invoice(self, day: date) -> dict:
        return self._create(self._invoice_spec(day, self._customer()), day)

    def _bill_spec(
        self,
        day: date,
        vendor: dict | None = None,
        *,
        account_key: str | None = None,
        description: str | None = None,
        quantity: str = "1",
    ) -> dict:
        rng = self.rng
        vendor = vendor or rng.choice(self.vendors)
        category = self.vendor_category[vendor["id"]]
        low, high = category.price_range
        self.document_counter += 1
        return {
            "type": "bill",
            "date": day.isoformat(),
            "contact": vendor["id"],
            "number": f"V{vendor['id'] % 1000:03d}-{self.document_counter:05d}",
            "memo": None,
            "lineItems": [
                {
                    "account": self.account_ids[account_key or category.account_key],
                    "description": description or category.description,
                    "quantity": quantity,
                    "unitPrice": rng.randrange(low, high + 1, 100) if high > low else low,
                    "discount": 0,
                    "taxes": self._tax_ids_for(vendor["address"]["province"], day),
                }
            ],
        }

    def _regular_bill(self, day: date) -> dict:
        return self._create(self._bill_spec(day), day)

    def _pick_open_documents(self, document_type: str) -> tuple[int, list[dict]]:
        """A contact with open CAD documents of ``document_type``, and those documents.

        Slots are processed in date order, so every open document is dated on or before the
        payment; fully paid documents leave ``open_documents`` as soon as they are settled.
        """
        open_by_contact = self.open_documents[document_type]
        contacts = [contact_id for contact_id, ids in open_by_contact.items() if ids]
        if not contacts:
            return 0, []
        contact_id = self.rng.choice(contacts)
        return contact_id, [self.store.records_by_id[i] for i in open_by_contact[contact_id]]

    def _payment(
        self,
        day: date,
        payment_type: str,
        force: str | None = None,
        method: str | None = None,
        tag: str | None = None,
    ) -> dict:
        rng = self.rng
        document_type = "invoice" if payment_type == "invoicePayment" else "bill"
        contact_id, docs = self._pick_open_documents(document_type)
        if not docs:
            # Nothing to pay yet (early in the year): issue a document instead.
            return (
                self._regular_invoice(day)
                if document_type == "invoice"
                else self._regular_bill(day)
            )
        style = force or rng.choices(("full", "partial", "discount", "multi"), (63, 12, 10, 15))[0]
        applied = []
        if style == "multi":
            for doc in docs[:3]:
                applied.append({"record": doc["id"], "amount": doc["balanceDue"], "discount": 0})
        else:
            doc = docs[0]
            balance = doc["balanceDue"]
            if style == "partial" and balance > 1:
                amount = max(1, balance * rng.choice((25, 50, 60)) // 100)
                applied.append({"record": doc["id"], "amount": amount, "discount": 0})
            elif style == "discount" and balance == doc["amount"] and balance > 100:
                discount = balance * 2 // 100  # "2/10 net 30" early-payment discount
                applied.append(
                    {"record": doc["id"], "amount": balance - discount, "discount": discount}
                )
            else:
                applied.append({"record": doc["id"], "amount": balance, "discount": 0})
        method = method or rng.choices(ref.PAYMENT_METHODS, (50, 25, 20, 5))[0]
        if payment_type == "billPayment" and method == "Credit Card":
            deposit = self.account_ids["visa"]
        else:
            deposit = self.account_ids["chequing"]
        record = self._create(
            {
                "type": payment_type,
                "date": day.isoformat(),
                "contact": contact_id,
                "depositAccount": deposit,
                "paymentMethod": method,
                "appliesTo": applied,
                "memo": None,
            },
            day,
            tag,
        )
        for entry in applied:
            if self.store.records_by_id[entry["record"]]["balanceDue"] == 0:
                self.open_documents[document_type][contact_id].remove(entry["record"])
        return record

    def _regular_expense(
        self,
        day: date,
        *,
        reimbursable: bool | None = None,
        account_key: str | None = None,
        description: str | None = None,
        tag: str | None = None,
    ) -> dict:
        rng = self.rng
        item_key, item_description, (low, high) = rng.choice(ref.EXPENSE_ITEMS)
        if reimbursable is None:
            reimbursable = rng.random() < 0.2
        contact = None
        if item_key == "vehicle":
            contact = self.special_contacts["fuel"]["id"]
        elif item_key == "office":
            contact = self.special_contacts["office"]["id"]
        spec = {
            "type": "expense",
            "date": day.isoformat(),
            "contact": contact,
            "memo": None,
            "reimbursable": reimbursable,
            "employee": rng.choice(ref.EMPLOYEES) if reimbursable else None,
            "paidFrom": None
            if reimbursable
            else self.account_ids[rng.choices(("visa", "chequing"), (3, 1))[0]],
            "lineItems": [
                {
                    "account": self.account_ids[account_key or item_key],
                    "description": description or item_description,
                    "quantity": "1",
                    "unitPrice": rng.randrange(low, high + 1, 5),
                    "discount": 0,
                    "taxes": self._tax_ids_for(self.profile.province, day),
                }
            ],
        }
        return self._create(spec, day, tag)

    def _transfer(self, day: date) -> dict:
        rng = self.rng
        target = rng.choice(("savings", "visa"))
        return self._create(
            {
                "type": "transfer",
                "date": day.isoformat(),
                "fromAccount": self.account_ids["chequing"],
                "toAccount": self.account_ids[target],
                "amount": rng.randrange(50000, 1500000, 100),
                "memo": "Top up savings" if target == "savings" else "Pay Visa balance",
            },
            day,
        )

    def _payroll(self, day: date) -> dict:
        rng = self.rng
        wages = rng.randrange(1800000, 2400000, 100)
        lines = [
            ("wages", "Gross wages", wages),
            ("benefits", "Group health benefits", wages * 4 // 100),
            ("cpp_ei", "Employer CPP and EI", wages * 7 // 100),
        ]
        return self._create(
            {
                "type": "expense",
                "date": day.isoformat(),
                "contact": None,
                "memo": f"Payroll {day:%B %Y}",
                "reimbursable": False,
                "employee": None,
                "paidFrom": self.account_ids["chequing"],
                "lineItems": [
                    {
                        "account": self.account_ids[key],
                        "description": text,
                        "quantity": "1",
                        "unitPrice": amount,
                        "discount": 0,
                        "taxes": [],
                    }
                    for key, text, amount in lines
                ],
            },
            day,
        )

    # --- named fixtures (business 1001 unless noted) --------------------------------------------

    def _fixture_readonly_invoice(self, day: date) -> dict:
        return self._create(
            self._invoice_spec(day, self._customer(), readOnly=True), day, "readOnly"
        )

    def _fixture_readonly_bill(self, day: date) -> dict:
        spec = {**self._bill_spec(day), "readOnly": True}
        return self._create(spec, day, "readOnly")

    def _fixture_reimbursable_expense(self, day: date) -> dict:
        return self._regular_expense(day, reimbursable=True, tag="reimbursableExpense")

    def _fixture_discount_invoice(self, day: date) -> dict:
        customer = self._customer(("ON",))
        item = ref.SALES_CATALOGUE[1]
        spec = self._invoice_spec(
            day,
            customer,
            lineItems=[
                {
                    "account": self.account_ids[item.account_key],
                    "description": item.description,
                    "quantity": "3",
                    "unitPrice": item.unit_price,
                    "discount": 5970,
                    "taxes": self._tax_ids_for(customer["address"]["province"], day),
                }
            ],
        )
        return self._create(spec, day, "lineDiscount")

    def _fixture_eco_fee_invoice(self, day: date) -> dict:
        customer = self._customer(("ON",))
        spec = self._invoice_spec(day, customer)
        first = spec["lineItems"][0]
        first["taxes"] = first["taxes"] + [self.tax_ids["eco_fee"]]
        return self._create(spec, day, "unmappableRecords")

    def _fixture_suspense_bill(self, day: date) -> dict:
        spec = self._bill_spec(
            day, account_key="suspense", description="Unidentified vendor charge"
        )
        return self._create(spec, day, "unmappableRecords")

    def _fixture_suspense_expense(self, day: date) -> dict:
        return self._regular_expense(
            day,
            reimbursable=False,
            account_key="suspense",
            description="Unreconciled card charge",
            tag="unmappableRecords",
        )

    def _credit_note(self, day: date, provinces: tuple[str, ...], number: str) -> dict:
        customer = self._customer(provinces)
        item = ref.SALES_CATALOGUE[0]
        spec = self._invoice_spec(
            day,
            customer,
            number=number,
            memo="Credit note: damaged tins returned",
            lineItems=[
                {
                    "account": self.account_ids[item.account_key],
                    "description": f"Return: {item.description}",
                    "quantity": "-6",
                    "unitPrice": item.unit_price,
                    "discount": 0,
                    "taxes": self._tax_ids_for(customer["address"]["province"], day),
                }
            ],
        )
        return self._create(spec, day, "creditNote")

    def _fixture_credit_note_on(self, day: date) -> dict:
        return self._credit_note(day, ("ON",), "CN-00001")

    def _fixture_credit_note_bc(self, day: date) -> dict:
        return self._credit_note(day, ("BC", "SK", "MB", "QC"), "CN-00002")

    def _fixture_removed_invoice(self, day: date) -> dict:
        record = self._create(self._invoice_spec(day, self._customer()), day, "removed")
        self.open_documents["invoice"][record["contact"]].remove(record["id"])
        return self.store.delete_record(
            record["id"], at=self._moment(day + timedelta(days=2)), emit=False
        )

    def _fixture_extra_fields_invoice(self, day: date) -> dict:
        spec = self._invoice_spec(day, self._customer())
        spec["customFields"] = {"project": "P-1042", "salesRep": "Priya Singh"}
        spec["attachments"] = [{"name": "purchase-order.pdf", "size": 48213}]
        spec["collaberationContext"] = None  # sic: the real API's spelling
        spec["lineItems"][0]["sku"] = "MLS-0001"
        return self._create(spec, day, "extraFields")

    def _fixture_usd_invoice(self, day: date) -> dict:
        customer = self.special_contacts["usd_customer"]
        spec = self._invoice_spec(
            day,
            customer,
            currency="USD",
            exchangeRate="1.365400",
            keepInOriginalCurrency=True,
            memo="Export sale, zero-rated",
        )
        spec["lineItems"] = self._sales_lines(day, None, allow_shipping=False, taxes=[])
        record = self._create(spec, day, "usd")
        self.usd_invoice_id = record["id"]
        return record

    def _fixture_usd_payment(self, day: date) -> dict:
        customer = self.special_contacts["usd_customer"]
        invoice = self.store.records_by_id[self.usd_invoice_id]
        return self._create(
            {
                "type": "invoicePayment",
                "date": day.isoformat(),
                "contact": customer["id"],
                "currency": "USD",
                "exchangeRate": "1.371800",
                "keepInOriginalCurrency": True,
                "depositAccount": self.account_ids["usd_chequing"],
                "paymentMethod": "Electronic Transfer",
                "appliesTo": [
                    {"record": invoice["id"], "amount": invoice["balanceDue"], "discount": 0}
                ],
            },
            day,
            "usd",
        )

    def _fixture_jpy_bill(self, day: date) -> dict:
        vendor = self.special_contacts["jpy_vendor"]
        self.document_counter += 1
        return self._create(
            {
                "type": "bill",
                "date": day.isoformat(),
                "contact": vendor["id"],
                "number": "KL-2026-0117",
                "currency": "JPY",
                "exchangeRate": "0.009150",
                "memo": "Imported lacquerware (GST paid at customs)",
                "lineItems": [
                    {
                        "account": self.account_ids["inventory"],
                        "description": "Lacquered tray",
                        "quantity": "20",
                        "unitPrice": 4800,
                        "discount": 0,
                        "taxes": [],
                    },
                    {
                        "account": self.account_ids["inventory"],
                        "description": "Chopstick set",
                        "quantity": "50",
                        "unitPrice": 1250,
                        "discount": 0,
                        "taxes": [],
                    },
                ],
            },
            day,
            "jpy",
        )

    def _fixture_vendor_refund(self, day: date) -> dict:
        spec = self._bill_spec(day, quantity="-1")
        spec["number"] = f"VC-{self.document_counter:05d}"
        spec["memo"] = "Vendor credit: overbilled freight"
        return self._create(spec, day, "vendorRefund")

    def _fixture_compound_invoice(self, day: date) -> dict:
        customer = self._customer(("AB", "YT"))
        spec = self._invoice_spec(day, customer, memo="Compound tax test")
        taxes = [self.tax_ids["gst"], self.tax_ids["compound_pst"]]
        spec["lineItems"] = self._sales_lines(day, None, taxes=taxes)
        return self._create(spec, day, "compoundTaxRecords")

    def _fixture_paypal_payment(self, day: date) -> dict:
        return self._payment(day, "invoicePayment", method="PayPal", tag="otherPaymentMethod")

    def _fixture_early_discount_payment(self, day: date) -> dict:
        return self._payment(day, "invoicePayment", force="discount", tag="earlyPaymentDiscount")

    def _fixture_partial_payment(self, day: date) -> dict:
        return self._payment(day, "invoicePayment", force="partial", tag="partialPayment")

    def _fixture_multi_payment(self, day: date) -> dict:
        return self._payment(day, "invoicePayment", force="multi", tag="multiDocumentPayment")

    def _fixture_ns15_invoice(self, day: date) -> dict:
        customer = self._customer(("NS",))
        spec = self._invoice_spec(day, customer)
        spec["lineItems"] = self._sales_lines(day, "NS")
        return self._create(spec, day, "hstNs15")

    def _fixture_ns14_invoice(self, day: date) -> dict:
        customer = self._customer(("NS",))
        spec = self._invoice_spec(day, customer)
        spec["lineItems"] = self._sales_lines(day, "NS")
        return self._create(spec, day, "hstNs14")
