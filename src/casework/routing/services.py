"""The routing write path: react to case events, hand cases to agents, hold and
release capacity and keep the queue; presence (`presence`), overflow (`overflow`)
and leads' configuration (`configuration`) are re-exported here.

Every assignment goes through `casework.cases.services.assign` as the system
actor "Routing", with the decision's explanation as the reason.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from functools import cache
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import F

from casework.cases import services as case_services
from casework.cases import timeline
from casework.cases.domain import FINAL, Priority, Status
from casework.cases.events import CaseChanged, CaseCreated
from casework.core import clock
from casework.core.actors import Actor
from casework.core.prepared import Prepared, insert_row, upsert_row
from casework.iam import selectors as iam
from casework.routing import domain, selectors
from casework.routing.domain import AgentFacts, Decision, Presence, Rule, Strategy
from casework.routing.models import (
    AgentState,
    CapacityHold,
    CaseRouting,
    TeamRouting,
)

log = logging.getLogger(__name__)

ROUTER_LABEL = "Routing"
RELEASED = frozenset({Status.RESOLVED, Status.CANCELLED, Status.CLOSED})
PASS_LIMIT = 100


def router() -> Actor:
    return Actor.system(ROUTER_LABEL)


def _is_router(actor: Actor) -> bool:
    return actor.kind == "system" and actor.label == ROUTER_LABEL


# --- capacity ------------------------------------------------------------------


def _ensure_state(user_id: int) -> None:
    if not AgentState.objects.filter(user_id=user_id).exists():
        try:
            with transaction.atomic():
                AgentState.objects.get_or_create(user_id=user_id)
        except IntegrityError:  # made by a concurrent request meanwhile
            pass


def _take_units(user_id: int, units: int) -> AgentState | None:
    """Take `units` of an online agent's capacity, or return their fresh state when
    they no longer have room. One conditional UPDATE: the database checks the room
    and takes it under the row's lock, so two cases routed at once never both take
    the last unit (PostgreSQL re-checks the condition on the locked row)."""
    when = AgentState._meta.get_field("last_assigned_at").get_db_prep_save(clock.now(), connection)
    with connection.cursor() as cursor:
        cursor.execute(_take_units_sql(), _take_units_params(user_id, units, when))
        taken = cursor.rowcount
    if taken:
        return None
    return _state_of(user_id)


@cache
def _take_units_sql() -> str:
    """The conditional UPDATE that takes capacity (parameters: `_take_units_params`)."""
    q = connection.ops.quote_name
    load, capacity = q("load"), q("capacity")
    return (
        f"UPDATE {q(AgentState._meta.db_table)} SET {load} = {load} + %s, {q('last_assigned_at')} = %s "
        f"WHERE {q('user_id')} = %s AND {q('presence')} = %s AND {load} <= {capacity} - %s"
    )


def _take_units_params(user_id: int, units: int, when: Any) -> list[Any]:
    return [units, when, user_id, Presence.ONLINE.value, units]


_HOLDER = Prepared(
    lambda case_id: CapacityHold.objects.filter(case_id=case_id).values_list("user_id", flat=True)
)


def _hold(case_id: int, user_id: int, units: int, *, taken: bool, unassigned: bool = False) -> None:
    """Record that the case holds `units` of the user's capacity. `taken`: the router
    has already counted them (a person's manual assignment has not, and may exceed).
    `unassigned`: the case has no owner, so it holds nothing yet (holds go with owners)."""
    holder = None if unassigned else _HOLDER.first(case_id)
    if holder == user_id:
        return
    if holder is not None:
        _release(case_id)
    if not taken:
        _ensure_state(user_id)
        AgentState.objects.filter(user_id=user_id).update(load=F("load") + units)
    insert_row(CapacityHold, case_id=case_id, user_id=user_id, units=units, created_at=clock.now())


def _release(case_id: int) -> int | None:
    """Give the case's units back to its holder; returns the freed agent's id."""
    hold = CapacityHold.objects.filter(case_id=case_id).first()
    if hold is None:
        return None
    AgentState.objects.filter(user_id=hold.user_id, load__gte=hold.units).update(load=F("load") - hold.units)
    AgentState.objects.filter(user_id=hold.user_id, load__lt=hold.units).update(load=0)
    hold.delete()
    return hold.user_id


# --- the routing decision --------------------------------------------------------


def _record(case_id: int, **fields: Any) -> None:
    """Keep the case's routing row, made by the first record (at creation, or at a
    change when it came before): one statement either way."""
    upsert_row(CaseRouting, {"case_id": case_id}, **fields)


_UNKNOWN: Any = object()


def route_case(
    case_id: int,
    *,
    reroute_from: int | None = None,
    case: Any = None,
    facts: Any = None,
    rule: Rule | None = _UNKNOWN,
    waiting_since: Any = None,
    created_here: bool = False,
    also_record: dict[str, Any] | None = None,
) -> Decision | None:
    """Offer one case to its team's agents. Returns the decision, or None when the
    case is not routable (assigned, closed, no team). `reroute_from`: the agent who
    had it before a reopen, preferred when still eligible. `case`: the case when
    the caller has just read it; `rule`: the routing rule when the caller has just
    matched it; `waiting_since`: its place in the queue, when the caller knows it;
    `created_here`: `case` was made in this transaction (see cases.services.update_case);
    `also_record`: more columns for the routing row's write (a new case's rule and
    units, so that its row is written once)."""
    extra = also_record or {}
    case = case if case is not None else selectors.routing_case(case_id)
    if case.status not in selectors.ROUTABLE or case.team_id is None:
        return None
    if case.assignee_id is not None and reroute_from is None:
        return None
    settings = selectors.team_settings(case.team_id)
    if rule is _UNKNOWN:
        rule = selectors.rule_of_case(case.pk)
    facts = facts if facts is not None else selectors.case_facts(case)
    round_robin = settings.strategy == Strategy.ROUND_ROBIN
    affinity: int | None
    if reroute_from is not None:
        agents, affinity = selectors.team_agents(case.team_id), reroute_from
        last_round_robin = selectors.last_round_robin_id(case.team_id) if round_robin else None
    else:
        team = selectors.team_for_case(case.team_id, case)
        agents, affinity, last_round_robin = team.agents, team.affinity, team.round_robin_last
    # PostgreSQL takes the capacity, holds it, records the decision and moves the
    # round robin's place in one statement (a round trip costs more than the work);
    # SQLite has no round trips.
    in_one = connection.vendor == "postgresql" and case.assignee_id is None
    decision, reason, held, recorded = None, {}, False, False
    for _ in range(len(agents) + 1):
        decision = domain.choose_agent(
            facts,
            agents,
            strategy=settings.strategy,
            rule=rule,
            affinity_agent_id=affinity,
            last_round_robin_id=last_round_robin,
        )
        reason = _reason(decision, facts)
        if decision.winner is None:
            break
        if in_one:
            held, recorded = _take_hold_and_record(
                case, decision.winner.id, facts.units, reason, round_robin=round_robin
            )
            fresh = None if held else _state_of(decision.winner.id)
        else:
            fresh = _take_units(decision.winner.id, facts.units)
        if fresh is None:
            break
        # Someone else took the last unit meanwhile: judge again with the locked figures.
        agents = [_refreshed(a, fresh) if a.id == fresh.user_id else a for a in agents]
        decision = None
    assert decision is not None
    if decision.winner is None:
        if reroute_from is not None and case.assignee_id is not None:
            # Reopened, and nobody (not even the previous agent) can take it now: back to the queue.
            _record(case.pk, team_id=case.team_id, priority=case.priority, last_decision=reason)
            case_services.assign(router(), case, assignee=None, reason=reason)
        since = waiting_since
        if since is None:
            row = CaseRouting.objects.filter(case_id=case.pk).first()
            since = row.waiting_since if row and row.waiting_since else clock.now()
        _record(
            case.pk,
            **{**extra, "team_id": case.team_id, "priority": case.priority},
            waiting_since=since,
            last_decision=reason,
        )
        return decision
    won = decision.winner
    winner = iam.known_user(won.id, name=won.name, email=won.email, role=won.role)
    if not held:
        _hold(case.pk, winner.pk, facts.units, taken=True, unassigned=case.assignee_id is None)
    if round_robin and not held:  # state, not configuration: an UPDATE, no configuration change
        TeamRouting.objects.filter(team_id=case.team_id).update(last_round_robin_user=winner)
    if not recorded:
        _record(
            case.pk,
            **{**extra, "team_id": case.team_id, "priority": case.priority, "units": facts.units},
            waiting_since=None,
            last_decision=reason,
        )
    elif extra:  # the row was there (a rule's change made it): add what it lacks
        _record(case.pk, **extra)
    if case.assignee_id == winner.pk:
        case_services.assign(router(), case, reason=reason, inside_caller=True)
        timeline.record_event(case, "routed", router(), data={"reason": reason})
    else:
        case_services.assign(
            router(), case, assignee=winner, reason=reason, inside_caller=True, created_here=created_here
        )
    return decision


def _reason(decision: Decision, facts: Any) -> dict[str, Any]:
    return {
        **decision.explain(),
        "team": facts.team,
        "units": facts.units,
        "decided_at": clock.now().isoformat(),
    }


def _state_of(user_id: int) -> AgentState:
    _ensure_state(user_id)
    return AgentState.objects.get(user_id=user_id)


def _take_hold_and_record(
    case: Any, user_id: int, units: int, reason: dict[str, Any], *, round_robin: bool
) -> tuple[bool, bool]:
    """PostgreSQL: take the units (as `_take_units`), hold them for the case, record
    the decision on its routing row and, for round robin, move the team's place, in
    one statement. Returns whether the units were taken (and held), and whether the
    routing row was there to record on."""
    now = clock.now()
    decision = CaseRouting._meta.get_field("last_decision").get_db_prep_save(reason, connection)  # type: ignore[union-attr]
    params = [
        *_take_units_params(user_id, units, now),
        *(case.pk, units, now),  # held
        *(case.team_id, case.priority, units, decision, case.pk),  # recorded
        *((case.team_id,) if round_robin else ()),  # the round robin's place
    ]
    with connection.cursor() as cursor:
        cursor.execute(_take_hold_and_record_sql(round_robin), params)
        taken, recorded = cursor.fetchone()
    return bool(taken), bool(recorded)


@cache
def _take_hold_and_record_sql(round_robin: bool) -> str:
    q = connection.ops.quote_name
    steps = [
        f"taken AS ({_take_units_sql()} RETURNING {q('user_id')})",
        f"held AS (INSERT INTO {q(CapacityHold._meta.db_table)} "
        f"({q('case_id')}, {q('user_id')}, {q('units')}, {q('created_at')}) "
        f"SELECT %s, {q('user_id')}, %s, %s FROM taken)",
        f"recorded AS (UPDATE {q(CaseRouting._meta.db_table)} SET {q('team_id')} = %s, "
        f"{q('priority')} = %s, {q('units')} = %s, {q('waiting_since')} = NULL, {q('last_decision')} = %s "
        f"WHERE {q('case_id')} = %s AND EXISTS (SELECT 1 FROM taken) RETURNING 1)",
    ]
    if round_robin:
        steps.append(
            f"placed AS (UPDATE {q(TeamRouting._meta.db_table)} SET {q('last_round_robin_user_id')} = "
            f"taken.{q('user_id')} FROM taken WHERE {q('team_id')} = %s)"
        )
    return f"WITH {', '.join(steps)} SELECT (SELECT count(*) FROM taken), (SELECT count(*) FROM recorded)"


def _refreshed(agent: AgentFacts, state: AgentState) -> AgentFacts:
    """The agent with their state as just read under lock (who they are stays)."""
    return replace(
        agent,
        presence=state.presence,
        capacity=state.capacity,
        load=state.load,
        last_assigned_at=state.last_assigned_at,
    )


def run_queue_pass(team_id: int, *, limit: int = PASS_LIMIT) -> int:
    """Offer the team's waiting cases, most urgent and oldest first, until nobody
    online has room. Cases nobody could take now (skills, size) are skipped in
    memory, without a routing attempt. Returns how many were assigned."""
    if selectors.team_settings(team_id).strategy == Strategy.MANUAL:
        return 0
    agents = selectors.team_agents(team_id)
    assigned = 0
    for row in selectors.waiting_rows(team_id, limit=limit):
        if not any(a.presence == Presence.ONLINE and a.free > 0 for a in agents):
            break
        mandatory = dict(row.rule.mandatory_skills or {}) if row.rule else {}
        if all(domain.why_not(a, row.units, mandatory) is not None for a in agents):
            continue
        decision = route_case(row.case_id, waiting_since=row.waiting_since)
        if decision is None:
            CaseRouting.objects.filter(pk=row.pk).update(waiting_since=None)
            continue
        if decision.winner is not None:
            assigned += 1
            won = decision.winner
            agents = [_with_load(a, a.load + row.units) if a.id == won.id else a for a in agents]
    return assigned


def _with_load(agent: AgentFacts, load: int) -> AgentFacts:
    return replace(agent, load=load, last_assigned_at=clock.now())


def _pass_for_agent(user_id: int) -> int:
    return sum(run_queue_pass(t) for t in iam.team_ids_of(iam.get_user(user_id)))


# --- reacting to case events -------------------------------------------------------


def on_case_created(event: CaseCreated) -> None:
    """Run the rules (team, priority), then offer the case to the team."""
    case = selectors.routing_case(event.case_id)
    facts = selectors.case_facts(case)
    if case.assignee_id is not None:  # a person chose the owner: hold it, no routing
        _record(case.pk, team_id=case.team_id, priority=case.priority, units=facts.units)
        _hold(case.pk, case.assignee_id, facts.units, taken=False)
        return
    rule = domain.first_matching_rule(selectors.active_rules(), facts)
    since = clock.now() if case.team_id else None
    first = {"rule_id": rule.id if rule else None, "units": facts.units}
    if rule is not None:
        changes: dict[str, Any] = {}
        if rule.team_id is not None and rule.team_id != case.team_id:
            changes["team"] = iam.get_team(rule.team_id)
        new_priority = domain.adjusted_priority(case.priority, rule.priority_adjustment)
        if new_priority != case.priority:
            changes["priority"] = Priority(new_priority)
        if changes:
            case_services.update_case(router(), case, changes, event_data={"rule": rule.name})
            case = selectors.routing_case(case.pk)
            facts = selectors.case_facts(case)
    decision = route_case(
        case.pk, case=case, facts=facts, rule=rule, waiting_since=since, created_here=True, also_record=first
    )
    if decision is None:  # not routable: routing's row is still written, once
        _record(case.pk, **first, team_id=case.team_id, priority=case.priority, waiting_since=since)


def on_case_changed(event: CaseChanged) -> None:
    """Keep holds and the queue in step with the case; route again when it reopens,
    when it lands unassigned in a team, and give freed capacity to the queue."""
    changes = event.changes
    if not ({"assignee", "status", "team", "priority"} & set(changes)):
        return
    by_router = _is_router(event.actor)
    if by_router and _routers_own_assignment(changes):
        return  # route_case has already held the capacity and taken the case off the queue
    case = selectors.routing_case(event.case_id)
    freed: set[int] = set()
    route_again = False
    reroute_from: int | None = None
    if "priority" in changes:
        _record(case.pk, priority=case.priority, units=selectors.case_facts(case).units)
    if "status" in changes:
        before, after = changes["status"]
        if after in RELEASED or after in FINAL:
            released = _release(case.pk)
            if released is not None:
                freed.add(released)
            CaseRouting.objects.filter(case_id=case.pk).update(waiting_since=None)
        elif before == Status.RESOLVED and after == Status.OPEN:
            if case.assignee_id is not None:
                reroute_from = case.assignee_id
            route_again = True
    if "assignee" in changes:
        before, after = changes["assignee"]
        if before is not None and after != before:
            held = CapacityHold.objects.filter(case_id=case.pk, user_id=before).exists()
            if held and _release(case.pk) is not None:
                freed.add(before)
        if case.status in selectors.ROUTABLE:
            if after is not None:
                _hold(case.pk, after, selectors.case_facts(case).units, taken=False)
                _record(case.pk, team_id=case.team_id, priority=case.priority, waiting_since=None)
            else:
                _record(case.pk, team_id=case.team_id, priority=case.priority, waiting_since=clock.now())
                route_again = not by_router
    if "team" in changes and case.assignee_id is None and case.status in selectors.ROUTABLE:
        _record(case.pk, team_id=case.team_id, priority=case.priority, waiting_since=clock.now())
        route_again = route_again or not by_router
    if route_again and reroute_from is None:
        route_case(case.pk)
    elif route_again:
        route_case(case.pk, reroute_from=reroute_from)
    for user_id in freed:
        _pass_for_agent(user_id)


def _routers_own_assignment(changes: Any) -> bool:
    if set(changes) - {"assignee", "status"} or "assignee" not in changes or changes["assignee"][1] is None:
        return False
    return "status" not in changes or changes["status"] == (Status.NEW.value, Status.OPEN.value)


def connect() -> None:
    from casework.core import events

    events.subscribe(CaseCreated, on_case_created)
    events.subscribe(CaseChanged, on_case_changed)


def reassign(by: Any, case_number: str, assignee_id: int | None) -> Any:
    """A lead reassigns from the lead's view (may exceed capacity, as a person may)."""
    selectors.require_lead(by)
    case = selectors.visible_case(by, case_number)
    assignee = iam.get_user(assignee_id) if assignee_id else None
    return case_services.assign(Actor.agent(by), case, assignee=assignee)


__all__ = [
    "Rule",
    "connect",
    "create_rule",
    "delete_rule",
    "on_case_changed",
    "on_case_created",
    "overflow_waiting_cases",
    "reassign",
    "reorder_rules",
    "route_case",
    "run_queue_pass",
    "set_capacity",
    "set_presence",
    "set_skills",
    "set_weight",
    "update_team_routing",
]

# Configuration, presence and overflow live in modules of their own; callers use them from here too.
from casework.routing.configuration import (  # noqa: E402
    RULE_FIELDS,
    create_rule,
    delete_rule,
    reorder_rules,
    set_capacity,
    set_skills,
    set_weight,
    update_rule,
    update_team_routing,
)
from casework.routing.overflow import overflow_waiting_cases  # noqa: E402
from casework.routing.presence import set_presence  # noqa: E402

__all__ += ["RULE_FIELDS", "update_rule"]
