"""Admin screens validate like the API and preview a rule before it is saved."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from casework.automation.models import Trigger


@pytest.fixture
def back_office(lead):
    client = Client()
    client.force_login(lead)
    return client


def trigger_form(**overrides):
    data = {
        "name": "Urgent to escalation",
        "event": "case_created",
        "conditions": json.dumps({"all": [{"field": "priority", "op": "is", "value": "urgent"}]}),
        "actions": json.dumps([{"type": "add_tag", "tag": "hot"}]),
        "position": "0",
        "is_active": "on",
        "description": "",
    }
    data.update(overrides)
    return data


def test_a_lead_cannot_save_a_trigger_with_a_bad_operator(back_office):
    bad = json.dumps({"all": [{"field": "priority", "op": "equals", "value": "urgent"}]})
    response = back_office.post("/admin/automation/trigger/add/", trigger_form(conditions=bad))
    assert response.status_code == 200
    assert "conditions.all.0.op" in response.content.decode()
    assert Trigger.objects.count() == 0


def test_preview_shows_matching_open_cases_without_saving(back_office, make_case):
    case = make_case(priority="urgent")
    make_case(priority="low")
    response = back_office.post("/admin/automation/trigger/add/", trigger_form(preview_only="on"))
    html = response.content.decode()
    assert "Preview: 1 open cases match now" in html and case.number in html
    assert Trigger.objects.count() == 0
    response = back_office.post("/admin/automation/trigger/add/", trigger_form())
    assert response.status_code == 302
    assert Trigger.objects.get().name == "Urgent to escalation"


def test_an_agent_has_no_automation_admin(agent):
    client = Client()
    client.force_login(agent)
    assert client.get("/admin/automation/trigger/").status_code == 302  # to the admin login
