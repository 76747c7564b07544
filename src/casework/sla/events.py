"""What the SLA area announces (automation triggers on warnings and breaches)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class ClockWarned:
    case_id: int
    clock_id: int
    metric: str  # first_response, next_response, periodic_update, resolution
    threshold_percent: int
    due_at: datetime


@dataclass(frozen=True)
class ClockBreached:
    case_id: int
    clock_id: int
    metric: str
    due_at: datetime


@dataclass(frozen=True)
class ClockMet:
    case_id: int
    clock_id: int
    metric: str
    met_at: datetime
    was_breached: bool
