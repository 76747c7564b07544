"""Periodic routing work: overflow of cases that waited too long."""

from __future__ import annotations

from crontask import cron
from django.tasks import task

from casework.routing import services


@cron("* * * * *")
@task()
def overflow_waiting_cases() -> int:
    """Every minute: cases unassigned longer than their team's overflow time move to
    its fallback team. Safe to run twice at once (each move re-checks under a lock)."""
    return services.overflow_waiting_cases()
