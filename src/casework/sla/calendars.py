"""Business calendars and SLA policies: validation, writes for the API and the
admin, and turning the stored rows into the domain's dataclasses (cached)."""

from __future__ import annotations

import logging
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.db import transaction
from django.db.models import QuerySet

from casework.core import clock, config_cache
from casework.core.errors import InvalidInput, NotFound, PermissionDenied, StaleVersion
from casework.iam.domain import is_staff_role, may_manage_configuration
from casework.sla import domain
from casework.sla.models import BusinessCalendar, SlaPolicy

log = logging.getLogger(__name__)

# Years of public holidays expanded around today; a clock rarely spans more.
HOLIDAY_YEARS_BACK, HOLIDAY_YEARS_AHEAD = 1, 3

_calendars: dict[tuple[int, int, int], domain.Calendar] = {}
UTC_24X7 = domain.Calendar.twenty_four_seven("UTC")


def holiday_dates(country: str, subdivision: str = "", years: range | None = None) -> frozenset[date]:
    """A country's (and region's) public holidays, from the `holidays` package."""
    if not country:
        return frozenset()
    import holidays as public_holidays  # 11 MB of country tables: only where a calendar names one

    year = clock.now().year
    years = years or range(year - HOLIDAY_YEARS_BACK, year + HOLIDAY_YEARS_AHEAD + 1)
    try:
        found = public_holidays.country_holidays(
            country.upper(), subdiv=subdivision or None, years=list(years)
        )
    except NotImplementedError:
        raise InvalidInput(f"no public holidays known for {country!r}", field="holiday_country") from None
    except Exception as exc:  # e.g. an unknown subdivision
        raise InvalidInput(str(exc), field="holiday_subdivision") from None
    return frozenset(found.keys())


def build_calendar(row: BusinessCalendar) -> domain.Calendar:
    try:
        ZoneInfo(row.time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(f"unknown time zone {row.time_zone!r}", field="time_zone") from None
    if row.is_24x7:
        return domain.Calendar.twenty_four_seven(row.time_zone)
    try:
        weekly = domain.weekly_from_mapping(row.hours or {})
    except domain.CalendarError as exc:
        raise InvalidInput(str(exc), field="hours") from None
    holidays = row.holidays or []
    try:
        if not isinstance(holidays, list) or not all(isinstance(d, str) for d in holidays):
            raise ValueError(holidays)
        dates = frozenset(date.fromisoformat(d) for d in holidays)
    except ValueError:
        raise InvalidInput("holidays are a list of dates like 2026-12-24", field="holidays") from None
    dates |= holiday_dates(row.holiday_country, row.holiday_subdivision)
    try:
        return domain.Calendar(time_zone=row.time_zone, weekly=weekly, holidays=dates)
    except domain.CalendarError as exc:
        raise InvalidInput(str(exc), field=exc.field) from None


def calendar_for(policy: SlaPolicy | None) -> domain.Calendar:
    """The policy's calendar (24x7 UTC without one), built once per version and year."""
    if policy is None or policy.calendar_id is None:
        return UTC_24X7
    row = policy.calendar
    assert row is not None
    key = (row.pk, row.version, clock.now().year)
    cal = _calendars.get(key)
    if cal is None:
        if len(_calendars) > 200:
            _calendars.clear()
        try:
            cal = build_calendar(row)
        except InvalidInput:
            # Saved rows are validated; one broken behind our back must not stop cases
            # from opening: count its clocks around the clock and say so in the log.
            log.error("business calendar %s is invalid; its clocks run 24x7 until it is fixed", row.pk)
            cal = UTC_24X7
        _calendars[key] = cal
    return cal


def policy_rules() -> list[tuple[domain.PolicyConditions, SlaPolicy]]:
    """The active policies in order with their conditions, cached per process."""
    return config_cache.cached("sla.policy_rules", _load_policy_rules)


def pause_statuses() -> frozenset[str]:
    """Every status some policy pauses its clocks in (inactive ones too: their
    clocks still run), cached per process."""

    def load() -> frozenset[str]:
        rows = SlaPolicy.objects.values_list("pause_statuses", flat=True)
        return frozenset(status for statuses in rows for status in statuses or ())

    return config_cache.cached("sla.pause_statuses", load)


def _load_policy_rules() -> list[tuple[domain.PolicyConditions, SlaPolicy]]:
    return [
        (
            domain.PolicyConditions(
                priorities=tuple(p.priorities or ()),
                tiers=tuple(p.tiers or ()),
                entitlement_ids=tuple(p.entitlement_ids or ()),
                case_type_ids=tuple(p.case_type_ids or ()),
                channels=tuple(p.channels or ()),
                team_ids=tuple(p.team_ids or ()),
            ),
            p,
        )
        for p in SlaPolicy.objects.filter(is_active=True)
        .select_related("calendar")
        .order_by("position", "id")
    ]


def target_of(policy: SlaPolicy | None, metric: str, priority: str) -> domain.Target | None:
    if policy is None:
        return None
    try:
        return domain.parse_targets(policy.targets or {}).get(metric, {}).get(priority)
    except domain.PolicyError:
        return None


# --- management ----------------------------------------------------------------------------

CALENDAR_FIELDS = (
    "name",
    "time_zone",
    "hours",
    "holidays",
    "holiday_country",
    "holiday_subdivision",
    "is_24x7",
)
POLICY_FIELDS = (
    "name",
    "position",
    "is_active",
    "calendar",
    "priorities",
    "tiers",
    "entitlement_ids",
    "case_type_ids",
    "channels",
    "team_ids",
    "targets",
    "pause_statuses",
    "warn_percents",
    "breach_actions",
)
CONDITION_FIELDS = ("priorities", "tiers", "entitlement_ids", "case_type_ids", "channels", "team_ids")


def _require_staff(user: Any) -> None:
    if user is None or not is_staff_role(user.role):
        raise PermissionDenied("only staff see SLA configuration")


def _require_manager(user: Any) -> None:
    if user is None or not may_manage_configuration(user.role):
        raise PermissionDenied("only leads and admins change SLA configuration")


def list_calendars(user: Any) -> QuerySet[BusinessCalendar]:
    _require_staff(user)
    return BusinessCalendar.objects.order_by("name")


def get_calendar(user: Any, calendar_id: int) -> BusinessCalendar:
    found = list_calendars(user).filter(pk=calendar_id).first()
    if found is None:
        raise NotFound(f"no calendar {calendar_id}", field="calendar")
    return found


def list_policies(user: Any) -> QuerySet[SlaPolicy]:
    _require_staff(user)
    return SlaPolicy.objects.select_related("calendar").order_by("position", "id")


def get_policy(user: Any, policy_id: int) -> SlaPolicy:
    found = list_policies(user).filter(pk=policy_id).first()
    if found is None:
        raise NotFound(f"no SLA policy {policy_id}", field="id")
    return found


def validate_calendar(row: BusinessCalendar) -> None:
    if not (row.name or "").strip():
        raise InvalidInput("a calendar needs a name", field="name")
    build_calendar(row)


def validate_policy(row: SlaPolicy) -> None:
    """Shapes too: the admin's JSON fields take any JSON, not just the API's lists."""
    if not (row.name or "").strip():
        raise InvalidInput("a policy needs a name", field="name")
    try:
        targets = domain.parse_targets({} if row.targets is None else row.targets)
        domain.parse_conditions({name: getattr(row, name) for name in CONDITION_FIELDS})
        domain.check_pause_statuses(row.pause_statuses)
        domain.check_warn_percents(row.warn_percents)
        domain.check_breach_actions(row.breach_actions)
    except domain.PolicyError as exc:
        raise InvalidInput(str(exc), field=exc.field) from None
    if not any(targets.values()):
        raise InvalidInput("a policy needs at least one target", field="targets")


def _save(
    user: Any,
    model: Any,
    fields: tuple[str, ...],
    values: dict[str, Any],
    row: Any,
    expected_version: int | None,
) -> Any:
    _require_manager(user)
    unknown = [k for k in values if k not in fields]
    if unknown:
        raise InvalidInput("unknown field", field=unknown[0])
    with transaction.atomic():
        if row is None:
            row = model()
        else:
            row = model.objects.select_for_update().get(pk=row.pk)
            if expected_version is not None and expected_version != row.version:
                raise StaleVersion(
                    f"it changed since version {expected_version}",
                    field="version",
                    current_version=row.version,
                )
            row.version += 1
        for name, value in values.items():
            setattr(row, name, value)
        (validate_calendar if model is BusinessCalendar else validate_policy)(row)
        if model.objects.filter(name=row.name).exclude(pk=row.pk).exists():
            raise InvalidInput(f"the name {row.name!r} is taken", field="name")
        row.updated_at = clock.now()
        row.save()
    return row


def save_calendar(
    user: Any,
    values: dict[str, Any],
    *,
    calendar: BusinessCalendar | None = None,
    expected_version: int | None = None,
) -> BusinessCalendar:
    row: BusinessCalendar = _save(user, BusinessCalendar, CALENDAR_FIELDS, values, calendar, expected_version)
    if calendar is not None:
        for policy_id in SlaPolicy.objects.filter(calendar=row).values_list("pk", flat=True):
            policy_changed(policy_id)
    return row


def save_policy(
    user: Any, values: dict[str, Any], *, policy: SlaPolicy | None = None, expected_version: int | None = None
) -> SlaPolicy:
    """Create or change a policy; a change recomputes the policy's clocks in the background."""
    row: SlaPolicy = _save(user, SlaPolicy, POLICY_FIELDS, values, policy, expected_version)
    if policy is not None:
        policy_changed(row.pk)
    return row


def policy_changed(policy_id: int) -> None:
    """Once the edit is committed, recompute the policy's clocks in the background."""

    def enqueue() -> None:
        from casework.sla.tasks import recompute_policy_clocks

        try:
            recompute_policy_clocks.enqueue(policy_id)
        except Exception:  # the edit stands; clocks are recomputed on each case's next change
            log.exception("could not enqueue the recomputation of policy %s", policy_id)

    transaction.on_commit(enqueue)
