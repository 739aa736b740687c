"""Fault injection knobs: HTTP faults, OAuth authorize knobs and offset drift between pages.

Every knob is set through ``/_sandbox/*`` and applies to the next N matching requests (or until
cleared), so a test states exactly which call should misbehave.
"""

from __future__ import annotations

import itertools
import threading
from dataclasses import asdict, dataclass

HTTP_FAULT_KINDS = (
    "status",  # answer `status` with a JSON, HTML or empty body (+ optional Retry-After)
    "delay",  # sleep `delay` seconds, then answer normally (beyond a client's timeout)
    "reset",  # drop the TCP connection with a RST, no response at all
    "truncated_json",  # the real response, JSON cut in half (Content-Length consistent)
    "incomplete_body",  # declares the full Content-Length, sends half, closes
    "html_200",  # 200 OK with an HTML page instead of JSON
)
BODY_FORMATS = ("json", "html", "empty")
AUTHORIZE_ERRORS = (
    "access_denied",
    "invalid_request",
    "unauthorized_client",
    "unsupported_response_type",
    "invalid_scope",
    "server_error",
    "temporarily_unavailable",
)
STATE_MODES = ("echo", "different", "omit")
DRIFT_MODES = ("insert", "purge")


class InvalidKnob(ValueError):
    """A knob specification the sandbox cannot apply (answered as HTTP 400)."""


def _positive_int(spec: dict, key: str, default: int) -> int:
    value = spec.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidKnob(f"{key} must be a positive integer")
    return value


@dataclass
class HttpFault:
    id: int
    kind: str
    path: str
    match: str
    method: str | None
    remaining: int
    status: int
    retry_after: int | None
    retry_after_format: str
    delay: float
    body: str
    hits: int = 0

    def matches(self, method: str, path: str) -> bool:
        if self.method and self.method != method:
            return False
        if self.match == "exact":
            return path == self.path
        return path.startswith(self.path)

    def to_json(self) -> dict:
        data = asdict(self)
        data["retryAfter"] = data.pop("retry_after")
        data["retryAfterFormat"] = data.pop("retry_after_format")
        return data


class HttpFaults:
    def __init__(self) -> None:
        self._faults: list[HttpFault] = []
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    def add(self, spec: dict) -> HttpFault:
        kind = spec.get("kind", "status")
        if kind not in HTTP_FAULT_KINDS:
            raise InvalidKnob(f"kind must be one of {', '.join(HTTP_FAULT_KINDS)}")
        path = spec.get("path")
        if not isinstance(path, str) or not path.startswith("/"):
            raise InvalidKnob("path must be an absolute path such as /api/businesses/1001/records")
        match = spec.get("match", "prefix")
        if match not in ("prefix", "exact"):
            raise InvalidKnob("match must be prefix or exact")
        status = spec.get("status", 503 if kind == "status" else 200)
        if not isinstance(status, int) or not 100 <= status <= 599:
            raise InvalidKnob("status must be an HTTP status code")
        retry_after = spec.get("retryAfter")
        if retry_after is not None and (not isinstance(retry_after, int) or retry_after < 0):
            raise InvalidKnob("retryAfter must be a number of seconds")
        retry_after_format = spec.get("retryAfterFormat", "seconds")
        if retry_after_format not in ("seconds", "http-date"):
            raise InvalidKnob("retryAfterFormat must be seconds or http-date")
        delay = spec.get("delay", 0)
        if not isinstance(delay, (int, float)) or isinstance(delay, bool) or not 0 <= delay <= 600:
            raise InvalidKnob("delay must be between 0 and 600 seconds")
        if kind == "delay" and not delay:
            raise InvalidKnob("a delay fault needs delay > 0")
        body = spec.get("body", "json")
        if body not in BODY_FORMATS:
            raise InvalidKnob(f"body must be one of {', '.join(BODY_FORMATS)}")
        method = spec.get("method")
        fault = HttpFault(
            id=next(self._ids),
            kind=kind,
            path=path,
            match=match,
            method=method.upper() if isinstance(method, str) else None,
            remaining=_positive_int(spec, "count", 1),
            status=status,
            retry_after=retry_after,
            retry_after_format=retry_after_format,
            delay=float(delay),
            body=body,
        )
        with self._lock:
            self._faults.append(fault)
        return fault

    def take(self, method: str, path: str) -> HttpFault | None:
        """Consume one use of the oldest fault matching this request."""
        with self._lock:
            for fault in self._faults:
                if fault.matches(method, path):
                    fault.remaining -= 1
                    fault.hits += 1
                    if fault.remaining <= 0:
                        self._faults.remove(fault)
                    return fault
        return None

    def list(self) -> list[dict]:
        with self._lock:
            return [f.to_json() for f in self._faults]

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()


@dataclass
class AuthorizeKnobs:
    """Knobs of ``GET /oauth/authorize``; error and state knobs count down if ``remaining``."""

    auto_approve: bool = False
    auto_approve_user: str | None = None
    force_error: str | None = None
    state_mode: str = "echo"
    remaining: int | None = None

    def update(self, spec: dict) -> None:
        if "autoApprove" in spec:
            self.auto_approve = bool(spec["autoApprove"])
        if "autoApproveUser" in spec:
            self.auto_approve_user = spec["autoApproveUser"]
        if "forceError" in spec:
            if spec["forceError"] not in (None, *AUTHORIZE_ERRORS):
                raise InvalidKnob(f"forceError must be one of {', '.join(AUTHORIZE_ERRORS)}")
            self.force_error = spec["forceError"]
        if "stateMode" in spec:
            if spec["stateMode"] not in STATE_MODES:
                raise InvalidKnob(f"stateMode must be one of {', '.join(STATE_MODES)}")
            self.state_mode = spec["stateMode"]
        if "count" in spec:
            self.remaining = None if spec["count"] is None else _positive_int(spec, "count", 1)

    def consume(self) -> tuple[str | None, str]:
        """The (forced error, state mode) for this authorization; counts one use down."""
        error, state_mode = self.force_error, self.state_mode
        if self.remaining is not None and (error or state_mode != "echo"):
            self.remaining -= 1
            if self.remaining <= 0:
                self.force_error, self.state_mode, self.remaining = None, "echo", None
        return error, state_mode

    def to_json(self) -> dict:
        return {
            "autoApprove": self.auto_approve,
            "autoApproveUser": self.auto_approve_user,
            "forceError": self.force_error,
            "stateMode": self.state_mode,
            "count": self.remaining,
        }


@dataclass
class DriftRule:
    """After the next records page of a business is served, insert or purge ``count`` rows."""

    id: int
    business_id: int
    mode: str
    count: int
    after_requests: int

    def to_json(self) -> dict:
        return {
            "id": self.id,
            "businessId": self.business_id,
            "mode": self.mode,
            "count": self.count,
            "afterRequests": self.after_requests,
        }


class DriftRules:
    def __init__(self) -> None:
        self._rules: list[DriftRule] = []
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    def add(self, spec: dict) -> DriftRule:
        business_id = spec.get("businessId")
        if not isinstance(business_id, int):
            raise InvalidKnob("businessId must be an integer")
        mode = spec.get("mode", "insert")
        if mode not in DRIFT_MODES:
            raise InvalidKnob("mode must be insert or purge")
        rule = DriftRule(
            next(self._ids),
            business_id,
            mode,
            _positive_int(spec, "count", 1),
            _positive_int(spec, "afterRequests", 1),
        )
        with self._lock:
            self._rules.append(rule)
        return rule

    def due_after_page(self, business_id: int) -> list[DriftRule]:
        """Count a served records page; return the rules that fire now (and drop them)."""
        with self._lock:
            fired = []
            for rule in list(self._rules):
                if rule.business_id != business_id:
                    continue
                rule.after_requests -= 1
                if rule.after_requests <= 0:
                    fired.append(rule)
                    self._rules.remove(rule)
            return fired

    def list(self) -> list[dict]:
        with self._lock:
            return [r.to_json() for r in self._rules]

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()
