"""Small HTTP helpers shared by the view modules."""

from __future__ import annotations

import html
import json
from datetime import date

from werkzeug.wrappers import Request, Response

from .records import ISO_DATE


class ApiError(Exception):
    """An error answered as ``{"error": code, "message": text, ...}`` with an HTTP status."""

    def __init__(self, status: int, error: str, message: str, headers: dict | None = None, **extra):
        super().__init__(message)
        self.status = status
        self.error = error
        self.message = message
        self.headers = headers or {}
        self.extra = extra

    def response(self) -> Response:
        body = {"error": self.error, "message": self.message, **self.extra}
        return json_response(body, self.status, self.headers)


def json_response(data, status: int = 200, headers: dict | None = None) -> Response:
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return Response(
        body.encode("utf-8"),
        status=status,
        headers=headers,
        content_type="application/json; charset=utf-8",
    )


def html_page(title: str, body_html: str, status: int = 200) -> Response:
    page = (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title></head><body>"
        f"<h1>{html.escape(title)}</h1>{body_html}</body></html>"
    )
    return Response(page, status=status, content_type="text/html; charset=utf-8")


def read_json_object(request: Request) -> dict:
    if not request.data:
        return {}
    try:
        data = json.loads(request.data)
    except ValueError as exc:
        raise ApiError(400, "invalid_request", "body is not valid JSON") from exc
    if not isinstance(data, dict):
        raise ApiError(400, "invalid_request", "body must be a JSON object")
    return data


def int_arg(
    request: Request, name: str, default: int | None = None, minimum: int | None = None
) -> int | None:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise ApiError(400, "invalid_request", f"{name} must be an integer", field=name) from exc
    if minimum is not None and value < minimum:
        raise ApiError(400, "invalid_request", f"{name} must be >= {minimum}", field=name)
    return value


def date_arg(request: Request, name: str) -> str | None:
    raw = request.args.get(name)
    if not raw:
        return None
    try:
        if not ISO_DATE.match(raw):
            raise ValueError(raw)
        return date.fromisoformat(raw).isoformat()
    except ValueError as exc:
        raise ApiError(
            400, "invalid_request", f"{name} must be a yyyy-MM-dd date", field=name
        ) from exc
