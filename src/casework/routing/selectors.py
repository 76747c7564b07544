"""Read queries of the routing area: agents as the router sees them, team
settings, the queue, rules, and the explanations shown to leads."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Case as Conditional
from django.db.models import Count, Exists, Min, QuerySet, Subquery, When

from casework.cases import selectors as case_selectors
from casework.cases.domain import ACTIVE, Priority
from casework.cases.models import Case, TimelineEvent
from casework.core import clock, config_cache
from casework.core.errors import NotFound, PermissionDenied
from casework.core.prepared import Prepared
from casework.iam import selectors as iam
from casework.iam.domain import STAFF_ROLES, Role, may_manage_configuration
from casework.routing import domain
from casework.routing.domain import AgentFacts, CaseFacts, Presence, Rule, Strategy
from casework.routing.models import (
    DEFAULT_CAPACITY,
    AgentSkill,
    AgentState,
    CapacityWeight,
    CaseRouting,
    PresenceChange,
    RoutingRule,
    TeamRouting,
)


@dataclass(frozen=True)
class TeamSettings:
    team_id: int
    strategy: str = Strategy.SKILLS_CAPACITY
    fallback_team_id: int | None = None
    overflow_minutes: int = 0
    return_untouched_on_offline: bool = True

    def as_dict(self) -> dict[str, Any]:
        return {
            "strategy": self.strategy,
            "fallback_team": self.fallback_team_id,
            "overflow_minutes": self.overflow_minutes,
            "return_untouched_on_offline": self.return_untouched_on_offline,
        }


def team_settings(team_id: int) -> TeamSettings:
    return _all_team_settings().get(team_id) or TeamSettings(team_id)


def team_settings_many(team_ids: Iterable[int]) -> dict[int, TeamSettings]:
    found = _all_team_settings()
    return {t: found.get(t) or TeamSettings(t) for t in team_ids}


def _all_team_settings() -> dict[int, TeamSettings]:
    """Every team's settings, cached per process (configuration)."""

    def load() -> dict[int, TeamSettings]:
        return {
            row.team_id: TeamSettings(
                team_id=row.team_id,
                strategy=row.strategy,
                fallback_team_id=row.fallback_team_id,
                overflow_minutes=row.overflow_minutes,
                return_untouched_on_offline=row.return_untouched_on_offline,
            )
            for row in TeamRouting.objects.all()
        }

    return config_cache.cached("routing.team_settings", load)


_LAST_ROUND_ROBIN = Prepared(
    lambda team_id: TeamRouting.objects.filter(team_id=team_id).values_list(
        "last_round_robin_user_id", flat=True
    )
)


def last_round_robin_id(team_id: int) -> int | None:
    """Whom the team's round robin gave the last case (state, read fresh)."""
    return _LAST_ROUND_ROBIN.first(team_id)  # type: ignore[no-any-return]


# --- agents --------------------------------------------------------------------


_AGENT_COLUMNS = (
    "id",
    "name",
    "email",
    "role",
    "routing_state__presence",
    "routing_state__capacity",
    "routing_state__load",
    "routing_state__last_assigned_at",
)


def _team_members(team_id: int) -> QuerySet[Any]:
    return iam.list_users(team_id=team_id).filter(is_active=True, role__in=STAFF_ROLES)


AFFINITY_LOOKBACK = 20  # of the contact's latest cases


def _previous_agent(contact_id: int, case_id: int) -> QuerySet[Any]:
    """The assignee of the contact's latest other case that had one, among their
    AFFINITY_LOOKBACK latest: a contact with thousands of unassigned cases (an
    alerting system) would otherwise have every one of them read on each new case."""
    latest = Case.objects.filter(contact_id=contact_id).exclude(pk=case_id).order_by("-created_at", "-id")
    return (
        Case.objects.filter(pk__in=latest.values("pk")[:AFFINITY_LOOKBACK], assignee__isnull=False)
        .order_by("-created_at", "-id")
        .values_list("assignee_id", flat=True)[:1]
    )


def _anyone_online(team_id: int) -> Exists:
    return Exists(AgentState.objects.filter(presence=Presence.ONLINE, user__memberships__team_id=team_id))


_TEAM_AGENTS = Prepared(lambda team_id: _team_members(team_id).values(*_AGENT_COLUMNS))
# The same, each row also naming the contact's previous agent and whom the team's
# round robin served last: one read per decision. The previous agent counts only
# for an eligible (online) agent, so it is looked for only when one of the team is
# online: the contact's latest cases are the read's dearest part.
_TEAM_FOR_CASE = Prepared(
    lambda team_id, contact_id, case_id: (
        _team_members(team_id)
        .annotate(
            affinity=Conditional(
                When(_anyone_online(team_id), then=Subquery(_previous_agent(contact_id, case_id)))
            ),
            round_robin_last=Subquery(
                TeamRouting.objects.filter(team_id=team_id).values("last_round_robin_user_id")[:1]
            ),
        )
        .values(*_AGENT_COLUMNS, "affinity", "round_robin_last")
    )
)


def team_agents(team_id: int) -> list[AgentFacts]:
    """Every active staff member of the team, as the router sees them: one plain
    query (people with their state; skills are configuration), no model instances."""
    return _agent_facts(_TEAM_AGENTS.all(team_id))


@dataclass(frozen=True)
class TeamForCase:
    agents: list[AgentFacts]
    affinity: int | None  # the agent who last had one of the contact's other cases
    round_robin_last: int | None  # whom the team's round robin served last


def team_for_case(team_id: int, case: Case) -> TeamForCase:
    """The team's agents, the contact's previous agent and the round robin's
    place, in one read."""
    rows = _TEAM_FOR_CASE.all(team_id, case.contact_id, case.pk)
    if rows:
        return TeamForCase(_agent_facts(rows), rows[0]["affinity"], rows[0]["round_robin_last"])
    return TeamForCase([], None, None)


def _agent_facts(rows: list[dict[str, Any]]) -> list[AgentFacts]:
    skills = skills_by_user()
    return [
        AgentFacts(
            id=row["id"],
            name=row["name"] or row["email"],
            presence=row["routing_state__presence"] or Presence.OFFLINE,
            capacity=row["routing_state__capacity"]
            if row["routing_state__capacity"] is not None
            else DEFAULT_CAPACITY,
            load=row["routing_state__load"] or 0,
            skills=skills.get(row["id"], {}),
            last_assigned_at=row["routing_state__last_assigned_at"],
            email=row["email"],
            role=row["role"],
        )
        for row in rows
    ]


def skills_by_user() -> dict[int, dict[str, int]]:
    """Every agent's skills by name, cached per process (configuration)."""

    def load() -> dict[int, dict[str, int]]:
        skills: dict[int, dict[str, int]] = {}
        for user_id, name, level in AgentSkill.objects.order_by("name").values_list(
            "user_id", "name", "level"
        ):
            skills.setdefault(user_id, {})[name] = level
        return skills

    return config_cache.cached("routing.skills", load)


def agent_profiles(users: Iterable[Any]) -> dict[int, dict[str, Any]]:
    """Skills, capacity, presence and load of several users in two queries."""
    ids = [u.pk for u in users]
    states = {s.user_id: s for s in AgentState.objects.filter(user_id__in=ids)}
    skills: dict[int, dict[str, int]] = {i: {} for i in ids}
    for s in AgentSkill.objects.filter(user_id__in=ids).order_by("name"):
        skills[s.user_id][s.name] = s.level
    out = {}
    for i in ids:
        st = states.get(i)
        out[i] = {
            "skills": skills[i],
            "capacity": st.capacity if st else DEFAULT_CAPACITY,
            "presence": st.presence if st else Presence.OFFLINE.value,
            "load": st.load if st else 0,
        }
    return out


def presence_of(user: Any) -> str:
    state = AgentState.objects.filter(user_id=user.pk).only("presence").first()
    return state.presence if state else Presence.OFFLINE.value


def presence_log(user: Any, *, limit: int = 50) -> list[PresenceChange]:
    return list(PresenceChange.objects.filter(user_id=user.pk).select_related("changed_by")[:limit])


# --- cases as the rules see them -----------------------------------------------


def weights() -> tuple[dict[str, int], dict[str, int]]:
    """Capacity units by priority and by case type name, cached per process."""

    def load() -> tuple[dict[str, int], dict[str, int]]:
        by_priority: dict[str, int] = {}
        by_type: dict[str, int] = {}
        for w in CapacityWeight.objects.select_related("case_type"):
            if w.case_type_id:
                by_type[w.case_type.name] = w.units  # type: ignore[union-attr]
            elif w.priority:
                by_priority[w.priority] = w.units
        return by_priority, by_type

    return config_cache.cached("routing.weights", load)


_NAMES = Prepared(
    lambda pk: Case.objects.filter(pk=pk).values(
        "case_type__name",
        "service__name",
        "account__tier",
        "team__name",
        tag_list=case_selectors.tag_names_column(),
    )
)


def case_facts(case: Case, weights_: tuple[dict[str, int], dict[str, int]] | None = None) -> CaseFacts:
    """The case as the rules see it; the names of its type, service, account tier,
    team and tags as stored, in one read (none for a case being opened)."""
    by_priority, by_type = weights_ if weights_ is not None else weights()
    priority = Priority(case.priority).label
    names = case_selectors.stored_names(case.pk) or _stored_names(case.pk)
    return CaseFacts(
        case_id=case.pk,
        priority=priority,
        channel=case.channel,
        case_type=names.case_type,
        service=names.service,
        account_tier=names.account_tier,
        tags=names.tags,
        language=case.language,
        text=f"{case.title}\n{case.description}",
        team=names.team,
        units=domain.units_for(priority, names.case_type, by_priority, by_type),
    )


def _stored_names(case_id: int) -> case_selectors.Names:
    names = _NAMES.first(case_id) or {}
    return case_selectors.Names(
        case_type=names.get("case_type__name") or "",
        service=names.get("service__name") or "",
        account_tier=names.get("account__tier") or "",
        team=names.get("team__name") or "",
        tags=tuple(case_selectors.split_tag_names(names.get("tag_list"))),
    )


def to_rule(row: RoutingRule) -> Rule:
    return Rule(
        id=row.pk,
        name=row.name,
        conditions=domain.parse_conditions(row.conditions),
        team_id=row.team_id,
        mandatory_skills=dict(row.mandatory_skills or {}),
        optional_skills=dict(row.optional_skills or {}),
        priority_adjustment=row.priority_adjustment,
    )


def active_rules() -> list[Rule]:
    """The active rules in order, parsed, cached per process (configuration)."""

    def load() -> list[Rule]:
        return [to_rule(r) for r in RoutingRule.objects.filter(is_active=True).order_by("position", "id")]

    return config_cache.cached("routing.active_rules", load)


def list_rules() -> list[RoutingRule]:
    return list(RoutingRule.objects.select_related("team").order_by("position", "id"))


def get_rule(rule_id: int) -> RoutingRule:
    rule = RoutingRule.objects.select_related("team").filter(pk=rule_id).first()
    if rule is None:
        raise NotFound(f"no routing rule {rule_id}", field="id")
    return rule


def routing_case(case_id: int) -> Case:
    """The case's row as stored (related names come with its facts, `case_facts`)."""
    case = case_selectors.stored_case(case_id)
    if case is None:
        raise NotFound(f"no case with id {case_id}", field="case")
    return case


def rule_of_case(case_id: int) -> Rule | None:
    row = CaseRouting.objects.filter(case_id=case_id).select_related("rule").first()
    return to_rule(row.rule) if row and row.rule else None


def untouched_case_ids(user_id: int, case_ids: Iterable[int]) -> list[int]:
    """Of these cases, those the agent has not yet worked on (no reply, note or
    change of theirs on the timeline)."""
    ids = list(case_ids)
    touched = set(
        TimelineEvent.objects.filter(case_id__in=ids, actor_user_id=user_id).values_list("case_id", flat=True)
    )
    answered = set(
        Case.objects.filter(pk__in=ids, first_response_at__isnull=False).values_list("pk", flat=True)
    )
    return [i for i in ids if i not in touched and i not in answered]


# --- the queue and the lead's view ---------------------------------------------


def waiting_case_ids(team_id: int, *, limit: int = 100) -> list[int]:
    """The team's waiting cases in the order a pass offers them: priority, then age."""
    return list(
        CaseRouting.objects.filter(team_id=team_id, waiting_since__isnull=False)
        .order_by("-priority", "waiting_since", "case_id")
        .values_list("case_id", flat=True)[:limit]
    )


def waiting_rows(team_id: int, *, limit: int = 100) -> list[CaseRouting]:
    """The team's queue with what a pass needs to skip hopeless cases cheaply."""
    return list(
        CaseRouting.objects.filter(team_id=team_id, waiting_since__isnull=False)
        .select_related("rule")
        .order_by("-priority", "waiting_since", "case_id")[:limit]
    )


def require_lead(user: Any) -> None:
    if user is None or not may_manage_configuration(getattr(user, "role", "")):
        raise PermissionDenied("only team leads and admins may do this")


def team_queue(user: Any, team_id: int, *, show: int = 20) -> dict[str, Any]:
    """The lead's view of one team: queue length, oldest waiting case, agents and their load."""
    require_lead(user)
    team = iam.get_team(team_id)
    waiting = CaseRouting.objects.filter(team_id=team_id, waiting_since__isnull=False)
    stats = waiting.aggregate(n=Count("id"), oldest=Min("waiting_since"))
    rows = list(waiting.select_related("case").order_by("-priority", "waiting_since", "case_id")[:show])
    now = clock.now()
    agents = team_agents(team_id)
    cases = [
        {
            "number": r.case.number,
            "title": r.case.title,
            "priority": Priority(r.case.priority).label,
            "waiting_since": r.waiting_since,
            "waiting_minutes": int((now - r.waiting_since).total_seconds() // 60) if r.waiting_since else 0,
            "why": (r.last_decision or {}).get("why", ""),
        }
        for r in rows
    ]
    oldest = None
    if stats["oldest"] is not None:
        first = waiting.filter(waiting_since=stats["oldest"]).select_related("case").first()
        if first is not None:
            oldest = {
                "number": first.case.number,
                "title": first.case.title,
                "waiting_since": first.waiting_since,
                "waiting_minutes": int((now - stats["oldest"]).total_seconds() // 60),
            }
    settings = team_settings(team_id)
    return {
        "team": {"id": team.pk, "name": team.name, **settings.as_dict()},
        "queue_length": stats["n"],
        "oldest_waiting": oldest,
        "waiting": cases,
        "agents": [
            {
                "id": a.id,
                "name": a.name,
                "presence": a.presence,
                "load": a.load,
                "capacity": a.capacity,
                "skills": dict(a.skills),
            }
            for a in agents
        ],
        "agents_online": sum(1 for a in agents if a.presence == Presence.ONLINE),
    }


def explain_case(user: Any, number: str) -> dict[str, Any]:
    """Why the case is where it is, and, for every agent of its team, why not them
    ("why not me / why not her"), judged as the router would judge it now."""
    case = case_selectors.get_case(user, number)
    routing = CaseRouting.objects.filter(case_id=case.pk).select_related("rule").first()
    rule = to_rule(routing.rule) if routing and routing.rule else None
    facts = case_facts(case)
    agents = team_agents(case.team_id) if case.team_id else []
    settings = team_settings(case.team_id) if case.team_id else TeamSettings(0)
    mandatory = dict(rule.mandatory_skills) if rule else {}
    held_units = facts.units if case.assignee_id else 0
    verdicts = []
    for a in agents:
        # The assignee already holds the case's units; judge them without counting it twice.
        own = a.id == case.assignee_id
        reason = domain.why_not(a, facts.units, mandatory, ignore_capacity=own and held_units > 0)
        verdicts.append(
            {
                "id": a.id,
                "name": a.name,
                "presence": a.presence,
                "load": a.load,
                "capacity": a.capacity,
                "skills": dict(a.skills),
                "is_assignee": own,
                "eligible": reason is None,
                "why_not": reason or "",
            }
        )
    return {
        "case": {
            "number": case.number,
            "title": case.title,
            "team": case.team.name if case.team_id else None,  # type: ignore[union-attr]
            "assignee": str(case.assignee) if case.assignee_id else None,
            "units": facts.units,
            "waiting": bool(routing and routing.waiting_since),
        },
        "strategy": settings.strategy,
        "rule": rule.name if rule else None,
        "mandatory_skills": mandatory,
        "optional_skills": dict(rule.optional_skills) if rule else {},
        "assignment_reason": case.assignment_reason or {},
        "last_decision": (routing.last_decision if routing else {}) or {},
        "agents": verdicts,
    }


def visible_case(user: Any, number: str) -> Case:
    return case_selectors.get_case(user, number)


def leads_teams(user: Any) -> list[Any]:
    """Teams shown in the lead's view: all for admins and leads."""
    require_lead(user)
    return list(iam.list_teams())


def is_lead(user: Any) -> bool:
    return getattr(user, "role", "") in {Role.ADMIN, Role.LEAD}


ROUTABLE = frozenset(ACTIVE)
