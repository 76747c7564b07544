"""Every refusal of the API is a 4xx whose JSON body names the field at fault,
on every endpoint of accounts, contacts, teams, users and the case list."""

from __future__ import annotations

import json
from typing import Any

import pytest

from casework.accounts.models import Account, Contact
from casework.cases.models import Case
from casework.iam.models import Team, User
from tests.factories import AccountFactory, ApiClient, ContactFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_api(admin_user: User) -> ApiClient:
    return ApiClient(admin_user)


@pytest.fixture
def records(db: Any) -> dict[str, int]:
    account = AccountFactory(name="Northwind")
    contact = ContactFactory(name="Ann", account=account)
    team = Team.objects.create(name="Billing")
    return {"account": account.pk, "contact": contact.pk, "team": team.pk}


def named(body: dict[str, Any]) -> set[str]:
    return {e["field"] for e in body.get("errors", []) if e.get("field")} | (
        {body["field"]} if body.get("field") else set()
    )


CASES = [
    # accounts
    ("POST", "/accounts", '{"name": ', 400, "body"),
    ("POST", "/accounts", {"name": 5}, 422, "name"),
    ("POST", "/accounts", {"name": "A", "colour": "red"}, 422, "colour"),
    ("POST", "/accounts", {"name": "A", "tier": "gold"}, 422, "tier"),
    ("POST", "/accounts", {"name": "A", "email_domains": ["not a domain"]}, 422, "email_domains"),
    ("POST", "/accounts", {"name": "A", "parent": 999999}, 404, "account"),
    ("POST", "/accounts", {}, 422, "name"),
    ("GET", "/accounts/999999", None, 404, "account"),
    ("GET", "/accounts/abc", None, 400, "account_id"),
    ("PATCH", "/accounts/{account}", {"tier": "platinum"}, 422, "tier"),
    ("PATCH", "/accounts/{account}", {"name": ""}, 422, "name"),
    ("PATCH", "/accounts/{account}", {"version": 99}, 412, "version"),
    ("PATCH", "/accounts/{account}", {"parent": "{account}"}, 422, "parent"),
    # contacts
    ("POST", "/contacts", {"name": "B"}, 422, "emails"),
    ("POST", "/contacts", {"name": "B", "emails": []}, 422, "emails"),
    ("POST", "/contacts", {"name": "B", "emails": ["nope"]}, 422, "emails"),
    ("POST", "/contacts", {"emails": ["b@x.example"], "account": 999999}, 404, "account"),
    ("POST", "/contacts", {"emails": ["b@x.example"], "is_account_admin": "maybe"}, 422, "is_account_admin"),
    ("GET", "/contacts/999999", None, 404, "contact"),
    ("PATCH", "/contacts/{contact}", {"emails": []}, 422, "emails"),
    ("PATCH", "/contacts/{contact}", {"version": 99, "phone": "1"}, 412, "version"),
    ("PATCH", "/contacts/{contact}", {"nickname": "x"}, 422, "nickname"),
    # teams
    ("POST", "/teams", {"name": ""}, 422, "name"),
    ("POST", "/teams", {"name": "billing"}, 422, "name"),
    ("POST", "/teams", {"name": "T", "members": []}, 422, "members"),
    ("GET", "/teams/999999", None, 404, "team"),
    ("PATCH", "/teams/{team}", {"name": ""}, 422, "name"),
    ("PATCH", "/teams/{team}", {"name": 7}, 422, "name"),
    # users
    ("POST", "/users", {"email": "not-an-address"}, 422, "email"),
    ("POST", "/users", {"email": "c@staff.example", "role": "wizard"}, 422, "role"),
    ("POST", "/users", {"email": "c@staff.example", "teams": [999999]}, 404, "team"),
    ("POST", "/users", {"email": "c@staff.example", "password": "short"}, 422, "password"),
    ("POST", "/users", {"email": "admin@staff.example"}, 422, "email"),
    ("GET", "/users/999999", None, 404, "id"),
    ("PATCH", "/users/999999", {"name": "x"}, 404, "id"),
    ("PATCH", "/users/{me}", {"is_active": "maybe"}, 422, "is_active"),
    ("PATCH", "/users/{me}", {"role": "emperor"}, 422, "role"),
    # the case list's query parameters
    ("GET", "/cases?limit=0", None, 422, "limit"),
    ("GET", "/cases?limit=ten", None, 400, "limit"),
    ("GET", "/cases?sort=colour", None, 422, "sort"),
    ("GET", "/cases?status=sleeping", None, 422, "status"),
    ("GET", "/cases?priority=critical", None, 422, "priority"),
    ("GET", "/cases?assignee=bob", None, 422, "assignee"),
    ("GET", "/cases?created_after=yesterday", None, 422, "created_after"),
    ("GET", "/cases?updated_before=2026-13-40", None, 422, "updated_before"),
    ("GET", "/cases?created_after=0.5", None, 422, "created_after"),
    ("GET", "/cases?sla_due_before=1767225600", None, 422, "sla_due_before"),
    ("GET", "/portal/deflections?until=0.5", None, 422, "until"),
    ("GET", "/cases?cursor=not-a-cursor", None, 422, "cursor"),
    ("GET", "/cases?team=support", None, 400, "team"),
    # text no database can take: a NUL character (PostgreSQL refuses it, SQLite would store it)
    ("GET", "/cases/CS-1%00", None, 422, "number"),
    ("GET", "/cases?tag=urgent%00", None, 422, "tag"),
    ("GET", "/accounts?q=north%00", None, 422, "q"),
    ("POST", "/cases", {"title": "Printer\u0000on fire"}, 422, "title"),
    ("POST", "/cases", {"title": "Printer", "tags": ["hot\u0000"]}, 422, "tags.0"),
    ("POST", "/cases", {"title": "Printer", "custom_fields": {"k": "v\u0000"}}, 422, "custom_fields.k"),
    # an id beyond 64 bits names no record (SQLite cannot even bind it)
    ("POST", "/cases", {"title": "Printer", "team": 99999999999999999999}, 404, "team"),
    ("GET", "/users/99999999999999999999", None, 404, "id"),
    ("GET", "/teams/99999999999999999999", None, 404, "team"),
    ("POST", "/accounts", {"name": "North\u0000wind"}, 422, "name"),
    # email addresses (each checked once, remembered when valid)
    ("POST", "/cases", {"title": "Printer", "contact": {"email": "not-an-address"}}, 422, "contact"),
    ("POST", "/cases", {"title": "Printer", "contact": {"email": "a@b@example.com"}}, 422, "contact"),
    ("POST", "/users", {"email": "dana@[127.0.0.1]"}, 422, "email"),
]


@pytest.mark.parametrize(("method", "path", "body", "status", "field"), CASES)
def test_bad_request_is_refused_naming_the_field(
    admin_api: ApiClient, admin_user: User, records: dict[str, int], method, path, body, status, field
) -> None:
    ids = {**records, "me": admin_user.pk}
    path = path.format(**ids)
    if isinstance(body, dict):
        body = json.loads(json.dumps(body).replace('"{account}"', str(ids["account"])))

    def counts() -> tuple[int, ...]:
        models = (Account, Contact, Team, User, Case)
        return tuple(m.objects.count() for m in models)  # type: ignore[attr-defined]

    before = counts()
    raw = body if isinstance(body, str) else None
    got, payload, _ = admin_api.call(method, path, None if raw else body, raw=raw)
    assert got == status, payload
    assert any(n == field or n.startswith(f"{field}.") for n in named(payload)), payload
    assert payload["message"]
    assert counts() == before  # nothing was half-written


@pytest.mark.parametrize("name", ["team", "account", "contact", "case_type"])
def test_a_list_filter_beyond_64_bits_is_never_a_server_error(admin_api: ApiClient, name: str) -> None:
    status, body, _ = admin_api.get(f"/cases?{name}=99999999999999999999")
    if status == 200:  # PostgreSQL compares it: no case has such an id
        assert body["items"] == []
    else:  # SQLite cannot bind it: the field is named
        assert (status, body["field"]) == (422, name), body


def test_an_address_is_refused_every_time_and_a_valid_one_is_normalised(admin_api: ApiClient) -> None:
    for _ in range(2):  # a refusal is never remembered as valid
        status, body, _ = admin_api.post("/contacts", {"name": "Kim", "emails": ["kim@@example.com"]})
        assert status == 422 and "emails" in str(named(body)), body
    for _ in range(2):  # nor is a valid address checked differently the second time
        status, body, _ = admin_api.post("/contacts", {"name": "Kim", "emails": ["Kim@Example.COM"]})
        if status == 201:
            assert body["emails"] == ["kim@example.com"], body
        else:  # the second time the address is taken, by the first contact
            assert status in (409, 422) and "emails" in str(named(body)), body
    schema = admin_api.get("/openapi.json")[1]
    emails = schema["components"]["schemas"]["ContactCreate"]["properties"]["emails"]
    assert emails["items"]["format"] == "email"


@pytest.mark.parametrize(
    ("method", "path", "status", "field"),
    [
        ("GET", "/no-such-thing", 404, "path"),
        ("PUT", "/cases", 405, "method"),
        ("TRACE", "/teams", 405, "method"),
    ],
)
def test_an_address_or_method_the_api_lacks_is_answered_in_json(
    admin_api: ApiClient, method: str, path: str, status: int, field: str
) -> None:
    got, body, response = admin_api.call(method, path)
    assert (got, body["field"]) == (status, field), body
    assert body["code"] in {"not_found", "method_not_allowed"} and body["message"]
    if status == 405:
        assert "GET" in response["Allow"]


def test_every_operation_documents_the_error_body_it_may_answer(admin_api: ApiClient) -> None:
    schema = admin_api.get("/openapi.json")[1]
    error = schema["components"]["schemas"]["Error"]
    assert set(error["required"]) == {"code", "message", "field", "errors"}
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            refusals = [code for code in operation["responses"] if str(code).startswith("4")]
            assert refusals, f"{method.upper()} {path} documents no refusal"
    status, body, _ = admin_api.patch("/accounts/999999", {"name": "x"})
    assert status == 404 and set(error["required"]) <= set(body)
