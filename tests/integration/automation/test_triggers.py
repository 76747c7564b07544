"""Triggers run after a change, in order, in the same transaction, and stop loops."""

from __future__ import annotations

from casework.automation import configuration
from casework.cases.models import Case, TimelineEvent
from casework.cases.services import receive_customer_message, update_case
from casework.core.actors import Actor


def trigger(name, event, conditions, actions, position=0):
    return configuration.save_document(
        "triggers",
        {"name": name, "event": event, "conditions": conditions, "actions": actions, "position": position},
    )


def test_a_trigger_assigns_urgent_cases_to_the_escalation_team(make_case, escalation_team):
    trigger(
        "Urgent to escalation",
        "case_created",
        {"all": [{"field": "priority", "op": "is", "value": "urgent"}]},
        [{"type": "assign", "team": "Escalation"}, {"type": "add_tag", "tag": "escalated"}],
    )
    urgent = make_case(priority="urgent")
    normal = make_case(priority="normal")
    urgent.refresh_from_db()
    normal.refresh_from_db()
    assert urgent.team == escalation_team
    assert list(urgent.tags.values_list("name", flat=True)) == ["escalated"]
    assert normal.team.name == "Support"
    event = TimelineEvent.objects.get(case=urgent, kind="team_changed")
    assert (event.actor_kind, event.actor_label) == ("automation", "Urgent to escalation")


def test_triggers_run_in_order_and_each_sees_the_changes_before_it(make_case, agent):
    trigger(
        "VIP is urgent",
        "case_created",
        {"all": [{"field": "title", "op": "contains", "value": "vip"}]},
        [{"type": "set", "field": "priority", "value": "urgent"}],
        position=1,
    )
    trigger(
        "Urgent gets a note",
        "case_created",
        {"all": [{"field": "priority", "op": "is", "value": "urgent"}]},
        [{"type": "note", "text": "Urgent: {{ case.title }} for {{ contact.name }}"}],
        position=2,
    )
    case = make_case(title="VIP cannot log in")
    notes = list(case.messages.filter(direction="internal").values_list("text", flat=True))
    assert notes == ["Urgent: VIP cannot log in for Casey Customer"]


def test_a_creation_trigger_names_the_new_cases_number(make_case, agent):
    """The number is taken after the opening's handlers unless one reads it first:
    a trigger's note that names it gets the case's own number, and the next case
    the one after it."""
    trigger(
        "Acknowledge",
        "case_created",
        {"all": [{"field": "title", "op": "contains", "value": "printer"}]},
        [{"type": "note", "text": "Logged as {{ case.number }}"}],
    )
    case = make_case(title="The printer is on fire")
    after = make_case(title="Cannot log in")
    notes = list(case.messages.filter(direction="internal").values_list("text", flat=True))
    assert case.number and notes == [f"Logged as {case.number}"]
    assert Case.objects.get(pk=case.pk).number == case.number
    assert int(after.number.rsplit("-", 1)[1]) == int(case.number.rsplit("-", 1)[1]) + 1


def test_two_triggers_that_ping_pong_a_field_stop_at_the_depth_limit(make_case, agent):
    trigger(
        "High becomes urgent",
        "case_updated",
        {"all": [{"field": "priority", "op": "changed_to", "value": "high"}]},
        [{"type": "set", "field": "priority", "value": "urgent"}],
    )
    trigger(
        "Urgent becomes high",
        "case_updated",
        {"all": [{"field": "priority", "op": "changed_to", "value": "urgent"}]},
        [{"type": "set", "field": "priority", "value": "high"}],
    )
    case = make_case()
    update_case(Actor.agent(agent), case, {"priority": "high"})
    stops = TimelineEvent.objects.filter(case=case, kind="automation_stopped")
    assert stops.count() == 1
    assert "depth limit" in stops.get().data["reason"]
    assert TimelineEvent.objects.filter(case=case, kind="trigger_fired").count() == 2
    assert Case.objects.get(pk=case.pk).priority_label == "high"


def test_a_customer_message_trigger_sees_the_message_text(make_case, contact):
    trigger(
        "Refund words",
        "customer_message",
        {"all": [{"field": "message_text", "op": "contains", "value": "refund"}]},
        [{"type": "add_tag", "tag": "refund"}],
    )
    case = make_case()
    receive_customer_message(contact, case, text="I want a REFUND now")
    assert list(case.tags.values_list("name", flat=True)) == ["refund"]


def test_a_failing_action_is_on_the_timeline_and_does_not_undo_the_change(make_case, agent):
    trigger(
        "Resolve too early",
        "case_updated",
        {"all": [{"field": "tags", "op": "contains", "value": "done"}]},
        [{"type": "set", "field": "status", "value": "resolved"}, {"type": "add_tag", "tag": "tried"}],
    )
    case = make_case()
    update_case(Actor.agent(agent), case, {"tags": ["done"]})
    failed = TimelineEvent.objects.get(case=case, kind="automation_failed")
    assert failed.data["action"] == "set"
    assert sorted(case.tags.values_list("name", flat=True)) == ["done", "tried"]


def test_trigger_api_validates_and_previews_matching_open_cases(api_as, lead, make_case, other_agent, api):
    client = api_as(lead)
    status, body, _ = client.post(
        "/triggers",
        {
            "name": "Bad",
            "event": "case_created",
            "conditions": {"all": [{"field": "priority", "op": "equals"}]},
        },
    )
    assert (status, body["field"]) == (422, "conditions.all.0.op")
    status, body, _ = client.post(
        "/triggers",
        {"name": "Bad", "event": "case_created", "actions": [{"type": "assign", "team": "Nobody"}]},
    )
    assert (status, body["field"]) == (422, "actions.0.team")
    make_case(priority="urgent", title="Server down")
    make_case(priority="low")
    conditions = {"all": [{"field": "priority", "op": "is", "value": "urgent"}]}
    status, body, _ = client.post("/triggers/preview", {"conditions": conditions})
    assert status == 200
    assert (body["count"], body["cases"][0]["title"]) == (1, "Server down")
    # Another team's agent sees none of them.
    assert api_as(other_agent).post("/triggers/preview", {"conditions": conditions})[1]["count"] == 0


def test_an_sla_breach_on_resolution_raises_the_priority(make_case):
    from casework.core import clock, events
    from casework.sla.events import ClockBreached

    trigger(
        "Resolution breach is high",
        "sla_breach",
        {"all": [{"field": "sla_metric", "op": "is", "value": "resolution"}]},
        [{"type": "set", "field": "priority", "value": "high"}],
    )
    case = make_case(priority="low")
    events.publish(ClockBreached(case_id=case.pk, clock_id=1, metric="first_response", due_at=clock.now()))
    assert Case.objects.get(pk=case.pk).priority_label == "low"
    events.publish(ClockBreached(case_id=case.pk, clock_id=2, metric="resolution", due_at=clock.now()))
    assert Case.objects.get(pk=case.pk).priority_label == "high"


def test_an_agent_reply_and_a_status_change_set_off_their_triggers(make_case, agent):
    from casework.cases.services import post_reply

    trigger(
        "Replied cases wait on the customer",
        "agent_reply",
        {"all": [{"field": "tags", "op": "contains", "value": "auto-pending"}]},
        [{"type": "set", "field": "status", "value": "pending"}],
    )
    trigger(
        "Pending gets a task",
        "status_changed",
        {"all": [{"field": "status", "op": "changed_to", "value": "pending"}]},
        [{"type": "task", "title": "Chase the customer", "due_hours": 48}],
    )
    case = make_case(assignee=agent, tags=["auto-pending"])
    post_reply(Actor.agent(agent), case, text="Here is what to try")
    case.refresh_from_db()
    assert case.status == "pending"
    task = case.tasks.get()
    assert (task.title, task.created_label) == ("Chase the customer", "Pending gets a task")
