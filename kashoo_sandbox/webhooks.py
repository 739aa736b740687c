"""Webhook endpoints and at-least-once delivery in the Standard Webhooks 1.0.0 wire format.

A background worker thread delivers each message: 2xx is success, ``410 Gone`` disables the
endpoint, anything else (including timeouts and 3xx, since redirects are not followed) is
retried at +1 min, +10 min, +1 h, +6 h and +24 h after the first attempt, each with +/-10 %
jitter and multiplied by ``time_scale`` (tests use e.g. 0.001). ``Retry-After`` on a failed
attempt pushes the next one back (also scaled). ``webhook-id`` stays the same across retries,
``webhook-timestamp`` and the signature are new per attempt.
"""

from __future__ import annotations

import email.utils
import itertools
import json
import random
import secrets
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone

import requests

from . import standard_webhooks
from .clock import iso_utc

EVENT_TYPES = ("transaction.created", "transaction.updated", "transaction.deleted")
VERIFICATION_EVENT = "webhook.verification"
RETRY_SCHEDULE_SECONDS = (60, 600, 3600, 6 * 3600, 24 * 3600)
RETRY_JITTER = 0.10
VERIFICATION_TIMEOUT_SECONDS = 5.0
REORDER_HOLD_SECONDS = 5.0  # a held message goes out anyway after this long (real seconds)
STALE_OFFSET_SECONDS = 600  # twice the usual 5-minute tolerance
LARGE_BODY_BYTES = 1_000_000
UNICODE_NOTE = "Café Côte-des-Neiges — Montréal ✓ 東京 🍁 Ünïcödé"
USER_AGENT = "kashoo-sandbox-webhooks/1.0"

WEBHOOK_FAULT_KINDS = (
    "duplicate",  # deliver the message twice (same webhook-id)
    "reorder",  # hold the message until the next one for the endpoint has been sent
    "wrong_signature",  # signature made with another secret
    "stale_timestamp",  # webhook-timestamp 10 minutes in the past (correctly signed)
    "future_timestamp",  # webhook-timestamp 10 minutes in the future (correctly signed)
    "signature_other_body",  # valid signature, but over a different body
    "missing_id",  # no webhook-id header
    "dual_signature",  # "v1,<invalid> v1,<valid>": verifiers must try every entry
    "unknown_version_only",  # only a "v2," entry: verifiers must reject
    "large_body",  # ~1 MB body (extra "padding" field)
    "unicode_body",  # raw UTF-8 non-ASCII text in the body (extra "note" field)
)
DISPATCH_MODES = ("on", "off", "paused")
MAX_LOGGED_DELIVERIES = 10_000  # finished deliveries beyond this are forgotten, oldest first


def _wall_iso() -> str:
    return iso_utc(datetime.now(timezone.utc))


def parse_retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP-date)."""
    if not value:
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():
        return float(value)
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return max(0.0, (moment - datetime.now(timezone.utc)).total_seconds())


@dataclass
class Endpoint:
    id: int
    business_id: int
    url: str
    events: tuple[str, ...]
    secrets: list[str]  # current first; a second entry while a rotation is in progress
    client_id: str | None
    created_at: str
    enabled: bool = True
    disabled_reason: str | None = None
    verification: dict = field(default_factory=lambda: {"status": "pending"})

    def public_view(self) -> dict:
        return {
            "id": self.id,
            "businessId": self.business_id,
            "url": self.url,
            "events": list(self.events),
            "enabled": self.enabled,
            "disabledReason": self.disabled_reason,
            "createdAt": self.created_at,
            "verification": dict(self.verification),
            "rotationInProgress": len(self.secrets) > 1,
        }


@dataclass
class Delivery:
    """One message to one endpoint, with every attempt made for it."""

    id: int
    message_id: str
    endpoint_id: int
    business_id: int
    event_type: str
    payload: dict
    is_verification: bool = False
    status: str = "pending"  # pending | succeeded | failed | endpoint_disabled
    attempts: list[dict] = field(default_factory=list)
    due: float = 0.0  # time.monotonic() of the next attempt
    first_attempt_at: float | None = None
    retries_done: int = 0
    held: bool = False
    pending_faults: list[str] | None = None

    def to_json(self) -> dict:
        return {
            "id": self.id,
            "messageId": self.message_id,
            "endpointId": self.endpoint_id,
            "businessId": self.business_id,
            "eventType": self.event_type,
            "verification": self.is_verification,
            "status": self.status,
            "payload": self.payload,
            "attempts": list(self.attempts),
            "retriesDone": self.retries_done,
            "nextAttemptInSeconds": (
                round(max(0.0, self.due - time.monotonic()), 3)
                if self.status == "pending"
                else None
            ),
        }


@dataclass
class WebhookFault:
    id: int
    kind: str
    remaining: int
    endpoint_id: int | None

    def to_json(self) -> dict:
        return {
            "id": self.id,
            "kind": self.kind,
            "count": self.remaining,
            "endpointId": self.endpoint_id,
        }


class WebhookSettings:
    """Runtime-tunable delivery settings (shared with the control API)."""

    def __init__(
        self,
        time_scale: float = 1.0,
        delivery_timeout: float = 15.0,
        verification_delay: float = 1.0,
    ):
        self.time_scale = time_scale
        self.delivery_timeout = delivery_timeout
        self.verification_delay = verification_delay


class WebhookDispatcher:
    def __init__(self, settings: WebhookSettings, seed: int = 0):
        self.settings = settings
        self.mode = "on"
        self.endpoints: dict[int, Endpoint] = {}
        self.deliveries: dict[int, Delivery] = {}
        self._faults: list[WebhookFault] = []
        self._endpoint_ids = itertools.count(1)
        self._delivery_ids = itertools.count(1)
        self._fault_ids = itertools.count(1)
        self._jitter = random.Random(f"webhook-jitter:{seed}")
        self._condition = threading.Condition()
        self._stopping = False
        self._thread: threading.Thread | None = None
        self._session = requests.Session()

    # --- lifecycle -----------------------------------------------------------------------------

    def start(self) -> None:
        self._thread = threading.Thread(
            target=self._run, name="kashoo-sandbox-webhooks", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        with self._condition:
            self._stopping = True
            self._condition.notify_all()
        if self._thread:
            self._thread.join(timeout=2)
        self._session.close()

    def reset(self, drop_endpoints: bool = False) -> None:
        """Forget deliveries and faults (and endpoints if asked); switch dispatching on."""
        with self._condition:
            if drop_endpoints:
                self.endpoints.clear()
            self.deliveries.clear()
            self._faults.clear()
            self.mode = "on"

    # --- endpoints -----------------------------------------------------------------------------

    def register(
        self, business_id: int, url: str, events: tuple[str, ...], client_id: str | None
    ) -> tuple[Endpoint, str]:
        secret = standard_webhooks.generate_secret()
        with self._condition:
            endpoint = Endpoint(
                next(self._endpoint_ids), business_id, url, events, [secret], client_id, _wall_iso()
            )
            self.endpoints[endpoint.id] = endpoint
        self.send_verification(endpoint.id, self.settings.verification_delay)
        return endpoint, secret

    def remove(self, endpoint_id: int) -> None:
        with self._condition:
            self.endpoints.pop(endpoint_id, None)

    def rotate_secret(self, endpoint_id: int, keep_previous: bool = True) -> str:
        """New secret first; with ``keep_previous`` deliveries carry both signatures."""
        secret = standard_webhooks.generate_secret()
        with self._condition:
            endpoint = self.endpoints[endpoint_id]
            endpoint.secrets = [secret, endpoint.secrets[0]] if keep_previous else [secret]
        return secret

    def finish_rotation(self, endpoint_id: int) -> None:
        with self._condition:
            endpoint = self.endpoints[endpoint_id]
            endpoint.secrets = endpoint.secrets[:1]

    def set_enabled(self, endpoint_id: int, enabled: bool) -> None:
        with self._condition:
            endpoint = self.endpoints[endpoint_id]
            endpoint.enabled = enabled
            endpoint.disabled_reason = None if enabled else "disabled by control API"

    def send_verification(self, endpoint_id: int, delay: float = 0.0) -> Delivery:
        endpoint = self.endpoints[endpoint_id]
        endpoint.verification = {"status": "pending"}
        payload = {
            "type": VERIFICATION_EVENT,
            "timestamp": _wall_iso(),
            "data": {
                "businessId": endpoint.business_id,
                "endpointId": endpoint.id,
                "challenge": secrets.token_urlsafe(16),
            },
        }
        return self._enqueue(endpoint, VERIFICATION_EVENT, payload, delay, verification=True)

    # --- events --------------------------------------------------------------------------------

    def on_record_change(
        self, event_type: str, business_id: int, record_id: int, version: int, occurred_at: str
    ) -> None:
        """Store listener: fan an event out to every subscribed endpoint of the business."""
        if self.mode == "off":
            return
        payload = {
            "type": event_type,
            "timestamp": occurred_at,
            "data": {"businessId": business_id, "id": record_id, "version": version},
        }
        with self._condition:
            targets = [
                e
                for e in self.endpoints.values()
                if e.business_id == business_id and e.enabled and event_type in e.events
            ]
            for endpoint in targets:
                self._enqueue(endpoint, event_type, payload, 0.0)

    def _enqueue(
        self,
        endpoint: Endpoint,
        event_type: str,
        payload: dict,
        delay: float,
        verification: bool = False,
    ) -> Delivery:
        with self._condition:
            delivery = Delivery(
                id=next(self._delivery_ids),
                message_id=f"msg_{secrets.token_urlsafe(18)}",
                endpoint_id=endpoint.id,
                business_id=endpoint.business_id,
                event_type=event_type,
                payload=payload,
                is_verification=verification,
                due=time.monotonic() + delay,
            )
            self.deliveries[delivery.id] = delivery
            self._forget_old_deliveries()
            self._condition.notify_all()
            return delivery

    def _forget_old_deliveries(self) -> None:
        """Bound the log: a sandbox left running for days must not grow without end."""
        excess = len(self.deliveries) - MAX_LOGGED_DELIVERIES
        if excess <= 0:
            return
        finished = [i for i, d in self.deliveries.items() if d.status != "pending"]
        for delivery_id in finished[:excess]:
            del self.deliveries[delivery_id]

    def redeliver(self, delivery_id: int) -> Delivery:
        """Send a logged message again now, same ``webhook-id``, with a fresh retry budget."""
        with self._condition:
            delivery = self.deliveries[delivery_id]
            delivery.status = "pending"
            delivery.due = time.monotonic()
            delivery.first_attempt_at = None
            delivery.retries_done = 0
            delivery.held = False
            delivery.pending_faults = None
            self._condition.notify_all()
            return delivery

    def set_mode(self, mode: str) -> None:
        if mode not in DISPATCH_MODES:
            raise ValueError(f"mode must be one of {', '.join(DISPATCH_MODES)}")
        with self._condition:
            self.mode = mode
            self._condition.notify_all()

    # --- faults --------------------------------------------------------------------------------

    def add_fault(self, kind: str, count: int = 1, endpoint_id: int | None = None) -> WebhookFault:
        if kind not in WEBHOOK_FAULT_KINDS:
            raise ValueError(f"kind must be one of {', '.join(WEBHOOK_FAULT_KINDS)}")
        if isinstance(count, bool) or not isinstance(count, int) or count < 1:
            raise ValueError("count must be a positive integer")
        with self._condition:
            fault = WebhookFault(next(self._fault_ids), kind, count, endpoint_id)
            self._faults.append(fault)
            return fault

    def list_faults(self) -> list[dict]:
        with self._condition:
            return [f.to_json() for f in self._faults]

    def clear_faults(self) -> None:
        with self._condition:
            self._faults.clear()

    def _take_faults(self, endpoint_id: int) -> list[str]:
        """One use of each kind of fault pending for this endpoint."""
        taken: list[str] = []
        for fault in list(self._faults):
            if fault.endpoint_id not in (None, endpoint_id) or fault.kind in taken:
                continue
            taken.append(fault.kind)
            fault.remaining -= 1
            if fault.remaining <= 0:
                self._faults.remove(fault)
        return taken

    # --- worker --------------------------------------------------------------------------------

    def _next_due(self) -> Delivery | None:
        """Wait until a delivery is due (or stop); return it, or None when stopping."""
        with self._condition:
            while not self._stopping:
                if self.mode != "paused":
                    pending = [d for d in self.deliveries.values() if d.status == "pending"]
                    if pending:
                        soonest = min(pending, key=lambda d: (d.due, d.id))
                        wait = soonest.due - time.monotonic()
                        if wait <= 0:
                            return soonest
                        self._condition.wait(timeout=min(wait, 1.0))
                        continue
                self._condition.wait(timeout=1.0)
            return None

    def _run(self) -> None:
        while True:
            delivery = self._next_due()
            if delivery is None:
                return
            try:
                self._attempt(delivery)
            except Exception as exc:  # noqa: BLE001 - the worker must survive any receiver
                with self._condition:
                    delivery.status = "failed"
                    delivery.attempts.append({"at": _wall_iso(), "error": f"internal: {exc}"})

    def _attempt(self, delivery: Delivery) -> None:
        with self._condition:
            endpoint = self.endpoints.get(delivery.endpoint_id)
            if endpoint is None or not endpoint.enabled:
                delivery.status = "endpoint_disabled"
                return
            if delivery.held:
                # Released: a later message has gone out (or the hold expired).
                delivery.held = False
                faults, delivery.pending_faults = delivery.pending_faults or [], None
            else:
                faults = self._take_faults(endpoint.id)
                if "reorder" in faults:
                    # Hold this one back until the next message for the endpoint has gone out.
                    faults.remove("reorder")
                    delivery.held = True
                    delivery.pending_faults = faults
                    delivery.due = time.monotonic() + REORDER_HOLD_SECONDS
                    return
            secrets_now = list(endpoint.secrets)
            url = endpoint.url
            if delivery.first_attempt_at is None:
                delivery.first_attempt_at = time.monotonic()

        response_status, retry_after = self._send(delivery, url, secrets_now, faults, "attempt")
        if "duplicate" in faults:
            duplicate_status, _ = self._send(delivery, url, secrets_now, [], "duplicate")
            if duplicate_status is not None and 200 <= duplicate_status < 300:
                response_status = duplicate_status
        self._settle(delivery, endpoint, response_status, retry_after)

    def _settle(
        self, delivery: Delivery, endpoint: Endpoint, status: int | None, retry_after: float | None
    ) -> None:
        with self._condition:
            succeeded = status is not None and 200 <= status < 300
            if delivery.is_verification:
                endpoint.verification = {
                    "status": "verified" if succeeded else "failed",
                    "at": _wall_iso(),
                    "httpStatus": status,
                }
                delivery.status = "succeeded" if succeeded else "failed"
            elif succeeded:
                delivery.status = "succeeded"
            elif status == 410:
                endpoint.enabled = False
                endpoint.disabled_reason = "receiver answered 410 Gone"
                delivery.status = "endpoint_disabled"
            elif delivery.retries_done >= len(RETRY_SCHEDULE_SECONDS):
                delivery.status = "failed"
            else:
                scale = self.settings.time_scale
                offset = RETRY_SCHEDULE_SECONDS[delivery.retries_done]
                jitter = 1 + self._jitter.uniform(-RETRY_JITTER, RETRY_JITTER)
                due = delivery.first_attempt_at + offset * scale * jitter
                if retry_after is not None:
                    due = max(due, time.monotonic() + retry_after * scale)
                delivery.due = due
                delivery.retries_done += 1
            # A message held for reordering may go now that a later one has been attempted.
            for other in self.deliveries.values():
                if (
                    other.held
                    and other.status == "pending"
                    and other.id != delivery.id
                    and other.endpoint_id == delivery.endpoint_id
                ):
                    other.due = time.monotonic()
            self._condition.notify_all()

    def _build_request(
        self, delivery: Delivery, secrets_now: list[str], faults: list[str]
    ) -> tuple[bytes, dict[str, str]]:
        payload = dict(delivery.payload)
        if "unicode_body" in faults:
            payload["note"] = UNICODE_NOTE
        if "large_body" in faults:
            payload["padding"] = "x" * LARGE_BODY_BYTES
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        timestamp = int(time.time())
        if "stale_timestamp" in faults:
            timestamp -= STALE_OFFSET_SECONDS
        if "future_timestamp" in faults:
            timestamp += STALE_OFFSET_SECONDS
        signed_body = body
        if "signature_other_body" in faults:
            altered = dict(payload, data={**payload.get("data", {}), "tampered": True})
            signed_body = json.dumps(altered, separators=(",", ":")).encode("utf-8")
        signing_secrets = secrets_now
        if "wrong_signature" in faults:
            signing_secrets = [standard_webhooks.generate_secret()]
        headers = standard_webhooks.sign_headers(
            signing_secrets, delivery.message_id, timestamp, signed_body
        )
        signature = headers[standard_webhooks.HEADER_SIGNATURE]
        if "dual_signature" in faults:
            bogus = standard_webhooks.compute_signature(
                standard_webhooks.generate_secret(), delivery.message_id, timestamp, body
            )
            headers[standard_webhooks.HEADER_SIGNATURE] = f"{bogus} {signature}"
        if "unknown_version_only" in faults:
            headers[standard_webhooks.HEADER_SIGNATURE] = "v2," + signature.split(",", 1)[1]
        if "missing_id" in faults:
            del headers[standard_webhooks.HEADER_ID]
        headers["Content-Type"] = "application/json"
        headers["User-Agent"] = USER_AGENT
        return body, headers

    def _send(
        self, delivery: Delivery, url: str, secrets_now: list[str], faults: list[str], kind: str
    ) -> tuple[int | None, float | None]:
        body, headers = self._build_request(delivery, secrets_now, faults)
        timeout = (
            VERIFICATION_TIMEOUT_SECONDS
            if delivery.is_verification
            else self.settings.delivery_timeout
        )
        started = time.perf_counter()
        attempt = {
            "kind": kind,
            "at": _wall_iso(),
            "webhookTimestamp": int(headers[standard_webhooks.HEADER_TIMESTAMP]),
            "faults": faults,
            "bodyBytes": len(body),
        }
        status = retry_after = None
        try:
            response = self._session.post(
                url, data=body, headers=headers, timeout=timeout, allow_redirects=False
            )
            status = response.status_code
            retry_after = parse_retry_after(response.headers.get("Retry-After"))
            attempt["status"] = status
            attempt["responseBody"] = response.text[:200]
        except requests.RequestException as exc:
            attempt["status"] = None
            attempt["error"] = type(exc).__name__
        attempt["durationMs"] = round((time.perf_counter() - started) * 1000, 1)
        with self._condition:
            delivery.attempts.append(attempt)
        return status, retry_after

    # --- views ---------------------------------------------------------------------------------

    def list_deliveries(self, endpoint_id: int | None = None, status: str | None = None) -> list:
        with self._condition:
            return [
                d.to_json()
                for d in self.deliveries.values()
                if endpoint_id in (None, d.endpoint_id) and status in (None, d.status)
            ]
