"""The automation admin refuses null in a JSON setting that must hold a value (case
type fields, playbook stages, rule conditions and actions, macro actions) with an
error on that field, when adding and when changing."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.test import Client

from casework.automation.models import CaseType, Macro, Playbook, TimeRule, Trigger

CONDITIONS = {"all": [{"field": "priority", "op": "is", "value": "urgent"}]}
ACTIONS = [{"type": "add_tag", "tag": "hot"}]


def case_type_form() -> dict[str, Any]:
    fields = [{"key": "invoice_number", "label": "Invoice number", "type": "text"}]
    return {
        "name": "Billing dispute",
        "key": "billing-dispute",
        "description": "",
        "default_team": "",
        "is_active": "on",
        "fields_schema": json.dumps(fields),
    }


def playbook_form() -> dict[str, Any]:
    stages = [{"name": "Investigate", "steps": [{"key": "check", "kind": "checklist", "title": "Check"}]}]
    return {
        "name": "Billing dispute",
        "case_type": "",
        "description": "",
        "is_active": "on",
        "stages": json.dumps(stages),
    }


def trigger_form() -> dict[str, Any]:
    return {
        "name": "Urgent to escalation",
        "event": "case_created",
        "position": "0",
        "is_active": "on",
        "description": "",
        "conditions": json.dumps(CONDITIONS),
        "actions": json.dumps(ACTIONS),
    }


def time_rule_form() -> dict[str, Any]:
    """A trigger's form without its event: a time rule runs on a schedule."""
    form = {**trigger_form(), "name": "Stale urgent cases"}
    del form["event"]
    return form


def macro_form() -> dict[str, Any]:
    return {
        "name": "Escalate",
        "reply": "We are on it.",
        "owner": "",
        "is_active": "on",
        "actions": json.dumps(ACTIONS),
    }


SCREENS = {
    "casetype": (CaseType, case_type_form),
    "playbook": (Playbook, playbook_form),
    "trigger": (Trigger, trigger_form),
    "timerule": (TimeRule, time_rule_form),
    "macro": (Macro, macro_form),
}
NOT_NULL = [
    ("casetype", "fields_schema"),
    ("playbook", "stages"),
    ("trigger", "conditions"),
    ("trigger", "actions"),
    ("timerule", "conditions"),
    ("timerule", "actions"),
    ("macro", "actions"),
]


def refused_on(response: Any, field: str) -> str:
    assert response.status_code == 200, response.status_code
    row = re.search(
        rf'<div class="form-row[^"]*field-{field}\b.*?</div>\s*</div>', response.content.decode(), re.S
    )
    assert row and "errorlist" in row.group(0), f"no error on {field}"
    return row.group(0)


@pytest.mark.parametrize(("screen", "field"), NOT_NULL)
@pytest.mark.parametrize("typed", ["null", ""])
def test_null_is_refused_when_adding(back_office: Client, screen: str, field: str, typed: str) -> None:
    model, form = SCREENS[screen]
    response = back_office.post(f"/admin/automation/{screen}/add/", {**form(), field: typed})
    assert "null is not allowed" in refused_on(response, field)
    assert not model.objects.exists()


@pytest.mark.parametrize(("screen", "field"), NOT_NULL)
def test_null_is_refused_when_changing(back_office: Client, screen: str, field: str) -> None:
    model, form = SCREENS[screen]
    assert back_office.post(f"/admin/automation/{screen}/add/", form()).status_code == 302
    row = model.objects.get()
    response = back_office.post(f"/admin/automation/{screen}/{row.pk}/change/", {**form(), field: "null"})
    refused_on(response, field)
    row.refresh_from_db()
    assert getattr(row, field) == json.loads(form()[field])


def test_nan_in_a_case_type_is_refused(back_office: Client) -> None:
    nan = '[{"key": "note", "label": "Note", "type": "text", "default": NaN}]'
    response = back_office.post("/admin/automation/casetype/add/", {**case_type_form(), "fields_schema": nan})
    assert "NaN" in refused_on(response, "fields_schema")
    assert not CaseType.objects.exists()
