"""Macros: a reply template and actions an agent applies in one click."""

from __future__ import annotations

from casework.cases.models import Message


def test_a_macro_posts_its_reply_and_runs_its_actions(api_as, lead, api, agent, make_case):
    status, macro, _ = api_as(lead).post(
        "/macros",
        {
            "name": "Waiting for logs",
            "reply": "Hi {{ contact.name }}, please send the logs for {{ case.number }}. "
            "<b>{{ agent.name }}</b>",
            "actions": [
                {"type": "set", "field": "status", "value": "pending"},
                {"type": "add_tag", "tag": "needs-logs"},
            ],
        },
    )
    assert status == 201, macro
    case = make_case(assignee=agent, title="<script>alert(1)</script>")
    status, body, _ = api.post(f"/cases/{case.number}/macros/{macro['id']}")
    assert status == 200, body
    assert body["case"]["status"] == "pending"
    assert body["case"]["tags"] == ["needs-logs"]
    reply = Message.objects.get(pk=body["message_id"])
    assert reply.text == f"Hi Casey Customer, please send the logs for {case.number}. <b>Alex Agent</b>"
    assert "<b>Alex Agent</b>" in reply.html  # the template's own markup stays


def test_macro_placeholders_are_escaped_in_html(api_as, lead, api, agent, make_case):
    _, macro, _ = api_as(lead).post("/macros", {"name": "Echo", "reply": "About: {{ case.title }}"})
    case = make_case(assignee=agent, title="<script>alert(1)</script>")
    body = api.post(f"/cases/{case.number}/macros/{macro['id']}")[1]
    reply = Message.objects.get(pk=body["message_id"])
    assert "<script>" not in reply.html
    assert "&lt;script&gt;" in reply.html


def test_a_macro_cannot_close_a_case_or_reach_outside_its_context(api_as, lead):
    client = api_as(lead)
    status, body, _ = client.post(
        "/macros", {"name": "Close it", "actions": [{"type": "set", "field": "status", "value": "closed"}]}
    )
    assert (status, body["field"]) == (422, "actions.0.value")
    status, body, _ = client.post("/macros", {"name": "Peek", "reply": "{% include '/etc/passwd' %}"})
    assert (status, body["field"]) == (422, "reply")
    status, body, _ = client.post("/macros", {"name": "Broken", "reply": "{% if %}"})
    assert (status, body["field"]) == (422, "reply")


def test_personal_macros_are_seen_only_by_their_owner(api, api_as, agent, other_agent):
    status, macro, _ = api.post("/macros", {"name": "My greeting", "reply": "Hello!", "personal": True})
    assert status == 201, macro
    assert [m["name"] for m in api.get("/macros")[1]["items"]] == ["My greeting"]
    assert api_as(other_agent).get("/macros")[1]["items"] == []
    assert api.post("/macros", {"name": "Shared", "reply": "Hi"})[0] == 403
