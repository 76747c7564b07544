"""Persistence of the sla area: business calendars, policies, clocks and each clock's history."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Q
from django.utils import timezone

from casework.sla.domain import DEFAULT_PAUSE_STATUSES, DEFAULT_WARN_PERCENTS


def _default_pause_statuses() -> list[str]:
    return list(DEFAULT_PAUSE_STATUSES)


def _default_warn_percents() -> list[int]:
    return list(DEFAULT_WARN_PERCENTS)


def _default_breach_actions() -> dict[str, Any]:
    return {"notify": True, "raise_priority": "", "move_to_team": None, "run_automation": True}


class BusinessCalendar(models.Model):
    """Working hours in a time zone: {"mon": [["08:00", "12:00"], ["13:00", "17:30"]], ...}."""

    name = models.CharField(max_length=100, unique=True)
    time_zone = models.CharField(max_length=64, default="UTC")
    hours = models.JSONField(default=dict, blank=True)
    holidays = models.JSONField(default=list, blank=True)  # ["2026-12-24", ...]
    # Public holidays of a country (and region), expanded with the `holidays` package.
    holiday_country = models.CharField(max_length=2, blank=True, default="")
    holiday_subdivision = models.CharField(max_length=10, blank=True, default="")
    is_24x7 = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class SlaPolicy(models.Model):
    """Ordered: the first active policy whose conditions match a case applies.

    Conditions are lists; an empty list matches anything. Targets are
    {metric: {priority: minutes | {"minutes": n, "business": false}}}."""

    name = models.CharField(max_length=100, unique=True)
    position = models.PositiveIntegerField(default=100)
    is_active = models.BooleanField(default=True)
    calendar = models.ForeignKey(
        BusinessCalendar, null=True, blank=True, on_delete=models.PROTECT, related_name="policies"
    )
    priorities = models.JSONField(default=list, blank=True)
    tiers = models.JSONField(default=list, blank=True)
    entitlement_ids = models.JSONField(default=list, blank=True)
    case_type_ids = models.JSONField(default=list, blank=True)
    channels = models.JSONField(default=list, blank=True)
    team_ids = models.JSONField(default=list, blank=True)
    targets = models.JSONField(default=dict)
    pause_statuses = models.JSONField(default=_default_pause_statuses, blank=True)
    warn_percents = models.JSONField(default=_default_warn_percents, blank=True)
    # {"notify": bool, "raise_priority": "" | "high" | "urgent", "move_to_team": team id | null,
    #  "run_automation": bool (publish ClockBreached for the automation area's triggers)}
    breach_actions = models.JSONField(default=_default_breach_actions, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = "SLA policy"
        verbose_name_plural = "SLA policies"

    def __str__(self) -> str:
        return self.name


class ClockState(models.TextChoices):
    RUNNING = "running"
    PAUSED = "paused"
    MET = "met"
    CANCELLED = "cancelled"


class SlaClock(models.Model):
    """One per case and metric. A breach is kept in `breached_at` (the due time it
    missed) and never undone: a clock met after its due time stays breached."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="sla_clocks")
    metric = models.CharField(max_length=20)
    policy = models.ForeignKey(SlaPolicy, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    state = models.CharField(max_length=10, choices=ClockState.choices, default=ClockState.RUNNING)
    cycle = models.PositiveIntegerField(default=1)  # next response and periodic update restart
    started_at = models.DateTimeField()
    target_minutes = models.PositiveIntegerField(default=0)
    is_business_time = models.BooleanField(default=True)
    due_at = models.DateTimeField(null=True, blank=True)
    paused_at = models.DateTimeField(null=True, blank=True)
    paused_seconds = models.PositiveBigIntegerField(default=0)  # business seconds stood paused
    warned_percents = models.JSONField(default=list, blank=True)
    warned_at = models.DateTimeField(null=True, blank=True)
    breached_at = models.DateTimeField(null=True, blank=True)
    met_at = models.DateTimeField(null=True, blank=True)
    # The next instant the sweep must look at this clock (a warning or the due time);
    # null when there is nothing left to fire. The sweep reads only this index.
    next_check_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["case", "metric"], name="sla_clock_once_per_metric")]
        indexes = [
            models.Index(
                fields=["next_check_at"],
                name="sla_clock_next_check",
                condition=Q(next_check_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.metric} on case {self.case_id}"

    @property
    def display_state(self) -> str:
        """running, paused, met or cancelled; breached wins once the due time was missed."""
        return "breached" if self.breached_at is not None else self.state


class SlaClockEvent(models.Model):
    """A clock's own history, to answer "why did this breach?"."""

    clock = models.ForeignKey(SlaClock, on_delete=models.CASCADE, related_name="history")
    kind = models.CharField(max_length=20)  # started, paused, resumed, target_changed, warned, ...
    at = models.DateTimeField()
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["clock", "at"], name="sla_clock_event_clock")]
