"""Configuring routing (leads and admins): team strategies, skills, capacity,
weights and the ordered routing rules. Part of the routing write path; the
names are re-exported by `casework.routing.services`."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from casework.cases.domain import Priority
from casework.core import clock, config_cache
from casework.core.errors import InvalidInput, NotFound, PermissionDenied
from casework.iam import selectors as iam
from casework.iam.domain import may_manage_configuration
from casework.routing import domain, selectors
from casework.routing.domain import Presence, RuleError, Strategy
from casework.routing.models import AgentSkill, AgentState, CapacityWeight, RoutingRule, TeamRouting


def _require_lead(by: Any) -> None:
    if by is not None and not may_manage_configuration(by.role):
        raise PermissionDenied("only team leads and admins may change routing")


@transaction.atomic
def update_team_routing(by: Any, team: Any, **changes: Any) -> selectors.TeamSettings:
    _require_lead(by)
    row, _ = TeamRouting.objects.get_or_create(team=team)
    if "strategy" in changes and changes["strategy"] is not None:
        try:
            row.strategy = Strategy(changes["strategy"]).value
        except ValueError:
            allowed = ", ".join(s.value for s in Strategy)
            raise InvalidInput(
                f"unknown strategy {changes['strategy']!r}; one of {allowed}", field="strategy"
            ) from None
    if "fallback_team" in changes:
        value = changes["fallback_team"]
        if value is not None:
            fallback = iam.get_team(value.pk if hasattr(value, "pk") else int(value))
            if fallback.pk == team.pk:
                raise InvalidInput("a team cannot be its own fallback team", field="fallback_team")
            row.fallback_team = fallback
        else:
            row.fallback_team = None
    if "overflow_minutes" in changes and changes["overflow_minutes"] is not None:
        minutes = changes["overflow_minutes"]
        if not isinstance(minutes, int) or minutes < 0 or minutes > 7 * 24 * 60:
            raise InvalidInput("overflow_minutes is 0 (never) to 10080", field="overflow_minutes")
        row.overflow_minutes = minutes
    if changes.get("return_untouched_on_offline") is not None:
        row.return_untouched_on_offline = bool(changes["return_untouched_on_offline"])
    row.save()
    return selectors.team_settings(team.pk)


def set_skills(by: Any, user: Any, skills: Any) -> dict[str, int]:
    """Replace the agent's skills with {name: level 1-5}."""
    _require_lead(by)
    try:
        clean = domain.parse_skills(skills, "skills")
    except RuleError as exc:
        raise InvalidInput(str(exc), field=exc.field) from None
    with transaction.atomic():
        AgentSkill.objects.filter(user=user).exclude(name__in=list(clean)).delete()
        for name, level in clean.items():
            AgentSkill.objects.update_or_create(user=user, name=name, defaults={"level": level})
    return clean


def set_capacity(by: Any, user: Any, capacity: Any) -> int:
    _require_lead(by)
    if isinstance(capacity, bool) or not isinstance(capacity, int) or not 0 <= capacity <= 1000:
        raise InvalidInput("capacity is a whole number of units from 0 to 1000", field="capacity")
    with transaction.atomic():
        from casework.routing import services  # the capacity side of the write path

        services._ensure_state(user.pk)
        AgentState.objects.filter(user_id=user.pk).update(capacity=capacity)
        if selectors.presence_of(user) == Presence.ONLINE:
            services._pass_for_agent(user.pk)
    return capacity


def set_weight(by: Any, *, units: int, priority: str = "", case_type: Any = None) -> CapacityWeight:
    _require_lead(by)
    if not isinstance(units, int) or not 1 <= units <= 100:
        raise InvalidInput("units is a whole number from 1 to 100", field="units")
    if case_type is None and priority not in {p.label for p in Priority}:
        raise InvalidInput("a weight is for a priority or a case type", field="priority")
    if case_type is not None:
        weight, _ = CapacityWeight.objects.update_or_create(
            case_type=case_type, defaults={"units": units, "priority": ""}
        )
    else:
        weight, _ = CapacityWeight.objects.update_or_create(
            case_type=None, priority=priority, defaults={"units": units}
        )
    return weight


RULE_FIELDS = (
    "name",
    "position",
    "is_active",
    "conditions",
    "team",
    "mandatory_skills",
    "optional_skills",
    "priority_adjustment",
)


def _apply_rule(row: RoutingRule, data: dict[str, Any]) -> None:
    unknown = [k for k in data if k not in RULE_FIELDS]
    if unknown:
        raise InvalidInput(f"{unknown[0]} is not a field of a routing rule", field=unknown[0])
    try:
        if "name" in data:
            name = " ".join(str(data["name"] or "").split())
            if not name or len(name) > 200:
                raise InvalidInput("a rule needs a name of 1 to 200 characters", field="name")
            row.name = name
        if "conditions" in data:
            domain.parse_conditions(data["conditions"] or [])
            row.conditions = data["conditions"] or []
        if "mandatory_skills" in data:
            row.mandatory_skills = domain.parse_skills(data["mandatory_skills"] or {}, "mandatory_skills")
        if "optional_skills" in data:
            row.optional_skills = domain.parse_skills(data["optional_skills"] or {}, "optional_skills")
    except RuleError as exc:
        raise InvalidInput(str(exc), field=exc.field) from None
    if "team" in data:
        row.team = iam.get_team(data["team"]) if data["team"] is not None else None
    if "priority_adjustment" in data:
        adj = data["priority_adjustment"]
        if isinstance(adj, bool) or not isinstance(adj, int) or not -3 <= adj <= 3:
            raise InvalidInput("priority_adjustment is from -3 to 3", field="priority_adjustment")
        row.priority_adjustment = adj
    if "is_active" in data and data["is_active"] is not None:
        row.is_active = bool(data["is_active"])
    if "position" in data and data["position"] is not None:
        if not isinstance(data["position"], int) or data["position"] < 0:
            raise InvalidInput("position is a whole number from 0", field="position")
        row.position = data["position"]


@transaction.atomic
def create_rule(by: Any, data: dict[str, Any]) -> RoutingRule:
    _require_lead(by)
    if not data.get("name"):
        raise InvalidInput("a rule needs a name", field="name")
    row = RoutingRule(position=0)
    if data.get("position") is None:
        last = RoutingRule.objects.order_by("-position").values_list("position", flat=True).first()
        data = {**data, "position": (last + 1) if last is not None else 0}
    _apply_rule(row, data)
    row.created_at = row.updated_at = clock.now()
    row.save()
    return row


@transaction.atomic
def update_rule(by: Any, rule: RoutingRule, data: dict[str, Any]) -> RoutingRule:
    _require_lead(by)
    _apply_rule(rule, data)
    rule.updated_at = clock.now()
    rule.save()
    return rule


@transaction.atomic
def delete_rule(by: Any, rule: RoutingRule) -> None:
    _require_lead(by)
    RoutingRule.objects.filter(pk=rule.pk).delete()


@transaction.atomic
def reorder_rules(by: Any, rule_ids: list[int]) -> list[RoutingRule]:
    """Put the rules in this order (positions 0, 1, 2, …); rules not named keep theirs after."""
    _require_lead(by)
    existing = set(RoutingRule.objects.values_list("pk", flat=True))
    missing = [i for i in rule_ids if i not in existing]
    if missing:
        raise NotFound(f"no routing rule {missing[0]}", field="order")
    for position, rule_id in enumerate(rule_ids):
        RoutingRule.objects.filter(pk=rule_id).update(position=position)
    rest = RoutingRule.objects.exclude(pk__in=rule_ids).order_by("position", "id")
    for offset, rule in enumerate(rest, start=len(rule_ids)):
        RoutingRule.objects.filter(pk=rule.pk).update(position=offset)
    config_cache.changed()  # queryset updates send no save signal
    return selectors.list_rules()
