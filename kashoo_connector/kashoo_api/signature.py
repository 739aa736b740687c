"""Standard Webhooks 1.0.0 signatures (HMAC-SHA256, ``v1``), verified fail-closed.

Every refusal raises :class:`~kashoo_api.exceptions.WebhookVerificationError` whose
``code`` is one of the ``REASON_*`` constants below, so the webhook route can answer 4xx
and log a precise reason without ever logging the secret or the signature.
"""

import base64
import binascii
import dataclasses
import hashlib
import hmac
import re
import time

from .const import WEBHOOK_TOLERANCE_SECONDS
from .exceptions import WebhookVerificationError

HEADER_ID = "webhook-id"
HEADER_TIMESTAMP = "webhook-timestamp"
HEADER_SIGNATURE = "webhook-signature"
SIGNATURE_VERSION = "v1"
SECRET_PREFIX = "whsec_"

REASON_NO_SECRET = "no_secret"
REASON_INVALID_SECRET = "invalid_secret"
REASON_MISSING_ID = "missing_id"
REASON_MISSING_TIMESTAMP = "missing_timestamp"
REASON_MISSING_SIGNATURE = "missing_signature"
REASON_INVALID_TIMESTAMP = "invalid_timestamp"
REASON_TIMESTAMP_TOO_OLD = "timestamp_too_old"
REASON_TIMESTAMP_IN_FUTURE = "timestamp_in_future"
REASON_NO_SUPPORTED_SIGNATURE = "no_supported_signature"
REASON_SIGNATURE_MISMATCH = "signature_mismatch"

# Unix seconds as plain ASCII digits: no sign, no fraction, no spaces.
_TIMESTAMP_PATTERN = re.compile(r"[0-9]{1,15}", re.ASCII)


@dataclasses.dataclass(frozen=True)
class VerifiedWebhook:
    """What a successful verification vouches for.

    :ivar str webhook_id: the ``webhook-id``, the same across retries: the idempotency key.
    :ivar int timestamp: the ``webhook-timestamp`` of this delivery attempt.
    """

    webhook_id: str
    timestamp: int


def verify_webhook(secrets, headers, raw_body, now=None, tolerance=WEBHOOK_TOLERANCE_SECONDS):
    """Verify a Standard Webhooks delivery, failing closed.

    The delivery is accepted when any ``v1`` signature in ``webhook-signature`` matches
    the HMAC-SHA256 of ``webhook-id.webhook-timestamp.raw_body`` under any of ``secrets``
    (several secrets allow rotation) and the timestamp is within ``tolerance`` of ``now``
    in either direction. Signatures of other versions are ignored.

    :param list[str] secrets: the endpoint secrets, as ``whsec_<base64>`` or bare base64.
    :param headers: the request headers; any mapping, names matched case-insensitively.
    :param bytes raw_body: the body exactly as received, before any JSON parsing.
    :param float|None now: the current Unix time; the system clock when omitted.
    :param int tolerance: the largest accepted distance, in seconds, from ``now``.
    :return: the verified id and timestamp.
    :rtype: VerifiedWebhook
    :raises WebhookVerificationError: with ``code`` set to one of the ``REASON_*`` values.
    """
    keys = _decode_secrets(secrets)
    lowered = {str(name).lower(): value for name, value in headers.items()}
    webhook_id = _required(lowered, HEADER_ID, REASON_MISSING_ID)
    timestamp_text = _required(lowered, HEADER_TIMESTAMP, REASON_MISSING_TIMESTAMP)
    signature_header = _required(lowered, HEADER_SIGNATURE, REASON_MISSING_SIGNATURE)

    timestamp = _check_timestamp(timestamp_text, time.time() if now is None else now, tolerance)
    candidates = _v1_signatures(signature_header)
    signed_content = _signed_content(webhook_id, timestamp_text, _as_bytes(raw_body))
    for key in keys:
        expected = hmac.new(key, signed_content, hashlib.sha256).digest()
        # Check every candidate, so timing does not reveal which position matched.
        matches = [hmac.compare_digest(expected, candidate) for candidate in candidates]
        if any(matches):
            return VerifiedWebhook(webhook_id=webhook_id, timestamp=timestamp)
    raise WebhookVerificationError(
        "no webhook signature matches a configured secret", code=REASON_SIGNATURE_MISMATCH
    )


def sign_webhook(secret, webhook_id, timestamp, raw_body):
    """Return the ``webhook-signature`` entry (``v1,<base64>``) for a delivery.

    :param str secret: the endpoint secret, ``whsec_<base64>`` or bare base64.
    :param str webhook_id: the ``webhook-id`` value.
    :param int timestamp: the ``webhook-timestamp`` value, Unix seconds.
    :param bytes raw_body: the exact body bytes sent.
    :rtype: str
    """
    (key,) = _decode_secrets([secret])
    signed_content = _signed_content(webhook_id, str(timestamp), _as_bytes(raw_body))
    digest = hmac.new(key, signed_content, hashlib.sha256).digest()
    return f"{SIGNATURE_VERSION},{base64.b64encode(digest).decode('ascii')}"


def _decode_secrets(secrets):
    configured = [secret.strip() for secret in secrets or () if secret and secret.strip()]
    if not configured:
        raise WebhookVerificationError("no webhook secret is configured", code=REASON_NO_SECRET)
    keys = []
    for secret in configured:
        encoded = secret.removeprefix(SECRET_PREFIX)
        try:
            keys.append(base64.b64decode(encoded, validate=True))
        except (binascii.Error, ValueError) as error:
            raise WebhookVerificationError(
                "a configured webhook secret is not valid base64", code=REASON_INVALID_SECRET
            ) from error
    return keys


def _required(lowered_headers, name, reason):
    value = lowered_headers.get(name)
    if not value or not value.strip():
        raise WebhookVerificationError(f"header {name} is missing", code=reason)
    return value.strip()


def _check_timestamp(timestamp_text, now, tolerance):
    if not _TIMESTAMP_PATTERN.fullmatch(timestamp_text):
        raise WebhookVerificationError(
            "webhook-timestamp is not integer Unix seconds", code=REASON_INVALID_TIMESTAMP
        )
    timestamp = int(timestamp_text)
    if timestamp < now - tolerance:
        raise WebhookVerificationError(
            "webhook-timestamp is too old", code=REASON_TIMESTAMP_TOO_OLD
        )
    if timestamp > now + tolerance:
        raise WebhookVerificationError(
            "webhook-timestamp is in the future", code=REASON_TIMESTAMP_IN_FUTURE
        )
    return timestamp


def _v1_signatures(signature_header):
    candidates = []
    for entry in signature_header.split():
        version, _, encoded = entry.partition(",")
        if version != SIGNATURE_VERSION or not encoded:
            continue
        try:
            candidates.append(base64.b64decode(encoded, validate=True))
        except (binascii.Error, ValueError):
            # A garbled v1 entry simply cannot match; keep checking the others.
            candidates.append(b"")
    if not candidates:
        raise WebhookVerificationError(
            "webhook-signature holds no v1 signature", code=REASON_NO_SUPPORTED_SIGNATURE
        )
    return candidates


def _signed_content(webhook_id, timestamp_text, body):
    return f"{webhook_id}.{timestamp_text}.".encode() + body


def _as_bytes(raw_body):
    if isinstance(raw_body, str):
        return raw_body.encode("utf-8")
    return bytes(raw_body)
