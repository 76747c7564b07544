"""Fixtures of the SLA tests: an office-hours calendar and a policy."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
import time_machine

from casework.sla.models import BusinessCalendar, SlaPolicy

OFFICE_HOURS = {d: [["08:00", "12:00"], ["13:00", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}
# Monday 2026-11-23 09:00 in UTC (the calendar is in UTC to keep the arithmetic readable).
MONDAY_9 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


@pytest.fixture
def traveller() -> Any:
    with time_machine.travel(MONDAY_9, tick=False) as t:
        yield t


@pytest.fixture
def office(db: Any) -> BusinessCalendar:
    return BusinessCalendar.objects.create(name="Office", time_zone="UTC", hours=OFFICE_HOURS)


@pytest.fixture
def policy(office: BusinessCalendar) -> SlaPolicy:
    """Minutes per priority: first response 1 h / 4 h, resolution 8 h / 16 h business."""
    return SlaPolicy.objects.create(
        name="Standard",
        position=10,
        calendar=office,
        targets={
            "first_response": {"low": 480, "normal": 240, "high": 60, "urgent": 30},
            "next_response": {"low": 480, "normal": 240, "high": 120, "urgent": 60},
            "resolution": {"low": 1920, "normal": 960, "high": 480, "urgent": 240},
        },
        warn_percents=[50, 75],
    )
