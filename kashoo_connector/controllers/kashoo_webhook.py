import json
import logging
import re

from odoo import http
from odoo.http import request

from .. import const
from ..kashoo_api import WebhookVerificationError, verify_webhook
from ..kashoo_api.signature import (
    HEADER_ID,
    HEADER_SIGNATURE,
    HEADER_TIMESTAMP,
    REASON_MISSING_ID,
    REASON_MISSING_SIGNATURE,
    REASON_MISSING_TIMESTAMP,
    REASON_NO_SECRET,
)
from ..kashoo_logic.log_throttle import LogThrottle

_logger = logging.getLogger(__name__)

#: One rejection line per reason and sender address per window, in each server process.
REJECTION_LOG = LogThrottle(window=const.WEBHOOK_REJECTION_LOG_WINDOW)

# What secrets.token_urlsafe() produces; anything else names no backend (and is not looked up).
_TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{32,64}", re.ASCII)

# Checked before any secret is decrypted, in the order verify_webhook checks them.
_REQUIRED_HEADERS = (
    (HEADER_ID, REASON_MISSING_ID),
    (HEADER_TIMESTAMP, REASON_MISSING_TIMESTAMP),
    (HEADER_SIGNATURE, REASON_MISSING_SIGNATURE),
)

# Verification failures that are the sender's malformed request, not a bad signature.
_MALFORMED = {
    "missing_id",
    "missing_timestamp",
    "missing_signature",
    "invalid_timestamp",
    "no_supported_signature",
}


def _fits_int4(value, minimum):
    # type() rather than isinstance(): JSON true/false are bools, which are ints in Python.
    return type(value) is int and minimum <= value <= const.INT4_MAX


class KashooWebhookController(http.Controller):
    """Receive Kashoo's signed transaction events: verify, store once, answer, wake the cron.

    Thin on purpose: the URL's token names the backend, whose secret alone verifies the raw
    bytes (Standard Webhooks, fail closed) before any JSON parsing or payload-driven lookup;
    the event is stored idempotently on its ``webhook-id``; the answer is sent after the
    framework commits; the import itself runs in the processing cron, which re-fetches the
    record from Kashoo. Whatever the sender posts, the answer is 2xx or 4xx, never 5xx.

    The bare route (no token) is what backends registered before they had a token; it is
    still served while exactly one backend has a webhook secret, since then it can only mean
    that one, and refused (404) once there are several.
    """

    @http.route(
        [const.WEBHOOK_ROUTE, const.WEBHOOK_ROUTE + "/<string:token>"],
        type="http",
        auth="public",
        methods=["POST"],
        csrf=False,
        save_session=False,
    )
    def kashoo_webhook_transaction(self, token=None, **_kwargs):
        httprequest = request.httprequest
        length = httprequest.content_length
        if length is None:
            return self._reject(411, "no_content_length")
        if length > const.WEBHOOK_MAX_BODY_BYTES:
            return self._reject(413, "body_too_large")
        raw_body = httprequest.get_data(cache=True)
        if len(raw_body) > const.WEBHOOK_MAX_BODY_BYTES:
            return self._reject(413, "body_too_large")

        headers = httprequest.headers
        for name, reason in _REQUIRED_HEADERS:
            if not (headers.get(name) or "").strip():
                return self._reject(400, reason)
        webhook_id = headers[HEADER_ID].strip()
        # Stored whole, never cut: the signature covers the whole id, and two ids that share
        # a prefix are two deliveries.
        if len(webhook_id) > const.WEBHOOK_ID_MAX_LENGTH or not webhook_id.isprintable():
            return self._reject(400, "invalid_id")

        backend = self._backend_for(token)
        if not backend:
            return self._reject(404, "unknown_endpoint")
        reason = self._verify(backend, headers, raw_body)
        if reason:
            status = 400 if reason in _MALFORMED else 401
            return self._reject(status, reason)

        # Only now, with the origin proven, is the body parsed.
        try:
            event = json.loads(raw_body)
            event_type = event["type"]
            data = event.get("data") or {}
        except (ValueError, TypeError, KeyError, AttributeError, RecursionError):
            # RecursionError: a deeply nested document exhausts the parser's stack.
            return self._reject(400, "malformed_body", backend)
        if not isinstance(event_type, str):
            return self._reject(400, "malformed_body", backend)
        if event_type == const.WEBHOOK_EVENT_VERIFICATION:
            _logger.info("Kashoo webhook verification ping for backend %s", backend.id)
            return request.make_json_response({"ok": True})
        if event_type not in const.WEBHOOK_EVENTS_HANDLED:
            _logger.info("Kashoo webhook %s of unhandled type %r ignored", webhook_id, event_type)
            return request.make_json_response({"ok": True, "ignored": True})
        kashoo_id = data.get("id") if isinstance(data, dict) else None
        version = data.get("version") if isinstance(data, dict) else None
        # Both go to integer columns: out of their range is the sender's error, not ours.
        if not _fits_int4(kashoo_id, 1) or not (version is None or _fits_int4(version, 0)):
            return self._reject(400, "malformed_body", backend)
        business_id = data.get("businessId")
        if business_id and backend.kashoo_business_id and business_id != backend.kashoo_business_id:
            return self._reject(400, "other_business", backend)

        new = (
            request.env["kashoo.webhook.event"]
            .sudo()
            ._kashoo_store(backend, webhook_id, event_type, kashoo_id, version)
        )
        if new and backend.auto_sync:
            backend._kashoo_wake_processing()  # the trigger is sent on commit (pg_notify)
        # The framework commits before this response leaves: 2xx means stored.
        return request.make_json_response({"ok": True, "duplicate": not new})

    def _backend_for(self, token):
        """The backend the URL names (an empty recordset when it names none)."""
        backends = request.env["kashoo.backend"].sudo()
        if token is None:
            with_secret = backends.search([("webhook_secret_encrypted", "!=", False)], limit=2)
            return with_secret if len(with_secret) == 1 else backends
        if not _TOKEN_PATTERN.fullmatch(token):
            return backends
        return backends.search([("webhook_token", "=", token)], limit=1)

    def _verify(self, backend, headers, raw_body):
        """Return ``None`` if one of ``backend``'s secrets signed the delivery, else the
        reason it is refused. Fails closed: no secret is a rejection. Only this backend's
        secrets are decrypted."""
        try:
            secrets = backend._kashoo_webhook_secrets()
        except Exception:  # noqa: BLE001 - an undecryptable secret verifies nothing
            if REJECTION_LOG.admit(("undecryptable", backend.id)) is not None:
                _logger.warning("Kashoo backend %s: webhook secret cannot be decrypted", backend.id)
            return REASON_NO_SECRET
        try:
            verify_webhook(secrets, headers, raw_body)
        except WebhookVerificationError as error:
            return error.code
        return None

    def _reject(self, status, reason, backend=None):
        # Never the secret, the signature or the body: the reason and the sender only. One
        # line per reason and sender a window, so junk posted in a loop cannot flood the log.
        remote = request.httprequest.remote_addr
        held_back = REJECTION_LOG.admit((reason, remote))
        if held_back is not None:
            _logger.warning(
                "Kashoo webhook rejected (%s, HTTP %s) from %s, webhook-id %r%s%s",
                reason,
                status,
                remote,
                (request.httprequest.headers.get(HEADER_ID) or "")[:100],
                f", backend {backend.id}" if backend else "",
                f"; {held_back} similar rejections suppressed since the previous line"
                if held_back
                else "",
            )
        return request.make_json_response({"ok": False, "error": reason}, status=status)
