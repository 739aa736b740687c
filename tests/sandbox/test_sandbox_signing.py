"""The reference signer/verifier, including the Standard Webhooks known-answer vector."""

from __future__ import annotations

import base64

import pytest

from kashoo_sandbox import standard_webhooks as sw

# Published by standard-webhooks/standard-webhooks (libraries/python/tests/test_webhooks.py).
KAT_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
KAT_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
KAT_TIMESTAMP = 1614265330
KAT_BODY = b'{"test": 2432232314}'
KAT_SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def kat_headers(**overrides) -> dict:
    headers = {
        "webhook-id": KAT_ID,
        "webhook-timestamp": str(KAT_TIMESTAMP),
        "webhook-signature": KAT_SIGNATURE,
    }
    headers.update(overrides)
    return {k: v for k, v in headers.items() if v is not None}


def test_known_answer_vector():
    assert sw.compute_signature(KAT_SECRET, KAT_ID, KAT_TIMESTAMP, KAT_BODY) == KAT_SIGNATURE
    headers = sw.sign_headers([KAT_SECRET], KAT_ID, KAT_TIMESTAMP, KAT_BODY)
    assert headers == kat_headers()
    sw.verify(KAT_SECRET, headers, KAT_BODY, now=KAT_TIMESTAMP)


def test_secret_with_and_without_prefix_give_the_same_signature():
    bare = KAT_SECRET.removeprefix("whsec_")
    assert sw.compute_signature(bare, KAT_ID, KAT_TIMESTAMP, KAT_BODY) == KAT_SIGNATURE
    sw.verify(bare, kat_headers(), KAT_BODY, now=KAT_TIMESTAMP)


def test_header_names_are_case_insensitive():
    headers = {k.upper(): v for k, v in kat_headers().items()}
    sw.verify(KAT_SECRET, headers, KAT_BODY, now=KAT_TIMESTAMP)


@pytest.mark.parametrize("missing", ["webhook-id", "webhook-timestamp", "webhook-signature"])
def test_missing_header_is_rejected(missing):
    with pytest.raises(sw.WebhookVerificationError, match="missing"):
        sw.verify(KAT_SECRET, kat_headers(**{missing: None}), KAT_BODY, now=KAT_TIMESTAMP)


@pytest.mark.parametrize(
    "timestamp", ["hello", "1614265330.5", "-1614265330", "", "\u0661\u0666\u0661\u0664"]
)
def test_non_integer_timestamp_is_rejected(timestamp):
    with pytest.raises(sw.WebhookVerificationError):
        sw.verify(
            KAT_SECRET, kat_headers(**{"webhook-timestamp": timestamp}), KAT_BODY, now=KAT_TIMESTAMP
        )


def test_tolerance_is_two_sided():
    tolerance = sw.DEFAULT_TOLERANCE_SECONDS
    sw.verify(KAT_SECRET, kat_headers(), KAT_BODY, now=KAT_TIMESTAMP + tolerance - 1)
    sw.verify(KAT_SECRET, kat_headers(), KAT_BODY, now=KAT_TIMESTAMP - tolerance + 1)
    with pytest.raises(sw.WebhookVerificationError, match="too old"):
        sw.verify(KAT_SECRET, kat_headers(), KAT_BODY, now=KAT_TIMESTAMP + tolerance + 1)
    with pytest.raises(sw.WebhookVerificationError, match="too new"):
        sw.verify(KAT_SECRET, kat_headers(), KAT_BODY, now=KAT_TIMESTAMP - tolerance - 1)


@pytest.mark.parametrize(
    "body",
    [
        b'{"test": 2432232315}',  # one byte flipped
        b'{"test": 2432232314}\n',  # trailing newline
        b'{"test":2432232314}',  # re-serialised without the space
    ],
)
def test_signature_over_another_body_is_rejected(body):
    with pytest.raises(sw.WebhookVerificationError, match="no matching signature"):
        sw.verify(KAT_SECRET, kat_headers(), body, now=KAT_TIMESTAMP)


def test_wrong_secret_is_rejected():
    with pytest.raises(sw.WebhookVerificationError):
        sw.verify(sw.generate_secret(), kat_headers(), KAT_BODY, now=KAT_TIMESTAMP)


def test_any_valid_v1_entry_is_accepted_and_other_versions_ignored():
    mixed = f"v1,Zm9v v2,{KAT_SIGNATURE[3:]} {KAT_SIGNATURE} v1,YmFy"
    sw.verify(KAT_SECRET, kat_headers(**{"webhook-signature": mixed}), KAT_BODY, now=KAT_TIMESTAMP)


@pytest.mark.parametrize(
    "header",
    [
        f"v2,{KAT_SIGNATURE[3:]}",  # the right MAC under an unknown version
        f"v1a,{KAT_SIGNATURE[3:]}",
        "v1,Zm9v v1,YmFy",  # several signatures, all invalid
        "garbage",
    ],
)
def test_headers_without_a_matching_v1_signature_are_rejected(header):
    with pytest.raises(sw.WebhookVerificationError):
        sw.verify(
            KAT_SECRET, kat_headers(**{"webhook-signature": header}), KAT_BODY, now=KAT_TIMESTAMP
        )


@pytest.mark.parametrize("secret", ["", "whsec_", "whsec_not base64!"])
def test_empty_or_broken_secret_fails_closed(secret):
    with pytest.raises(sw.WebhookVerificationError):
        sw.verify(secret, kat_headers(), KAT_BODY, now=KAT_TIMESTAMP)


def test_generated_secrets_have_the_standard_shape():
    secret = sw.generate_secret()
    assert secret.startswith("whsec_")
    assert len(base64.b64decode(secret[len("whsec_") :])) == 24
    assert sw.generate_secret() != secret
    assert len(base64.b64decode(sw.generate_secret(64)[6:])) == 64
    with pytest.raises(ValueError):
        sw.generate_secret(16)


def test_two_secrets_give_two_signatures_each_verifiable():
    old, new = sw.generate_secret(), sw.generate_secret()
    headers = sw.sign_headers([new, old], "msg_1", 1700000000, b"{}")
    assert len(headers["webhook-signature"].split(" ")) == 2
    sw.verify(old, headers, b"{}", now=1700000000)
    sw.verify(new, headers, b"{}", now=1700000000)
