"""Case types shape the custom fields; the playbook and required fields are the closure criteria."""

from __future__ import annotations

from casework.automation.models import CaseType
from casework.cases.models import TimelineEvent

RESOLVE = {"status": "resolved", "resolution_code": "solved", "resolution_summary": "Refunded"}


def open_dispute(api, billing_dispute, **fields):
    body = {
        "title": "Charged twice",
        "case_type": billing_dispute.pk,
        "custom_fields": {"invoice_number": "INV-7"},
    }
    body.update(fields)
    status, case, _ = api.post("/cases", body)
    assert status == 201, case
    return case


def test_custom_fields_are_checked_against_the_case_type(api, billing_dispute):
    status, body, _ = api.post(
        "/cases", {"title": "Charged twice", "case_type": billing_dispute.pk, "custom_fields": {}}
    )
    assert status == 422
    assert body["field"] == "custom_fields.invoice_number"
    status, body, _ = api.post(
        "/cases",
        {
            "title": "x",
            "case_type": billing_dispute.pk,
            "custom_fields": {"invoice_number": "1", "refund_amount": "a lot"},
        },
    )
    assert (status, body["field"]) == (422, "custom_fields.refund_amount")
    status, body, _ = api.post(
        "/cases",
        {
            "title": "x",
            "case_type": billing_dispute.pk,
            "custom_fields": {"invoice_number": "1", "colour": 1},
        },
    )
    assert (status, body["field"]) == (422, "custom_fields.colour")


def test_billing_dispute_cannot_be_resolved_until_finance_approves_and_refund_amount_is_filled(
    api, api_as, lead, agent, billing_dispute
):
    case = open_dispute(api, billing_dispute, assignee=agent.pk)
    number = case["number"]
    status, playbooks, _ = api.get(f"/cases/{number}/playbooks")
    run = playbooks["items"][0]
    assert (run["playbook"], run["done"], run["total"]) == ("Billing dispute", 0, 3)

    status, body, _ = api.patch(f"/cases/{number}", RESOLVE)
    assert status == 409
    assert "custom_fields.refund_amount: Refund amount must be filled" in body["missing"]
    assert "approval finance_approval: Finance approval is not done" in body["missing"]
    assert "step check_invoice: Check the invoice is not done" in body["missing"]

    assert api.post(f"/cases/{number}/playbooks/{run['run_id']}/steps/check_invoice")[0] == 200
    status, body, _ = api.post(f"/cases/{number}/playbooks/{run['run_id']}/steps/finance_approval")
    assert status == 403  # an agent cannot approve for finance
    assert api_as(lead).post(f"/cases/{number}/playbooks/{run['run_id']}/steps/finance_approval")[0] == 200
    status, body, _ = api.patch(f"/cases/{number}", RESOLVE)
    assert status == 409
    assert body["missing"] == ["custom_fields.refund_amount: Refund amount must be filled"]

    api.patch(f"/cases/{number}", {"custom_fields": {"invoice_number": "INV-7", "refund_amount": 49.5}})
    status, body, _ = api.patch(f"/cases/{number}", RESOLVE)
    assert status == 200, body
    assert body["status"] == "resolved"
    kinds = list(TimelineEvent.objects.filter(case__number=number).values_list("kind", flat=True))
    assert kinds.count("playbook_step_completed") == 2
    progress = api.get(f"/cases/{number}/playbooks")[1]["items"][0]
    assert (progress["done"], progress["percent"]) == (3, 100)


def test_an_open_required_task_blocks_resolve_and_shows_in_my_tasks(api, agent, make_case):
    status, case, _ = api.post("/cases", {"title": "Replace router", "assignee": agent.pk})
    number = case["number"]
    status, task, _ = api.post(
        f"/cases/{number}/tasks", {"title": "Ship a new router", "assignee": agent.pk, "required": True}
    )
    assert status == 201
    assert [t["title"] for t in api.get("/tasks/mine")[1]["items"]] == ["Ship a new router"]
    status, body, _ = api.patch(f"/cases/{number}", RESOLVE)
    assert status == 409
    assert "task: Ship a new router is still open" in body["missing"]
    assert api.patch(f"/cases/{number}/tasks/{task['id']}", {"status": "done"})[1]["status"] == "done"
    assert api.get("/tasks/mine")[1]["items"] == []
    assert api.patch(f"/cases/{number}", RESOLVE)[0] == 200


def test_changing_the_type_keeps_the_fields_both_types_have(api, billing_dispute, team):
    from casework.automation import configuration

    refund = configuration.save_document(
        "case_types",
        {
            "key": "refund-request",
            "name": "Refund request",
            "fields": [
                {"key": "invoice_number", "type": "text"},
                {"key": "refund_amount", "type": "number"},
                {"key": "order_date", "type": "date"},
            ],
        },
    )
    case = open_dispute(api, billing_dispute)
    api.patch(f"/cases/{case['number']}", {"custom_fields": {"invoice_number": "INV-7", "reason": "other"}})
    status, body, _ = api.patch(f"/cases/{case['number']}", {"case_type": refund.pk})
    assert status == 200, body
    assert body["custom_fields"] == {"invoice_number": "INV-7"}


def test_only_leads_and_admins_change_case_types(api, api_as, lead):
    status, body, _ = api.post("/case-types", {"key": "x", "name": "X"})
    assert status == 403
    status, body, _ = api_as(lead).post(
        "/case-types",
        {"key": "defect", "name": "Product defect", "fields": [{"key": "serial", "type": "colour"}]},
    )
    assert (status, body["field"]) == (422, "fields.0.type")
    status, body, _ = api_as(lead).post(
        "/case-types",
        {"key": "defect", "name": "Product defect", "fields": [{"key": "serial", "type": "text"}]},
    )
    assert status == 201
    assert CaseType.objects.get(key="defect").fields_schema[0]["key"] == "serial"
    status, body, _ = api_as(lead).patch(f"/case-types/{body['id']}", {"description": "Hardware faults"})
    assert (status, body["description"]) == (200, "Hardware faults")
    assert [t["key"] for t in api.get("/case-types")[1]["items"]] == ["defect"]
    status, body, _ = api_as(lead).post("/case-types", {"key": "defect", "name": "Again", "bogus": 1})
    assert (status, body["field"]) == (422, "bogus")


def test_service_definitions_map_requests_to_a_type_and_team(api_as, lead, billing_dispute, team):
    from casework.automation import selectors

    status, body, _ = api_as(lead).post(
        "/service-definitions",
        {
            "key": "dispute-invoice",
            "name": "Dispute an invoice",
            "case_type": "billing-dispute",
            "team": team.name,
        },
    )
    assert status == 201, body
    assert [s.name for s in selectors.service_choices(customer=True)] == ["Dispute an invoice"]
    status, body, _ = api_as(lead).post(
        "/service-definitions", {"key": "x", "name": "X", "case_type": "no-such-type"}
    )
    assert (status, body["field"]) == (422, "case_type")


def test_a_playbook_task_step_becomes_a_task_and_its_completion_ticks_the_step(api, agent, team):
    from casework.automation import configuration

    configuration.save_document("case_types", {"key": "defect", "name": "Product defect"})
    configuration.save_document(
        "playbooks",
        {
            "name": "Defect",
            "case_type": "defect",
            "stages": [
                {
                    "name": "Fix",
                    "steps": [
                        {
                            "key": "rma",
                            "kind": "task",
                            "title": "Send an RMA",
                            "team": team.name,
                            "due_hours": 24,
                        }
                    ],
                }
            ],
        },
    )
    defect = CaseType.objects.get(key="defect")
    status, case, _ = api.post("/cases", {"title": "Broken", "case_type": defect.pk, "assignee": agent.pk})
    assert status == 201
    tasks = api.get(f"/cases/{case['number']}/tasks")[1]["items"]
    assert [(t["title"], t["team"]["name"], t["step"]) for t in tasks] == [("Send an RMA", team.name, "rma")]
    assert tasks[0]["due_at"] is not None
    api.patch(f"/cases/{case['number']}/tasks/{tasks[0]['id']}", {"status": "done"})
    progress = api.get(f"/cases/{case['number']}/playbooks")[1]["items"][0]
    assert (progress["done"], progress["total"]) == (1, 1)
