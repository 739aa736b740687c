"""Standard Webhooks 1.0.0 signing and verification (HMAC-SHA256, scheme ``v1``).

This module is the project's reference signer: the sandbox signs with it and tests verify with it.
It depends on the standard library only, so the connector may copy or import it.

Wire format (https://www.standardwebhooks.com/, spec v1.0.0):

* headers ``webhook-id``, ``webhook-timestamp`` (integer Unix seconds), ``webhook-signature``;
* the signed content is ``f"{id}.{timestamp}.".encode() + raw_body`` (the exact bytes sent);
* ``webhook-signature`` is a space-separated list of ``v1,<base64 HMAC-SHA256>`` entries; several
  entries appear while a secret is being rotated and a verifier accepts if any ``v1`` matches;
* the secret is ``whsec_`` + base64 of 24 to 64 random bytes; the HMAC key is the decoded bytes.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from collections.abc import Mapping

SECRET_PREFIX = "whsec_"
SIGNATURE_VERSION = "v1"
DEFAULT_TOLERANCE_SECONDS = 300

HEADER_ID = "webhook-id"
HEADER_TIMESTAMP = "webhook-timestamp"
HEADER_SIGNATURE = "webhook-signature"


class WebhookVerificationError(Exception):
    """The request is not a valid Standard Webhooks delivery for this secret."""


def generate_secret(num_bytes: int = 24) -> str:
    """Return a fresh ``whsec_`` secret (24 to 64 random bytes, as the spec asks)."""
    if not 24 <= num_bytes <= 64:
        raise ValueError("Standard Webhooks secrets are 24 to 64 bytes long")
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(num_bytes)).decode("ascii")


def secret_key(secret: str | bytes) -> bytes:
    """Decode a secret (with or without the ``whsec_`` prefix) into the HMAC key bytes."""
    if isinstance(secret, bytes):
        secret = secret.decode("ascii")
    secret = secret.removeprefix(SECRET_PREFIX)
    if not secret:
        # Fail closed: an empty secret would make every signature forgeable.
        raise WebhookVerificationError("empty webhook secret")
    try:
        return base64.b64decode(secret, validate=True)
    except (ValueError, TypeError) as exc:
        raise WebhookVerificationError("webhook secret is not valid base64") from exc


def compute_signature(secret: str | bytes, msg_id: str, timestamp: int, body: bytes) -> str:
    """Return the ``v1,<base64>`` signature of one delivery."""
    if isinstance(body, str):
        body = body.encode("utf-8")
    signed_content = f"{msg_id}.{int(timestamp)}.".encode() + bytes(body)
    digest = hmac.new(secret_key(secret), signed_content, hashlib.sha256).digest()
    return f"{SIGNATURE_VERSION},{base64.b64encode(digest).decode('ascii')}"


def sign_headers(
    secrets_to_sign: list[str], msg_id: str, timestamp: int, body: bytes
) -> dict[str, str]:
    """Build the three delivery headers; one ``v1`` entry per secret (rotation sends two)."""
    signatures = " ".join(compute_signature(s, msg_id, timestamp, body) for s in secrets_to_sign)
    return {
        HEADER_ID: msg_id,
        HEADER_TIMESTAMP: str(int(timestamp)),
        HEADER_SIGNATURE: signatures,
    }


def _header(headers: Mapping[str, str], name: str) -> str | None:
    # HTTP header names are case-insensitive; plain dicts from tests are not.
    for key, value in headers.items():
        if key.lower() == name:
            return value
    return None


def verify(
    secret: str | bytes,
    headers: Mapping[str, str],
    body: bytes,
    tolerance: int = DEFAULT_TOLERANCE_SECONDS,
    now: float | None = None,
) -> None:
    """Raise :class:`WebhookVerificationError` unless the delivery is authentic and fresh.

    Checks, in order: the three headers are present, the timestamp is an integer within
    ``tolerance`` seconds in either direction, and at least one ``v1`` signature matches
    (constant-time comparison). Entries of other versions are ignored, so a header holding only
    unknown versions fails.
    """
    msg_id = _header(headers, HEADER_ID)
    timestamp_text = _header(headers, HEADER_TIMESTAMP)
    signature_header = _header(headers, HEADER_SIGNATURE)
    if not msg_id or not timestamp_text or not signature_header:
        raise WebhookVerificationError("missing required webhook headers")
    if not (timestamp_text.isascii() and timestamp_text.isdigit()):
        # ASCII digits only: str.isdigit alone also accepts e.g. Arabic-Indic digits.
        raise WebhookVerificationError("invalid webhook-timestamp")
    timestamp = int(timestamp_text)
    current = time.time() if now is None else now
    if timestamp < current - tolerance:
        raise WebhookVerificationError("message timestamp too old")
    if timestamp > current + tolerance:
        raise WebhookVerificationError("message timestamp too new")
    expected = compute_signature(secret, msg_id, timestamp, body).split(",", 1)[1]
    for entry in signature_header.split(" "):
        version, _, value = entry.partition(",")
        if version != SIGNATURE_VERSION:
            continue
        if hmac.compare_digest(value.encode("ascii", "replace"), expected.encode("ascii")):
            return
    raise WebhookVerificationError("no matching signature found")
