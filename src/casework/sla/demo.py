"""Demo data of the sla area: an office-hours calendar, two policies, entitlements
for some demo accounts, and clocks on the demo cases (with a sweep, so some breach)."""

from __future__ import annotations

from typing import Any

from casework.accounts.models import Entitlement
from casework.cases import selectors as case_selectors
from casework.core import clock
from casework.sla import breaches, services
from casework.sla.models import BusinessCalendar, SlaPolicy

OFFICE_HOURS = {d: [["08:00", "12:00"], ["13:00", "17:30"]] for d in ("mon", "tue", "wed", "thu", "fri")}


def load_demo(ctx: Any) -> None:
    office = BusinessCalendar.objects.create(
        name="Berlin office hours",
        time_zone="Europe/Berlin",
        hours=OFFICE_HOURS,
        holiday_country="DE",
        holiday_subdivision="BE",
    )
    BusinessCalendar.objects.create(name="Around the clock", time_zone="UTC", is_24x7=True)
    SlaPolicy.objects.create(
        name="Enterprise 24x7",
        position=10,
        tiers=["enterprise"],
        calendar=None,
        targets={
            "first_response": {"low": 240, "normal": 120, "high": 60, "urgent": 15},
            "next_response": {"low": 480, "normal": 240, "high": 120, "urgent": 30},
            "periodic_update": {"urgent": 60, "high": 240},
            "resolution": {"low": 2880, "normal": 1440, "high": 480, "urgent": 240},
        },
        breach_actions={
            "notify": True,
            "raise_priority": "urgent",
            "move_to_team": None,
            "run_automation": True,
        },
    )
    SlaPolicy.objects.create(
        name="Standard business hours",
        position=100,
        calendar=office,
        targets={
            "first_response": {"low": 960, "normal": 480, "high": 240, "urgent": 60},
            "next_response": {"low": 960, "normal": 480, "high": 240, "urgent": 120},
            "resolution": {"low": 4800, "normal": 2400, "high": 960, "urgent": 480},
        },
    )
    today = clock.now().date()
    for i, account in enumerate(ctx.accounts):
        if account.tier in ("premium", "enterprise"):
            Entitlement.objects.create(
                name=f"{account.name} {account.tier} support",
                account=account,
                tier=account.tier,
                starts_on=today.replace(month=1, day=1),
                ends_on=today.replace(month=12, day=31),
            )
        elif i % 2 == 0:
            Entitlement.objects.create(
                name=f"{account.name} prepaid cases",
                account=account,
                unit=Entitlement.Unit.CASES,
                total=25,
                remaining=25,
                restrict=True,
            )
    for case in ctx.cases:
        services.attach_clocks(case_selectors.get_case_by_id(case.pk))
    breaches.sweep()
