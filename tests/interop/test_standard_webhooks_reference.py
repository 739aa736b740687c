"""Our signer and verifier against the Standard Webhooks reference library (``standardwebhooks``).

The sandbox signs what Kashoo would send and ``kashoo_api`` verifies what Odoo receives; both must
agree with the specification's own implementation, not only with each other.
"""

import json
import time
from datetime import datetime, timezone

import pytest
from kashoo_api import WebhookVerificationError as OurVerificationError
from kashoo_api import sign_webhook, verify_webhook
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from kashoo_sandbox import standard_webhooks as sandbox_signer

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
BODY = json.dumps(
    {
        "type": "transaction.updated",
        "timestamp": "2026-11-25T17:00:00Z",
        "data": {"businessId": 1001, "id": 50017, "version": 4},
    }
).encode()


def test_reference_library_accepts_the_sandbox_signature():
    now = int(time.time())
    headers = sandbox_signer.sign_headers([SECRET], "msg_sandbox_1", now, BODY)
    assert Webhook(SECRET).verify(BODY, headers) == json.loads(BODY)


def test_reference_library_rejects_a_sandbox_signature_over_another_body():
    now = int(time.time())
    headers = sandbox_signer.sign_headers([SECRET], "msg_sandbox_2", now, BODY)
    with pytest.raises(WebhookVerificationError):
        Webhook(SECRET).verify(BODY.replace(b"50017", b"50018"), headers)


def test_our_verifier_accepts_the_reference_signature():
    now = datetime.now(tz=timezone.utc)
    signature = Webhook(SECRET).sign("msg_reference_1", now, BODY.decode())
    headers = {
        "webhook-id": "msg_reference_1",
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": signature,
    }
    verified = verify_webhook([SECRET], headers, BODY)
    assert verified.webhook_id == "msg_reference_1"


def test_our_verifier_rejects_the_reference_signature_with_another_secret():
    now = datetime.now(tz=timezone.utc)
    signature = Webhook(SECRET).sign("msg_reference_2", now, BODY.decode())
    headers = {
        "webhook-id": "msg_reference_2",
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": signature,
    }
    with pytest.raises(OurVerificationError):
        verify_webhook(["whsec_" + "A" * 32], headers, BODY)


def test_reference_library_accepts_a_rotation_pair_from_the_sandbox():
    new_secret = "whsec_" + "QkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJC"
    headers = sandbox_signer.sign_headers(
        [new_secret, SECRET], "msg_rotation", int(time.time()), BODY
    )
    assert len(headers["webhook-signature"].split(" ")) == 2
    Webhook(SECRET).verify(BODY, headers)
    Webhook(new_secret).verify(BODY, headers)


def test_our_signer_matches_the_reference_signer_byte_for_byte():
    now = datetime(2026, 11, 25, 17, 0, tzinfo=timezone.utc)
    expected = Webhook(SECRET).sign("msg_same", now, BODY.decode())
    ours = sign_webhook(SECRET, "msg_same", int(now.timestamp()), BODY)
    assert ours == expected
    assert (
        sandbox_signer.compute_signature(SECRET, "msg_same", int(now.timestamp()), BODY) == expected
    )
