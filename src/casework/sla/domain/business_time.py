"""Business-calendar maths, as pure functions on dataclasses: adding and measuring
business time, and the due and warning times of a target.

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


# --- targets and their due times ---------------------------------------------------------


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
