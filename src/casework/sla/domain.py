"""Business-calendar maths and SLA policy rules, as pure functions on dataclasses.

A calendar's working time is a set of real instants: each local working
interval of each non-holiday date, converted to UTC through zoneinfo. Business
time is the real elapsed time inside that set, so adding a duration and then
measuring it gives the duration back, across daylight-saving changes too.
The cost is proportional to the calendar days crossed: whole regular weeks
(no holiday, no UTC offset change) are skipped in one step.
No Django here (see DESIGN.md).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
US = 1_000_000  # microseconds per second: all internal maths is in integer microseconds
DAY = timedelta(days=1)
WEEK = timedelta(days=7)
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# A calendar that never opens would make "add" run forever; past this we give up.
MAX_DAYS = 366 * 20

Interval = tuple[int, int]  # minutes since local midnight, start < end <= 1440


class CalendarError(ValueError):
    """A calendar definition that cannot be used (overlapping intervals, never open)."""

    def __init__(self, message: str, field: str = "hours") -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True, eq=False)
class Calendar:
    """Weekly working intervals (Monday first) in a time zone, minus holiday dates.

    `always_open` is 24x7: business time is wall-clock time."""

    time_zone: str = "UTC"
    weekly: tuple[tuple[Interval, ...], ...] = ((),) * 7
    holidays: frozenset[date] = frozenset()
    always_open: bool = False
    _zone: ZoneInfo = field(init=False, repr=False)
    _days: dict[int, tuple[tuple[int, int], ...]] = field(init=False, repr=False, default_factory=dict)
    _weeks: dict[int, tuple[int | None, int]] = field(init=False, repr=False, default_factory=dict)
    _week_us: int = field(init=False, repr=False, default=0)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_zone", ZoneInfo(self.time_zone))
        if len(self.weekly) != 7:
            raise CalendarError("weekly hours need one entry per weekday, Monday first")
        for name, day in zip(WEEKDAYS, self.weekly, strict=True):
            check_intervals(day, name)
        total = sum(e - s for day in self.weekly for s, e in day) * 60 * US
        object.__setattr__(self, "_week_us", total)
        if not self.always_open and total == 0:
            raise CalendarError("a calendar needs at least one working interval (or 24x7)")

    @classmethod
    def twenty_four_seven(cls, time_zone: str = "UTC") -> Calendar:
        return cls(time_zone=time_zone, weekly=(((0, 1440),),) * 7, always_open=True)


def parse_hhmm(value: str) -> int:
    """'08:30' -> 510; '24:00' is the end of the day."""
    try:
        hours, minutes = value.strip().split(":")
        total = int(hours) * 60 + int(minutes)
    except (ValueError, AttributeError):
        raise CalendarError(f"{value!r} is not a time like 08:30") from None
    if not (0 <= int(minutes) < 60 and 0 <= total <= 1440):
        raise CalendarError(f"{value!r} is not a time of day")
    return total


def format_hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def check_intervals(intervals: Sequence[Interval], day: str = "") -> None:
    """Each interval starts before it ends, and no two overlap."""
    previous_end = -1
    for start, end in sorted(intervals):
        if not (0 <= start < end <= 1440):
            raise CalendarError(f"{day}: {format_hhmm(start)}-{format_hhmm(end)} is not an interval")
        if start < previous_end:
            raise CalendarError(f"{day}: intervals overlap at {format_hhmm(start)}")
        previous_end = end


def weekly_from_mapping(hours: Mapping[str, Iterable[Sequence[str]]]) -> tuple[tuple[Interval, ...], ...]:
    """{"mon": [["08:00", "12:00"], ["13:00", "17:30"]], ...} -> weekly intervals, validated."""
    if not isinstance(hours, Mapping):
        raise CalendarError('hours is an object like {"mon": [["08:00", "12:00"]]}')
    unknown = set(hours) - set(WEEKDAYS)
    if unknown:
        raise CalendarError(f"unknown weekday {sorted(unknown)[0]!r}; use mon..sun")
    weekly = []
    for name in WEEKDAYS:
        day = []
        intervals = hours.get(name) or []
        if not isinstance(intervals, list | tuple):
            raise CalendarError(f"{name}: a list of [start, end] intervals")
        for pair in intervals:
            if not isinstance(pair, list | tuple) or len(pair) != 2:
                raise CalendarError(f"{name}: each interval is [start, end]")
            day.append((parse_hhmm(pair[0]), parse_hhmm(pair[1])))
        check_intervals(day, name)
        weekly.append(tuple(sorted(day)))
    return tuple(weekly)


# --- instants <-> integer microseconds -------------------------------------------


def _us(at: datetime) -> int:
    delta = at - EPOCH
    return (delta.days * 86400 + delta.seconds) * US + delta.microseconds


def _at(us: int) -> datetime:
    return EPOCH + timedelta(microseconds=us)


def _local_us(cal: Calendar, day: date, minutes: int) -> int:
    local = datetime(day.year, day.month, day.day, tzinfo=cal._zone) + timedelta(minutes=minutes)
    # Adding a timedelta to an aware datetime is wall-clock arithmetic: exactly what we want.
    return _us(local)


# Days are handled as proleptic ordinals (date.toordinal()): integer keys and
# arithmetic keep the per-day loop cheap. Ordinal 1 (0001-01-01) is a Monday.


def _day_intervals(cal: Calendar, day: int) -> tuple[tuple[int, int], ...]:
    """The day's working intervals as UTC microseconds, cached per calendar.

    Local times that do not exist (spring forward) map through the earlier offset;
    intervals are clamped so that they stay ordered and disjoint."""
    cached = cal._days.get(day)
    if cached is not None:
        return cached
    d = date.fromordinal(day)
    if d in cal.holidays and not cal.always_open:
        result: tuple[tuple[int, int], ...] = ()
    else:
        out = []
        previous = None
        for start_min, end_min in cal.weekly[(day - 1) % 7]:
            start = _local_us(cal, d, start_min)
            end = _local_us(cal, d, end_min) if end_min < 1440 else _local_us(cal, d + DAY, 0)
            if previous is not None and start < previous:
                start = previous
            end = max(end, start)
            if end > start:
                out.append((start, end))
            previous = end
        result = tuple(out)
    if len(cal._days) > 50_000:
        cal._days.clear()
    cal._days[day] = result
    return result


def _regular_week(cal: Calendar, monday: int) -> tuple[int | None, int]:
    """(a whole week's business time when it is the nominal one (no holiday, no
    offset change) else None, the instant the week ends), cached per calendar.
    A None week is walked day by day."""
    cached = cal._weeks.get(monday)
    if cached is not None:
        return cached
    first = date.fromordinal(monday)
    start = datetime(first.year, first.month, first.day, tzinfo=cal._zone)
    end = start + WEEK
    regular = start.utcoffset() == end.utcoffset() and not any(
        first + timedelta(days=i) in cal.holidays for i in range(7)
    )
    result = (cal._week_us if regular else None, _us(end))
    if len(cal._weeks) > 10_000:
        cal._weeks.clear()
    cal._weeks[monday] = result
    return result


def _local_day(cal: Calendar, at: datetime) -> int:
    return at.astimezone(cal._zone).toordinal()


def _aware(at: datetime) -> datetime:
    if at.tzinfo is None:
        raise ValueError("instants must be time-zone aware")
    return at


def _td_us(d: timedelta) -> int:
    return (d.days * 86400 + d.seconds) * US + d.microseconds


# --- the three operations ------------------------------------------------------------


def add_business_time(cal: Calendar, start: datetime, duration: timedelta) -> datetime:
    """The instant at which `duration` of business time has passed since `start`."""
    _aware(start)
    if cal.always_open:  # in UTC: aware arithmetic in one zone would be wall-clock time
        return start.astimezone(UTC) + duration
    remaining = _td_us(duration)
    if remaining <= 0:
        return start
    return _at(_add_us(cal, start, remaining))


def _add_us(cal: Calendar, start: datetime, remaining: int) -> int:
    cursor = _us(start)
    day = _local_day(cal, start)
    days, weeks = cal._days, cal._weeks
    first = True
    for _ in range(MAX_DAYS):
        if not first and (day - 1) % 7 == 0:
            while True:
                week, week_end = weeks.get(day) or _regular_week(cal, day)
                if week is None or week >= remaining:
                    break
                # Skip the whole week: the cursor moves to its end.
                remaining -= week
                day += 7
                if week_end > cursor:
                    cursor = week_end
        first = False
        intervals = days.get(day)
        if intervals is None:
            intervals = _day_intervals(cal, day)
        for s, e in intervals:
            if e <= cursor:
                continue
            if s < cursor:
                s = cursor
            available = e - s
            if remaining <= available:
                return s + remaining
            remaining -= available
            cursor = e
        day += 1
    raise CalendarError("the calendar has no working time within 20 years")


def business_time_between(cal: Calendar, start: datetime, end: datetime) -> timedelta:
    """Business time inside [start, end]; zero when end is not after start."""
    _aware(start), _aware(end)
    if end <= start:
        return timedelta(0)
    if cal.always_open:
        return end.astimezone(UTC) - start.astimezone(UTC)
    cursor, stop = _us(start), _us(end)
    total = 0
    day = _local_day(cal, start)
    last_day = _local_day(cal, end)
    first = True
    while day <= last_day:
        if not first and (day - 1) % 7 == 0:
            while day + 7 <= last_day:
                week, week_end = _regular_week(cal, day)
                if week is None:
                    break
                total += week
                day += 7
                cursor = max(cursor, week_end)
        first = False
        for s, e in _day_intervals(cal, day):
            s, e = max(s, cursor), min(e, stop)
            if e > s:
                total += e - s
                cursor = e
        day += 1
    return timedelta(microseconds=total)


def is_open(cal: Calendar, at: datetime) -> bool:
    if cal.always_open:
        return True
    us = _us(_aware(at))
    day = _local_day(cal, at)
    for d in (day - 1, day):
        for s, e in _day_intervals(cal, d):
            if s <= us < e:
                return True
    return False


def next_opening(cal: Calendar, at: datetime) -> datetime:
    """`at` itself when the calendar is open then, else the next start of working time."""
    if cal.always_open:
        return at
    cursor = _us(_aware(at))
    day = _local_day(cal, at) - 1
    for _ in range(MAX_DAYS):
        for s, e in _day_intervals(cal, day):
            if e > cursor:
                return _at(max(s, cursor))
        day += 1
    raise CalendarError("the calendar has no working time within 20 years")


# --- SLA policies ----------------------------------------------------------------------

METRICS = ("first_response", "next_response", "periodic_update", "resolution")
PRIORITIES = ("low", "normal", "high", "urgent")
DEFAULT_PAUSE_STATUSES = ("pending", "on_hold")
DEFAULT_WARN_PERCENTS = (50, 75)
PAUSABLE_STATUSES = ("new", "open", "pending", "on_hold")
BREACH_ACTIONS = ("notify", "raise_priority", "move_to_team", "run_automation")


@dataclass(frozen=True)
class Target:
    minutes: int
    business: bool = True

    @property
    def duration(self) -> timedelta:
        return timedelta(minutes=self.minutes)

    @property
    def us(self) -> int:
        return self.minutes * 60 * US


class PolicyError(ValueError):
    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


# A year: no promise to a customer is longer, and a due time computed from a larger
# one may lie past the last date a datetime holds.
MAX_TARGET_MINUTES = 366 * 24 * 60


def parse_targets(raw: Mapping[str, Any]) -> dict[str, dict[str, Target]]:
    """{metric: {priority: minutes | {"minutes": n, "business": bool}}}, every target > 0."""
    if not isinstance(raw, Mapping):
        raise PolicyError("targets is an object of metric -> priority -> minutes", "targets")
    out: dict[str, dict[str, Target]] = {}
    for metric, per_priority in raw.items():
        if metric not in METRICS:
            raise PolicyError(f"unknown metric {metric!r}; one of {', '.join(METRICS)}", "targets")
        if not isinstance(per_priority, Mapping):
            raise PolicyError(f"targets.{metric} is an object of priority -> minutes", "targets")
        out[metric] = {}
        for priority, value in per_priority.items():
            if priority not in PRIORITIES:
                raise PolicyError(f"unknown priority {priority!r} in targets.{metric}", "targets")
            if isinstance(value, Mapping):
                minutes, business = value.get("minutes"), value.get("business", True)
            else:
                minutes, business = value, True
            if (
                not isinstance(minutes, int)
                or isinstance(minutes, bool)
                or not 0 < minutes <= MAX_TARGET_MINUTES
            ):
                raise PolicyError(
                    f"targets.{metric}.{priority} must be a number of minutes from 1 to {MAX_TARGET_MINUTES}",
                    "targets",
                )
            if not isinstance(business, bool):
                raise PolicyError(f"targets.{metric}.{priority}.business is true or false", "targets")
            out[metric][priority] = Target(minutes=minutes, business=business)
    return out


def listed(raw: Any, field: str, kind: type, what: str) -> tuple[Any, ...]:
    """A policy's list setting (null is empty), or PolicyError: stored JSON may hold any shape."""
    if raw is None:
        return ()
    if not isinstance(raw, list | tuple) or not all(
        isinstance(v, kind) and not isinstance(v, bool) for v in raw
    ):
        raise PolicyError(f"{field} is a list of {what}", field)
    return tuple(raw)


def check_warn_percents(values: Any) -> tuple[int, ...]:
    percents = listed(values, "warn_percents", int, "percentages between 1 and 99")
    if not all(0 < v < 100 for v in percents):
        raise PolicyError("warning thresholds are percentages between 1 and 99", "warn_percents")
    return tuple(sorted(set(percents)))


def check_pause_statuses(values: Any) -> tuple[str, ...]:
    statuses = listed(values, "pause_statuses", str, "statuses")
    for status in statuses:
        if status not in PAUSABLE_STATUSES:
            raise PolicyError(
                f"{status!r} cannot pause a clock; one of {', '.join(PAUSABLE_STATUSES)}", "pause_statuses"
            )
    return statuses


def check_breach_actions(raw: Any) -> None:
    """{"notify": bool, "raise_priority": "" | priority, "move_to_team": team id | null,
    "run_automation": bool}; every key optional."""
    if raw is None:
        return
    if not isinstance(raw, Mapping):
        raise PolicyError(f"breach_actions is an object of {', '.join(BREACH_ACTIONS)}", "breach_actions")
    unknown = set(raw) - set(BREACH_ACTIONS)
    if unknown:
        raise PolicyError(f"unknown breach action {sorted(unknown)[0]!r}", "breach_actions")
    for name in ("notify", "run_automation"):
        if not isinstance(raw.get(name, True), bool):
            raise PolicyError(f"breach_actions.{name} is true or false", "breach_actions")
    if raw.get("raise_priority") not in (None, "", *PRIORITIES):
        raise PolicyError("breach_actions.raise_priority names a priority", "breach_actions")
    team = raw.get("move_to_team")
    if team is not None and (not isinstance(team, int) or isinstance(team, bool)):
        raise PolicyError("breach_actions.move_to_team is a team id or null", "breach_actions")


@dataclass(frozen=True)
class CaseFacts:
    """What policy matching looks at."""

    priority: str
    tier: str = ""
    entitlement_id: int | None = None
    case_type_id: int | None = None
    channel: str = ""
    team_id: int | None = None


@dataclass(frozen=True)
class PolicyConditions:
    """Empty means "any"."""

    priorities: tuple[str, ...] = ()
    tiers: tuple[str, ...] = ()
    entitlement_ids: tuple[int, ...] = ()
    case_type_ids: tuple[int, ...] = ()
    channels: tuple[str, ...] = ()
    team_ids: tuple[int, ...] = ()

    def matches(self, f: CaseFacts) -> bool:
        return (
            (not self.priorities or f.priority in self.priorities)
            and (not self.tiers or f.tier in self.tiers)
            and (not self.entitlement_ids or f.entitlement_id in self.entitlement_ids)
            and (not self.case_type_ids or f.case_type_id in self.case_type_ids)
            and (not self.channels or f.channel in self.channels)
            and (not self.team_ids or f.team_id in self.team_ids)
        )


def parse_conditions(raw: Mapping[str, Any]) -> PolicyConditions:
    """A policy's stored condition lists as conditions, or PolicyError naming the list."""
    texts = {name: listed(raw.get(name), name, str, "texts") for name in ("priorities", "tiers", "channels")}
    ids = {
        name: listed(raw.get(name), name, int, "ids")
        for name in ("entitlement_ids", "case_type_ids", "team_ids")
    }
    for p in texts["priorities"]:
        if p not in PRIORITIES:
            raise PolicyError(f"unknown priority {p!r}; one of {', '.join(PRIORITIES)}", "priorities")
    return PolicyConditions(**texts, **ids)


def first_match[P](policies: Iterable[tuple[PolicyConditions, P]], facts: CaseFacts) -> P | None:
    """Policies in their order; the first whose conditions match applies (Zendesk)."""
    for conditions, policy in policies:
        if conditions.matches(facts):
            return policy
    return None


def due_at(cal: Calendar, started_at: datetime, target: Target, paused: timedelta = timedelta(0)) -> datetime:
    """Retroactive due time: from the clock's start, the target plus the time it stood paused."""
    if not target.business:
        return started_at.astimezone(UTC) + target.duration + paused
    total = target.us + (_td_us(paused) if paused else 0)
    return _at(_add_us(cal, started_at, total)) if total > 0 else started_at


def warning_at(
    cal: Calendar, started_at: datetime, target: Target, percent: int, paused: timedelta = timedelta(0)
) -> datetime:
    part = timedelta(microseconds=_td_us(target.duration) * percent // 100)
    if not target.business:
        return started_at.astimezone(UTC) + part + paused
    return add_business_time(cal, started_at, part + paused)


# --- entitlements ------------------------------------------------------------------------


@dataclass(frozen=True)
class EntitlementFacts:
    id: int
    account_id: int | None
    contact_id: int | None
    service: str  # blank: any
    channel: str  # blank: any
    starts_on: date | None
    ends_on: date | None
    is_active: bool = True


def entitlement_specificity(e: EntitlementFacts) -> int:
    """Contact beats account; a named service and channel each add precision (ServiceNow)."""
    return (4 if e.contact_id else 0) + (2 if e.service else 0) + (1 if e.channel else 0)


def choose_entitlement(
    candidates: Iterable[EntitlementFacts],
    *,
    account_id: int | None,
    contact_id: int | None,
    service: str,
    channel: str,
    on: date,
) -> EntitlementFacts | None:
    """The most specific active entitlement that covers the case; ties go to the oldest."""
    fitting = [
        e
        for e in candidates
        if e.is_active
        and (
            (e.contact_id and e.contact_id == contact_id) or (not e.contact_id and e.account_id == account_id)
        )
        and (e.account_id is not None or e.contact_id is not None)
        and (not e.service or e.service == service)
        and (not e.channel or e.channel == channel)
        and (e.starts_on is None or e.starts_on <= on)
        and (e.ends_on is None or on <= e.ends_on)
    ]
    if not fitting:
        return None
    return sorted(fitting, key=lambda e: (-entitlement_specificity(e), e.id))[0]
