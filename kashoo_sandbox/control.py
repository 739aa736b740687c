"""``/_sandbox/*``: test control (loopback clients only). Not part of the emulated API."""

from __future__ import annotations

from typing import TYPE_CHECKING

from werkzeug.wrappers import Request, Response

from . import reference_data as ref
from .faults import HTTP_FAULT_KINDS
from .records import RECORD_TYPES, RecordValidationError
from .responses import ApiError, json_response, read_json_object
from .routing import View
from .store import NotFound
from .webhooks import DISPATCH_MODES, EVENT_TYPES, WEBHOOK_FAULT_KINDS

if TYPE_CHECKING:
    from .app import SandboxApp

RUNTIME_SETTINGS = {
    # JSON name -> (object attribute path, type)
    "rateLimit": ("limiter.limit", int),
    "tokenLifetime": ("auth.token_lifetime", int),
    "refreshTokenLifetime": ("auth.refresh_token_lifetime", int),
    "timeScale": ("webhook_settings.time_scale", float),
    "webhookTimeout": ("webhook_settings.delivery_timeout", float),
    "webhookVerificationDelay": ("webhook_settings.verification_delay", float),
}


def routes() -> list:
    def view(func):
        return View(func)

    return [
        ("/_sandbox", ["GET"], view(index)),
        ("/_sandbox/reset", ["POST"], view(reset)),
        ("/_sandbox/config", ["GET", "POST"], view(config)),
        ("/_sandbox/clock", ["GET", "POST"], view(clock)),
        ("/_sandbox/clients", ["GET", "POST"], view(clients)),
        ("/_sandbox/tokens", ["POST"], view(issue_tokens)),
        ("/_sandbox/tokens/expire", ["POST"], view(expire_tokens)),
        ("/_sandbox/tokens/revoke", ["POST"], view(revoke_tokens)),
        ("/_sandbox/fixtures", ["GET"], view(fixtures)),
        ("/_sandbox/businesses/<int:business_id>", ["PATCH"], view(patch_business)),
        ("/_sandbox/records", ["POST"], view(create_record)),
        ("/_sandbox/records/<int:record_id>", ["GET", "PATCH", "DELETE"], view(one_record)),
        ("/_sandbox/faults", ["GET", "POST", "DELETE"], view(faults)),
        ("/_sandbox/oauth", ["GET", "POST"], view(oauth_knobs)),
        ("/_sandbox/drift", ["GET", "POST", "DELETE"], view(drift)),
        ("/_sandbox/requests", ["GET", "DELETE"], view(requests_log)),
        ("/_sandbox/webhooks", ["GET", "POST"], view(webhooks)),
        ("/_sandbox/webhooks/dispatch", ["GET", "POST"], view(webhook_dispatch)),
        ("/_sandbox/webhooks/<int:endpoint_id>", ["PATCH", "DELETE"], view(one_webhook)),
        ("/_sandbox/webhooks/<int:endpoint_id>/rotate-secret", ["POST"], view(rotate_secret)),
        ("/_sandbox/webhook-faults", ["GET", "POST", "DELETE"], view(webhook_faults)),
        ("/_sandbox/deliveries", ["GET"], view(deliveries)),
        ("/_sandbox/deliveries/<int:delivery_id>/redeliver", ["POST"], view(redeliver)),
    ]


def _bad_request(message: str) -> ApiError:
    return ApiError(400, "invalid_request", message)


def index(app: SandboxApp, request: Request) -> Response:
    return json_response(
        {
            "endpoints": sorted(
                {
                    rule.rule
                    for rule in app.url_map.iter_rules()
                    if rule.rule.startswith("/_sandbox")
                }
            ),
            "httpFaultKinds": list(HTTP_FAULT_KINDS),
            "webhookFaultKinds": list(WEBHOOK_FAULT_KINDS),
            "recordTypes": list(RECORD_TYPES),
            "demo": {
                "businessIds": [p.business_id for p in ref.BUSINESS_PROFILES],
                "clientId": ref.DEMO_CLIENT_ID,
                "redirectUris": list(ref.DEMO_REDIRECT_URIS),
                "user": ref.DEMO_USER_EMAIL,
            },
        }
    )


def reset(app: SandboxApp, request: Request) -> Response:
    body = read_json_object(request)
    for key in ("seed", "size", "secondarySize"):
        if key in body and (not isinstance(body[key], int) or body[key] < 0):
            raise _bad_request(f"{key} must be a non-negative integer")
    app.reset(
        body.get("seed"),
        body.get("size"),
        body.get("secondarySize"),
        drop_webhooks=bool(body.get("dropWebhooks", False)),
    )
    return json_response(
        {
            "seed": app.config.seed,
            "size": app.config.size,
            "records": {bid: len(d.records) for bid, d in app.store.businesses.items()},
        }
    )


def _settings_view(app: SandboxApp) -> dict:
    view = {}
    for name, (path, _) in RUNTIME_SETTINGS.items():
        owner, attribute = path.split(".")
        view[name] = getattr(getattr(app, owner), attribute)
    view.update({"apiPrefix": app.api_prefix, "seed": app.config.seed, "size": app.config.size})
    return view


def config(app: SandboxApp, request: Request) -> Response:
    if request.method == "POST":
        body = read_json_object(request)
        for name, value in body.items():
            if name not in RUNTIME_SETTINGS:
                raise _bad_request(f"{name} cannot be changed at run time")
            path, kind = RUNTIME_SETTINGS[name]
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
                raise _bad_request(f"{name} must be a non-negative number")
            owner, attribute = path.split(".")
            setattr(getattr(app, owner), attribute, kind(value))
    return json_response(_settings_view(app))


def clock(app: SandboxApp, request: Request) -> Response:
    if request.method == "POST":
        body = read_json_object(request)
        if "offsetSeconds" in body:
            app.clock.set_offset(_number(body, "offsetSeconds"))
        if "advanceSeconds" in body:
            app.clock.advance(_number(body, "advanceSeconds"))
    return json_response(
        {"offsetSeconds": app.clock.offset_seconds, "now": app.clock.now().isoformat()}
    )


def _number(body: dict, key: str) -> float:
    value = body[key]
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _bad_request(f"{key} must be a number")
    return float(value)


def clients(app: SandboxApp, request: Request) -> Response:
    if request.method == "GET":
        return json_response([c.public_view() for c in app.auth.clients.values()])
    body = read_json_object(request)
    uris = body.get("redirect_uris")
    if not isinstance(uris, list) or not uris or not all(isinstance(u, str) for u in uris):
        raise _bad_request("redirect_uris must be a non-empty list of URLs")
    client = app.auth.register_client(
        str(body.get("name") or "Sandbox client"),
        uris,
        body.get("client_id"),
        body.get("client_secret"),
    )
    return json_response(client.public_view(with_secret=True), 201)


def issue_tokens(app: SandboxApp, request: Request) -> Response:
    """Tokens for a client as if its user had consented (skips the browser in tests)."""
    body = read_json_object(request)
    try:
        tokens = app.auth.issue_without_consent(
            body.get("client_id"), body.get("user"), body.get("scope")
        )
    except ValueError as exc:
        raise _bad_request(str(exc)) from None
    return json_response(tokens, 201, {"Cache-Control": "no-store"})


def expire_tokens(app: SandboxApp, request: Request) -> Response:
    body = read_json_object(request)
    count = app.auth.expire_access_tokens(body.get("access_token"), body.get("client_id"))
    return json_response({"expired": count})


def revoke_tokens(app: SandboxApp, request: Request) -> Response:
    body = read_json_object(request)
    token = body.get("refresh_token") or body.get("access_token") or body.get("token")
    if token:
        return json_response({"revoked": int(app.auth.revoke(None, token))})
    if body.get("all") or body.get("client_id"):
        return json_response({"revoked": app.auth.revoke_all(body.get("client_id"))})
    raise _bad_request("give refresh_token, access_token, token, client_id or all: true")


def fixtures(app: SandboxApp, request: Request) -> Response:
    return json_response(app.store.fixtures)


def patch_business(app: SandboxApp, request: Request, business_id: int) -> Response:
    body = read_json_object(request)
    try:
        data = app.store.business_data(business_id)
    except NotFound:
        raise ApiError(404, "not_found", f"business {business_id} not found") from None
    if "subscriptionLapsed" in body:
        data.subscription_lapsed = bool(body["subscriptionLapsed"])
    return json_response({**data.business, "subscriptionLapsed": data.subscription_lapsed})


def _record_error(exc: RecordValidationError) -> ApiError:
    error = "conflict" if exc.status == 409 else "invalid_request"
    return ApiError(exc.status, error, exc.message, field=exc.field)


def create_record(app: SandboxApp, request: Request) -> Response:
    """``{businessId, type, ...}``: amounts computed (and checked if given); emits a webhook.

    ``"raw": true`` stores the object without validation (unknown types, odd shapes).
    """
    body = read_json_object(request)
    business_id = body.pop("businessId", None)
    raw = bool(body.pop("raw", False))
    if business_id not in app.store.businesses:
        raise _bad_request("businessId must be the id of a sandbox business")
    try:
        if raw:
            record = app.store.insert_raw(business_id, body)
        else:
            record = app.store.create_record(business_id, body)
    except RecordValidationError as exc:
        raise _record_error(exc) from None
    return json_response(record, 201)


def one_record(app: SandboxApp, request: Request, record_id: int) -> Response:
    try:
        if request.method == "GET":
            return json_response(app.store.find_record(record_id)[1])
        if request.method == "DELETE":
            return json_response(app.store.delete_record(record_id))
        return json_response(app.store.update_record(record_id, read_json_object(request)))
    except NotFound:
        raise ApiError(404, "not_found", f"record {record_id} not found") from None
    except RecordValidationError as exc:
        raise _record_error(exc) from None


def faults(app: SandboxApp, request: Request) -> Response:
    if request.method == "DELETE":
        app.http_faults.clear()
    elif request.method == "POST":
        try:
            fault = app.http_faults.add(read_json_object(request))
        except ValueError as exc:
            raise _bad_request(str(exc)) from None
        return json_response(fault.to_json(), 201)
    return json_response(app.http_faults.list())


def oauth_knobs(app: SandboxApp, request: Request) -> Response:
    if request.method == "POST":
        try:
            app.authorize_knobs.update(read_json_object(request))
        except ValueError as exc:
            raise _bad_request(str(exc)) from None
    return json_response(app.authorize_knobs.to_json())


def drift(app: SandboxApp, request: Request) -> Response:
    if request.method == "DELETE":
        app.drift.clear()
    elif request.method == "POST":
        try:
            rule = app.drift.add(read_json_object(request))
        except ValueError as exc:
            raise _bad_request(str(exc)) from None
        return json_response(rule.to_json(), 201)
    return json_response(app.drift.list())


def requests_log(app: SandboxApp, request: Request) -> Response:
    if request.method == "DELETE":
        app.request_log.clear()
        return json_response([])
    entries = list(app.request_log)
    path_prefix = request.args.get("path")
    if path_prefix:
        entries = [e for e in entries if e["path"].startswith(path_prefix)]
    return json_response(entries)


def webhooks(app: SandboxApp, request: Request) -> Response:
    if request.method == "GET":
        return json_response([e.public_view() for e in app.webhooks.endpoints.values()])
    body = read_json_object(request)
    business_id = body.get("businessId")
    events = body.get("events") or list(EVENT_TYPES)
    if business_id not in app.store.businesses or not isinstance(body.get("url"), str):
        raise _bad_request("businessId and url are required")
    if any(e not in EVENT_TYPES for e in events):
        raise _bad_request(f"events must be among {', '.join(EVENT_TYPES)}")
    endpoint, secret = app.webhooks.register(business_id, body["url"], tuple(events), None)
    return json_response({**endpoint.public_view(), "secret": secret}, 201)


def webhook_dispatch(app: SandboxApp, request: Request) -> Response:
    """The webhook switch: ``on``, ``off`` (events are dropped) or ``paused`` (queued)."""
    if request.method == "POST":
        mode = read_json_object(request).get("mode")
        if mode not in DISPATCH_MODES:
            raise _bad_request(f"mode must be one of {', '.join(DISPATCH_MODES)}")
        app.webhooks.set_mode(mode)
    return json_response({"mode": app.webhooks.mode})


def _known_endpoint(app: SandboxApp, endpoint_id: int) -> None:
    if endpoint_id not in app.webhooks.endpoints:
        raise ApiError(404, "not_found", f"webhook {endpoint_id} not found")


def one_webhook(app: SandboxApp, request: Request, endpoint_id: int) -> Response:
    _known_endpoint(app, endpoint_id)
    if request.method == "DELETE":
        app.webhooks.remove(endpoint_id)
        return Response(status=204)
    body = read_json_object(request)
    if "enabled" in body:
        app.webhooks.set_enabled(endpoint_id, bool(body["enabled"]))
    if body.get("finishRotation"):
        app.webhooks.finish_rotation(endpoint_id)
    return json_response(app.webhooks.endpoints[endpoint_id].public_view())


def rotate_secret(app: SandboxApp, request: Request, endpoint_id: int) -> Response:
    _known_endpoint(app, endpoint_id)
    keep_previous = read_json_object(request).get("keepPrevious", True)
    secret = app.webhooks.rotate_secret(endpoint_id, bool(keep_previous))
    return json_response({**app.webhooks.endpoints[endpoint_id].public_view(), "secret": secret})


def webhook_faults(app: SandboxApp, request: Request) -> Response:
    if request.method == "DELETE":
        app.webhooks.clear_faults()
    elif request.method == "POST":
        body = read_json_object(request)
        try:
            fault = app.webhooks.add_fault(
                body.get("kind"), body.get("count", 1), body.get("endpointId")
            )
        except ValueError as exc:
            raise _bad_request(str(exc)) from None
        return json_response(fault.to_json(), 201)
    return json_response(app.webhooks.list_faults())


def deliveries(app: SandboxApp, request: Request) -> Response:
    endpoint_id = request.args.get("endpointId", type=int)
    return json_response(app.webhooks.list_deliveries(endpoint_id, request.args.get("status")))


def redeliver(app: SandboxApp, request: Request, delivery_id: int) -> Response:
    if delivery_id not in app.webhooks.deliveries:
        raise ApiError(404, "not_found", f"delivery {delivery_id} not found")
    return json_response(app.webhooks.redeliver(delivery_id).to_json(), 202)
