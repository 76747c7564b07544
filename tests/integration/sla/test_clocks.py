"""SLA clocks as a support lead sees them, with a fixed clock (time-machine)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from casework.cases import services as case_services
from casework.cases.models import Case, TimelineEvent
from casework.core import events
from casework.core.actors import Actor
from casework.core.notify import Notification
from casework.sla import breaches
from casework.sla.events import ClockBreached, ClockWarned
from casework.sla.models import SlaClock
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

H = timedelta(hours=1)


def clock_of(case: Case, metric: str) -> SlaClock:
    return SlaClock.objects.get(case=case, metric=metric)


@pytest.fixture
def captured() -> Any:
    seen: list[Any] = []
    for kind in (ClockWarned, ClockBreached, Notification):
        events.subscribe(kind, seen.append)
    yield seen
    for kind in (ClockWarned, ClockBreached, Notification):
        events.unsubscribe(kind, seen.append)


def test_new_case_gets_first_response_and_resolution_clocks_in_business_hours(
    traveller, policy, make_case
) -> None:
    case = make_case(priority="normal")
    first = clock_of(case, "first_response")
    assert first.state == "running" and first.started_at == datetime(2026, 11, 23, 9, tzinfo=UTC)
    # 4 business hours from 09:00 with a lunch break 12-13: 14:00.
    assert first.due_at == datetime(2026, 11, 23, 14, tzinfo=UTC)
    # 16 business hours (8 a day): Wednesday 09:00.
    assert clock_of(case, "resolution").due_at == datetime(2026, 11, 25, 9, tzinfo=UTC)
    case.refresh_from_db()
    assert case.sla_due_at == first.due_at
    assert TimelineEvent.objects.filter(case=case, kind="sla_started").count() == 2


def test_first_public_reply_meets_first_response(traveller, policy, make_case, agent) -> None:
    case = make_case()
    traveller.shift(H)
    case_services.add_note(Actor.agent(agent), case, text="internal only")
    assert clock_of(case, "first_response").state == "running"
    case_services.post_reply(Actor.agent(agent), case, text="We are on it")
    first = clock_of(case, "first_response")
    assert first.display_state == "met" and first.met_at == datetime(2026, 11, 23, 10, tzinfo=UTC)
    case.refresh_from_db()
    assert case.sla_due_at == clock_of(case, "resolution").due_at


def test_pending_pauses_resolution_and_customer_reply_resumes_it(
    traveller, policy, make_case, agent, contact
) -> None:
    case = make_case()  # resolution due Wednesday 09:00 (16 business hours)
    traveller.shift(H)  # 10:00
    case_services.post_reply(Actor.agent(agent), case, text="Which model is it?", status="pending")
    resolution = clock_of(case, "resolution")
    assert resolution.state == "paused"
    case.refresh_from_db()
    assert case.sla_due_at is None  # nothing running while we wait on the customer
    traveller.shift(24 * H)  # Tuesday 10:00: 8 business hours stood paused
    case_services.receive_customer_message(contact, case, text="The X200")
    resolution = clock_of(case, "resolution")
    assert resolution.state == "running" and resolution.paused_seconds == 8 * 3600
    assert resolution.due_at == datetime(2026, 11, 26, 9, tzinfo=UTC)  # one business day later
    kinds = list(resolution.history.values_list("kind", flat=True))
    assert kinds == ["started", "paused", "resumed"]
    # The customer's message after an agent reply starts the next-response clock.
    assert clock_of(case, "next_response").state == "running"


def test_a_policy_that_pauses_new_cases_resumes_when_an_agent_takes_the_case(
    traveller, policy, make_case, agent
) -> None:
    policy.pause_statuses = ["new"]
    policy.save()
    case = make_case()
    assert clock_of(case, "resolution").state == "paused"
    traveller.shift(H)
    case_services.assign(Actor.agent(agent), case, assignee=agent)  # new → open
    resolution = clock_of(case, "resolution")
    assert resolution.state == "running" and resolution.paused_seconds == 3600


def test_priority_raised_after_three_hours_recomputes_from_creation(
    traveller, policy, make_case, agent
) -> None:
    case = make_case(priority="normal")
    traveller.shift(3 * H)  # 12:00; first response (4 h) would be due at 14:00
    case_services.update_case(Actor.agent(agent), case, {"priority": "high"})
    first = clock_of(case, "first_response")
    # High: 1 business hour from creation at 09:00 -> 10:00, already missed.
    assert first.due_at == datetime(2026, 11, 23, 10, tzinfo=UTC)
    assert first.started_at == datetime(2026, 11, 23, 9, tzinfo=UTC)
    change = first.history.get(kind="target_changed")
    assert "priority normal → high" in change.data["reason"]
    assert breaches.sweep().breaches == 1
    assert clock_of(case, "first_response").display_state == "breached"


def test_warning_fires_once_at_75_percent(traveller, policy, make_case, captured) -> None:
    case = make_case(priority="normal")  # first response 4 h: 50 % at 11:00, 75 % at 13:00
    traveller.move_to(datetime(2026, 11, 23, 11, 30, tzinfo=UTC))
    breaches.sweep()
    traveller.move_to(datetime(2026, 11, 23, 13, 5, tzinfo=UTC))
    assert breaches.sweep().warnings == 1
    assert breaches.sweep().warnings == 0
    warned = [e for e in captured if isinstance(e, ClockWarned) and e.metric == "first_response"]
    assert [w.threshold_percent for w in warned] == [50, 75]
    assert clock_of(case, "first_response").warned_percents == [50, 75]
    assert TimelineEvent.objects.filter(case=case, kind="sla_warned").count() == 2


def test_breach_after_downtime_fires_once_on_the_next_sweep(
    traveller, policy, make_case, agent, lead, team, captured
) -> None:
    lead.memberships.update(is_lead=True)
    policy.breach_actions = {
        "notify": True,
        "raise_priority": "urgent",
        "move_to_team": None,
        "run_automation": True,
    }
    policy.save()
    case = make_case(priority="normal", assignee=agent)
    traveller.move_to(datetime(2026, 11, 24, 16, tzinfo=UTC))  # the sweep did not run for a day
    assert breaches.sweep().breaches == 2
    assert breaches.sweep().breaches == 0
    breached = [e for e in captured if isinstance(e, ClockBreached)]
    # First response breached at 14:00; raising the priority to urgent then made resolution
    # due retroactively at 13:00 Monday, so it breached too, in the same sweep, once.
    assert [b.metric for b in breached] == ["first_response", "resolution"]
    resolution = clock_of(case, "resolution")
    assert [h.kind for h in resolution.history.all()] == ["started", "target_changed", "breached"]
    clock = clock_of(case, "first_response")
    assert clock.breached_at == datetime(2026, 11, 23, 14, tzinfo=UTC)
    mail = [e for e in captured if isinstance(e, Notification) and e.kind == "sla_breach"]
    assert len(mail) == 2 and set(mail[0].recipients) == {agent.email, lead.email}
    case.refresh_from_db()
    assert case.priority == 4  # raised to urgent by the breach action
    # Warnings that a breach overtook during the downtime are not sent late.
    assert not [e for e in captured if isinstance(e, ClockWarned) and e.metric == "first_response"]


def test_clock_met_after_its_due_time_stays_breached(traveller, policy, make_case, agent) -> None:
    case = make_case(priority="normal")
    traveller.move_to(datetime(2026, 11, 23, 15, tzinfo=UTC))
    case_services.post_reply(Actor.agent(agent), case, text="Sorry for the wait")
    first = clock_of(case, "first_response")
    assert first.display_state == "breached" and first.met_at is not None and first.state == "met"
    assert breaches.sweep().breaches == 0


def test_next_response_runs_from_the_first_unanswered_customer_message(
    traveller, policy, make_case, agent, contact
) -> None:
    case = make_case()
    case_services.post_reply(Actor.agent(agent), case, text="Hello")
    traveller.shift(H)
    case_services.receive_customer_message(contact, case, text="Still broken")
    started = clock_of(case, "next_response").started_at
    traveller.shift(H)
    case_services.receive_customer_message(contact, case, text="Hello?")
    assert clock_of(case, "next_response").started_at == started
    case_services.post_reply(Actor.agent(agent), case, text="Fixed")
    assert clock_of(case, "next_response").display_state == "met"


def test_resolving_meets_resolution_and_reopening_resumes_it(
    traveller, policy, make_case, agent, contact
) -> None:
    case = make_case(assignee=agent)
    traveller.shift(H)
    case_services.change_status(
        Actor.agent(agent),
        case,
        "resolved",
        resolution_code="solved",
        resolution_summary="Replaced the toner",
    )
    resolution = clock_of(case, "resolution")
    assert resolution.display_state == "met"
    assert clock_of(case, "first_response").state == "cancelled"
    traveller.shift(2 * H)
    case_services.receive_customer_message(contact, case, text="Not fixed")
    resolution = clock_of(case, "resolution")
    assert resolution.state == "running" and resolution.paused_seconds == 2 * 3600
    assert [h.kind for h in resolution.history.all()] == ["started", "met", "reopened"]


def test_no_policy_means_no_clocks(traveller, make_case) -> None:
    case = make_case()
    assert not SlaClock.objects.filter(case=case).exists()
    assert breaches.sweep().looked_at == 0


def test_policy_that_starts_to_apply_counts_from_creation(
    traveller, office, policy, make_case, agent
) -> None:
    policy.priorities = ["urgent"]
    policy.save()
    case = make_case(priority="normal")
    assert not SlaClock.objects.filter(case=case).exists()
    traveller.shift(H)
    case_services.update_case(Actor.agent(agent), case, {"priority": "urgent"})
    assert clock_of(case, "first_response").started_at == datetime(2026, 11, 23, 9, tzinfo=UTC)
    assert clock_of(case, "first_response").due_at == datetime(2026, 11, 23, 9, 30, tzinfo=UTC)


def test_breach_moves_case_to_escalation_team(traveller, policy, make_case) -> None:
    escalation = UserFactory(role="lead").teams  # noqa: F841 - a user; the team comes next
    from tests.factories import TeamFactory

    team2 = TeamFactory(name="Escalations")
    policy.breach_actions = {
        "notify": False,
        "raise_priority": "",
        "move_to_team": team2.pk,
        "run_automation": True,
    }
    policy.save()
    case = make_case(priority="urgent")
    traveller.shift(2 * H)
    assert breaches.sweep().breaches == 1
    case.refresh_from_db()
    assert case.team_id == team2.pk
    assert TimelineEvent.objects.filter(case=case, kind="team_changed", actor_label="SLA").exists()


def test_periodic_update_runs_between_public_replies(traveller, policy, make_case, agent) -> None:
    policy.targets = {**policy.targets, "periodic_update": {"normal": 120}}
    policy.save()
    case = make_case(priority="normal")
    assert not SlaClock.objects.filter(case=case, metric="periodic_update").exists()
    case_services.post_reply(Actor.agent(agent), case, text="Looking into it")
    periodic = clock_of(case, "periodic_update")
    assert periodic.cycle == 1 and periodic.due_at == datetime(2026, 11, 23, 11, tzinfo=UTC)
    traveller.shift(H)
    case_services.post_reply(Actor.agent(agent), case, text="Update: found the cause")
    periodic = clock_of(case, "periodic_update")
    assert periodic.cycle == 2 and periodic.state == "running"
    assert periodic.due_at == datetime(2026, 11, 23, 12, tzinfo=UTC)  # 10:00 + 2 business hours
    assert [h.kind for h in periodic.history.all()] == ["started", "met", "started"]


def test_scheduled_sweep_task_fires_breaches(traveller, policy, make_case) -> None:
    from casework.sla.tasks import sweep_sla_clocks

    make_case(priority="urgent")
    traveller.shift(2 * H)
    assert sweep_sla_clocks.call()["breaches"] == 1  # first response (30 min); resolution has 4 h
    assert sweep_sla_clocks.call()["breaches"] == 0


def test_a_calendar_broken_behind_our_back_does_not_stop_cases_opening(
    traveller, policy, office, make_case
) -> None:
    type(office).objects.filter(pk=office.pk).update(hours={"mon": [["09:00", "08:00"]]}, version=99)
    case = make_case(priority="normal")
    # Counted around the clock until someone fixes the calendar: 4 hours from 09:00.
    assert clock_of(case, "first_response").due_at == datetime(2026, 11, 23, 13, tzinfo=UTC)
