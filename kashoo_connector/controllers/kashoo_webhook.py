import json
import logging

from odoo import http
from odoo.http import request

from .. import const
from ..kashoo_api import WebhookVerificationError, verify_webhook
from ..kashoo_api.signature import REASON_NO_SECRET, REASON_SIGNATURE_MISMATCH

_logger = logging.getLogger(__name__)

# Verification failures that are the sender's malformed request, not a bad signature.
_MALFORMED = {
    "missing_id",
    "missing_timestamp",
    "missing_signature",
    "invalid_timestamp",
    "no_supported_signature",
}


class KashooWebhookController(http.Controller):
    """Receive Kashoo's signed transaction events: verify, store once, answer, wake the cron.

    Thin on purpose: the raw bytes are verified (Standard Webhooks, fail closed) before any
    JSON parsing or payload-driven lookup; the event is stored idempotently on its
    ``webhook-id``; the answer is sent after the framework commits; the import itself runs in
    the processing cron, which re-fetches the record from Kashoo.
    """

    @http.route(
        const.WEBHOOK_ROUTE,
        type="http",
        auth="public",
        methods=["POST"],
        csrf=False,
        save_session=False,
    )
    def kashoo_webhook_transaction(self, **_kwargs):
        httprequest = request.httprequest
        length = httprequest.content_length
        if length is None:
            return self._reject(411, "no_content_length")
        if length > const.WEBHOOK_MAX_BODY_BYTES:
            return self._reject(413, "body_too_large")
        raw_body = httprequest.get_data(cache=True)
        if len(raw_body) > const.WEBHOOK_MAX_BODY_BYTES:
            return self._reject(413, "body_too_large")

        backend, reason = self._verify(httprequest.headers, raw_body)
        if not backend:
            status = 400 if reason in _MALFORMED else 401
            return self._reject(status, reason)

        # Only now, with the origin proven, is the body parsed.
        try:
            event = json.loads(raw_body)
            event_type = event["type"]
            data = event.get("data") or {}
        except (ValueError, TypeError, KeyError, AttributeError):
            return self._reject(400, "malformed_body", backend)
        webhook_id = httprequest.headers["webhook-id"].strip()
        if event_type == const.WEBHOOK_EVENT_VERIFICATION:
            _logger.info("Kashoo webhook verification ping for backend %s", backend.id)
            return request.make_json_response({"ok": True})
        if event_type not in const.WEBHOOK_EVENTS_HANDLED:
            _logger.info("Kashoo webhook %s of unhandled type %r ignored", webhook_id, event_type)
            return request.make_json_response({"ok": True, "ignored": True})
        kashoo_id = data.get("id") if isinstance(data, dict) else None
        version = data.get("version") if isinstance(data, dict) else None
        if not isinstance(kashoo_id, int) or not isinstance(version, int | None):
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

    def _verify(self, headers, raw_body):
        """Return ``(backend, None)`` for the backend whose secret signed the delivery, else
        ``(None, reason)``. Fails closed: no secret anywhere is a rejection."""
        backends = (
            request.env["kashoo.backend"].sudo().search([("webhook_secret_encrypted", "!=", False)])
        )
        reason = REASON_NO_SECRET
        for backend in backends:
            try:
                secrets = backend._kashoo_webhook_secrets()
            except Exception:  # noqa: BLE001 - an undecryptable secret verifies nothing
                _logger.warning("Kashoo backend %s: webhook secret cannot be decrypted", backend.id)
                continue
            try:
                verify_webhook(secrets, headers, raw_body)
            except WebhookVerificationError as error:
                reason = error.code
                if error.code == REASON_SIGNATURE_MISMATCH or error.code in (
                    REASON_NO_SECRET,
                    "invalid_secret",
                ):
                    continue  # another backend's secret may match
                return None, reason  # malformed or stale: same answer for every secret
            return backend, None
        return None, reason

    def _reject(self, status, reason, backend=None):
        # Never the secret, the signature or the body: the reason and the sender only.
        _logger.warning(
            "Kashoo webhook rejected (%s, HTTP %s) from %s, webhook-id %r%s",
            reason,
            status,
            request.httprequest.remote_addr,
            (request.httprequest.headers.get("webhook-id") or "")[:100],
            f", backend {backend.id}" if backend else "",
        )
        return request.make_json_response({"ok": False, "error": reason}, status=status)
