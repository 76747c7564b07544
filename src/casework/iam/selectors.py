"""Read queries for people and teams."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from casework.core import config_cache
from casework.core.errors import NotFound
from casework.core.prepared import Prepared, instance_from_row, row_of
from casework.iam.domain import STAFF_ROLES
from casework.iam.models import ApiToken, PartnerOrganisation, Team, TeamMembership, User


def team_ids_of(user: User) -> list[int]:
    cached = getattr(user, "_casework_team_ids", None)
    if cached is None:
        cached = list(user.memberships.values_list("team_id", flat=True))
        user._casework_team_ids = cached  # type: ignore[attr-defined]
    return cached


def team_ids_query(user_id: Any) -> QuerySet[TeamMembership, Any]:
    """The user's team ids as a subquery (for a statement compiled once, where the
    list of `team_ids_of` would change its shape)."""
    return TeamMembership.objects.filter(user_id=user_id).values("team_id")


def list_users(*, role: str | None = None, team_id: int | None = None) -> QuerySet[User]:
    users = User.objects.all().order_by("id")
    if role:
        users = users.filter(role=role)
    if team_id:
        users = users.filter(memberships__team_id=team_id)
    return users


def staff_users() -> QuerySet[User]:
    return User.objects.filter(role__in=STAFF_ROLES, is_active=True)


_USER = Prepared(lambda pk: User.objects.filter(pk=pk))


def get_user(user_id: int) -> User:
    user = _USER.first(user_id)
    if user is None:
        raise NotFound(f"no user {user_id}", field="id")
    return user  # type: ignore[no-any-return]


def known_user(user_id: int, *, name: str, email: str, role: str) -> User:
    """An active user the caller has just read along with other rows (routing's
    team agents): no second read. Fields not given load on first use."""
    fields = ["id", "name", "email", "role", "is_active"]
    return User.from_db("default", fields, [user_id, name, email, role, True])


def find_user_by_email(email: str) -> User | None:
    return User.objects.filter(email__iexact=email.strip()).first()


def list_teams() -> QuerySet[Team]:
    return Team.objects.select_related("partner_organisation").order_by("name")


_TEAM = Prepared(lambda pk: Team.objects.select_related("partner_organisation").filter(pk=pk))
_PARTNER = Team._meta.get_field("partner_organisation")


def get_team(team_id: int) -> Team:
    """The team with its partner organisation (None for an in-house team).

    Teams are configuration, named in most requests that write a case: each is
    read once per process and kept until a team or partner organisation changes
    anywhere (`config_cache`). Every caller gets an instance of its own."""
    known: dict[Any, _TeamRow] = config_cache.cached("iam.teams", dict)
    row = known.get(team_id)
    if row is None:
        team = _TEAM.first(team_id)
        if team is None:
            raise NotFound(f"no team {team_id}", field="team")
        partner = team.partner_organisation
        known[team_id] = (row_of(team), row_of(partner) if partner is not None else None)
        return team  # type: ignore[no-any-return]
    team_row, partner_row = row
    team = instance_from_row(Team, team_row)
    partner = instance_from_row(PartnerOrganisation, partner_row) if partner_row else None
    _PARTNER.set_cached_value(team, partner)
    return team


_TeamRow = tuple[tuple[Any, ...], tuple[Any, ...] | None]


def find_team_by_name(name: str) -> Team | None:
    return Team.objects.filter(name__iexact=name.strip()).first()


def team_leads(team_id: int) -> QuerySet[User]:
    return User.objects.filter(memberships__team_id=team_id, memberships__is_lead=True)


def get_live_token(token_id: int) -> ApiToken:
    token = ApiToken.objects.filter(pk=token_id, revoked_at__isnull=True).first()
    if token is None:
        raise NotFound(f"no token {token_id}", field="id")
    return token
