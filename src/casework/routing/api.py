"""/api/v1/routing-rules, presence, the team queue and the routing explanation of a case."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from django.http import HttpRequest
from ninja import Router, Schema, Status
from pydantic import Field

from casework.core.api_input import Patch, Strict
from casework.iam import selectors as iam
from casework.iam.auth import require_staff, require_write
from casework.routing import selectors, services

if TYPE_CHECKING:
    from casework.routing.models import RoutingRule

router = Router(tags=["routing"])

PresenceValue = Literal["online", "away", "offline"]


class ConditionIn(Strict):
    field: str = Field(..., description="case_type, priority, channel, account_tier, tags, language, text, …")
    op: str = Field("is", description="is, is_not, in, not_in, contains")
    value: str | int | list[str | int]


class RuleOut(Schema):
    id: int
    position: int
    name: str
    is_active: bool
    conditions: list[dict[str, Any]]
    team: int | None
    mandatory_skills: dict[str, int]
    optional_skills: dict[str, int]
    priority_adjustment: int


class RuleCreate(Strict):
    name: str = Field(..., min_length=1, max_length=200)
    position: int | None = Field(None, ge=0)
    is_active: bool = True
    conditions: list[ConditionIn] = Field(default_factory=list)
    team: int | None = None
    mandatory_skills: dict[str, int] = Field(default_factory=dict)
    optional_skills: dict[str, int] = Field(default_factory=dict)
    priority_adjustment: int = 0


class RulePatch(Patch):
    clearable = frozenset({"team"})

    name: str | None = Field(None, min_length=1, max_length=200)
    position: int | None = Field(None, ge=0)
    is_active: bool | None = None
    conditions: list[ConditionIn] | None = None
    team: int | None = None
    mandatory_skills: dict[str, int] | None = None
    optional_skills: dict[str, int] | None = None
    priority_adjustment: int | None = None


class RuleOrder(Strict):
    order: list[int]


class PresenceIn(Strict):
    presence: PresenceValue


class PresenceOut(Schema):
    user: int
    presence: str


class WaitingCase(Schema):
    number: str | None
    title: str
    priority: str
    waiting_since: datetime | None
    waiting_minutes: int
    why: str


class OldestWaiting(Schema):
    number: str | None
    title: str
    waiting_since: datetime | None
    waiting_minutes: int


class QueueAgent(Schema):
    id: int
    name: str
    presence: str
    load: int
    capacity: int
    skills: dict[str, int]


class QueueOut(Schema):
    team: dict[str, Any]
    queue_length: int
    oldest_waiting: OldestWaiting | None
    waiting: list[WaitingCase]
    agents_online: int
    agents: list[QueueAgent]


def rule_dict(rule: RoutingRule) -> dict[str, Any]:
    return {
        "id": rule.pk,
        "position": rule.position,
        "name": rule.name,
        "is_active": rule.is_active,
        "conditions": list(rule.conditions or []),
        "team": rule.team_id,
        "mandatory_skills": dict(rule.mandatory_skills or {}),
        "optional_skills": dict(rule.optional_skills or {}),
        "priority_adjustment": rule.priority_adjustment,
    }


def _lead(request: HttpRequest) -> Any:
    user = require_staff(request)
    selectors.require_lead(user)
    return user


@router.get("/routing-rules", response=list[RuleOut])
def list_rules(request: HttpRequest) -> list[dict[str, Any]]:
    _lead(request)
    return [rule_dict(r) for r in selectors.list_rules()]


@router.post("/routing-rules", response={201: RuleOut})
def create_rule(request: HttpRequest, payload: RuleCreate) -> Status[dict[str, Any]]:
    user = _lead(request)
    require_write(request)
    rule = services.create_rule(user, payload.model_dump())
    return Status(201, rule_dict(rule))


@router.put("/routing-rules/order", response=list[RuleOut])
def reorder_rules(request: HttpRequest, payload: RuleOrder) -> list[dict[str, Any]]:
    user = _lead(request)
    require_write(request)
    return [rule_dict(r) for r in services.reorder_rules(user, payload.order)]


@router.get("/routing-rules/{rule_id}", response=RuleOut)
def read_rule(request: HttpRequest, rule_id: int) -> dict[str, Any]:
    _lead(request)
    return rule_dict(selectors.get_rule(rule_id))


@router.patch("/routing-rules/{rule_id}", response=RuleOut)
def patch_rule(request: HttpRequest, rule_id: int, payload: RulePatch) -> dict[str, Any]:
    user = _lead(request)
    require_write(request)
    rule = services.update_rule(user, selectors.get_rule(rule_id), payload.model_dump(exclude_unset=True))
    return rule_dict(rule)


@router.delete("/routing-rules/{rule_id}", response={204: None})
def delete_rule(request: HttpRequest, rule_id: int) -> Status[None]:
    user = _lead(request)
    require_write(request)
    services.delete_rule(user, selectors.get_rule(rule_id))
    return Status(204, None)


@router.put("/users/{user_id}/presence", response=PresenceOut)
def put_presence(request: HttpRequest, user_id: int, payload: PresenceIn) -> dict[str, Any]:
    by = require_staff(request)
    require_write(request)
    user = iam.get_user(user_id)
    return {"user": user.pk, "presence": services.set_presence(by, user, payload.presence)}


@router.get("/me/presence", response=PresenceOut)
def my_presence(request: HttpRequest) -> dict[str, Any]:
    user = require_staff(request)
    return {"user": user.pk, "presence": selectors.presence_of(user)}


@router.put("/me/presence", response=PresenceOut)
def put_my_presence(request: HttpRequest, payload: PresenceIn) -> dict[str, Any]:
    user = require_staff(request)
    require_write(request)
    return {"user": user.pk, "presence": services.set_presence(user, user, payload.presence)}


@router.get("/teams/{team_id}/queue", response=QueueOut)
def team_queue(request: HttpRequest, team_id: int) -> dict[str, Any]:
    return selectors.team_queue(require_staff(request), team_id)


@router.get("/cases/{number}/routing")
def case_routing(request: HttpRequest, number: str) -> dict[str, Any]:
    """Why the case is where it is, and why not each agent of its team (leads)."""
    user = _lead(request)
    return selectors.explain_case(user, number)
