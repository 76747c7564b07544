"""The SLA admin screens refuse a policy or calendar whose JSON has the wrong shape,
or is null where the column needs a value, with an error on that field."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.test import Client

from casework.sla.models import BusinessCalendar, SlaPolicy
from tests.integration.sla.conftest import OFFICE_HOURS

POLICY_LISTS = ["priorities", "tiers", "entitlement_ids", "case_type_ids", "channels", "team_ids"]


def policy_form(**overrides: Any) -> dict[str, str]:
    values: dict[str, Any] = {
        "priorities": [],
        "tiers": [],
        "entitlement_ids": [],
        "case_type_ids": [],
        "channels": [],
        "team_ids": [],
        "targets": {"first_response": {"normal": 60}},
        "pause_statuses": ["pending", "on_hold"],
        "warn_percents": [50, 75],
        "breach_actions": {
            "notify": True,
            "raise_priority": "",
            "move_to_team": None,
            "run_automation": True,
        },
    }
    values.update(overrides)
    form = {name: json.dumps(value) for name, value in values.items()}
    form.update(name="Gold", position="10", is_active="on", calendar="")
    return form


def assert_refused_on(response: Any, field: str) -> str:
    assert response.status_code == 200, response.status_code
    html = response.content.decode()
    row = re.search(rf'<div class="form-row[^"]*field-{field}\b.*?</div>\s*</div>', html, re.S)
    assert row and "errorlist" in row.group(0), f"no error on {field}"
    return re.sub(r"<[^>]+>", " ", row.group(0).split("errorlist", 1)[1])


@pytest.mark.parametrize("field", [*POLICY_LISTS, "pause_statuses", "warn_percents", "breach_actions"])
def test_a_policy_field_of_the_wrong_shape_is_a_form_error(back_office: Client, field: str) -> None:
    response = back_office.post("/admin/sla/slapolicy/add/", policy_form(**{field: 1}))
    assert_refused_on(response, field)
    assert not SlaPolicy.objects.exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("priorities", ["normal", 3]),
        ("tiers", [{"gold": True}]),
        ("entitlement_ids", ["seven"]),
        ("case_type_ids", [True]),
        ("team_ids", [1.5]),
        ("channels", "email"),
        ("pause_statuses", "pending"),
        ("warn_percents", ["50"]),
        ("breach_actions", ["notify"]),
        ("breach_actions", {"notify": "yes"}),
        ("breach_actions", {"raise_priority": 1}),
        ("breach_actions", {"move_to_team": "escalation"}),
        ("targets", 1),
    ],
)
def test_a_policy_list_holding_the_wrong_kind_of_item_is_a_form_error(
    back_office: Client, field: str, value: Any
) -> None:
    response = back_office.post("/admin/sla/slapolicy/add/", policy_form(**{field: value}))
    assert_refused_on(response, field)
    assert not SlaPolicy.objects.exists()


@pytest.mark.parametrize(
    "field", [*POLICY_LISTS, "targets", "pause_statuses", "warn_percents", "breach_actions"]
)
def test_null_is_refused_where_a_policy_needs_a_value(
    back_office: Client, policy: SlaPolicy, field: str
) -> None:
    form = policy_form(**{field: None})
    form["name"] = "Standard"
    response = back_office.post(f"/admin/sla/slapolicy/{policy.pk}/change/", form)
    assert "null is not allowed" in assert_refused_on(response, field)
    policy.refresh_from_db()
    assert getattr(policy, field) is not None and policy.version == 1


def test_a_changed_policy_of_the_right_shape_is_saved(back_office: Client, policy: SlaPolicy) -> None:
    form = policy_form(priorities=["urgent"], team_ids=[3], breach_actions={"move_to_team": 3})
    form["name"] = "Standard"
    response = back_office.post(f"/admin/sla/slapolicy/{policy.pk}/change/", form)
    assert response.status_code == 302
    policy.refresh_from_db()
    assert policy.priorities == ["urgent"] and policy.team_ids == [3] and policy.version == 2


def test_a_nan_target_is_refused(back_office: Client) -> None:
    form = policy_form()
    form["targets"] = '{"first_response": {"normal": NaN}}'
    assert_refused_on(back_office.post("/admin/sla/slapolicy/add/", form), "targets")
    assert not SlaPolicy.objects.exists()


def calendar_form(**overrides: Any) -> dict[str, str]:
    values: dict[str, Any] = {"hours": OFFICE_HOURS, "holidays": ["2026-12-24"]}
    values.update(overrides)
    form = {name: json.dumps(value) for name, value in values.items()}
    form.update(name="Office", time_zone="UTC", holiday_country="", holiday_subdivision="")
    return form


@pytest.mark.parametrize("field", ["hours", "holidays"])
def test_a_calendar_without_hours_or_holidays_is_refused(back_office: Client, field: str) -> None:
    response = back_office.post(
        "/admin/sla/businesscalendar/add/", calendar_form(**{field: None}, is_24x7=True)
    )
    assert_refused_on(response, field)
    assert not BusinessCalendar.objects.exists()


@pytest.mark.parametrize("hours", [1, ["mon"], {"mon": 1}, {"mon": [1]}, {"mon": [["08:00"]]}])
def test_working_hours_of_the_wrong_shape_are_an_error_on_the_hours(back_office: Client, hours: Any) -> None:
    response = back_office.post("/admin/sla/businesscalendar/add/", calendar_form(hours=hours))
    assert_refused_on(response, "hours")
    assert not BusinessCalendar.objects.exists()
