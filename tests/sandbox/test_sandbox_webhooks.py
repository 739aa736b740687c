"""Webhook registration and delivery to a real local receiver, with every fault knob."""

from __future__ import annotations

import json
import time

import pytest
import requests
from sandbox_helpers import TIMEOUT, api_get, bearer, control, create_transfer, wait_until

from kashoo_sandbox import SandboxServer
from kashoo_sandbox import standard_webhooks as sw

RECEIVER_WAIT = 5.0


def register(server, receiver_url, events=None, business_id=1001) -> dict:
    tokens = server.issue_tokens()
    response = requests.post(
        f"{server.api_url}/businesses/{business_id}/webhooks",
        headers=bearer(tokens),
        json={
            "url": receiver_url,
            "events": events
            or ["transaction.created", "transaction.updated", "transaction.deleted"],
        },
        timeout=TIMEOUT,
    )
    assert response.status_code == 201, response.text
    return response.json()


def registered(server, receiver, **kwargs) -> dict:
    """Register the receiver and consume the verification ping."""
    endpoint = register(server, receiver.url, **kwargs)
    receiver.wait_for(1)
    wait_until(lambda: endpoint_view(server, endpoint["id"])["verification"]["status"] != "pending")
    receiver.requests.clear()
    return endpoint


def endpoint_view(server, endpoint_id) -> dict:
    views = control(server, "GET", "/webhooks").json()
    return next(v for v in views if v["id"] == endpoint_id)


def add_webhook_fault(server, kind, count=1, **extra) -> None:
    response = control(
        server, "POST", "/webhook-faults", json={"kind": kind, "count": count, **extra}
    )
    assert response.status_code == 201, response.text


def make_change(server) -> dict:
    """A control-API edit of a seeded invoice: one transaction.updated event."""
    tokens = server.issue_tokens()
    invoice = api_get(server, tokens, "/businesses/1001/records/invoices").json()[0]
    response = control(server, "PATCH", f"/records/{invoice['id']}", json={"memo": "ping"})
    assert response.status_code == 200
    return response.json()


def deliveries(server, **params) -> list[dict]:
    return control(server, "GET", "/deliveries", params=params).json()


def verify(request, secret, **kwargs) -> dict:
    sw.verify(secret, request["headers"], request["body"], **kwargs)
    return json.loads(request["body"])


# --- registration and verification --------------------------------------------------------------


def test_registration_returns_a_secret_once_and_sends_a_signed_verification(sandbox, receiver):
    endpoint = register(sandbox, receiver.url)
    assert endpoint["secret"].startswith("whsec_")
    ping = receiver.wait_for(1)[0]
    event = verify(ping, endpoint["secret"])
    assert event["type"] == "webhook.verification"
    assert event["data"]["businessId"] == 1001 and event["data"]["endpointId"] == endpoint["id"]
    assert ping["headers"]["content-type"] == "application/json"
    verified = wait_until(
        lambda: endpoint_view(sandbox, endpoint["id"])["verification"]
        if endpoint_view(sandbox, endpoint["id"])["verification"]["status"] != "pending"
        else None
    )
    assert verified["status"] == "verified" and verified["httpStatus"] == 204

    tokens = sandbox.issue_tokens()
    listed = api_get(sandbox, tokens, "/businesses/1001/webhooks").json()
    assert [e["id"] for e in listed] == [endpoint["id"]]
    assert "secret" not in listed[0] and endpoint["secret"] not in json.dumps(listed)
    one = api_get(sandbox, tokens, f"/businesses/1001/webhooks/{endpoint['id']}").json()
    assert one["url"] == receiver.url and "secret" not in one


def test_failed_verification_is_recorded_and_can_be_retried(sandbox, receiver):
    receiver.script(500)
    endpoint = register(sandbox, receiver.url)
    wait_until(lambda: endpoint_view(sandbox, endpoint["id"])["verification"]["status"] == "failed")
    assert len(receiver.wait_for(1)) == 1  # verification is not retried on its own
    tokens = sandbox.issue_tokens()
    again = requests.post(
        f"{sandbox.api_url}/businesses/1001/webhooks/{endpoint['id']}/verify",
        headers=bearer(tokens),
        timeout=TIMEOUT,
    )
    assert again.status_code == 202
    wait_until(
        lambda: endpoint_view(sandbox, endpoint["id"])["verification"]["status"] == "verified"
    )


@pytest.mark.parametrize(
    "body",
    [
        {"url": "ftp://example.com/hook", "events": ["transaction.created"]},
        {"url": "not a url", "events": ["transaction.created"]},
        {"url": "http://127.0.0.1:9/hook", "events": ["invoice.paid"]},
        {"url": "http://127.0.0.1:9/hook", "events": []},
    ],
)
def test_invalid_registrations_are_rejected(sandbox, body):
    response = requests.post(
        f"{sandbox.api_url}/businesses/1001/webhooks",
        headers=bearer(sandbox.issue_tokens()),
        json=body,
        timeout=TIMEOUT,
    )
    assert response.status_code == 400


# --- events ------------------------------------------------------------------------------------


def test_create_update_delete_emit_thin_signed_events(sandbox, receiver):
    endpoint = registered(sandbox, receiver)
    created = create_transfer(sandbox, 12345, "2026-11-23").json()
    control(sandbox, "PATCH", f"/records/{created['id']}", json={"memo": "moved"})
    control(sandbox, "DELETE", f"/records/{created['id']}")
    requests_seen = receiver.wait_for(3)
    events = [verify(r, endpoint["secret"]) for r in requests_seen]
    assert [e["type"] for e in events] == [
        "transaction.created",
        "transaction.updated",
        "transaction.deleted",
    ]
    assert [e["data"] for e in events] == [
        {"businessId": 1001, "id": created["id"], "version": v} for v in (1, 2, 3)
    ]
    assert all(e["timestamp"].endswith("Z") for e in events)
    ids = [r["headers"]["webhook-id"] for r in requests_seen]
    assert len(set(ids)) == 3 and all(i.startswith("msg_") for i in ids)


def test_payment_also_updates_its_invoice(sandbox, receiver):
    endpoint = registered(sandbox, receiver)
    tokens = sandbox.issue_tokens()
    invoice = next(
        r
        for r in api_get(sandbox, tokens, "/businesses/1001/records/invoices").json()
        if r["balanceDue"] > 0 and r["currency"] == "CAD"
    )
    payment = control(
        sandbox,
        "POST",
        "/records",
        json={
            "businessId": 1001,
            "type": "invoicePayment",
            "date": "2026-11-23",
            "contact": invoice["contact"],
            "depositAccount": 2001,
            "appliesTo": [{"record": invoice["id"], "amount": invoice["balanceDue"]}],
        },
    ).json()
    events = [verify(r, endpoint["secret"]) for r in receiver.wait_for(2)]
    assert [(e["type"], e["data"]["id"]) for e in events] == [
        ("transaction.created", payment["id"]),
        ("transaction.updated", invoice["id"]),
    ]


def test_events_respect_subscriptions_and_businesses(sandbox, receiver):
    endpoint = registered(sandbox, receiver, events=["transaction.deleted"])
    tokens = sandbox.issue_tokens()
    own = api_get(sandbox, tokens, "/businesses/1001/records/transfers").json()[0]
    other = api_get(sandbox, tokens, "/businesses/1002/records/transfers").json()
    control(sandbox, "PATCH", f"/records/{own['id']}", json={"memo": "not subscribed"})
    if other:
        control(sandbox, "DELETE", f"/records/{other[0]['id']}")
    control(sandbox, "DELETE", f"/records/{own['id']}")
    event = verify(receiver.wait_for(1)[0], endpoint["secret"])
    time.sleep(0.2)
    assert len(receiver.requests) == 1
    assert event["type"] == "transaction.deleted" and event["data"]["id"] == own["id"]


# --- retries -----------------------------------------------------------------------------------


def test_retries_after_5xx_keep_the_webhook_id(sandbox, receiver):
    endpoint = registered(sandbox, receiver)
    receiver.script(500, 502)
    make_change(sandbox)
    attempts = receiver.wait_for(3)
    assert len({a["headers"]["webhook-id"] for a in attempts}) == 1
    for attempt in attempts:
        verify(attempt, endpoint["secret"])
    # +1 min and +10 min, scaled by time_scale=0.001: about 0.06 s and 0.6 s after the first
    gaps = [
        attempts[1]["received"] - attempts[0]["received"],
        attempts[2]["received"] - attempts[0]["received"],
    ]
    assert 0.04 < gaps[0] < 0.5 and 0.5 < gaps[1] < 1.2
    log = wait_until(
        lambda: [d for d in deliveries(sandbox, status="succeeded") if not d["verification"]]
    )
    assert [a["status"] for a in log[0]["attempts"]] == [500, 502, 204]


def test_gives_up_after_five_retries():
    with SandboxServer(
        seed=1, size=45, rate_limit=0, time_scale=0.00001, webhook_verification_delay=0
    ) as server:
        from sandbox_helpers import WebhookReceiver

        receiver = WebhookReceiver()
        try:
            registered(server, receiver)
            receiver.default = (503, {}, 0.0)
            make_change(server)
            failed = wait_until(lambda: deliveries(server, status="failed"), timeout=5)
            assert len(failed[0]["attempts"]) == 6  # the first try + 5 retries
            assert len(receiver.requests) == 6
        finally:
            receiver.stop()


def test_retry_after_pushes_the_next_attempt_back(sandbox, receiver):
    registered(sandbox, receiver)
    receiver.script(503, headers={"Retry-After": "500"})  # 500 s x 0.001 = 0.5 s
    make_change(sandbox)
    attempts = receiver.wait_for(2)
    assert attempts[1]["received"] - attempts[0]["received"] >= 0.45


def test_gone_disables_the_endpoint(sandbox, receiver):
    endpoint = registered(sandbox, receiver)
    receiver.script(410)
    make_change(sandbox)
    receiver.wait_for(1)
    wait_until(lambda: not endpoint_view(sandbox, endpoint["id"])["enabled"])
    make_change(sandbox)
    time.sleep(0.3)
    assert len(receiver.requests) == 1
    view = endpoint_view(sandbox, endpoint["id"])
    assert view["disabledReason"] == "receiver answered 410 Gone"


def test_slow_receiver_times_out_and_is_retried(sandbox, receiver):
    registered(sandbox, receiver)
    control(sandbox, "POST", "/config", json={"webhookTimeout": 0.2})
    receiver.script(200, delay=0.5)
    make_change(sandbox)
    receiver.wait_for(2)
    log = wait_until(lambda: deliveries(sandbox, status="succeeded")[1:])
    assert log[-1]["attempts"][0]["error"] == "ReadTimeout"


# --- faults ------------------------------------------------------------------------------------


def test_duplicate_delivery_reuses_the_webhook_id(sandbox, receiver):
    endpoint = registered(sandbox, receiver)
    add_webhook_fault(sandbox, "duplicate")
    make_change(sandbox)
    first, second = receiver.wait_for(2)
    assert first["headers"]["webhook-id"] == second["headers"]["webhook-id"]
    assert verify(first, endpoint["secret"]) == verify(second, endpoint["secret"])


def test_reorder_sends_the_update_before_the_create(sandbox, receiver):
    endpoint = registered(sandbox, receiver)
    add_webhook_fault(sandbox, "reorder")
    created = create_transfer(sandbox, 700, "2026-11-23").json()
    control(sandbox, "PATCH", f"/records/{created['id']}", json={"memo": "second"})
    events = [verify(r, endpoint["secret"]) for r in receiver.wait_for(2)]
    assert [e["type"] for e in events] == ["transaction.updated", "transaction.created"]


@pytest.mark.parametrize(
    "kind, check",
    [
        ("wrong_signature", "no matching signature"),
        ("signature_other_body", "no matching signature"),
        ("stale_timestamp", "too old"),
        ("future_timestamp", "too new"),
        ("missing_id", "missing"),
        ("unknown_version_only", "no matching signature"),
    ],
)
def test_bad_signature_faults_fail_verification_then_a_clean_retry_passes(
    sandbox, receiver, kind, check
):
    endpoint = registered(sandbox, receiver)
    add_webhook_fault(sandbox, kind)
    receiver.script(401)
    make_change(sandbox)
    faulty, retry = receiver.wait_for(2)
    with pytest.raises(sw.WebhookVerificationError, match=check):
        verify(faulty, endpoint["secret"])
    verify(retry, endpoint["secret"])
    if kind in ("stale_timestamp", "future_timestamp"):
        # correctly signed, only outside the tolerance
        verify(faulty, endpoint["secret"], tolerance=3600)
    if kind == "unknown_version_only":
        assert faulty["headers"]["webhook-signature"].startswith("v2,")


def test_dual_signature_needs_every_entry_tried(sandbox, receiver):
    endpoint = registered(sandbox, receiver)
    add_webhook_fault(sandbox, "dual_signature")
    make_change(sandbox)
    delivery = receiver.wait_for(1)[0]
    entries = delivery["headers"]["webhook-signature"].split(" ")
    assert len(entries) == 2
    verify(delivery, endpoint["secret"])
    only_first = dict(delivery["headers"], **{"webhook-signature": entries[0]})
    with pytest.raises(sw.WebhookVerificationError):
        sw.verify(endpoint["secret"], only_first, delivery["body"])


def test_large_and_unicode_bodies_are_signed_over_the_exact_bytes(sandbox, receiver):
    endpoint = registered(sandbox, receiver)
    add_webhook_fault(sandbox, "large_body")
    make_change(sandbox)
    large = receiver.wait_for(1)[0]
    assert len(large["body"]) > 1_000_000
    verify(large, endpoint["secret"])
    add_webhook_fault(sandbox, "unicode_body")
    make_change(sandbox)
    unicode_request = receiver.wait_for(2)[1]
    assert "東京 🍁".encode() in unicode_request["body"]
    assert verify(unicode_request, endpoint["secret"])["note"].startswith("Café")


def test_secret_rotation_sends_both_signatures_until_finished(sandbox, receiver):
    endpoint = registered(sandbox, receiver)
    rotated = control(sandbox, "POST", f"/webhooks/{endpoint['id']}/rotate-secret", json={})
    new_secret = rotated.json()["secret"]
    assert new_secret != endpoint["secret"] and rotated.json()["rotationInProgress"]
    make_change(sandbox)
    during = receiver.wait_for(1)[0]
    assert len(during["headers"]["webhook-signature"].split(" ")) == 2
    verify(during, endpoint["secret"])
    verify(during, new_secret)
    control(sandbox, "PATCH", f"/webhooks/{endpoint['id']}", json={"finishRotation": True})
    make_change(sandbox)
    after = receiver.wait_for(2)[1]
    verify(after, new_secret)
    with pytest.raises(sw.WebhookVerificationError):
        verify(after, endpoint["secret"])


def test_fault_can_target_one_endpoint(sandbox, receiver):
    from sandbox_helpers import WebhookReceiver

    other_receiver = WebhookReceiver()
    try:
        first = registered(sandbox, receiver)
        second = register(sandbox, other_receiver.url)
        other_receiver.wait_for(1)
        other_receiver.requests.clear()
        add_webhook_fault(sandbox, "wrong_signature", endpointId=second["id"])
        make_change(sandbox)
        verify(receiver.wait_for(1)[0], first["secret"])
        with pytest.raises(sw.WebhookVerificationError):
            verify(other_receiver.wait_for(1)[0], second["secret"])
    finally:
        other_receiver.stop()


def test_invalid_webhook_fault_is_rejected(sandbox):
    assert control(sandbox, "POST", "/webhook-faults", json={"kind": "meteor"}).status_code == 400
    assert (
        control(
            sandbox, "POST", "/webhook-faults", json={"kind": "duplicate", "count": 0}
        ).status_code
        == 400
    )


# --- log, redelivery and the switch ------------------------------------------------------------


def test_delivery_log_and_manual_redelivery(sandbox, receiver):
    endpoint = registered(sandbox, receiver)
    make_change(sandbox)
    original = receiver.wait_for(1)[0]
    logged = wait_until(
        lambda: [
            d
            for d in deliveries(sandbox, endpointId=endpoint["id"], status="succeeded")
            if not d["verification"]
        ]
    )
    entry = logged[0]
    assert entry["messageId"] == original["headers"]["webhook-id"]
    assert entry["eventType"] == "transaction.updated" and entry["attempts"][0]["status"] == 204
    again = control(sandbox, "POST", f"/deliveries/{entry['id']}/redeliver")
    assert again.status_code == 202
    repeat = receiver.wait_for(2)[1]
    assert repeat["headers"]["webhook-id"] == original["headers"]["webhook-id"]
    verify(repeat, endpoint["secret"])
    assert control(sandbox, "POST", "/deliveries/9999/redeliver").status_code == 404


def test_switch_off_drops_events_and_paused_queues_them(sandbox, receiver):
    registered(sandbox, receiver)
    assert control(sandbox, "POST", "/webhooks/dispatch", json={"mode": "off"}).json() == {
        "mode": "off"
    }
    make_change(sandbox)
    time.sleep(0.2)
    assert receiver.requests == []
    control(sandbox, "POST", "/webhooks/dispatch", json={"mode": "paused"})
    make_change(sandbox)
    time.sleep(0.2)
    assert receiver.requests == []
    control(sandbox, "POST", "/webhooks/dispatch", json={"mode": "on"})
    assert len(receiver.wait_for(1)) == 1
    assert (
        control(sandbox, "POST", "/webhooks/dispatch", json={"mode": "sideways"}).status_code == 400
    )


def test_disabled_or_deleted_endpoints_receive_nothing(sandbox, receiver):
    endpoint = registered(sandbox, receiver)
    control(sandbox, "PATCH", f"/webhooks/{endpoint['id']}", json={"enabled": False})
    make_change(sandbox)
    control(sandbox, "PATCH", f"/webhooks/{endpoint['id']}", json={"enabled": True})
    tokens = sandbox.issue_tokens()
    deleted = requests.delete(
        f"{sandbox.api_url}/businesses/1001/webhooks/{endpoint['id']}",
        headers=bearer(tokens),
        timeout=TIMEOUT,
    )
    assert deleted.status_code == 204
    make_change(sandbox)
    time.sleep(0.2)
    assert receiver.requests == []


def test_reset_keeps_endpoints_and_tokens_unless_asked(sandbox, receiver):
    endpoint = registered(sandbox, receiver)
    tokens = sandbox.issue_tokens()
    assert control(sandbox, "POST", "/reset", json={}).status_code == 200
    assert api_get(sandbox, tokens, "/users/me").status_code == 200
    assert deliveries(sandbox) == []
    make_change(sandbox)
    verify(receiver.wait_for(1)[0], endpoint["secret"])
    control(sandbox, "POST", "/reset", json={"dropWebhooks": True})
    assert control(sandbox, "GET", "/webhooks").json() == []
