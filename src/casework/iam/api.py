"""/api/v1/users, /api/v1/teams, /api/v1/me."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema, Status
from pydantic import ConfigDict, EmailStr, Field

from casework.iam import selectors, services
from casework.iam.auth import require_staff, require_write

router = Router(tags=["people"])


class Strict(Schema):
    model_config = ConfigDict(extra="forbid")


class TeamOut(Schema):
    id: int
    name: str
    description: str
    partner_organisation: str | None


class UserOut(Schema):
    id: int
    email: str
    name: str
    role: str
    is_active: bool
    teams: list[int]


class UserCreate(Strict):
    email: EmailStr
    name: str = Field("", max_length=200)
    role: str = "agent"
    password: str | None = Field(None, min_length=8, max_length=200)
    teams: list[int] = Field(default_factory=list)


class UserPatch(Strict):
    email: EmailStr | None = None
    name: str | None = Field(None, max_length=200)
    role: str | None = None
    is_active: bool | None = None
    teams: list[int] | None = None


class TeamCreate(Strict):
    name: str = Field(..., min_length=1, max_length=100)
    description: str = ""
    partner_organisation: str | None = Field(None, max_length=200)


class TeamPatch(Strict):
    name: str | None = Field(None, min_length=1, max_length=100)
    description: str | None = None
    partner_organisation: str | None = None


def team_dict(team: Any) -> dict[str, Any]:
    partner = team.partner_organisation
    return {
        "id": team.pk,
        "name": team.name,
        "description": team.description,
        "partner_organisation": partner.name if partner else None,
    }


def user_dict(user: Any) -> dict[str, Any]:
    return {
        "id": user.pk,
        "email": user.email,
        "name": user.name,
        "role": user.role,
        "is_active": user.is_active,
        "teams": sorted(m.team_id for m in user.memberships.all()),
    }


@router.get("/me", response=UserOut)
def me(request: HttpRequest) -> dict[str, Any]:
    return user_dict(require_staff(request))


@router.get("/users", response=list[UserOut])
def list_users(
    request: HttpRequest, role: str | None = None, team: int | None = None
) -> list[dict[str, Any]]:
    require_staff(request)
    return [
        user_dict(u) for u in selectors.list_users(role=role, team_id=team).prefetch_related("memberships")
    ]


@router.post("/users", response={201: UserOut})
def create_user(request: HttpRequest, payload: UserCreate) -> Status[dict[str, Any]]:
    actor = require_staff(request)
    require_write(request)
    teams = [selectors.get_team(t) for t in payload.teams]
    user = services.create_user(
        str(payload.email),
        role=payload.role,
        name=payload.name,
        password=payload.password,
        teams=teams,
        by=actor,
    )
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
    if "teams" in changes:
        changes["team_ids"] = [selectors.get_team(t).pk for t in changes.pop("teams") or []]
    if "email" in changes and changes["email"] is not None:
        changes["email"] = str(changes["email"])
    user = services.update_user(selectors.get_user(user_id), by=actor, **changes)
    return user_dict(user)


@router.get("/teams", response=list[TeamOut])
def list_teams(request: HttpRequest) -> list[dict[str, Any]]:
    require_staff(request)
    return [team_dict(t) for t in selectors.list_teams()]


@router.post("/teams", response={201: TeamOut})
def create_team(request: HttpRequest, payload: TeamCreate) -> Status[dict[str, Any]]:
    actor = require_staff(request)
    require_write(request)
    team = services.create_team(
        payload.name,
        description=payload.description,
        partner_organisation=payload.partner_organisation,
        by=actor,
    )
    return Status(201, team_dict(team))


@router.get("/teams/{team_id}", response=TeamOut)
def read_team(request: HttpRequest, team_id: int) -> dict[str, Any]:
    require_staff(request)
    return team_dict(selectors.get_team(team_id))


@router.patch("/teams/{team_id}", response=TeamOut)
def patch_team(request: HttpRequest, team_id: int, payload: TeamPatch) -> dict[str, Any]:
    actor = require_staff(request)
    require_write(request)
    team = services.update_team(
        selectors.get_team(team_id), by=actor, **payload.model_dump(exclude_unset=True)
    )
    return team_dict(team)
