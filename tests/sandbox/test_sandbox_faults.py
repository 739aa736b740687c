"""Rate limiting, injected HTTP faults, offset drift, the control API and its request log."""

from __future__ import annotations

import email.utils
import json
import time
from datetime import datetime, timezone

import pytest
import requests
from sandbox_helpers import TIMEOUT, api_get, bearer, control, oauth_login
from werkzeug.test import Client

from kashoo_sandbox import SandboxServer
from kashoo_sandbox.app import SandboxApp
from kashoo_sandbox.config import SandboxConfig

RECORDS = "/businesses/1001/records"


def add_fault(server, **spec) -> dict:
    response = control(server, "POST", "/faults", json=spec)
    assert response.status_code == 201, response.text
    return response.json()


# --- rate limit ----------------------------------------------------------------------------------


def test_rate_limit_answers_429_with_retry_after_then_recovers():
    with SandboxServer(seed=1, size=0, rate_limit=3) as server:
        tokens = server.issue_tokens()
        statuses = [api_get(server, tokens, "/users/me").status_code for _ in range(3)]
        limited = api_get(server, tokens, "/users/me")
        assert statuses == [200, 200, 200]
        assert limited.status_code == 429
        assert limited.json()["error"] == "rate_limited"
        retry_after = int(limited.headers["Retry-After"])
        assert 1 <= retry_after <= 1
        # another client has its own budget
        other_client = control(
            server, "POST", "/clients", json={"redirect_uris": ["http://x/cb"]}
        ).json()
        other = server.issue_tokens(client_id=other_client["client_id"])
        assert api_get(server, other, "/users/me").status_code == 200
        time.sleep(retry_after)
        assert api_get(server, tokens, "/users/me").status_code == 200


def test_rate_limit_can_be_switched_off_at_run_time():
    with SandboxServer(seed=1, size=0, rate_limit=2) as server:
        tokens = server.issue_tokens()
        assert control(server, "POST", "/config", json={"rateLimit": 0}).json()["rateLimit"] == 0
        assert all(api_get(server, tokens, "/users/me").status_code == 200 for _ in range(8))
        assert control(server, "POST", "/config", json={"apiPrefix": "/x"}).status_code == 400


# --- HTTP faults ---------------------------------------------------------------------------------


def test_status_fault_with_retry_after_seconds_hits_only_count_requests(sandbox):
    tokens = sandbox.issue_tokens()
    add_fault(sandbox, path="/api/businesses/1001/records", status=503, retryAfter=7, count=2)
    for _ in range(2):
        response = api_get(sandbox, tokens, RECORDS)
        assert response.status_code == 503 and response.headers["Retry-After"] == "7"
        assert response.json()["error"] == "server_error"
    assert api_get(sandbox, tokens, RECORDS).status_code == 200
    assert control(sandbox, "GET", "/faults").json() == []


def test_retry_after_http_date_form(sandbox):
    tokens = sandbox.issue_tokens()
    add_fault(
        sandbox, path="/api/businesses", status=429, retryAfter=120, retryAfterFormat="http-date"
    )
    response = api_get(sandbox, tokens, RECORDS)
    assert response.status_code == 429
    moment = email.utils.parsedate_to_datetime(response.headers["Retry-After"])
    assert 100 < (moment - datetime.now(timezone.utc)).total_seconds() <= 121


@pytest.mark.parametrize(
    "body, content_type, text",
    [
        ("html", "text/html", "<h1>502 Error</h1>"),
        ("empty", None, ""),
    ],
)
def test_non_json_error_bodies(sandbox, body, content_type, text):
    tokens = sandbox.issue_tokens()
    add_fault(
        sandbox, path=RECORDS.replace("/businesses", "/api/businesses"), status=502, body=body
    )
    response = api_get(sandbox, tokens, RECORDS)
    assert response.status_code == 502
    assert text in response.text if text else response.text == ""
    if content_type:
        assert response.headers["Content-Type"].startswith(content_type)


def test_fault_matching_by_method_and_exact_path(sandbox):
    tokens = sandbox.issue_tokens()
    add_fault(sandbox, path="/api/businesses/1001", match="exact", status=500)
    add_fault(sandbox, path="/oauth/token", method="POST", status=503)
    assert api_get(sandbox, tokens, RECORDS).status_code == 200  # not an exact match
    assert api_get(sandbox, tokens, "/businesses/1001").status_code == 500
    token_response = requests.post(f"{sandbox.url}/oauth/token", data={}, timeout=TIMEOUT)
    assert token_response.status_code == 503


def test_delay_beyond_the_client_timeout(sandbox):
    tokens = sandbox.issue_tokens()
    add_fault(sandbox, path="/api/users/me", kind="delay", delay=1.5)
    started = time.monotonic()
    with pytest.raises(requests.exceptions.ReadTimeout):
        requests.get(f"{sandbox.api_url}/users/me", headers=bearer(tokens), timeout=0.3)
    assert time.monotonic() - started < 1.0
    assert api_get(sandbox, tokens, "/users/me").status_code == 200


def test_connection_reset(sandbox):
    tokens = sandbox.issue_tokens()
    add_fault(sandbox, path="/api/users/me", kind="reset")
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.get(f"{sandbox.api_url}/users/me", headers=bearer(tokens), timeout=TIMEOUT)
    assert api_get(sandbox, tokens, "/users/me").status_code == 200
    logged = control(sandbox, "GET", "/requests", params={"path": "/api/users/me"}).json()
    assert [entry["status"] for entry in logged] == ["reset", 200]


def test_truncated_json_body(sandbox):
    tokens = sandbox.issue_tokens()
    full = api_get(sandbox, tokens, RECORDS).content
    add_fault(sandbox, path="/api" + RECORDS, kind="truncated_json")
    response = api_get(sandbox, tokens, RECORDS)
    assert response.status_code == 200
    assert full.startswith(response.content) and len(response.content) == len(full) // 2
    with pytest.raises(ValueError):
        json.loads(response.content)


def test_incomplete_body_breaks_the_transfer(sandbox):
    tokens = sandbox.issue_tokens()
    add_fault(sandbox, path="/api" + RECORDS, kind="incomplete_body")
    with pytest.raises(
        (requests.exceptions.ChunkedEncodingError, requests.exceptions.ConnectionError)
    ):
        api_get(sandbox, tokens, RECORDS)


def test_html_with_status_200(sandbox):
    tokens = sandbox.issue_tokens()
    add_fault(sandbox, path="/api" + RECORDS, kind="html_200")
    response = api_get(sandbox, tokens, RECORDS)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/html")
    with pytest.raises(ValueError):
        response.json()


@pytest.mark.parametrize(
    "spec",
    [
        {"path": "relative"},
        {"path": "/x", "kind": "explode"},
        {"path": "/x", "count": 0},
        {"path": "/x", "kind": "delay"},
        {"path": "/x", "status": 99},
        {"path": "/x", "body": "xml"},
    ],
)
def test_invalid_fault_specs_are_rejected(sandbox, spec):
    assert control(sandbox, "POST", "/faults", json=spec).status_code == 400


# --- offset drift --------------------------------------------------------------------------------


def test_rows_inserted_between_pages_shift_the_next_page(sandbox):
    tokens = sandbox.issue_tokens()
    assert (
        control(
            sandbox, "POST", "/drift", json={"businessId": 1001, "mode": "insert", "count": 3}
        ).status_code
        == 201
    )
    first = api_get(sandbox, tokens, RECORDS, limit=20).json()
    second = api_get(sandbox, tokens, RECORDS, limit=20, offset=20).json()
    first_ids = [r["id"] for r in first]
    # three back-dated rows now sort before the offset: the last three of page 1 come again
    assert [r["id"] for r in second[:3]] == first_ids[-3:]
    inserted = [r for r in api_get(sandbox, tokens, RECORDS, limit=3).json()]
    assert all(r["id"] < first_ids[0] for r in inserted)
    assert {r["memo"] for r in inserted} == {"Inserted between page requests"}


def test_purged_rows_make_the_next_page_skip_rows(sandbox):
    tokens = sandbox.issue_tokens()
    everything = api_get(sandbox, tokens, RECORDS, limit=40).json()
    control(sandbox, "POST", "/drift", json={"businessId": 1001, "mode": "purge", "count": 2})
    api_get(sandbox, tokens, RECORDS, limit=20)
    second = api_get(sandbox, tokens, RECORDS, limit=20, offset=20).json()
    assert second[0]["id"] == everything[22]["id"]  # rows 20 and 21 were never served


# --- control API ---------------------------------------------------------------------------------


def test_control_api_refuses_non_loopback_clients():
    app = SandboxApp(SandboxConfig(seed=1, size=0))
    remote = Client(app).get("/_sandbox/fixtures", environ_overrides={"REMOTE_ADDR": "10.1.2.3"})
    assert remote.status_code == 403
    local = Client(app).get("/_sandbox/fixtures", environ_overrides={"REMOTE_ADDR": "127.0.0.1"})
    assert local.status_code == 200
    opened = SandboxApp(SandboxConfig(seed=1, size=0, allow_remote_control=True))
    assert (
        Client(opened)
        .get("/_sandbox/fixtures", environ_overrides={"REMOTE_ADDR": "10.1.2.3"})
        .status_code
        == 200
    )


def test_request_log_redacts_credentials(sandbox):
    tokens = oauth_login(sandbox)
    api_get(sandbox, tokens, "/users/me")
    requests.get(
        f"{sandbox.url}/oauth/authorize",
        timeout=TIMEOUT,
        params={"client_id": "odoo-demo", "code": "leaky-code"},
    )
    log = control(sandbox, "GET", "/requests").json()
    dumped = json.dumps(log)
    assert tokens["access_token"] not in dumped and "leaky-code" not in dumped
    assert "sandbox-demo-secret" not in dumped
    me = next(e for e in log if e["path"] == "/api/users/me")
    assert me["headers"]["Authorization"] == "Bearer [redacted]"
    assert me["clientId"] == "odoo-demo" and me["status"] == 200
    token_call = next(e for e in log if e["path"] == "/oauth/token")
    assert token_call["headers"]["Authorization"] == "Basic [redacted]"
    assert control(sandbox, "DELETE", "/requests").status_code == 200
    assert control(sandbox, "GET", "/requests").json() == []


def test_create_update_delete_records_through_control(sandbox):
    tokens = sandbox.issue_tokens()
    customer = api_get(sandbox, tokens, "/businesses/1001/contacts", type="customers").json()[0]
    hst_on = next(
        t
        for t in api_get(sandbox, tokens, "/businesses/1001/taxes").json()
        if t["name"] == "HST ON"
    )
    spec = {
        "businessId": 1001,
        "type": "invoice",
        "date": "2026-11-21",
        "contact": customer["id"],
        "lineItems": [
            {
                "account": 2019,
                "description": "Toques",
                "quantity": "3",
                "unitPrice": 2833,
                "discount": 99,
                "taxes": [hst_on["id"]],
            }
        ],
    }
    created = control(sandbox, "POST", "/records", json=spec)
    assert created.status_code == 201
    invoice = created.json()
    assert invoice["lineItems"][0]["amount"] == 3 * 2833 - 99
    assert invoice["lineItems"][0]["taxes"] == [{"tax": hst_on["id"], "amount": 1092}]
    assert invoice["amount"] == invoice["balanceDue"] == 8400 + 1092
    assert invoice["version"] == 1 and invoice["number"].startswith("INV-")
    assert api_get(sandbox, tokens, f"{RECORDS}/{invoice['id']}").json() == invoice

    wrong_total = control(sandbox, "POST", "/records", json={**spec, "amount": 9000})
    assert wrong_total.status_code == 400 and wrong_total.json()["field"] == "amount"

    payment_spec = {
        "businessId": 1001,
        "type": "invoicePayment",
        "date": "2026-11-22",
        "contact": customer["id"],
        "depositAccount": 2001,
        "appliesTo": [{"record": invoice["id"], "amount": 5000}],
    }
    payment = control(sandbox, "POST", "/records", json=payment_spec)
    assert payment.status_code == 201 and payment.json()["amount"] == 5000
    paid = api_get(sandbox, tokens, f"{RECORDS}/{invoice['id']}").json()
    assert paid["balanceDue"] == 9492 - 5000 and paid["version"] == 2

    over = control(
        sandbox,
        "POST",
        "/records",
        json={**payment_spec, "appliesTo": [{"record": invoice["id"], "amount": 4493}]},
    )
    assert over.status_code == 400 and "over-pay" in over.json()["message"]
    vendor = api_get(sandbox, tokens, "/businesses/1001/contacts", type="vendors").json()[0]
    wrong_contact = control(
        sandbox,
        "POST",
        "/records",
        json={**payment_spec, "type": "billPayment", "contact": vendor["id"]},
    )
    assert wrong_contact.status_code == 400

    busy = control(sandbox, "DELETE", f"/records/{invoice['id']}")
    assert busy.status_code == 409
    removed_payment = control(sandbox, "DELETE", f"/records/{payment.json()['id']}").json()
    assert removed_payment["removed"] is True and removed_payment["version"] == 2
    assert api_get(sandbox, tokens, f"{RECORDS}/{invoice['id']}").json()["balanceDue"] == 9492

    edited = control(sandbox, "PATCH", f"/records/{invoice['id']}", json={"memo": "edited"})
    assert edited.status_code == 200 and edited.json()["version"] == 4
    removed = control(sandbox, "DELETE", f"/records/{invoice['id']}").json()
    assert removed["removed"] is True and removed["version"] == 5
    assert (
        control(sandbox, "PATCH", f"/records/{invoice['id']}", json={"type": "bill"}).status_code
        == 400
    )
    assert control(sandbox, "DELETE", "/records/999999").status_code == 404


def test_raw_records_allow_awkward_shapes(sandbox):
    tokens = sandbox.issue_tokens()
    raw = control(
        sandbox,
        "POST",
        "/records",
        json={
            "businessId": 1001,
            "raw": True,
            "type": "journalEntry",
            "date": "2026-11-21",
            "amount": "12.50",
        },
    ).json()
    served = api_get(sandbox, tokens, f"{RECORDS}/{raw['id']}").json()
    assert served["type"] == "journalEntry" and served["amount"] == "12.50"
    assert served["version"] == 1 and served["modifiedAt"].endswith("Z")


def test_clock_and_config_views(sandbox):
    clock = control(sandbox, "POST", "/clock", json={"offsetSeconds": 3600}).json()
    assert clock["offsetSeconds"] == 3600
    settings = control(sandbox, "GET", "/config").json()
    assert settings["apiPrefix"] == "/api" and settings["timeScale"] == 0.001
    index = control(sandbox, "GET", "").json()
    assert "/_sandbox/faults" in index["endpoints"] and "reset" in index["httpFaultKinds"]
