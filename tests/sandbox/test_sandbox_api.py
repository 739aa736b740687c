"""The emulated Kashoo API: shapes, paging edges, filters, the ids extension, the prefix."""

from __future__ import annotations

import pytest
import requests
from sandbox_helpers import TIMEOUT, api_get, bearer, control

from kashoo_sandbox import SandboxServer


@pytest.fixture(scope="module")
def tokens(demo_sandbox):
    return demo_sandbox.issue_tokens()


def get(server, tokens, path, **params):
    response = api_get(server, tokens, path, **params)
    assert response.status_code == 200, response.text
    return response.json()


def test_business_and_reference_shapes(demo_sandbox, tokens):
    business = get(demo_sandbox, tokens, "/businesses/1001")
    assert business == {
        "id": 1001,
        "name": "Maple Leaf Supplies Ltd",
        "currency": "CAD",
        "country": "CA",
        "province": "ON",
        "fiscalYearStart": "2026-01-01",
        "businessNumber": "123456782",
        "links": [{"rel": "self", "href": "/api/businesses/1001"}],
    }
    account = get(demo_sandbox, tokens, "/businesses/1001/accounts", limit=1)[0]
    assert account == {
        "id": 2001,
        "number": "1000",
        "name": "Chequing",
        "type": "ASSET",
        "subType": "BANK",
        "currency": "CAD",
        "removed": False,
    }
    tax = get(demo_sandbox, tokens, "/businesses/1001/taxes", limit=1)[0]
    assert set(tax) == {
        "id",
        "name",
        "kind",
        "rate",
        "province",
        "compound",
        "recoverable",
        "registrationNumber",
        "payableAccount",
        "recoverableAccount",
        "validFrom",
        "validTo",
        "removed",
    }
    assert tax["id"] == 3001 and tax["rate"] == "5.000"
    contact = get(demo_sandbox, tokens, "/businesses/1001/contacts", limit=1)[0]
    assert set(contact) == {
        "id",
        "name",
        "type",
        "email",
        "currency",
        "terms",
        "businessNumber",
        "gstNumber",
        "qstNumber",
        "address",
        "removed",
    }
    assert set(contact["address"]) == {"street", "city", "province", "postalCode", "country"}


def test_type_specific_record_fields(demo_sandbox, tokens):
    expected = {
        "invoices": {"lineItems"},
        "bills": {"lineItems"},
        "invoicePayments": {"depositAccount", "paymentMethod", "appliesTo"},
        "billPayments": {"depositAccount", "paymentMethod", "appliesTo"},
        "transfers": {"fromAccount", "toAccount"},
        "expenses": {"paidFrom", "reimbursable", "employee", "lineItems"},
    }
    for segment, fields in expected.items():
        rows = get(demo_sandbox, tokens, f"/businesses/1001/records/{segment}")
        assert rows, segment
        assert all(fields <= set(r) for r in rows)
        assert {r["type"] for r in rows} == {segment[:-1]}
    line = get(demo_sandbox, tokens, "/businesses/1001/records/invoices")[0]["lineItems"][0]
    assert {
        "account",
        "description",
        "quantity",
        "unitPrice",
        "discount",
        "amount",
        "taxes",
    } <= set(line)
    assert isinstance(line["quantity"], str) and isinstance(line["unitPrice"], int)


def test_pages_of_an_exact_multiple_of_100_end_with_an_empty_page(demo_sandbox, tokens):
    first = get(demo_sandbox, tokens, "/businesses/1001/records", limit=100, offset=0)
    second = get(demo_sandbox, tokens, "/businesses/1001/records", limit=100, offset=100)
    third = get(demo_sandbox, tokens, "/businesses/1001/records", limit=100, offset=200)
    assert (len(first), len(second), third) == (100, 100, [])
    ids = [r["id"] for r in first + second]
    assert ids == sorted(ids) and len(set(ids)) == 200


def test_limit_defaults_to_100_and_is_clamped(demo_sandbox, tokens):
    assert len(get(demo_sandbox, tokens, "/businesses/1001/records")) == 100
    assert len(get(demo_sandbox, tokens, "/businesses/1001/records", limit=500)) == 100
    small = get(demo_sandbox, tokens, "/businesses/1001/records", limit=7, offset=3)
    everything = get(demo_sandbox, tokens, "/businesses/1001/records", limit=100)
    assert small == everything[3:10]
    assert get(demo_sandbox, tokens, "/businesses/1001/records", offset=10_000) == []


def test_partial_last_page_and_empty_collections(demo_sandbox, tokens):
    last = get(demo_sandbox, tokens, "/businesses/1002/records", offset=15)
    assert len(last) == 5
    assert get(demo_sandbox, tokens, "/businesses/1001/records", startDate="2030-01-01") == []


@pytest.mark.parametrize(
    "params, field",
    [
        ({"limit": "abc"}, "limit"),
        ({"limit": 0}, "limit"),
        ({"offset": -1}, "offset"),
        ({"startDate": "2026-13-01"}, "startDate"),
        ({"endDate": "20261101"}, "endDate"),
        ({"startDate": "2026-05-01", "endDate": "2026-04-01"}, "startDate"),
        ({"modifiedSince": "yesterday"}, "modifiedSince"),
        ({"ids": "1,two"}, "ids"),
        ({"ids": ",".join(str(i) for i in range(101))}, "ids"),
        ({"type": "payment"}, "type"),
    ],
)
def test_bad_query_parameters_are_400(demo_sandbox, tokens, params, field):
    response = api_get(demo_sandbox, tokens, "/businesses/1001/records", **params)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request" and response.json()["field"] == field


def test_type_filters_agree(demo_sandbox, tokens):
    by_path = get(demo_sandbox, tokens, "/businesses/1001/records/bills")
    by_query = get(demo_sandbox, tokens, "/businesses/1001/records", type="bill")
    by_singular = get(demo_sandbox, tokens, "/businesses/1001/records/bill")
    assert by_path == by_query == by_singular and by_path
    unknown = api_get(demo_sandbox, tokens, "/businesses/1001/records/journals")
    assert unknown.status_code == 404


def test_date_range_is_inclusive(demo_sandbox, tokens):
    everything = get(demo_sandbox, tokens, "/businesses/1001/records") + get(
        demo_sandbox, tokens, "/businesses/1001/records", offset=100
    )
    some_date = everything[50]["date"]
    on_that_day = get(
        demo_sandbox, tokens, "/businesses/1001/records", startDate=some_date, endDate=some_date
    )
    assert on_that_day == [r for r in everything if r["date"] == some_date]
    in_march = get(
        demo_sandbox,
        tokens,
        "/businesses/1001/records",
        startDate="2026-03-01",
        endDate="2026-03-31",
    )
    assert in_march and all("2026-03-01" <= r["date"] <= "2026-03-31" for r in in_march)


def test_single_record_and_batch_ids(demo_sandbox, tokens):
    rows = get(demo_sandbox, tokens, "/businesses/1001/records", limit=5)
    one = get(demo_sandbox, tokens, f"/businesses/1001/records/{rows[2]['id']}")
    assert one == rows[2]
    other_business_record = get(demo_sandbox, tokens, "/businesses/1002/records", limit=1)[0]
    assert (
        api_get(
            demo_sandbox, tokens, f"/businesses/1001/records/{other_business_record['id']}"
        ).status_code
        == 404
    )
    assert api_get(demo_sandbox, tokens, "/businesses/1001/records/999999").status_code == 404
    ids = f"{rows[4]['id']},{rows[0]['id']},{other_business_record['id']},424242"
    batch = get(demo_sandbox, tokens, "/businesses/1001/records", ids=ids)
    assert batch == [rows[0], rows[4]]


def test_contacts_and_accounts_filters(demo_sandbox, tokens):
    customers = get(demo_sandbox, tokens, "/businesses/1001/contacts", type="customers")
    vendors = get(demo_sandbox, tokens, "/businesses/1001/contacts", type="VENDOR")
    assert {c["type"] for c in customers} == {"CUSTOMER"}
    assert {c["type"] for c in vendors} == {"VENDOR"}
    revenue = get(demo_sandbox, tokens, "/businesses/1001/accounts", type="revenue")
    assert revenue and {a["type"] for a in revenue} == {"REVENUE"}
    assert (
        api_get(demo_sandbox, tokens, "/businesses/1001/contacts", type="friends").status_code
        == 400
    )


def test_unknown_routes_and_methods(demo_sandbox, tokens):
    assert api_get(demo_sandbox, tokens, "/nowhere").status_code == 404
    response = requests.post(
        f"{demo_sandbox.api_url}/businesses/1001/records",
        headers=bearer(tokens),
        json={},
        timeout=TIMEOUT,
    )
    assert response.status_code == 405 and "GET" in response.headers["Allow"]


def test_modified_since_returns_only_changed_records(sandbox):
    tokens = sandbox.issue_tokens()
    target = get(sandbox, tokens, "/businesses/1001/records/invoices")[3]
    changed = control(sandbox, "PATCH", f"/records/{target['id']}", json={"memo": "changed"})
    cutoff = changed.json()["modifiedAt"]
    since = get(sandbox, tokens, "/businesses/1001/records", modifiedSince=cutoff)
    assert [r["id"] for r in since] == [target["id"]]
    assert since[0]["version"] == target["version"] + 1 and since[0]["memo"] == "changed"
    with_offset = get(
        sandbox, tokens, "/businesses/1001/records", modifiedSince=cutoff.replace("Z", "+00:00")
    )
    assert with_offset == since


def test_the_same_routes_work_under_the_v2_prefix():
    with SandboxServer(seed=3, size=45, rate_limit=0, api_prefix="/v2") as server:
        assert server.api_url.endswith("/v2")
        tokens = server.issue_tokens()
        businesses = get(server, tokens, "/users/me/businesses")
        assert businesses[0]["links"][0]["href"] == "/v2/businesses/1001"
        assert len(get(server, tokens, "/businesses/1001/records/invoices", limit=2)) == 2
        old = requests.get(f"{server.url}/api/users/me", headers=bearer(tokens), timeout=TIMEOUT)
        assert old.status_code == 404
        token = requests.post(
            f"{server.url}/v2/authTokens", auth=("demo@kashoo.test", "demo"), timeout=TIMEOUT
        )
        assert token.status_code == 200
