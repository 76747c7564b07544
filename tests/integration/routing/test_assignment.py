"""Routing scenarios a support lead would recognise, through the real services."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine

from casework.cases import selectors as case_selectors
from casework.cases import services as case_services
from casework.cases.models import Case, TimelineEvent
from casework.core import clock
from casework.core.actors import Actor
from casework.core.errors import InvalidInput, PermissionDenied
from casework.routing import services
from casework.routing.models import CaseRouting, PresenceChange, RoutingRule
from casework.routing.selectors import AFFINITY_LOOKBACK
from casework.routing.tasks import overflow_waiting_cases
from tests.factories import ContactFactory, TeamFactory, UserFactory
from tests.integration.routing.conftest import load_of

pytestmark = pytest.mark.django_db


def fresh(case: Case) -> Case:
    return Case.objects.get(pk=case.pk)


def test_new_case_goes_to_an_online_agent_with_room_and_says_why(make_agent, make_case) -> None:
    ann = make_agent("Ann", capacity=5)
    make_agent("Bob", presence="away")
    case = make_case()
    assert case.assignee == ann and case.status == "open"
    reason = case.assignment_reason
    assert reason["winner"] == "Ann" and reason["eligible"] == ["Ann"]
    assert reason["not_eligible"] == {"Bob": "is away"}
    assert reason["why"] == "the only eligible agent"
    event = TimelineEvent.objects.get(case=case, kind="assigned")
    assert event.actor_label == "Routing" and event.data["reason"]["winner"] == "Ann"
    assert load_of(ann) == 1


def test_mandatory_skill_excludes_a_higher_capacity_agent(make_agent, make_case, team) -> None:
    make_agent("Big", capacity=50, skills={"billing": 2})
    expert = make_agent("Expert", capacity=2, skills={"billing": 4})
    services.create_rule(
        None,
        {
            "name": "Invoices need billing 3",
            "conditions": [{"field": "text", "op": "contains", "value": "invoice"}],
            "mandatory_skills": {"billing": 3},
        },
    )
    case = make_case(title="Invoice is wrong")
    assert case.assignee == expert
    assert case.assignment_reason["rule"] == "Invoices need billing 3"
    assert case.assignment_reason["not_eligible"] == {"Big": "lacks billing 3 (has 2)"}


def test_rule_moves_the_case_to_its_team_and_raises_priority(make_agent, make_case, team) -> None:
    billing = TeamFactory(name="Billing")
    bea = make_agent("Bea", teams=[billing])
    services.create_rule(
        None,
        {
            "name": "VIP billing",
            "conditions": [{"field": "tags", "op": "contains", "value": "vip"}],
            "team": billing.pk,
            "priority_adjustment": 1,
        },
    )
    case = make_case(title="Refund please", tags=["vip"])
    case = fresh(case)
    assert case.team == billing and case.priority_label == "high" and case.assignee == bea
    kinds = list(TimelineEvent.objects.filter(case=case).values_list("kind", flat=True))
    assert sorted(kinds) == sorted(
        ["created", "team_changed", "priority_changed", "assigned", "status_changed"]
    )


@pytest.mark.parametrize("online", [True, False])
def test_a_new_cases_routing_row_keeps_its_rule_and_size(make_agent, make_case, team, online) -> None:
    """Whether an agent takes the case at once or it waits, and whether the rule
    changed the case or not: the row says which rule matched and what it weighs."""
    billing = TeamFactory(name="Billing")
    make_agent("Bea", teams=[billing], presence="online" if online else "offline", capacity=5)
    make_agent("Ann", presence="online" if online else "offline", capacity=5)
    moving = services.create_rule(
        None,
        {
            "name": "VIP billing",
            "conditions": [{"field": "tags", "op": "contains", "value": "vip"}],
            "team": billing.pk,
            "priority_adjustment": 1,
        },
    )
    staying = services.create_rule(
        None, {"name": "Invoices", "conditions": [{"field": "text", "op": "contains", "value": "invoice"}]}
    )
    for title, tags, rule in (("Refund please", ["vip"], moving), ("Invoice wrong", [], staying)):
        case = make_case(title=title, tags=tags)
        row = CaseRouting.objects.get(case=case)
        assert (row.rule_id, row.units) == (rule.pk, 1)
        assert row.last_decision["rule"] == rule.name
        assert (row.waiting_since is None) == online and (fresh(case).assignee is not None) == online
    unmatched = make_case(title="Printer", team=None)  # no team: not routable, still recorded
    row = CaseRouting.objects.get(case=unmatched)
    assert (row.rule_id, row.team_id, row.waiting_since) == (None, None, None)


def test_nobody_eligible_waits_in_the_queue_in_priority_and_age_order(make_agent, make_case, team) -> None:
    ann = make_agent("Ann", capacity=1, presence="offline")
    with time_machine.travel("2026-11-23 09:00Z", tick=False):
        low = make_case(title="Low", priority="low")
    with time_machine.travel("2026-11-23 09:05Z", tick=False):
        urgent = make_case(title="Urgent", priority="urgent")
    with time_machine.travel("2026-11-23 09:10Z", tick=False):
        older_normal = make_case(title="Normal", priority="normal")
    assert all(fresh(c).assignee is None for c in (low, urgent, older_normal))
    queue = services.selectors.team_queue(UserFactory(role="lead"), team.pk)
    assert queue["queue_length"] == 3 and queue["oldest_waiting"]["number"] == low.number
    assert [c["number"] for c in queue["waiting"]] == [urgent.number, older_normal.number, low.number]
    services.set_presence(ann, ann, "online")  # capacity 1: the urgent case first
    assert fresh(urgent).assignee == ann
    assert fresh(low).assignee is None and fresh(older_normal).assignee is None


def test_capacity_release_on_resolve_offers_the_next_waiting_case(make_agent, make_case) -> None:
    ann = make_agent("Ann", capacity=1)
    first = make_case(title="First")
    second = make_case(title="Second")
    assert fresh(first).assignee == ann and fresh(second).assignee is None
    case_services.change_status(
        Actor.agent(ann), first, "resolved", resolution_code="solved", resolution_summary="Done"
    )
    assert fresh(second).assignee == ann
    assert load_of(ann) == 1


def test_cancel_and_reassignment_release_capacity(make_agent, make_case, lead) -> None:
    ann = make_agent("Ann", capacity=2)
    bob = make_agent("Bob", capacity=2, presence="away")
    a = make_case(title="A")
    b = make_case(title="B")
    assert load_of(ann) == 2
    case_services.change_status(Actor.agent(ann), a, "cancelled")
    assert load_of(ann) == 1
    case_services.assign(Actor.agent(lead), b, assignee=bob)
    assert load_of(ann) == 0 and load_of(bob) == 1


def test_a_person_may_assign_above_capacity_but_the_router_never_does(make_agent, make_case, lead) -> None:
    ann = make_agent("Ann", capacity=1)
    make_case(title="Fills Ann")
    waiting = make_case(title="Waits")
    assert fresh(waiting).assignee is None
    case_services.assign(Actor.agent(lead), waiting, assignee=ann)
    assert load_of(ann) == 2  # by hand, over capacity
    third = make_case(title="Third")
    assert fresh(third).assignee is None


def test_going_offline_returns_untouched_cases_to_the_queue(make_agent, make_case) -> None:
    ann = make_agent("Ann", capacity=5)
    bob = make_agent("Bob", capacity=5, presence="away")
    untouched = make_case(title="Untouched")
    worked = make_case(title="Worked on")
    assert fresh(untouched).assignee == ann and fresh(worked).assignee == ann
    case_services.post_reply(Actor.agent(ann), worked, text="Looking into it")
    services.set_presence(bob, bob, "online")
    services.set_presence(ann, ann, "offline")
    assert fresh(worked).assignee == ann
    assert fresh(untouched).assignee == bob  # back in the queue, and Bob is online
    assert load_of(ann) == 1
    returned = TimelineEvent.objects.filter(case=untouched, kind="assigned").order_by("id")[1]
    assert "went offline" in returned.data["reason"]["why"]


def test_team_may_keep_cases_with_an_agent_who_goes_offline(make_agent, make_case, team, lead) -> None:
    services.update_team_routing(lead, team, return_untouched_on_offline=False)
    ann = make_agent("Ann")
    case = make_case()
    services.set_presence(ann, ann, "offline")
    assert fresh(case).assignee == ann and load_of(ann) == 1


def test_presence_changes_are_audited_not_on_case_timelines(make_agent, make_case, lead) -> None:
    ann = make_agent("Ann", presence="offline")
    case = make_case()
    before = TimelineEvent.objects.count()
    services.set_presence(lead, ann, "online")
    services.set_presence(ann, ann, "away")
    log = list(PresenceChange.objects.filter(user=ann).order_by("at", "id"))
    assert [(c.before, c.after, c.changed_by) for c in log] == [
        ("offline", "online", lead),
        ("online", "away", ann),
    ]
    assert TimelineEvent.objects.exclude(case=case).count() == 0
    # the only new timeline entries are the assignment of the waiting case
    assert set(TimelineEvent.objects.all()[before:].values_list("kind", flat=True)) <= {
        "assigned",
        "status_changed",
    }


def test_an_agent_may_not_set_someone_elses_presence(make_agent) -> None:
    ann = make_agent("Ann")
    bob = make_agent("Bob")
    with pytest.raises(PermissionDenied):
        services.set_presence(ann, bob, "offline")


def test_affinity_prefers_the_contacts_previous_agent_when_eligible(make_agent, make_case) -> None:
    contact = ContactFactory()
    make_agent("Ann", capacity=10)
    prev = make_agent("Prev", capacity=3, presence="away")
    old = make_case(title="Old", contact=contact, assignee=prev, actor=Actor.agent(prev))
    assert old.assignee == prev
    services.set_presence(prev, prev, "online")
    case = make_case(title="New one", contact=contact)
    assert case.assignee == prev and case.assignment_reason["affinity"] is True


@pytest.mark.parametrize(
    ("unassigned_since", "affine"), [(AFFINITY_LOOKBACK - 1, True), (AFFINITY_LOOKBACK, False)]
)
def test_affinity_looks_back_over_the_contacts_latest_cases_only(
    make_agent, make_case, unassigned_since: int, affine: bool
) -> None:
    contact = ContactFactory()
    prev = make_agent("Prev", capacity=50, presence="away")
    make_case(title="Old", contact=contact, assignee=prev, actor=Actor.agent(prev))
    for i in range(unassigned_since):  # no team: nobody is offered them
        assert make_case(title=f"Alert {i}", contact=contact, team=None).assignee is None
    services.set_presence(prev, prev, "online")
    case = make_case(title="New one", contact=contact)
    assert case.assignee == prev  # the only one online, affine or not
    assert case.assignment_reason["affinity"] is affine


def test_affinity_loses_when_the_previous_agent_is_not_eligible(make_agent, make_case) -> None:
    contact = ContactFactory()
    ann = make_agent("Ann", capacity=10)
    prev = make_agent("Prev", capacity=3, presence="away")
    make_case(title="Old", contact=contact, assignee=prev, actor=Actor.agent(prev))
    case = make_case(title="New one", contact=contact)
    assert case.assignee == ann
    assert case.assignment_reason["not_eligible"]["Prev"] == "the contact's previous agent, but is away"


def test_overflow_after_n_minutes_moves_the_case_to_the_fallback_team(
    make_agent, make_case, team, lead
) -> None:
    night = TeamFactory(name="Night shift")
    services.update_team_routing(lead, team, overflow_minutes=30, fallback_team=night)
    make_agent("Off", presence="offline")
    owl = make_agent("Owl", teams=[night])
    with time_machine.travel("2026-11-23 09:00Z", tick=False):
        case = make_case(title="Nobody here")
        assert fresh(case).assignee is None
    with time_machine.travel("2026-11-23 09:29Z", tick=False):
        assert overflow_waiting_cases.call() == 0
        assert fresh(case).team == team
    with time_machine.travel("2026-11-23 09:30Z", tick=False):
        assert overflow_waiting_cases.call() == 1
        assert overflow_waiting_cases.call() == 0  # idempotent
    case = fresh(case)
    assert case.team == night and case.assignee == owl
    moved = TimelineEvent.objects.get(case=case, kind="team_changed", actor_label="Routing")
    assert "overflow" in moved.data["reason"]["why"]


def test_reopened_case_is_routed_again_to_its_agent_when_eligible(make_agent, make_case, contact) -> None:
    ann = make_agent("Ann", capacity=2)
    case = make_case()
    case_services.change_status(
        Actor.agent(ann), case, "resolved", resolution_code="solved", resolution_summary="Done"
    )
    assert load_of(ann) == 0
    case_services.reject_resolution(contact, fresh(case), reason="Still broken")
    case = fresh(case)
    assert case.status == "open" and case.assignee == ann and load_of(ann) == 1
    assert case.assignment_reason["affinity"] is True


def test_reopened_case_goes_to_the_queue_when_its_agent_is_gone(make_agent, make_case, contact) -> None:
    ann = make_agent("Ann", capacity=2)
    case = make_case()
    case_services.change_status(
        Actor.agent(ann), case, "resolved", resolution_code="solved", resolution_summary="Done"
    )
    services.set_presence(ann, ann, "away")
    case_services.reject_resolution(contact, fresh(case), reason="Still broken")
    case = fresh(case)
    assert case.assignee is None and CaseRouting.objects.get(case=case).waiting_since is not None


def test_round_robin_team_takes_turns(make_agent, make_case, team, lead) -> None:
    services.update_team_routing(lead, team, strategy="round_robin")
    a, b, c = make_agent("A"), make_agent("B"), make_agent("C")
    got = [make_case(title=f"Case {i}", contact=ContactFactory()).assignee for i in range(4)]
    assert got == [a, b, c, a]


def test_least_loaded_team_evens_out(make_agent, make_case, team, lead) -> None:
    services.update_team_routing(lead, team, strategy="least_loaded")
    a = make_agent("A", capacity=10)
    case_services.assign(Actor.agent(lead), make_case(title="x"), assignee=a)
    b = make_agent("B", capacity=2)
    assert make_case(title="y", contact=ContactFactory()).assignee == b


def test_manual_team_leaves_cases_for_agents_to_pull(make_agent, make_case, team, lead) -> None:
    services.update_team_routing(lead, team, strategy="manual")
    make_agent("Ann")
    assert make_case().assignee is None


def test_capacity_weights_by_priority_and_case_type(make_agent, make_case, lead) -> None:
    ann = make_agent("Ann", capacity=3)
    services.set_weight(lead, priority="urgent", units=3)
    make_case(title="Normal")
    urgent = make_case(title="Urgent", priority="urgent")
    assert fresh(urgent).assignee is None  # 1 + 3 > 3
    assert load_of(ann) == 1


def test_partner_team_receives_cases_through_rules_and_sees_only_those(
    make_agent, make_case, team, partner_agent
) -> None:
    partner_team = partner_agent.teams.get()
    make_agent("In-house")
    from casework.routing.models import AgentState

    AgentState.objects.update_or_create(user=partner_agent, defaults={"presence": "online", "capacity": 5})
    services.create_rule(
        None,
        {
            "name": "Password resets to the outsourcer",
            "conditions": [{"field": "text", "op": "contains", "value": "password"}],
            "team": partner_team.pk,
        },
    )
    theirs = make_case(title="Password reset")
    ours = make_case(title="Invoice dispute")
    assert fresh(theirs).assignee == partner_agent and fresh(theirs).team == partner_team
    visible = set(case_selectors.visible_cases(partner_agent).values_list("number", flat=True))
    assert visible == {theirs.number}
    assert ours.number not in visible


def test_rules_validate_their_input(lead) -> None:
    with pytest.raises(InvalidInput) as exc:
        services.create_rule(lead, {"name": "Bad", "mandatory_skills": {"billing": 9}})
    assert exc.value.field == "mandatory_skills.billing"
    agent = UserFactory(role="agent")
    with pytest.raises(PermissionDenied):
        services.create_rule(agent, {"name": "Nope"})
    assert RoutingRule.objects.count() == 0


def test_queue_pass_stops_when_nobody_has_room(make_agent, make_case, team) -> None:
    ann = make_agent("Ann", capacity=2, presence="offline")
    for i in range(5):
        make_case(title=f"Case {i}")
    services.set_presence(ann, ann, "online")
    assert load_of(ann) == 2
    assert CaseRouting.objects.filter(waiting_since__isnull=False).count() == 3
    assert clock.now() - CaseRouting.objects.exclude(waiting_since=None).first().waiting_since < timedelta(
        minutes=1
    )


def test_stepping_away_keeps_cases_but_stops_new_ones(make_agent, make_case) -> None:
    ann = make_agent("Ann")
    mine = make_case(title="Mine")
    services.set_presence(ann, ann, "away")
    later = make_case(title="Later")
    assert fresh(mine).assignee == ann and fresh(later).assignee is None


def test_lead_unassigning_a_case_offers_it_to_the_team_again(make_agent, make_case, lead) -> None:
    ann = make_agent("Ann", capacity=1)
    case = make_case()
    bob = make_agent("Bob", capacity=1)
    case_services.assign(Actor.agent(lead), case, assignee=None)
    assert fresh(case).assignee == bob  # Ann's unit was released; Bob has more room idle longer
    assert load_of(ann) == 0 and load_of(bob) == 1


def test_moving_an_unassigned_case_to_another_team_offers_it_there(make_agent, make_case, lead, team) -> None:
    billing = TeamFactory(name="Billing")
    bea = make_agent("Bea", teams=[billing])
    make_agent("Off", presence="offline")
    case = make_case()
    assert fresh(case).assignee is None
    case_services.update_case(Actor.agent(lead), case, {"team": billing})
    assert fresh(case).assignee == bea
