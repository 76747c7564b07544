"""What a PATCH body may say, on every resource that takes one: `null` clears a
field only where a record may lack it (a team, a due date), a value of the wrong
JSON type is refused rather than converted, and a refusal names the field and
changes nothing. Each of these was once a 500 or a silent conversion."""

from __future__ import annotations

from typing import Any

import pytest

from casework.iam.models import User
from tests.factories import ApiClient

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_api(admin_user: User) -> ApiClient:
    return ApiClient(admin_user)


def _made(api: ApiClient, path: str, body: dict[str, Any], key: str = "id") -> str:
    status, made, _ = api.post(path, body)
    assert status == 201, made
    return f"{path}/{made[key]}"


def _id(path: str) -> int:
    return int(path.rsplit("/", 1)[1])


@pytest.fixture
def resources(admin_api: ApiClient, admin_user: User) -> dict[str, str]:
    """One record of each kind that takes a PATCH, made through the API."""
    team = _made(admin_api, "/teams", {"name": "Billing"})
    account = _made(admin_api, "/accounts", {"name": "Northwind"})
    return {
        "case": _made(admin_api, "/cases", {"title": "Printer on fire", "tags": ["printer"]}, key="number"),
        "account": account,
        "contact": _made(admin_api, "/contacts", {"name": "Ann", "emails": ["ann@northwind.example"]}),
        "team": team,
        "user": f"/users/{admin_user.pk}",
        "calendar": _made(
            admin_api,
            "/calendars",
            {"name": "Office hours", "time_zone": "Europe/Paris", "hours": {"mon": [["09:00", "17:00"]]}},
        ),
        "policy": _made(
            admin_api, "/sla-policies", {"name": "Standard", "targets": {"first_response": {"normal": 60}}}
        ),
        "entitlement": _made(
            admin_api,
            "/entitlements",
            {"name": "Support hours", "account": _id(account), "unit": "hours", "total": 10},
        ),
        "mailbox": _made(admin_api, "/mailboxes", {"address": "help@casework.example"}),
        "routing rule": _made(admin_api, "/routing-rules", {"name": "VIP", "team": _id(team)}),
        "macro": _made(admin_api, "/macros", {"name": "Thanks", "reply": "Thank you!"}),
        "article": _made(admin_api, "/articles", {"title": "Reset a password", "body": "Click reset."}),
    }


NULLS = [
    ("case", "tags"),
    ("case", "title"),
    ("case", "description"),
    ("case", "custom_fields"),
    ("case", "priority"),
    ("account", "name"),
    ("account", "email_domains"),
    ("contact", "emails"),
    ("team", "name"),
    ("user", "is_active"),
    ("calendar", "time_zone"),
    ("calendar", "hours"),
    ("calendar", "holidays"),
    ("policy", "is_active"),
    ("policy", "breach_actions"),
    ("policy", "priorities"),
    ("entitlement", "total"),
    ("entitlement", "restrict"),
    ("mailbox", "smtp_tls"),
    ("mailbox", "signature"),
    ("routing rule", "conditions"),
    ("macro", "is_active"),
    ("article", "title"),
]


@pytest.mark.parametrize(("kind", "field"), NULLS)
def test_null_for_a_field_a_record_cannot_lack_is_refused_naming_it(
    admin_api: ApiClient, resources: dict[str, str], kind: str, field: str
) -> None:
    path = resources[kind]
    before = admin_api.get(path)[1]
    status, body, _ = admin_api.patch(path, {field: None})
    assert (status, body["field"]) == (422, field), body
    assert "cannot be null" in body["message"]
    assert admin_api.get(path)[1] == before  # nothing changed


def test_null_clears_a_field_a_record_may_lack(admin_api: ApiClient, resources: dict[str, str]) -> None:
    team = int(resources["team"].rsplit("/", 1)[1])
    case = resources["case"]
    assert admin_api.patch(case, {"team": team})[1]["team"]["id"] == team
    status, body, _ = admin_api.patch(case, {"team": None})
    assert status == 200 and body["team"] is None, body
    status, body, _ = admin_api.patch(resources["entitlement"], {"ends_on": "2027-01-31"})
    assert body["ends_on"] == "2027-01-31"
    status, body, _ = admin_api.patch(resources["entitlement"], {"ends_on": None})
    assert status == 200 and body["ends_on"] is None, body


WRONG_TYPES = [
    ("account", {"version": False}, "version"),
    ("account", {"parent": False}, "parent"),
    ("contact", {"is_account_admin": 1}, "is_account_admin"),
    ("calendar", {"is_24x7": 0}, "is_24x7"),
    ("routing rule", {"priority_adjustment": False}, "priority_adjustment"),
    ("routing rule", {"position": "3"}, "position"),
    ("macro", {"is_active": 0}, "is_active"),
    ("case", {"version": True}, "version"),
    ("entitlement", {"total": True}, "total"),
    ("entitlement", {"ends_on": 1767225600}, "ends_on"),
    ("calendar", {"holidays": [20271225]}, "holidays.0"),
]


@pytest.mark.parametrize(("kind", "body", "field"), WRONG_TYPES)
def test_a_value_of_the_wrong_json_type_is_refused_not_converted(
    admin_api: ApiClient, resources: dict[str, str], kind: str, body: dict[str, Any], field: str
) -> None:
    path = resources[kind]
    before = admin_api.get(path)[1]
    status, answer, _ = admin_api.patch(path, body)
    assert (status, answer["field"]) == (422, field), answer
    assert admin_api.get(path)[1] == before


def test_dates_and_amounts_still_come_as_json_writes_them(
    admin_api: ApiClient, resources: dict[str, str]
) -> None:
    status, body, _ = admin_api.patch(
        resources["entitlement"], {"starts_on": "2027-01-01", "total": "12.50", "remaining": 7.25}
    )
    assert status == 200, body
    assert (body["starts_on"], body["total"], body["remaining"]) == ("2027-01-01", 12.5, 7.25)
    status, body, _ = admin_api.patch(resources["calendar"], {"holidays": ["2027-12-25"]})
    assert (status, body["holidays"]) == (200, ["2027-12-25"]), body


@pytest.mark.parametrize("total", ["123456789.00", "1.005", 1e12])
def test_an_amount_the_column_cannot_hold_is_refused_and_the_list_still_reads(
    admin_api: ApiClient, resources: dict[str, str], total: Any
) -> None:
    status, body, _ = admin_api.post(
        "/entitlements", {"name": "Too much", "account": _id(resources["account"]), "total": total}
    )
    assert (status, body["field"]) == (422, "total"), body
    status, body, _ = admin_api.patch(resources["entitlement"], {"total": total})
    assert (status, body["field"]) == (422, "total"), body
    status, listed, _ = admin_api.get("/entitlements")
    assert status == 200 and [e["total"] for e in listed] == [10.0]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("offset=-1", "offset"),
        ("offset=99999999999999999999", "offset"),
        ("limit=0", "limit"),
        ("limit=501", "limit"),
    ],
)
@pytest.mark.parametrize("listing", ["/accounts", "/contacts"])
def test_a_list_window_out_of_range_is_refused_naming_it(
    admin_api: ApiClient, listing: str, query: str, field: str
) -> None:
    status, body, _ = admin_api.get(f"{listing}?{query}")
    assert status in (400, 422) and body["field"] == field, body


def test_the_openapi_schema_shows_which_fields_may_be_null(admin_api: ApiClient) -> None:
    schemas = admin_api.get("/openapi.json")[1]["components"]["schemas"]
    case = schemas["CasePatch"]["properties"]
    assert {"type": "null"} in case["team"]["anyOf"]
    assert "anyOf" not in case["tags"] and case["tags"]["type"] == "array"
    assert "anyOf" not in case["title"] and case["title"]["type"] == "string"
    macro = schemas["MacroInPatch"]["properties"]
    assert macro["is_active"]["type"] == "boolean"


def test_a_case_answer_matches_the_contact_schema_the_openapi_names(
    admin_api: ApiClient, resources: dict[str, str]
) -> None:
    """Two schemas once shared the name ContactOut, and the case's pointed at the
    account area's (with `emails`, no `email`)."""
    status, case, _ = admin_api.post("/cases", {"title": "Hi", "contact": {"email": "kim@example.com"}})
    assert status == 201, case
    schemas = admin_api.get("/openapi.json")[1]["components"]["schemas"]
    ref = next(k["$ref"] for k in schemas["CaseOut"]["properties"]["contact"]["anyOf"] if "$ref" in k)
    contact = schemas[ref.rsplit("/", 1)[1]]
    assert set(contact["properties"]) == set(case["contact"]) == {"id", "name", "email"}
    assert "emails" in schemas["ContactOut"]["properties"]
