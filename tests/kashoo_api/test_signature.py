import base64

import pytest
from kashoo_api.exceptions import WebhookVerificationError
from kashoo_api.signature import (
    REASON_INVALID_SECRET,
    REASON_INVALID_TIMESTAMP,
    REASON_MISSING_ID,
    REASON_MISSING_SIGNATURE,
    REASON_MISSING_TIMESTAMP,
    REASON_NO_SECRET,
    REASON_NO_SUPPORTED_SIGNATURE,
    REASON_SIGNATURE_MISMATCH,
    REASON_TIMESTAMP_IN_FUTURE,
    REASON_TIMESTAMP_TOO_OLD,
    VerifiedWebhook,
    sign_webhook,
    verify_webhook,
)

SECRET = "whsec_" + base64.b64encode(b"k" * 32).decode()
NEW_SECRET = "whsec_" + base64.b64encode(b"n" * 32).decode()
OTHER_SECRET = "whsec_" + base64.b64encode(b"o" * 32).decode()
BODY = b'{"type":"transaction.updated","data":{"businessId":1001,"id":50017,"version":4}}'
NOW = 1_795_626_000
WEBHOOK_ID = "msg_2pY1yrB7RzRkTn5"


def headers_for(secret=SECRET, body=BODY, timestamp=NOW, webhook_id=WEBHOOK_ID):
    return {
        "webhook-id": webhook_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign_webhook(secret, webhook_id, timestamp, body),
    }


def reason_of(secrets, headers, body=BODY, now=NOW):
    with pytest.raises(WebhookVerificationError) as caught:
        verify_webhook(secrets, headers, body, now=now)
    return caught.value.code


def test_standard_webhooks_known_answer_vector():
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    body = b'{"test": 2432232314}'
    expected = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
    assert sign_webhook(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body) == expected
    headers = {
        "webhook-id": "msg_p5jXN8AQM9LWM0D4loKWxJek",
        "webhook-timestamp": "1614265330",
        "webhook-signature": expected,
    }
    verified = verify_webhook([secret], headers, body, now=1614265330)
    assert verified == VerifiedWebhook(
        webhook_id="msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp=1614265330
    )


def test_valid_signature_is_accepted_with_any_header_case_and_body_type():
    headers = {name.upper(): value for name, value in headers_for().items()}
    assert verify_webhook([SECRET], headers, BODY, now=NOW).webhook_id == WEBHOOK_ID
    assert verify_webhook([SECRET], headers, bytearray(BODY), now=NOW).timestamp == NOW
    assert verify_webhook([SECRET], headers, BODY.decode(), now=NOW).timestamp == NOW


def test_secret_without_whsec_prefix_is_accepted():
    bare = SECRET.removeprefix("whsec_")
    assert verify_webhook([bare], headers_for(), BODY, now=NOW)


def test_rotation_accepts_either_secret_and_a_dual_signature_header():
    old_signed = headers_for(SECRET)
    new_signed = headers_for(NEW_SECRET)
    assert verify_webhook([NEW_SECRET, SECRET], old_signed, BODY, now=NOW)
    assert verify_webhook([NEW_SECRET, SECRET], new_signed, BODY, now=NOW)
    # During a rotation the sender signs with both; a receiver knowing only one accepts.
    dual = dict(old_signed)
    dual["webhook-signature"] = (
        f"{new_signed['webhook-signature']} {old_signed['webhook-signature']}"
    )
    assert verify_webhook([SECRET], dual, BODY, now=NOW)
    assert verify_webhook([NEW_SECRET], dual, BODY, now=NOW)


def test_valid_signature_among_bad_and_other_versions_is_accepted():
    headers = headers_for()
    good = headers["webhook-signature"]
    headers["webhook-signature"] = f"v1,Ym9ndXM= v2,abc v1a,xyz {good} v1,###"
    assert verify_webhook([SECRET], headers, BODY, now=NOW)


def test_wrong_secret_is_rejected():
    assert reason_of([OTHER_SECRET], headers_for()) == REASON_SIGNATURE_MISMATCH


@pytest.mark.parametrize(
    "tampered",
    [BODY + b"\n", BODY.replace(b"50017", b"50018"), BODY.replace(b",", b", ")],
)
def test_signature_over_another_body_is_rejected(tampered):
    assert reason_of([SECRET], headers_for(), body=tampered) == REASON_SIGNATURE_MISMATCH


def test_signature_under_another_id_is_rejected():
    headers = headers_for()
    headers["webhook-id"] = "msg_other"
    assert reason_of([SECRET], headers) == REASON_SIGNATURE_MISMATCH


def test_all_v1_signatures_invalid_is_rejected():
    headers = headers_for()
    headers["webhook-signature"] = "v1,Ym9ndXM= v1,bm9wZQ=="
    assert reason_of([SECRET], headers) == REASON_SIGNATURE_MISMATCH


def test_timestamp_at_the_tolerance_edges():
    assert verify_webhook([SECRET], headers_for(timestamp=NOW - 300), BODY, now=NOW)
    assert verify_webhook([SECRET], headers_for(timestamp=NOW + 300), BODY, now=NOW)
    assert reason_of([SECRET], headers_for(timestamp=NOW - 301)) == REASON_TIMESTAMP_TOO_OLD
    assert reason_of([SECRET], headers_for(timestamp=NOW + 301)) == REASON_TIMESTAMP_IN_FUTURE


def test_milliseconds_instead_of_seconds_is_rejected():
    headers = headers_for(timestamp=NOW * 1000)
    assert reason_of([SECRET], headers) == REASON_TIMESTAMP_IN_FUTURE


@pytest.mark.parametrize(
    "timestamp", ["hello", "1795626000.0", "-1795626000", "+1795626000", "١٢٣"]
)
def test_non_integer_timestamp_is_rejected(timestamp):
    headers = headers_for()
    headers["webhook-timestamp"] = timestamp
    assert reason_of([SECRET], headers) == REASON_INVALID_TIMESTAMP


@pytest.mark.parametrize(
    ("header", "reason"),
    [
        ("webhook-id", REASON_MISSING_ID),
        ("webhook-timestamp", REASON_MISSING_TIMESTAMP),
        ("webhook-signature", REASON_MISSING_SIGNATURE),
    ],
)
def test_missing_or_empty_header_is_rejected(header, reason):
    headers = headers_for()
    del headers[header]
    assert reason_of([SECRET], headers) == reason
    headers[header] = "  "
    assert reason_of([SECRET], headers) == reason


@pytest.mark.parametrize("secrets", [[], None, [""], ["   "]])
def test_no_secret_configured_fails_closed(secrets):
    assert reason_of(secrets, headers_for()) == REASON_NO_SECRET


def test_malformed_secret_fails_closed():
    assert reason_of(["whsec_not*base64!"], headers_for()) == REASON_INVALID_SECRET


@pytest.mark.parametrize("signature", ["v1a,abc", "v2,abc v0,def", "garbage", "v1,", ","])
def test_only_unknown_versions_or_garbage_is_rejected(signature):
    headers = headers_for()
    headers["webhook-signature"] = signature
    assert reason_of([SECRET], headers) == REASON_NO_SUPPORTED_SIGNATURE


def test_rejection_message_never_contains_secret_or_signature():
    headers = headers_for(OTHER_SECRET)
    with pytest.raises(WebhookVerificationError) as caught:
        verify_webhook([SECRET], headers, BODY, now=NOW)
    text = f"{caught.value} {caught.value.message}"
    assert SECRET.removeprefix("whsec_") not in text
    assert headers["webhook-signature"].removeprefix("v1,") not in text
