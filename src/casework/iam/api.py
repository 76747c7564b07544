"""/api/v1/users, /api/v1/teams, /api/v1/tokens, /api/v1/me."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from ninja import Router, Schema, Status
from pydantic import Field

from casework.core.api_input import Email, Patch, Strict
from casework.core.errors import NotFound
from casework.iam import selectors, services
from casework.iam.auth import require_staff, require_write
from casework.routing import selectors as routing
from casework.routing import services as routing_services

router = Router(tags=["people"])


class TeamOut(Schema):
    id: int
    name: str
    description: str
    partner_organisation: str | None
    # Routing (the routing area keeps these): how the team hands out its cases.
    strategy: str = "skills_capacity"
    fallback_team: int | None = None
    overflow_minutes: int = 0
    return_untouched_on_offline: bool = True


class UserOut(Schema):
    id: int
    email: str
    name: str
    role: str
    is_active: bool
    teams: list[int]
    # Routing: skills with levels 1-5, capacity in units, presence, units held.
    skills: dict[str, int] = Field(default_factory=dict)
    capacity: int = 10
    presence: str = "offline"
    load: int = 0


class UserCreate(Strict):
    email: Email
    name: str = Field("", max_length=200)
    role: str = "agent"
    password: str | None = Field(None, min_length=8, max_length=200)
    teams: list[int] = Field(default_factory=list)
    skills: dict[str, int] | None = None
    capacity: int | None = None


class UserPatch(Patch):
    email: Email | None = None
    name: str | None = Field(None, max_length=200)
    role: str | None = None
    is_active: bool | None = None
    teams: list[int] | None = None
    skills: dict[str, int] | None = None
    capacity: int | None = None


class TokenOut(Schema):
    id: int
    user: int
    name: str
    prefix: str  # the key's first characters, to tell tokens apart
    scopes: list[str]
    created_at: datetime
    last_used_at: datetime | None


class NewTokenOut(TokenOut):
    key: str  # shown once, never again


class TokenCreate(Strict):
    name: str = Field(..., min_length=1, max_length=100)
    read_only: bool = False
    user: int | None = None  # an admin may make a token for someone else


ROUTING_TEAM_FIELDS = ("strategy", "fallback_team", "overflow_minutes", "return_untouched_on_offline")
ROUTING_USER_FIELDS = ("skills", "capacity")


class TeamCreate(Strict):
    name: str = Field(..., min_length=1, max_length=100)
    description: str = ""
    partner_organisation: str | None = Field(None, max_length=200)
    strategy: str | None = None
    fallback_team: int | None = None
    overflow_minutes: int | None = None
    return_untouched_on_offline: bool | None = None


class TeamPatch(Patch):
    clearable = frozenset({"partner_organisation", "fallback_team"})

    name: str | None = Field(None, min_length=1, max_length=100)
    description: str | None = None
    partner_organisation: str | None = None
    strategy: str | None = None
    fallback_team: int | None = None
    overflow_minutes: int | None = None
    return_untouched_on_offline: bool | None = None


def team_dict(team: Any, settings: Any = None) -> dict[str, Any]:
    partner = team.partner_organisation
    settings = settings or routing.team_settings(team.pk)
    return {
        "id": team.pk,
        "name": team.name,
        "description": team.description,
        "partner_organisation": partner.name if partner else None,
        **settings.as_dict(),
    }


def user_dict(user: Any, profile: dict[str, Any] | None = None) -> dict[str, Any]:
    profile = profile or routing.agent_profiles([user])[user.pk]
    return {
        "id": user.pk,
        "email": user.email,
        "name": user.name,
        "role": user.role,
        "is_active": user.is_active,
        "teams": sorted(m.team_id for m in user.memberships.all()),
        **profile,
    }


def _split(changes: dict[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
    """Take the routing area's fields out of a request; the routing services keep them."""
    return {k: changes.pop(k) for k in names if k in changes}


def _set_user_routing(actor: Any, user: Any, values: dict[str, Any]) -> None:
    if values.get("skills") is not None:
        routing_services.set_skills(actor, user, values["skills"])
    if values.get("capacity") is not None:
        routing_services.set_capacity(actor, user, values["capacity"])


@router.get("/me", response=UserOut)
def me(request: HttpRequest) -> dict[str, Any]:
    return user_dict(require_staff(request))


@router.get("/users", response=list[UserOut])
def list_users(
    request: HttpRequest, role: str | None = None, team: int | None = None
) -> list[dict[str, Any]]:
    require_staff(request)
    users = list(selectors.list_users(role=role, team_id=team).prefetch_related("memberships"))
    profiles = routing.agent_profiles(users)
    return [user_dict(u, profiles[u.pk]) for u in users]


@router.post("/users", response={201: UserOut})
def create_user(request: HttpRequest, payload: UserCreate) -> Status[dict[str, Any]]:
    actor = require_staff(request)
    require_write(request)
    teams = [selectors.get_team(t) for t in payload.teams]
    with transaction.atomic():
        user = services.create_user(
            str(payload.email),
            role=payload.role,
            name=payload.name,
            password=payload.password,
            teams=teams,
            by=actor,
        )
        _set_user_routing(actor, user, {"skills": payload.skills, "capacity": payload.capacity})
    return Status(201, user_dict(user))


@router.get("/users/{user_id}", response=UserOut)
def read_user(request: HttpRequest, user_id: int) -> dict[str, Any]:
    require_staff(request)
    return user_dict(selectors.get_user(user_id))


@router.patch("/users/{user_id}", response=UserOut)
def patch_user(request: HttpRequest, user_id: int, payload: UserPatch) -> dict[str, Any]:
    actor = require_staff(request)
    require_write(request)
    changes = payload.model_dump(exclude_unset=True)
    routing_changes = _split(changes, ROUTING_USER_FIELDS)
    if "teams" in changes:
        changes["team_ids"] = [selectors.get_team(t).pk for t in changes.pop("teams") or []]
    if "email" in changes and changes["email"] is not None:
        changes["email"] = str(changes["email"])
    with transaction.atomic():
        user = selectors.get_user(user_id)
        if changes or not routing_changes:
            user = services.update_user(user, by=actor, **changes)
        _set_user_routing(actor, user, routing_changes)
    return user_dict(user)


@router.get("/teams", response=list[TeamOut])
def list_teams(request: HttpRequest) -> list[dict[str, Any]]:
    require_staff(request)
    teams = list(selectors.list_teams())
    settings = routing.team_settings_many(t.pk for t in teams)
    return [team_dict(t, settings[t.pk]) for t in teams]


@router.post("/teams", response={201: TeamOut})
def create_team(request: HttpRequest, payload: TeamCreate) -> Status[dict[str, Any]]:
    actor = require_staff(request)
    require_write(request)
    routing_changes = {
        k: v for k, v in _split(payload.model_dump(), ROUTING_TEAM_FIELDS).items() if v is not None
    }
    with transaction.atomic():
        team = services.create_team(
            payload.name,
            description=payload.description,
            partner_organisation=payload.partner_organisation,
            by=actor,
        )
        if routing_changes:
            routing_services.update_team_routing(actor, team, **routing_changes)
    return Status(201, team_dict(team))


@router.get("/teams/{team_id}", response=TeamOut)
def read_team(request: HttpRequest, team_id: int) -> dict[str, Any]:
    require_staff(request)
    return team_dict(selectors.get_team(team_id))


@router.patch("/teams/{team_id}", response=TeamOut)
def patch_team(request: HttpRequest, team_id: int, payload: TeamPatch) -> dict[str, Any]:
    actor = require_staff(request)
    require_write(request)
    changes = payload.model_dump(exclude_unset=True)
    routing_changes = _split(changes, ROUTING_TEAM_FIELDS)
    with transaction.atomic():
        team = selectors.get_team(team_id)
        if changes or not routing_changes:
            team = services.update_team(team, by=actor, **changes)
        if routing_changes:
            routing_services.update_team_routing(actor, team, **routing_changes)
    return team_dict(team)


def token_dict(token: Any) -> dict[str, Any]:
    return {
        "id": token.pk,
        "user": token.user_id,
        "name": token.name,
        "prefix": token.prefix,
        "scopes": list(token.scopes or []),
        "created_at": token.created_at,
        "last_used_at": token.last_used_at,
    }


def _token_owner(actor: Any, user_id: int | None) -> Any:
    """The user whose tokens a call names (`user`), the caller when it names none."""
    if user_id is None or user_id == actor.pk:
        return actor
    try:
        return selectors.get_user(user_id)
    except NotFound:
        raise NotFound(f"no user {user_id}", field="user") from None


@router.get("/tokens", response=list[TokenOut], summary="List the API tokens that still work")
def list_tokens(request: HttpRequest, user: int | None = None) -> list[dict[str, Any]]:
    actor = require_staff(request)
    return [token_dict(t) for t in services.tokens_for(_token_owner(actor, user), by=actor)]


@router.post("/tokens", response={201: NewTokenOut}, summary="Make an API token (its key is shown once)")
def create_token(request: HttpRequest, payload: TokenCreate) -> Status[dict[str, Any]]:
    actor = require_staff(request)
    require_write(request)
    scopes = ("read",) if payload.read_only else ("read", "write")
    owner = _token_owner(actor, payload.user)
    token, key = services.create_token(owner, payload.name, scopes=scopes, by=actor)
    return Status(201, {**token_dict(token), "key": key})


@router.delete("/tokens/{token_id}", response={204: None}, summary="Revoke an API token")
def revoke_token(request: HttpRequest, token_id: int) -> Status[None]:
    actor = require_staff(request)
    require_write(request)
    services.revoke_token(selectors.get_live_token(token_id), by=actor)
    return Status(204, None)
