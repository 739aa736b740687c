"""Thread-safe in-memory data of the sandbox: businesses, accounts, taxes, contacts, records.

Records are immutable dicts once stored: every change builds a new dict and swaps it in, so a
request can serialise a page outside the lock without copying. Each change bumps ``version``,
sets ``modifiedAt`` and notifies listeners (the webhook dispatcher).
"""

from __future__ import annotations

import bisect
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from .clock import Clock, iso_utc
from .records import (
    PAYMENT_TARGET_TYPE,
    RECORD_TYPES,
    RESERVED_FIELDS,
    BusinessContext,
    RecordValidationError,
    build_record,
    spec_from_record,
)

# listener(event_type, business_id, record_id, version, occurred_at_iso)
ChangeListener = Callable[[str, int, int, int, str], None]

NUMBER_PREFIXES = {
    "invoice": "INV-",
    "bill": "BILL-",
    "invoicePayment": "PMT-",
    "billPayment": "BP-",
    "transfer": "TRF-",
    "expense": "EXP-",
}

FIRST_IDS = {"account": 2001, "tax": 3001, "contact": 4001, "record": 50001}


class NotFound(LookupError):
    pass


@dataclass
class BusinessData:
    business: dict
    user_ids: tuple[int, ...]
    accounts: dict[int, dict] = field(default_factory=dict)
    taxes: dict[int, dict] = field(default_factory=dict)
    contacts: dict[int, dict] = field(default_factory=dict)
    records: list[dict] = field(default_factory=list)  # sorted by id
    record_ids: list[int] = field(default_factory=list)  # parallel to records, for bisect
    number_counters: dict[str, int] = field(default_factory=dict)
    subscription_lapsed: bool = False

    def context(self) -> BusinessContext:
        return BusinessContext(
            business_id=self.business["id"],
            currency=self.business["currency"],
            accounts=self.accounts,
            taxes=self.taxes,
            contacts=self.contacts,
        )


@dataclass(frozen=True)
class RecordQuery:
    record_type: str | None = None
    start_date: str | None = None  # yyyy-MM-dd, inclusive
    end_date: str | None = None  # yyyy-MM-dd, inclusive
    modified_since: str | None = None  # ISO-8601 Z, inclusive
    ids: frozenset[int] | None = None

    def is_empty(self) -> bool:
        return not (
            self.record_type
            or self.start_date
            or self.end_date
            or self.modified_since
            or self.ids is not None
        )

    def matches(self, record: dict) -> bool:
        if self.record_type and record.get("type") != self.record_type:
            return False
        if self.start_date and (record.get("date") or "") < self.start_date:
            return False
        if self.end_date and (record.get("date") or "9999") > self.end_date:
            return False
        if self.modified_since and record["modifiedAt"] < self.modified_since:
            return False
        return self.ids is None or record["id"] in self.ids


class Store:
    def __init__(self, clock: Clock):
        self.lock = threading.RLock()
        self.clock = clock
        self.businesses: dict[int, BusinessData] = {}
        self.records_by_id: dict[int, dict] = {}
        self.record_business: dict[int, int] = {}
        # invoice/bill id -> amount + discount settled by live payments
        self.settled: dict[int, int] = {}
        # named notable records and contacts (GET /_sandbox/fixtures)
        self.fixtures: dict[str, list[int]] = {}
        self._next_ids = dict(FIRST_IDS)
        self._listeners: list[ChangeListener] = []

    # --- setup ---------------------------------------------------------------------------------

    def subscribe(self, listener: ChangeListener) -> None:
        self._listeners.append(listener)

    def allocate_id(self, kind: str) -> int:
        with self.lock:
            value = self._next_ids[kind]
            self._next_ids[kind] = value + 1
            return value

    def add_business(self, business: dict, user_ids: Iterable[int]) -> BusinessData:
        with self.lock:
            data = BusinessData(business=business, user_ids=tuple(user_ids))
            self.businesses[business["id"]] = data
            return data

    def add_fixture(self, tag: str, object_id: int) -> None:
        self.fixtures.setdefault(tag, []).append(object_id)

    # --- reads ---------------------------------------------------------------------------------

    def business_data(self, business_id: int) -> BusinessData:
        data = self.businesses.get(business_id)
        if data is None:
            raise NotFound(f"business {business_id}")
        return data

    def businesses_for_user(self, user_id: int) -> list[dict]:
        with self.lock:
            return [d.business for d in self.businesses.values() if user_id in d.user_ids]

    def list_records(self, business_id: int, query: RecordQuery, limit: int, offset: int) -> list:
        with self.lock:
            rows = self.business_data(business_id).records
            if not query.is_empty():
                if query.ids is not None and len(query.ids) < 200:
                    # Direct lookups beat a scan when a client asks for a few ids.
                    rows = sorted(
                        (
                            self.records_by_id[i]
                            for i in query.ids
                            if self.record_business.get(i) == business_id
                        ),
                        key=lambda r: r["id"],
                    )
                    rows = [r for r in rows if query.matches(r)]
                else:
                    rows = [r for r in rows if query.matches(r)]
            return rows[offset : offset + limit]

    def get_record(self, business_id: int, record_id: int) -> dict:
        with self.lock:
            if self.record_business.get(record_id) != business_id:
                raise NotFound(f"record {record_id}")
            return self.records_by_id[record_id]

    def find_record(self, record_id: int) -> tuple[int, dict]:
        with self.lock:
            business_id = self.record_business.get(record_id)
            if business_id is None:
                raise NotFound(f"record {record_id}")
            return business_id, self.records_by_id[record_id]

    # --- writes --------------------------------------------------------------------------------

    def _timestamp(self, at: datetime | None) -> str:
        return iso_utc(at or self.clock.now())

    def _put(self, business_id: int, record: dict) -> None:
        data = self.businesses[business_id]
        record_id = record["id"]
        index = bisect.bisect_left(data.record_ids, record_id)
        if index < len(data.record_ids) and data.record_ids[index] == record_id:
            data.records[index] = record
        else:
            data.record_ids.insert(index, record_id)
            data.records.insert(index, record)
        self.records_by_id[record_id] = record
        self.record_business[record_id] = business_id

    def _emit(self, events: list[tuple[str, int, dict]]) -> None:
        for event_type, business_id, record in events:
            for listener in self._listeners:
                listener(
                    event_type, business_id, record["id"], record["version"], record["modifiedAt"]
                )

    def _next_number(self, data: BusinessData, record_type: str) -> str:
        count = data.number_counters.get(record_type, 0) + 1
        data.number_counters[record_type] = count
        return f"{NUMBER_PREFIXES[record_type]}{count:05d}"

    def _applications(self, record: dict | None) -> dict[int, int]:
        """What a live payment settles, per invoice/bill: amount + discount."""
        if not record or record.get("removed") or record.get("type") not in PAYMENT_TARGET_TYPE:
            return {}
        return {a["record"]: a["amount"] + a["discount"] for a in record.get("appliesTo") or []}

    def _check_payment(self, business_id: int, payment: dict, previous: dict | None) -> None:
        """Payments must target live invoices/bills of the same contact and never over-pay."""
        target_type = PAYMENT_TARGET_TYPE[payment["type"]]
        previously = self._applications(previous)
        for index, applied in enumerate(payment["appliesTo"]):
            where = f"appliesTo[{index}]"
            target = self.records_by_id.get(applied["record"])
            if target is None or self.record_business[applied["record"]] != business_id:
                raise RecordValidationError(where, f"unknown record {applied['record']}")
            if target["type"] != target_type or target["removed"]:
                raise RecordValidationError(
                    where, f"record {target['id']} is not a live " f"{target_type}"
                )
            if target["contact"] != payment["contact"]:
                raise RecordValidationError(
                    where, f"{target_type} {target['id']} belongs to " "another contact"
                )
            if target["currency"] != payment["currency"]:
                raise RecordValidationError(where, "payment and document currencies differ")
            if target["amount"] <= 0:
                raise RecordValidationError(where, "a credit note cannot be paid")
            already = self.settled.get(target["id"], 0) - previously.get(target["id"], 0)
            if already + applied["amount"] + applied["discount"] > target["amount"]:
                raise RecordValidationError(
                    where,
                    f"would over-pay {target_type} {target['id']}: "
                    f"{target['amount'] - already} outstanding",
                )

    def _resettle(
        self,
        business_id: int,
        before: dict[int, int],
        after: dict[int, int],
        stamp: str,
        events: list,
    ) -> None:
        """Apply a payment's change to the balances of the documents it touches."""
        for target_id in sorted(set(before) | set(after)):
            delta = after.get(target_id, 0) - before.get(target_id, 0)
            if not delta:
                continue
            settled = self.settled.get(target_id, 0) + delta
            self.settled[target_id] = settled
            target = self.records_by_id[target_id]
            updated = {
                **target,
                "balanceDue": target["amount"] - settled,
                "modifiedAt": max(stamp, target["modifiedAt"]),
                "version": target["version"] + 1,
            }
            self._put(business_id, updated)
            events.append(("transaction.updated", business_id, updated))

    def create_record(
        self,
        business_id: int,
        spec: dict,
        *,
        at: datetime | None = None,
        emit: bool = True,
        record_id: int | None = None,
    ) -> dict:
        with self.lock:
            data = self.business_data(business_id)
            if spec.get("type") not in RECORD_TYPES:
                raise RecordValidationError("type", "unknown record type")
            spec = {k: v for k, v in spec.items() if k not in RESERVED_FIELDS}
            if not spec.get("number"):
                spec["number"] = self._next_number(data, spec["type"])
            stamp = self._timestamp(at)
            new_id = record_id if record_id is not None else self.allocate_id("record")
            record = build_record(
                data.context(), spec, record_id=new_id, version=1, modified_at=stamp
            )
            events: list = []
            if record["type"] in PAYMENT_TARGET_TYPE and not record["removed"]:
                self._check_payment(business_id, record, None)
            self._put(business_id, record)
            events.append(("transaction.created", business_id, record))
            self._resettle(business_id, {}, self._applications(record), stamp, events)
            if emit:
                self._emit(events)
            return record

    def insert_raw(
        self,
        business_id: int,
        raw: dict,
        *,
        at: datetime | None = None,
        emit: bool = True,
        record_id: int | None = None,
    ) -> dict:
        """Store ``raw`` as it is (no validation): for awkward shapes such as unknown types."""
        with self.lock:
            self.business_data(business_id)
            record = {k: v for k, v in raw.items() if k not in RESERVED_FIELDS}
            record = {
                "id": record_id if record_id is not None else self.allocate_id("record"),
                **record,
            }
            record.setdefault("removed", False)
            record.setdefault("readOnly", False)
            record["modifiedAt"] = self._timestamp(at)
            record["version"] = 1
            self._put(business_id, record)
            if emit:
                self._emit([("transaction.created", business_id, record)])
            return record

    def update_record(
        self, record_id: int, changes: dict, *, at: datetime | None = None, emit: bool = True
    ) -> dict:
        with self.lock:
            business_id, current = self.find_record(record_id)
            if "type" in changes and changes["type"] != current.get("type"):
                raise RecordValidationError("type", "the type of a record cannot change")
            if "removed" in changes and bool(changes["removed"]) != current.get("removed"):
                raise RecordValidationError("removed", "use DELETE to remove a record")
            stamp = max(self._timestamp(at), current["modifiedAt"])
            changes = {k: v for k, v in changes.items() if k not in RESERVED_FIELDS}
            if current.get("type") not in RECORD_TYPES:  # a raw record: merge without checks
                updated = {
                    **current,
                    **changes,
                    "modifiedAt": stamp,
                    "version": current["version"] + 1,
                }
                self._put(business_id, updated)
                if emit:
                    self._emit([("transaction.updated", business_id, updated)])
                return updated
            data = self.businesses[business_id]
            spec = {**spec_from_record(current), **changes}
            settled = self.settled.get(record_id, 0)
            updated = build_record(
                data.context(),
                spec,
                record_id=record_id,
                version=current["version"] + 1,
                modified_at=stamp,
                settled=settled,
            )
            if settled > 0 and settled > updated["amount"]:
                raise RecordValidationError(
                    "amount", "payments already settle more than the " "new amount", status=409
                )
            if updated["type"] in PAYMENT_TARGET_TYPE and not updated["removed"]:
                self._check_payment(business_id, updated, current)
            events: list = []
            self._put(business_id, updated)
            events.append(("transaction.updated", business_id, updated))
            self._resettle(
                business_id, self._applications(current), self._applications(updated), stamp, events
            )
            if emit:
                self._emit(events)
            return updated

    def delete_record(
        self, record_id: int, *, at: datetime | None = None, emit: bool = True
    ) -> dict:
        """Soft delete: ``removed: true``, version + 1. Payments release what they settled."""
        with self.lock:
            business_id, current = self.find_record(record_id)
            if current.get("removed"):
                return current
            if self.settled.get(record_id, 0) > 0:
                raise RecordValidationError(
                    "id", "delete the payments applied to this record first", status=409
                )
            stamp = max(self._timestamp(at), current["modifiedAt"])
            updated = {
                **current,
                "removed": True,
                "modifiedAt": stamp,
                "version": current["version"] + 1,
            }
            events: list = []
            self._put(business_id, updated)
            events.append(("transaction.deleted", business_id, updated))
            self._resettle(business_id, self._applications(current), {}, stamp, events)
            if emit:
                self._emit(events)
            return updated

    def purge_records(self, business_id: int, record_ids: Iterable[int]) -> list[int]:
        """Hard-delete rows without any event: only for the offset-drift fault."""
        with self.lock:
            data = self.business_data(business_id)
            purged = []
            for record_id in record_ids:
                index = bisect.bisect_left(data.record_ids, record_id)
                if index < len(data.record_ids) and data.record_ids[index] == record_id:
                    del data.record_ids[index]
                    del data.records[index]
                    del self.records_by_id[record_id]
                    del self.record_business[record_id]
                    purged.append(record_id)
            return purged

    def lowest_record_id(self) -> int:
        with self.lock:
            return min(self.records_by_id, default=FIRST_IDS["record"])
