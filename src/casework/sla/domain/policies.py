"""SLA policy rules, as pure functions on dataclasses: targets and settings read and
checked from their stored JSON, which policy applies to a case, which entitlement.
No Django here (see DESIGN.md).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from casework.sla.domain.business_time import Target

# --- SLA policies ----------------------------------------------------------------------

METRICS = ("first_response", "next_response", "periodic_update", "resolution")
PRIORITIES = ("low", "normal", "high", "urgent")
DEFAULT_PAUSE_STATUSES = ("pending", "on_hold")
DEFAULT_WARN_PERCENTS = (50, 75)
PAUSABLE_STATUSES = ("new", "open", "pending", "on_hold")
BREACH_ACTIONS = ("notify", "raise_priority", "move_to_team", "run_automation")


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
