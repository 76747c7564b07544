"""Business-calendar maths: hand-computed examples and properties (Hypothesis)."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from casework.sla.domain import (
    Calendar,
    CalendarError,
    add_business_time,
    business_time_between,
    is_open,
    next_opening,
    weekly_from_mapping,
)

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
WORKDAY = [["08:00", "12:00"], ["13:00", "17:30"]]
WEEKDAYS = {d: WORKDAY for d in ("mon", "tue", "wed", "thu", "fri")}


def office(tz: str = "Europe/Berlin", holidays: frozenset[date] = frozenset()) -> Calendar:
    return Calendar(time_zone=tz, weekly=weekly_from_mapping(WEEKDAYS), holidays=holidays)


def local(tz: ZoneInfo, *args: int) -> datetime:
    return datetime(*args, tzinfo=tz)


H = timedelta(hours=1)


# --- hand-computed examples ----------------------------------------------------------


def test_four_hours_from_friday_afternoon_lands_on_monday_morning() -> None:
    cal = office()
    # Friday 2026-11-20 16:00 Berlin: 1.5 h left that day, 2.5 h on Monday from 08:00.
    due = add_business_time(cal, local(BERLIN, 2026, 11, 20, 16, 0), 4 * H)
    assert due == local(BERLIN, 2026, 11, 23, 10, 30)


def test_lunch_break_is_not_working_time() -> None:
    cal = office()
    due = add_business_time(cal, local(BERLIN, 2026, 11, 23, 11, 0), 2 * H)
    assert due == local(BERLIN, 2026, 11, 23, 14, 0)
    assert (
        business_time_between(cal, local(BERLIN, 2026, 11, 23, 11), local(BERLIN, 2026, 11, 23, 14)) == 2 * H
    )


def test_holiday_is_skipped() -> None:
    cal = office(holidays=frozenset({date(2026, 12, 24), date(2026, 12, 25)}))
    due = add_business_time(cal, local(BERLIN, 2026, 12, 23, 17, 0), H)
    assert due == local(BERLIN, 2026, 12, 28, 8, 30)


def test_created_at_night_starts_counting_at_opening() -> None:
    cal = office()
    assert next_opening(cal, local(BERLIN, 2026, 11, 21, 3, 0)) == local(BERLIN, 2026, 11, 23, 8, 0)
    assert next_opening(cal, local(BERLIN, 2026, 11, 23, 12, 30)) == local(BERLIN, 2026, 11, 23, 13, 0)
    assert next_opening(cal, local(BERLIN, 2026, 11, 23, 9, 0)) == local(BERLIN, 2026, 11, 23, 9, 0)
    assert add_business_time(cal, local(BERLIN, 2026, 11, 21, 3, 0), H) == local(BERLIN, 2026, 11, 23, 9, 0)


def test_400_business_hours_span_about_ten_weeks() -> None:
    cal = office()
    start = local(BERLIN, 2026, 1, 5, 8, 0)  # a Monday; 8.5 h a day, 42.5 h a week
    due = add_business_time(cal, start, 400 * H)
    # 9 weeks = 382.5 h; 17.5 h more = Mon 8.5 + Tue 8.5 + 0.5 h on Wednesday (DST not crossed).
    assert due == local(BERLIN, 2026, 3, 11, 8, 30)
    assert business_time_between(cal, start, due) == 400 * H


def test_400_business_hours_compute_in_microseconds() -> None:
    cal = office(holidays=frozenset({date(2026, 4, 3), date(2026, 4, 6), date(2026, 5, 1)}))
    start = local(BERLIN, 2026, 3, 2, 9, 0)
    add_business_time(cal, start, 400 * H)  # warm the calendar's day cache
    began = time.perf_counter()
    for _ in range(100):
        add_business_time(cal, start, 400 * H)
    per_call = (time.perf_counter() - began) / 100
    assert per_call < 0.001  # measured around 20-40 µs; generous for a shared machine


def test_spring_forward_day_counts_real_hours() -> None:
    cal = Calendar.twenty_four_seven("Europe/Berlin")
    start = local(BERLIN, 2026, 3, 29, 0, 0)  # 02:00 -> 03:00 that night
    assert business_time_between(cal, start, local(BERLIN, 2026, 3, 30, 0, 0)) == 23 * H
    night = Calendar(time_zone="Europe/Berlin", weekly=(((0, 360),),) * 7)  # 00:00-06:00 daily
    assert business_time_between(night, start, local(BERLIN, 2026, 3, 29, 6, 0)) == 5 * H
    assert add_business_time(night, start, 5 * H) == local(BERLIN, 2026, 3, 29, 6, 0)


def test_fall_back_day_counts_the_extra_hour() -> None:
    night = Calendar(time_zone="America/New_York", weekly=(((0, 360),),) * 7)
    start = local(NEW_YORK, 2026, 11, 1, 0, 0)  # 02:00 -> 01:00 that night
    assert business_time_between(night, start, local(NEW_YORK, 2026, 11, 1, 6, 0)) == 7 * H


def test_office_hours_keep_local_time_across_dst() -> None:
    cal = office("America/New_York")
    # Friday 2026-03-06 17:00 EST + 1 h -> Monday 2026-03-09 09:00 EDT (clocks changed on Sunday).
    due = add_business_time(cal, local(NEW_YORK, 2026, 3, 6, 17, 0), H)
    assert due == local(NEW_YORK, 2026, 3, 9, 8, 30)
    assert due.astimezone(UTC).hour == 12


def test_twenty_four_seven_is_wall_clock() -> None:
    cal = Calendar.twenty_four_seven("Europe/Berlin")
    start = local(BERLIN, 2026, 11, 21, 23, 0)
    assert add_business_time(cal, start, 5 * H) == start.astimezone(UTC) + 5 * H


def test_overlapping_intervals_are_refused() -> None:
    with pytest.raises(CalendarError, match="overlap"):
        weekly_from_mapping({"mon": [["08:00", "12:00"], ["11:00", "17:00"]]})
    with pytest.raises(CalendarError):
        weekly_from_mapping({"mon": [["12:00", "08:00"]]})
    with pytest.raises(CalendarError, match="at least one"):
        Calendar(time_zone="UTC", weekly=((),) * 7)


# --- properties --------------------------------------------------------------------------

ZONES = st.sampled_from(["Europe/Berlin", "America/New_York", "UTC"])
HOLIDAYS = st.frozensets(st.dates(min_value=date(2025, 12, 1), max_value=date(2027, 3, 1)), max_size=30)
INSTANTS = st.datetimes(
    min_value=datetime(2026, 1, 1), max_value=datetime(2026, 12, 31), timezones=st.just(UTC)
)
DURATIONS = st.integers(min_value=1, max_value=400 * 3600 * 1_000_000).map(
    lambda us: timedelta(microseconds=us)
)
MINUTE_SLOTS = st.lists(st.integers(min_value=0, max_value=1440), min_size=2, max_size=6, unique=True)


@st.composite
def calendars(draw: st.DrawFn) -> Calendar:
    tz = draw(ZONES)
    if draw(st.integers(0, 9)) == 0:
        return Calendar.twenty_four_seven(tz)
    weekly = []
    for _ in range(7):
        points = sorted(draw(MINUTE_SLOTS))
        pairs = [(points[i], points[i + 1]) for i in range(0, len(points) - 1, 2)]
        weekly.append(tuple(pairs) if draw(st.booleans()) or not weekly else ())
    return Calendar(time_zone=tz, weekly=tuple(weekly), holidays=draw(HOLIDAYS))


@settings(max_examples=300, deadline=None)
@given(calendars(), INSTANTS, DURATIONS)
def test_adding_then_measuring_gives_the_duration_back(cal: Calendar, start: datetime, d: timedelta) -> None:
    due = add_business_time(cal, start, d)
    assert business_time_between(cal, start, due) == d


@settings(max_examples=200, deadline=None)
@given(calendars(), INSTANTS, DURATIONS, DURATIONS)
def test_longer_targets_are_never_due_earlier(
    cal: Calendar, start: datetime, a: timedelta, b: timedelta
) -> None:
    short, long = sorted([a, b])
    assert add_business_time(cal, start, short) <= add_business_time(cal, start, long)


@settings(max_examples=200, deadline=None)
@given(calendars(), INSTANTS, DURATIONS)
def test_due_time_is_inside_working_hours(cal: Calendar, start: datetime, d: timedelta) -> None:
    due = add_business_time(cal, start, d)
    # The due instant is the end of a working stretch: just before it, the calendar is open.
    assert is_open(cal, due - timedelta(microseconds=1))


@settings(max_examples=150, deadline=None)
@given(calendars(), INSTANTS, DURATIONS, DURATIONS)
def test_business_time_adds_up_over_consecutive_spans(
    cal: Calendar, start: datetime, a: timedelta, b: timedelta
) -> None:
    middle, end = start + a, start + a + b
    assert business_time_between(cal, start, middle) + business_time_between(
        cal, middle, end
    ) == business_time_between(cal, start, end)


@settings(max_examples=150, deadline=None)
@given(calendars(), INSTANTS)
def test_next_opening_is_open_and_nothing_opens_before_it(cal: Calendar, at: datetime) -> None:
    opening = next_opening(cal, at)
    assert opening >= at and is_open(cal, opening)
    assert business_time_between(cal, at, opening) == timedelta(0)


@settings(max_examples=200, deadline=None)
@given(calendars(), INSTANTS, DURATIONS)
def test_holidays_are_never_counted(cal: Calendar, start: datetime, d: timedelta) -> None:
    due = add_business_time(cal, start, d)
    if not cal.always_open:
        landed_on = (due - timedelta(microseconds=1)).astimezone(ZoneInfo(cal.time_zone)).date()
        assert landed_on not in cal.holidays


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from(["Europe/Berlin", "America/New_York"]),
    st.sampled_from([date(2026, 3, 8), date(2026, 3, 29), date(2026, 10, 25), date(2026, 11, 1)]),
    st.integers(min_value=-48 * 60, max_value=48 * 60),
    DURATIONS,
)
def test_dst_nights_round_trip(tz: str, night: date, offset_min: int, d: timedelta) -> None:
    start = datetime(night.year, night.month, night.day, tzinfo=ZoneInfo(tz)) + timedelta(minutes=offset_min)
    for cal in (
        Calendar.twenty_four_seven(tz),
        Calendar(time_zone=tz, weekly=(((60, 180), (150 + 60, 300)),) * 7),
        office(tz),
    ):
        due = add_business_time(cal, start, d)
        assert business_time_between(cal, start, due) == d
        if cal.always_open:
            assert due == start.astimezone(UTC) + d
