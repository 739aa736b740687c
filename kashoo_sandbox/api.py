"""The emulated Kashoo API (under the configured prefix: ``/api`` by default, ``/v2`` possible).

Lists are bare JSON arrays paged with ``limit`` (default 100, clamped to 100) and ``offset``,
ordered by ``id``. Shapes are those of docs/kashoo-data-format.md.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlparse

from werkzeug.wrappers import Request, Response

from .clock import iso_utc, parse_iso_utc
from .oauth import Principal
from .records import TYPE_BY_PATH_SEGMENT
from .responses import ApiError, date_arg, int_arg, json_response, read_json_object
from .routing import View
from .store import NotFound, RecordQuery
from .webhooks import EVENT_TYPES

if TYPE_CHECKING:
    from .app import SandboxApp

MAX_LIMIT = 100
MAX_IDS = 100


def routes(prefix: str) -> list:
    business = f"{prefix}/businesses/<int:business_id>"
    return [
        (f"{prefix}/users/me", ["GET"], View(me, authenticated=True)),
        (
            f"{prefix}/users/me/businesses",
            ["GET"],
            View(my_businesses, authenticated=True, scope="company:read"),
        ),
        (business, ["GET"], View(get_business, True, "company:read", business=True)),
        (f"{business}/accounts", ["GET"], View(list_accounts, True, "accounts:read", True)),
        (f"{business}/taxes", ["GET"], View(list_taxes, True, "taxes:read", True)),
        (f"{business}/contacts", ["GET"], View(list_contacts, True, "company:read", True)),
        (f"{business}/records", ["GET"], View(list_records, True, "transactions:read", True)),
        (
            f"{business}/records/<int:record_id>",
            ["GET"],
            View(get_record, True, "transactions:read", True),
        ),
        (
            f"{business}/records/<string:type_segment>",
            ["GET"],
            View(list_records, True, "transactions:read", True),
        ),
        (f"{business}/webhooks", ["GET"], View(list_webhooks, True, "transactions:read", True)),
        (f"{business}/webhooks", ["POST"], View(register_webhook, True, "transactions:read", True)),
        (
            f"{business}/webhooks/<int:endpoint_id>",
            ["GET", "DELETE"],
            View(one_webhook, True, "transactions:read", True),
        ),
        (
            f"{business}/webhooks/<int:endpoint_id>/verify",
            ["POST"],
            View(verify_webhook, True, "transactions:read", True),
        ),
    ]


def _page(request: Request) -> tuple[int, int]:
    limit = min(int_arg(request, "limit", MAX_LIMIT, minimum=1), MAX_LIMIT)
    offset = int_arg(request, "offset", 0, minimum=0)
    return limit, offset


def _business_view(app: SandboxApp, business: dict) -> dict:
    return {
        **business,
        "links": [{"rel": "self", "href": f"{app.api_prefix}/businesses/{business['id']}"}],
    }


def me(app: SandboxApp, request: Request, principal: Principal) -> Response:
    user = app.auth.users[principal.user_id]
    return json_response({"id": user.user_id, "email": user.email, "name": user.name})


def my_businesses(app: SandboxApp, request: Request, principal: Principal) -> Response:
    visible = [
        b
        for b in app.store.businesses_for_user(principal.user_id)
        if b["id"] in principal.business_ids
    ]
    return json_response([_business_view(app, b) for b in visible])


def get_business(
    app: SandboxApp, request: Request, principal: Principal, business_id: int
) -> Response:
    return json_response(_business_view(app, app.store.business_data(business_id).business))


def list_accounts(
    app: SandboxApp, request: Request, principal: Principal, business_id: int
) -> Response:
    limit, offset = _page(request)
    wanted = (request.args.get("type") or "").upper()
    with app.store.lock:
        rows = [
            a
            for a in app.store.business_data(business_id).accounts.values()
            if not wanted or a["type"] == wanted
        ]
    return json_response(rows[offset : offset + limit])


def list_taxes(
    app: SandboxApp, request: Request, principal: Principal, business_id: int
) -> Response:
    limit, offset = _page(request)
    with app.store.lock:
        rows = list(app.store.business_data(business_id).taxes.values())
    return json_response(rows[offset : offset + limit])


CONTACT_TYPES = {
    "customers": "CUSTOMER",
    "customer": "CUSTOMER",
    "vendors": "VENDOR",
    "vendor": "VENDOR",
}


def list_contacts(
    app: SandboxApp, request: Request, principal: Principal, business_id: int
) -> Response:
    limit, offset = _page(request)
    raw_type = request.args.get("type")
    wanted = None
    if raw_type:
        wanted = CONTACT_TYPES.get(raw_type.lower())
        if wanted is None:
            raise ApiError(
                400, "invalid_request", "type must be customers or vendors", field="type"
            )
    with app.store.lock:
        rows = [
            c
            for c in app.store.business_data(business_id).contacts.values()
            if wanted is None or c["type"] == wanted
        ]
    return json_response(rows[offset : offset + limit])


def _record_query(request: Request, type_segment: str | None) -> RecordQuery:
    record_type = None
    if type_segment is not None:
        record_type = TYPE_BY_PATH_SEGMENT.get(type_segment)
        if record_type is None:
            raise ApiError(404, "not_found", f"unknown record type {type_segment!r}")
    query_type = request.args.get("type")
    if query_type:
        parsed = TYPE_BY_PATH_SEGMENT.get(query_type)
        if parsed is None:
            raise ApiError(
                400, "invalid_request", f"unknown record type {query_type!r}", field="type"
            )
        if record_type and parsed != record_type:
            raise ApiError(400, "invalid_request", "type contradicts the path", field="type")
        record_type = parsed
    start, end = date_arg(request, "startDate"), date_arg(request, "endDate")
    if start and end and start > end:
        raise ApiError(400, "invalid_request", "startDate is after endDate", field="startDate")
    since = None
    if request.args.get("modifiedSince"):
        try:
            since = iso_utc(parse_iso_utc(request.args["modifiedSince"]))
        except ValueError:
            raise ApiError(
                400, "invalid_request", "modifiedSince must be ISO-8601", field="modifiedSince"
            ) from None
    ids = None
    if "ids" in request.args:
        try:
            ids = frozenset(int(part) for part in request.args["ids"].split(",") if part.strip())
        except ValueError:
            raise ApiError(
                400, "invalid_request", "ids must be comma-separated integers", field="ids"
            ) from None
        if len(ids) > MAX_IDS:
            raise ApiError(400, "invalid_request", f"at most {MAX_IDS} ids", field="ids")
    return RecordQuery(record_type, start, end, since, ids)


def list_records(
    app: SandboxApp,
    request: Request,
    principal: Principal,
    business_id: int,
    type_segment: str | None = None,
) -> Response:
    query = _record_query(request, type_segment)
    limit, offset = _page(request)
    rows = app.store.list_records(business_id, query, limit, offset)
    response = json_response(rows)
    for rule in app.drift.due_after_page(business_id):
        app.apply_drift(rule, business_id, rows)
    return response


def get_record(
    app: SandboxApp, request: Request, principal: Principal, business_id: int, record_id: int
) -> Response:
    try:
        return json_response(app.store.get_record(business_id, record_id))
    except NotFound:
        raise ApiError(404, "not_found", f"record {record_id} not found") from None


# --- webhooks (spec-only: real Kashoo has no webhook feature) -----------------------------------


def _valid_url(url: object) -> bool:
    if not isinstance(url, str):
        return False
    parsed = urlparse(url)
    return parsed.scheme in ("http", "https") and bool(parsed.netloc)


def register_webhook(
    app: SandboxApp, request: Request, principal: Principal, business_id: int
) -> Response:
    body = read_json_object(request)
    url, events = body.get("url"), body.get("events")
    if not _valid_url(url):
        raise ApiError(400, "invalid_request", "url must be an absolute http(s) URL", field="url")
    if not isinstance(events, list) or not events or any(e not in EVENT_TYPES for e in events):
        raise ApiError(
            400,
            "invalid_request",
            f"events must be a non-empty subset of {', '.join(EVENT_TYPES)}",
            field="events",
        )
    endpoint, secret = app.webhooks.register(
        business_id, url, tuple(dict.fromkeys(events)), principal.client_id
    )
    # The secret is shown once, here; later reads never include it.
    return json_response(
        {**endpoint.public_view(), "secret": secret}, 201, {"Cache-Control": "no-store"}
    )


def list_webhooks(
    app: SandboxApp, request: Request, principal: Principal, business_id: int
) -> Response:
    return json_response(
        [e.public_view() for e in app.webhooks.endpoints.values() if e.business_id == business_id]
    )


def _endpoint(app: SandboxApp, business_id: int, endpoint_id: int):
    endpoint = app.webhooks.endpoints.get(endpoint_id)
    if endpoint is None or endpoint.business_id != business_id:
        raise ApiError(404, "not_found", f"webhook {endpoint_id} not found")
    return endpoint


def one_webhook(
    app: SandboxApp, request: Request, principal: Principal, business_id: int, endpoint_id: int
) -> Response:
    endpoint = _endpoint(app, business_id, endpoint_id)
    if request.method == "DELETE":
        app.webhooks.remove(endpoint_id)
        return Response(status=204)
    return json_response(endpoint.public_view())


def verify_webhook(
    app: SandboxApp, request: Request, principal: Principal, business_id: int, endpoint_id: int
) -> Response:
    """Send a signed ``webhook.verification`` ping now (the spec's "Send Test Webhook")."""
    _endpoint(app, business_id, endpoint_id)
    delivery = app.webhooks.send_verification(endpoint_id)
    return json_response({"deliveryId": delivery.id, "messageId": delivery.message_id}, 202)
