"""Time rules fire once per case per occurrence: a marker, not a time window."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import time_machine

from casework.automation import configuration, engine
from casework.cases.models import Message, TimelineEvent
from casework.cases.services import receive_customer_message, update_case
from casework.core.actors import Actor

START = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def reminder_rule():
    return configuration.save_document(
        "time_rules",
        {
            "name": "Pending 72 hours: remind the customer",
            "conditions": {
                "all": [
                    {"field": "status", "op": "is", "value": "pending"},
                    {"field": "hours_since_status_change", "op": "greater_than", "value": 72},
                ]
            },
            "actions": [
                {
                    "type": "email",
                    "to": "customer",
                    "body": "Hello {{ contact.name }}, is {{ case.number }} solved?",
                }
            ],
        },
    )


def reminders(case):
    return list(Message.objects.filter(case=case, direction="outbound").values_list("text", flat=True))


def test_pending_for_72_hours_sends_one_reminder_not_one_per_evaluation(make_case, agent, contact):
    reminder_rule()
    with time_machine.travel(START, tick=False) as traveller:
        case = make_case(assignee=agent)
        update_case(Actor.agent(agent), case, {"status": "pending"})
        traveller.shift(timedelta(hours=71))
        assert engine.evaluate_time_rules() == {"Pending 72 hours: remind the customer": 0}
        traveller.shift(timedelta(hours=2))
        engine.evaluate_time_rules()
        for _ in range(3):
            traveller.shift(timedelta(minutes=5))
            engine.evaluate_time_rules()
        assert reminders(case) == [f"Hello Casey Customer, is {case.number} solved?"]
        assert TimelineEvent.objects.filter(case=case, kind="time_rule_fired").count() == 1

        # The customer answers (open again), the agent waits on them once more: a new occurrence.
        receive_customer_message(contact, case, text="Not yet")
        engine.evaluate_time_rules()
        update_case(Actor.agent(agent), case, {"status": "pending"})
        traveller.shift(timedelta(hours=73))
        engine.evaluate_time_rules()
        engine.evaluate_time_rules()
        assert len(reminders(case)) == 2


def test_time_rules_only_touch_cases_that_match(make_case, agent):
    configuration.save_document(
        "time_rules",
        {
            "name": "Old urgent cases get a tag",
            "conditions": {
                "all": [
                    {"field": "priority", "op": "is", "value": "urgent"},
                    {"field": "hours_since_created", "op": "greater_than", "value": 4},
                ],
                "any": [
                    {"field": "tags", "op": "contains", "value": "vip"},
                    {"field": "team", "op": "is", "value": "Support"},
                ],
            },
            "actions": [{"type": "add_tag", "tag": "stale-urgent"}],
        },
    )
    with time_machine.travel(START, tick=False) as traveller:
        urgent = make_case(priority="urgent")
        low = make_case(priority="low")
        traveller.shift(timedelta(hours=5))
        assert engine.evaluate_time_rules() == {"Old urgent cases get a tag": 1}
    assert list(urgent.tags.values_list("name", flat=True)) == ["stale-urgent"]
    assert list(low.tags.values_list("name", flat=True)) == []
