"""Writes for people, teams and API tokens; admins manage people."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction

from casework.core import clock, config_cache
from casework.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from casework.core.prepared import Prepared, instance_from_row, row_of
from casework.iam.domain import Role, may_manage_people
from casework.iam.models import ApiToken, PartnerOrganisation, Team, TeamMembership, User

TOKEN_PREFIX = "cwk_"


def require_admin(actor_user: User | None) -> None:
    if actor_user is not None and not may_manage_people(actor_user.role):
        raise PermissionDenied("only an admin may manage people, teams and tokens")


def _clean_email(email: str) -> str:
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except DjangoValidationError:
        raise InvalidInput(f"{email!r} is not an email address", field="email") from None
    return email


def _clean_role(role: str) -> str:
    try:
        return Role(role).value
    except ValueError:
        allowed = ", ".join(r.value for r in Role)
        raise InvalidInput(f"unknown role {role!r}; one of {allowed}", field="role") from None


@transaction.atomic
def create_user(
    email: str,
    *,
    role: str = Role.AGENT,
    name: str = "",
    password: str | None = None,
    teams: Iterable[Team] = (),
    by: User | None = None,
    check_password: bool = True,
) -> User:
    require_admin(by)
    email = _clean_email(email)
    role = _clean_role(role)
    if User.objects.filter(email__iexact=email).exists():
        raise InvalidInput(f"a user with email {email} already exists", field="email")
    if password and check_password:
        try:
            validate_password(password)
        except DjangoValidationError as exc:
            raise InvalidInput("; ".join(exc.messages), field="password") from None
    user = User.objects.create_user(email, password or None, role=role, name=name.strip())
    if not password:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    for team in teams:
        TeamMembership.objects.get_or_create(team=team, user=user)
    return user


def _keep_an_admin(user: User) -> None:
    """Refuse the change that would leave no active admin: nobody could then
    manage people or settings. The admins' rows are locked first, so two admins
    demoting each other at once cannot both pass."""
    if user.role == Role.ADMIN and user.is_active:
        return
    admins = User.objects.select_for_update().filter(role=Role.ADMIN, is_active=True)
    if not admins.exclude(pk=user.pk).exists() and admins.filter(pk=user.pk).exists():
        field = "is_active" if not user.is_active else "role"
        raise Conflict("the last active admin must stay an active admin", field=field)


@transaction.atomic
def update_user(user: User, *, by: User | None = None, **changes: Any) -> User:
    require_admin(by)
    if "email" in changes and changes["email"] is not None:
        email = _clean_email(changes["email"])
        if User.objects.filter(email__iexact=email).exclude(pk=user.pk).exists():
            raise InvalidInput(f"a user with email {email} already exists", field="email")
        user.email = email
    if changes.get("role") is not None:
        user.role = _clean_role(changes["role"])
    if changes.get("name") is not None:
        user.name = changes["name"].strip()
    if changes.get("is_active") is not None:
        user.is_active = bool(changes["is_active"])
    _keep_an_admin(user)
    user.save()
    if changes.get("team_ids") is not None:
        set_teams(user, [Team.objects.get(pk=t) for t in changes["team_ids"]])
    return user


def set_teams(user: User, teams: Iterable[Team]) -> None:
    wanted = {t.pk for t in teams}
    TeamMembership.objects.filter(user=user).exclude(team_id__in=wanted).delete()
    for team_id in wanted:
        TeamMembership.objects.get_or_create(team_id=team_id, user=user)
    user.__dict__.pop("_casework_team_ids", None)


@transaction.atomic
def create_team(
    name: str,
    *,
    description: str = "",
    partner_organisation: str | None = None,
    by: User | None = None,
) -> Team:
    require_admin(by)
    name = name.strip()
    if not name:
        raise InvalidInput("a team needs a name", field="name")
    if Team.objects.filter(name__iexact=name).exists():
        raise InvalidInput(f"a team named {name!r} already exists", field="name")
    partner = None
    if partner_organisation:
        partner, _ = PartnerOrganisation.objects.get_or_create(name=partner_organisation.strip())
    return Team.objects.create(name=name, description=description, partner_organisation=partner)


@transaction.atomic
def update_team(team: Team, *, by: User | None = None, **changes: Any) -> Team:
    require_admin(by)
    if changes.get("name") is not None:
        name = changes["name"].strip()
        if not name:
            raise InvalidInput("a team needs a name", field="name")
        if Team.objects.filter(name__iexact=name).exclude(pk=team.pk).exists():
            raise InvalidInput(f"a team named {name!r} already exists", field="name")
        team.name = name
    if changes.get("description") is not None:
        team.description = changes["description"]
    if "partner_organisation" in changes:
        value = changes["partner_organisation"]
        team.partner_organisation = (
            PartnerOrganisation.objects.get_or_create(name=value.strip())[0] if value else None
        )
    team.save()
    return team


def add_member(team: Team, user: User, *, is_lead: bool = False) -> TeamMembership:
    membership, _ = TeamMembership.objects.update_or_create(
        team=team, user=user, defaults={"is_lead": is_lead}
    )
    user.__dict__.pop("_casework_team_ids", None)
    return membership


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def create_token(
    user: User, name: str, *, scopes: Iterable[str] = ("read", "write"), by: User | None = None
) -> tuple[ApiToken, str]:
    """A new token; the plain key is returned once and never stored. A user makes
    their own tokens; an admin may make one for anyone."""
    if by is not None and by.pk != user.pk:
        require_admin(by)
    name = name.strip()
    if not name:
        raise InvalidInput("a token needs a name", field="name")
    if len(name) > ApiToken._meta.get_field("name").max_length:  # type: ignore[operator]
        raise InvalidInput("a token's name has at most 100 characters", field="name")
    key = TOKEN_PREFIX + secrets.token_urlsafe(32)
    for _ in range(3):
        try:
            with transaction.atomic():
                token = ApiToken.objects.create(
                    user=user, name=name, prefix=key[:12], key_hash=_hash(key), scopes=list(scopes)
                )
            return token, key
        except IntegrityError:  # pragma: no cover - a 256-bit collision
            key = TOKEN_PREFIX + secrets.token_urlsafe(32)
    raise RuntimeError("could not make a unique token")


_LIVE_TOKEN = Prepared(
    lambda key_hash: ApiToken.objects.select_related("user").filter(
        key_hash=key_hash, revoked_at__isnull=True, user__is_active=True
    )
)
_TOKEN_USER = ApiToken._meta.get_field("user")
MOST_KEPT_TOKENS = 10_000  # live tokens a process keeps; past that it starts again
LAST_USE_STEP = 60  # seconds: a token's last use is stored at most once a minute


def authenticate_token(key: str) -> tuple[User, ApiToken] | None:
    if not key or not key.startswith(TOKEN_PREFIX):
        return None
    key_hash = _hash(key)
    # Kept under the configuration's stamp of now: a change that lands while the
    # token is read from the database leaves this dict behind, never the token in a newer one.
    known: dict[str, _TokenRow] = config_cache.cached("iam.tokens", dict)
    token = _live_token(known, key_hash)
    if token is None:
        return None
    now = clock.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > LAST_USE_STEP:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
        _keep(known, key_hash, token)
    return token.user, token


def _live_token(known: dict[str, _TokenRow], key_hash: str) -> ApiToken | None:
    """The live token with this hash, its user with it; instances of the caller's own.

    Every API call needs them. Like configuration, they are read once per process
    and kept until a token or a user is saved or deleted anywhere (`config_cache`;
    `iam.apps` says which saves count): a revocation or a deactivation refuses the
    next call at once in the process that made it, and within
    `CASEWORK_CONFIG_RECHECK_SECONDS` (1 s) in the others. An unknown key is not
    kept: anyone may send any number of them."""
    row = known.get(key_hash)
    if row is None:
        token = _LIVE_TOKEN.first(key_hash)
        if token is not None:
            _keep(known, key_hash, token)
        return token  # type: ignore[no-any-return]
    token_row, user_row = row
    token = instance_from_row(ApiToken, token_row)
    user = instance_from_row(User, user_row)
    _TOKEN_USER.set_cached_value(token, user)
    return token


_TokenRow = tuple[tuple[Any, ...], tuple[Any, ...]]  # the token's values, its user's


def _keep(known: dict[str, _TokenRow], key_hash: str, token: ApiToken) -> None:
    if len(known) >= MOST_KEPT_TOKENS and key_hash not in known:
        known.clear()
    known[key_hash] = (row_of(token), row_of(token.user))


def tokens_for(owner: User, *, by: User) -> list[ApiToken]:
    """The owner's tokens that still work: a user sees their own, an admin anyone's."""
    if by.pk != owner.pk:
        require_admin(by)
    return list(ApiToken.objects.filter(user=owner, revoked_at__isnull=True).order_by("-created_at", "-id"))


def revoke_token(token: ApiToken, *, by: User | None = None) -> None:
    """Refuse the token's calls from now on. Its user revokes their own tokens, an
    admin anyone's; another user's token is not found, as if it did not exist."""
    if by is not None and by.pk != token.user_id and not may_manage_people(by.role):
        raise NotFound(f"no token {token.pk}", field="id")
    if token.revoked_at is None:
        token.revoked_at = clock.now()
        token.save(update_fields=["revoked_at"])
