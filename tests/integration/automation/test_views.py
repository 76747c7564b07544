"""The case page panel and the "My tasks" page, as an agent sees them."""

from __future__ import annotations

import pytest
from django.test import Client

from casework.automation import services
from casework.cases.models import Case


@pytest.fixture
def browser(agent):
    client = Client()
    client.force_login(agent)
    return client


def test_the_panel_renders_the_form_from_the_schema_and_saves_through_the_cases_service(
    browser, make_case, billing_dispute, agent
):
    case = make_case(case_type=billing_dispute, custom_fields={"invoice_number": "INV-1"}, assignee=agent)
    page = browser.get(f"/automation/case/{case.number}/panel")
    html = page.content.decode()
    assert page.status_code == 200
    assert 'name="cf_refund_amount"' in html and "Playbook: Billing dispute" in html
    assert "<html" not in html
    response = browser.post(
        f"/automation/case/{case.number}/fields", {"cf_invoice_number": "INV-1", "cf_refund_amount": "12.5"}
    )
    assert response.status_code == 200
    assert Case.objects.get(pk=case.pk).custom_fields == {"invoice_number": "INV-1", "refund_amount": 12.5}
    bad = browser.post(
        f"/automation/case/{case.number}/fields", {"cf_invoice_number": "", "cf_refund_amount": "x"}
    )
    assert bad.status_code == 422
    assert "is not a number" in bad.content.decode() or "required" in bad.content.decode()


def test_completing_a_step_and_a_task_from_the_panel(browser, make_case, billing_dispute, agent):
    case = make_case(case_type=billing_dispute, custom_fields={"invoice_number": "INV-1"}, assignee=agent)
    run_id = services.playbook_progress(case)[0]["run_id"]
    response = browser.post(f"/automation/case/{case.number}/steps/{run_id}/check_invoice")
    assert response.status_code == 200
    assert "done by Alex Agent" in response.content.decode()
    refused = browser.post(f"/automation/case/{case.number}/steps/{run_id}/finance_approval")
    assert refused.status_code == 403
    assert "needs a team lead" in refused.content.decode()
    browser.post(f"/automation/case/{case.number}/tasks", {"title": "Call the bank"})
    page = browser.get("/automation/tasks/")
    assert "Call the bank" in page.content.decode()


def test_another_teams_case_has_no_panel(make_case, other_agent):
    case = make_case()
    client = Client()
    client.force_login(other_agent)
    assert client.get(f"/automation/case/{case.number}/panel").status_code == 404
