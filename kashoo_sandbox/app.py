"""The sandbox WSGI application: state, routing and the request pipeline.

Pipeline of a public request (anything outside ``/_sandbox``):

1. HTTP fault injection (next-N-requests rules matching the path);
2. routing (the Kashoo API lives under the configured prefix, OAuth under ``/oauth``);
3. for API views: authentication -> per-client rate limit -> scope -> business access;
4. the view; then offset-drift rules and response-mangling faults; 5. the request log.

``/_sandbox/*`` (control) skips faults, auth and rate limits but only answers loopback clients.
"""

from __future__ import annotations

import email.utils
import ipaddress
import itertools
import sys
import threading
import time
import traceback
from collections import deque
from collections.abc import Callable
from urllib.parse import parse_qsl, urlencode

from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from . import api, control, oauth_views
from . import reference_data as ref
from .clock import Clock, iso_utc
from .config import SandboxConfig
from .faults import AuthorizeKnobs, DriftRule, DriftRules, HttpFault, HttpFaults
from .generator import generate
from .oauth import AuthServer, Principal, ResourceAuthError, User
from .ratelimit import RateLimiter
from .responses import ApiError, html_page, json_response
from .routing import View
from .store import Store
from .webhooks import WebhookDispatcher, WebhookSettings

REDACTED_HEADERS = ("authorization", "proxy-authorization", "cookie")
REDACTED_QUERY_KEYS = (
    "code",
    "client_secret",
    "access_token",
    "refresh_token",
    "token",
    "password",
    "code_verifier",
)
REQUEST_LOG_SIZE = 5000


class ResetConnection(Exception):
    """Raised by the reset fault: the server drops the TCP connection without a response."""


def _redact_authorization(value: str) -> str:
    scheme = value.split(" ", 1)[0] if " " in value else ""
    return f"{scheme} [redacted]".strip()


class SandboxApp:
    def __init__(self, config: SandboxConfig):
        self.config = config
        self.clock = Clock()
        self.auth = AuthServer(self.clock, config.token_lifetime, config.refresh_token_lifetime)
        self.http_faults = HttpFaults()
        self.authorize_knobs = AuthorizeKnobs(auto_approve=config.auto_approve)
        self.drift = DriftRules()
        self.limiter = RateLimiter(config.rate_limit)
        self.webhook_settings = WebhookSettings(
            config.time_scale, config.webhook_timeout, config.webhook_verification_delay
        )
        self.webhooks = WebhookDispatcher(self.webhook_settings, config.seed)
        self.request_log: deque[dict] = deque(maxlen=REQUEST_LOG_SIZE)
        self._request_ids = itertools.count(1)
        self.stop_event = threading.Event()  # wakes sleeping "delay" faults on shutdown
        self.connection_reset_hook: Callable[[dict], None] | None = None
        self._reset_lock = threading.Lock()
        self._install_identities()
        self.store = self._generate_store(config.seed, config.size, config.secondary_size)
        self.url_map, self.views = self._build_routes()

    # --- state ---------------------------------------------------------------------------------

    def _install_identities(self) -> None:
        for profile_user in (
            User(ref.DEMO_USER_ID, ref.DEMO_USER_EMAIL, ref.DEMO_USER_PASSWORD, ref.DEMO_USER_NAME),
            User(
                ref.OTHER_USER_ID,
                ref.OTHER_USER_EMAIL,
                ref.OTHER_USER_PASSWORD,
                ref.OTHER_USER_NAME,
            ),
        ):
            businesses = tuple(
                p.business_id for p in ref.BUSINESS_PROFILES if profile_user.user_id in p.user_ids
            )
            self.auth.add_user(profile_user, businesses)
        self.auth.register_client(
            ref.DEMO_CLIENT_NAME,
            list(ref.DEMO_REDIRECT_URIS),
            ref.DEMO_CLIENT_ID,
            ref.DEMO_CLIENT_SECRET,
        )

    def _generate_store(self, seed: int, size: int, secondary_size: int | None) -> Store:
        store = Store(self.clock)
        generate(store, seed, size, secondary_size)
        store.subscribe(self.webhooks.on_record_change)
        return store

    def reset(
        self,
        seed: int | None = None,
        size: int | None = None,
        secondary_size: int | None = None,
        drop_webhooks: bool = False,
    ) -> None:
        """Regenerate the data; clear faults, knobs, deliveries, the clock offset and the log.

        Clients, users, issued tokens and (unless ``drop_webhooks``) webhook endpoints survive,
        so a connected client stays connected across tests.
        """
        with self._reset_lock:
            if seed is not None:
                self.config.seed = seed
            if size is not None:
                self.config.size = size
            if secondary_size is not None:
                self.config.secondary_size = secondary_size
            self.store = self._generate_store(
                self.config.seed, self.config.size, self.config.secondary_size
            )
            self.http_faults.clear()
            self.drift.clear()
            self.authorize_knobs = AuthorizeKnobs(auto_approve=self.config.auto_approve)
            self.webhooks.reset(drop_endpoints=drop_webhooks)
            self.limiter.reset()
            self.clock.set_offset(0)
            self.request_log.clear()

    @property
    def api_prefix(self) -> str:
        return self.config.api_prefix

    # --- routing -------------------------------------------------------------------------------

    def _build_routes(self) -> tuple[Map, dict[str, View]]:
        rules = []
        views: dict[str, View] = {}
        table = api.routes(self.api_prefix) + oauth_views.routes(self.api_prefix) + control.routes()
        for index, (path, methods, view) in enumerate(table):
            endpoint = f"view{index}"
            rules.append(Rule(path, endpoint=endpoint, methods=methods))
            views[endpoint] = view
        return Map(rules, strict_slashes=False, merge_slashes=False), views

    # --- WSGI ----------------------------------------------------------------------------------

    def __call__(self, environ: dict, start_response):
        request = Request(environ)
        started = time.perf_counter()
        principal_holder: dict = {}
        try:
            if request.path == "/_sandbox" or request.path.startswith("/_sandbox/"):
                response = self._dispatch_control(request)
            else:
                response = self._dispatch_public(request, principal_holder)
        except ResetConnection:
            self._log(request, "reset", started, principal_holder.get("principal"))
            if self.connection_reset_hook:
                self.connection_reset_hook(environ)
            # werkzeug's server treats ConnectionError as "client went away": no response.
            raise ConnectionAbortedError("sandbox fault: connection reset") from None
        status = getattr(response, "status_code", None) or getattr(response, "fault_status", 0)
        self._log(request, status, started, principal_holder.get("principal"))
        return response(environ, start_response)

    def _log(self, request: Request, status, started: float, principal: Principal | None) -> None:
        if request.path.startswith("/_sandbox/requests"):
            return  # reading the log should not grow it
        headers = {}
        for name, value in request.headers.items():
            headers[name] = (
                _redact_authorization(value) if name.lower() in REDACTED_HEADERS else value
            )
        query = [
            (k, "[redacted]" if k in REDACTED_QUERY_KEYS else v)
            for k, v in parse_qsl(request.query_string.decode("latin-1"), keep_blank_values=True)
        ]
        entry = {
            "id": next(self._request_ids),
            "at": iso_utc(self.clock.now()),
            "method": request.method,
            "path": request.path,
            "query": urlencode(query),
            "status": status,
            "durationMs": round((time.perf_counter() - started) * 1000, 2),
            "remoteAddr": request.remote_addr,
            "clientId": principal.client_id if principal else None,
            "userId": principal.user_id if principal else None,
            "headers": headers,
        }
        self.request_log.append(entry)
        if self.config.verbose:
            print(
                f"{entry['at']} {request.method} {request.full_path.rstrip('?')} -> {status}",
                file=sys.stderr,
                flush=True,
            )

    def _match(self, request: Request) -> tuple[View, dict]:
        adapter = self.url_map.bind_to_environ(request.environ)
        try:
            endpoint, args = adapter.match()
        except NotFound:
            raise ApiError(404, "not_found", f"no route for {request.path}") from None
        except MethodNotAllowed as exc:
            allowed = ", ".join(sorted(exc.valid_methods or []))
            raise ApiError(
                405, "method_not_allowed", f"{request.method} not allowed", {"Allow": allowed}
            ) from None
        return self.views[endpoint], args

    def _dispatch_control(self, request: Request) -> Response:
        if not self.config.allow_remote_control and not _is_loopback(request.remote_addr):
            return json_response(
                {"error": "forbidden", "message": "the control API answers loopback clients only"},
                403,
            )
        try:
            view, args = self._match(request)
            return view.func(self, request, **args)
        except ApiError as exc:
            return exc.response()
        except Exception:  # noqa: BLE001 - answer 500 and keep serving
            return self._internal_error()

    def _dispatch_public(self, request: Request, principal_holder: dict):
        fault = self.http_faults.take(request.method, request.path)
        if fault is not None:
            early = self._apply_fault_before(fault)
            if early is not None:
                return early
        try:
            view, args = self._match(request)
            if view.authenticated:
                principal = self._authorize(request, view, args)
                principal_holder["principal"] = principal
                response = view.func(self, request, principal, **args)
            else:
                response = view.func(self, request, **args)
        except ApiError as exc:
            response = exc.response()
        except ResourceAuthError as exc:
            response = json_response(
                {"error": exc.error or "invalid_request", "message": exc.description},
                exc.status,
                {"WWW-Authenticate": exc.www_authenticate()},
            )
        except Exception:  # noqa: BLE001 - answer 500 and keep serving
            response = self._internal_error()
        if fault is not None and fault.kind in ("truncated_json", "incomplete_body"):
            return _mangled_response(fault, response, self.connection_reset_hook)
        return response

    def _internal_error(self) -> Response:
        traceback.print_exc(file=sys.stderr)
        return json_response({"error": "server_error", "message": "unexpected sandbox error"}, 500)

    def _authorize(self, request: Request, view: View, args: dict) -> Principal:
        principal = self.auth.authenticate_request(request.headers.get("Authorization"))
        retry_after = self.limiter.check(principal.rate_limit_key)
        if retry_after is not None:
            raise ApiError(
                429,
                "rate_limited",
                f"more than {self.limiter.limit} requests per second",
                {"Retry-After": str(retry_after)},
            )
        if view.scope and view.scope not in principal.scopes:
            raise ResourceAuthError(
                403,
                "insufficient_scope",
                f"this call needs the {view.scope} scope",
                "Bearer" if principal.kind == "oauth" else "TOKEN",
                scope=view.scope,
            )
        if view.business:
            business_id = args["business_id"]
            data = self.store.businesses.get(business_id)
            if (
                data is None
                or business_id not in principal.business_ids
                or principal.user_id not in data.user_ids
            ):
                # 404, not 403: do not reveal that a business exists.
                raise ApiError(404, "not_found", f"business {business_id} not found")
            if data.subscription_lapsed:
                raise ApiError(403, "forbidden", "the business subscription has lapsed")
        return principal

    def _apply_fault_before(self, fault: HttpFault) -> Response | None:
        if fault.kind == "reset":
            raise ResetConnection()
        if fault.kind == "delay":
            self.stop_event.wait(fault.delay)
            return None
        if fault.kind == "html_200":
            return html_page("Kashoo is down for maintenance", "<p>We'll be back shortly.</p>", 200)
        if fault.kind == "status":
            return _status_fault_response(fault)
        return None

    # --- offset drift --------------------------------------------------------------------------

    def apply_drift(self, rule: DriftRule, business_id: int, served_rows: list[dict]) -> None:
        if rule.mode == "purge":
            # Rows already served vanish, so every later row moves up: the next page skips some.
            self.store.purge_records(business_id, [r["id"] for r in served_rows[: rule.count]])
            return
        data = self.store.business_data(business_id)
        customer = next(
            c
            for c in data.contacts.values()
            if c["type"] == "CUSTOMER"
            and c["currency"] == data.business["currency"]
            and not c["removed"]
        )
        revenue = next(a for a in data.accounts.values() if a["type"] == "REVENUE")
        for _ in range(rule.count):
            # Back-dated rows get ids below every existing one, so they land before the
            # client's offset: the next page repeats rows the client has already seen.
            self.store.create_record(
                business_id,
                {
                    "type": "invoice",
                    "date": self.clock.now().date().isoformat(),
                    "contact": customer["id"],
                    "memo": "Inserted between page requests",
                    "lineItems": [
                        {
                            "account": revenue["id"],
                            "description": "Late entry",
                            "quantity": "1",
                            "unitPrice": 10000,
                            "taxes": [],
                        }
                    ],
                },
                record_id=self.store.lowest_record_id() - 1,
            )


def _is_loopback(address: str | None) -> bool:
    try:
        return ipaddress.ip_address(address or "").is_loopback
    except ValueError:
        return False


def _retry_after_value(fault: HttpFault) -> str | None:
    if fault.retry_after is None:
        return None
    if fault.retry_after_format == "http-date":
        return email.utils.formatdate(time.time() + fault.retry_after, usegmt=True)
    return str(fault.retry_after)


def _status_fault_response(fault: HttpFault) -> Response:
    headers = {}
    retry_after = _retry_after_value(fault)
    if retry_after:
        headers["Retry-After"] = retry_after
    if fault.body == "html":
        response = html_page(
            f"{fault.status} Error", "<p>The upstream server returned an error.</p>", fault.status
        )
        response.headers.update(headers)
        return response
    if fault.body == "empty":
        return Response(b"", status=fault.status, headers=headers)
    error = "rate_limited" if fault.status == 429 else "server_error"
    return json_response({"error": error, "message": "injected fault"}, fault.status, headers)


def _mangled_response(
    fault: HttpFault, response: Response, reset_hook: Callable[[dict], None] | None
):
    """Truncate the real response body (valid HTTP) or break it off mid-body (a reset)."""
    body = response.get_data()
    half = body[: len(body) // 2]
    content_type = response.headers.get("Content-Type", "application/json")
    if fault.kind == "truncated_json":
        return Response(half, status=response.status_code, content_type=content_type)

    def incomplete(environ, start_response):
        # Announce the full length, send half, then reset the connection. (A clean close would
        # not do: urllib3 1.26 does not enforce Content-Length, so requests would accept the
        # short body silently.)
        start_response(
            response.status, [("Content-Type", content_type), ("Content-Length", str(len(body)))]
        )
        yield half
        if reset_hook:
            reset_hook(environ)
        raise ConnectionAbortedError("sandbox fault: incomplete body")

    incomplete.fault_status = response.status_code  # for the request log
    return incomplete
