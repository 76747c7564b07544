"""Trigger and time-rule conditions: parsing them, judging them on a case's
facts, and turning a time rule's conditions into filters the services run."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from casework.automation.domain.errors import RuleError, refuse_unknown

OPERATORS = (
    "is",
    "is_not",
    "changed",
    "changed_to",
    "changed_from",
    "contains",
    "not_contains",
    "greater_than",
    "less_than",
    "in",
    "not_in",
)
NEEDS_NO_VALUE = {"changed"}
CASE_FIELDS = (
    "status",
    "priority",
    "channel",
    "title",
    "description",
    "team",
    "assignee",
    "case_type",
    "service",
    "account",
    "contact_email",
    "tags",
    "language",
    "message_text",
    "sla_metric",  # on sla_warning / sla_breach: first_response, next_response, resolution, ...
)
TIME_FIELDS = {
    "hours_since_created": "created_at",
    "hours_since_updated": "updated_at",
    "hours_since_status_change": "status_changed_at",
    "hours_since_customer_message": "last_customer_message_at",
    "hours_since_agent_reply": "last_agent_reply_at",
    "hours_until_sla_due": "sla_due_at",
}
PRIORITIES = ("low", "normal", "high", "urgent")
STATUSES = ("new", "open", "pending", "on_hold", "resolved", "closed", "cancelled")


@dataclass(frozen=True)
class Condition:
    field: str
    op: str
    value: Any = None


@dataclass(frozen=True)
class ConditionSet:
    all: tuple[Condition, ...] = ()
    any: tuple[Condition, ...] = ()


def _known_field(name: str) -> bool:
    return name in CASE_FIELDS or name in TIME_FIELDS or name.startswith("custom_fields.")


def parse_conditions(raw: Any, *, time_rule: bool = False) -> ConditionSet:
    if raw in (None, "", {}):
        return ConditionSet()
    if not isinstance(raw, Mapping):
        raise RuleError("conditions", "an object with `all` and/or `any` lists")
    unknown = sorted(set(raw) - {"all", "any"})
    if unknown:
        raise RuleError(f"conditions.{unknown[0]}", "only `all` and `any`")
    groups: dict[str, tuple[Condition, ...]] = {}
    for group in ("all", "any"):
        items = raw.get(group) or []
        if not isinstance(items, list):
            raise RuleError(f"conditions.{group}", "a list of conditions")
        parsed = []
        for i, item in enumerate(items):
            where = f"conditions.{group}.{i}"
            if not isinstance(item, Mapping):
                raise RuleError(where, "a condition is {field, op, value}")
            refuse_unknown(item, ("field", "op", "value"), where)
            name = str(item.get("field") or "")
            if not _known_field(name):
                raise RuleError(f"{where}.field", f"unknown field {name!r}")
            op = item.get("op")
            if op not in OPERATORS:
                raise RuleError(f"{where}.op", f"one of {', '.join(OPERATORS)}")
            if time_rule and op.startswith("changed"):
                raise RuleError(f"{where}.op", "time rules look at the case as it is, not at changes")
            if time_rule and name in ("message_text", "sla_metric"):
                raise RuleError(f"{where}.field", "time rules have no message")
            value = item.get("value")
            if op not in NEEDS_NO_VALUE and "value" not in item:
                raise RuleError(f"{where}.value", "this operator needs a value")
            if op in ("in", "not_in") and not isinstance(value, list):
                raise RuleError(f"{where}.value", "a list of values")
            is_rank = name == "priority" and str(value).lower() in PRIORITIES
            if op in ("greater_than", "less_than") and not isinstance(value, int | float) and not is_rank:
                raise RuleError(f"{where}.value", "a number")
            if name in TIME_FIELDS and op not in ("greater_than", "less_than"):
                raise RuleError(f"{where}.op", "hours are compared with greater_than or less_than")
            compares = op in ("is", "is_not", "changed_to", "changed_from")
            if compares and name == "priority" and str(value).lower() not in PRIORITIES:
                raise RuleError(f"{where}.value", f"one of {', '.join(PRIORITIES)}")
            if compares and name == "status" and value not in STATUSES:
                raise RuleError(f"{where}.value", f"one of {', '.join(STATUSES)}")
            parsed.append(Condition(name, op, value))
        groups[group] = tuple(parsed)
    return ConditionSet(all=groups["all"], any=groups["any"])


def folded(value: Any) -> Any:
    """Text compared without case; other values as they are."""
    return value.lower() if isinstance(value, str) else value


def _rank(name: str, value: Any) -> Any:
    if name == "priority" and str(value).lower() in PRIORITIES:
        return PRIORITIES.index(str(value).lower())
    return value


def condition_holds(
    cond: Condition, facts: Mapping[str, Any], changes: Mapping[str, tuple[Any, Any]]
) -> bool:
    name, op, want = cond.field, cond.op, cond.value
    if op.startswith("changed"):
        if name not in changes:
            return False
        before, after = changes[name]
        if op == "changed":
            return True
        if op == "changed_to":
            return folded(after) == folded(want)
        return folded(before) == folded(want)
    have = facts.get(name)
    if op in ("is", "is_not"):
        if isinstance(have, list):
            same = folded(want) in [folded(v) for v in have]
        else:
            same = folded(have) == folded(want) or (want in (None, "") and have in (None, ""))
        return same if op == "is" else not same
    if op in ("contains", "not_contains"):
        if isinstance(have, list):
            found = folded(want) in [folded(v) for v in have]
        else:
            found = have is not None and str(want).lower() in str(have).lower()
        return found if op == "contains" else not found
    if op in ("in", "not_in"):
        pool = [folded(v) for v in want]
        inside = any(folded(v) in pool for v in have) if isinstance(have, list) else folded(have) in pool
        return inside if op == "in" else not inside
    if have is None:
        return False
    try:
        left, right = _rank(name, have), _rank(name, want)
        return bool(left > right) if op == "greater_than" else bool(left < right)
    except TypeError:
        return False


def conditions_hold(
    conditions: ConditionSet, facts: Mapping[str, Any], changes: Mapping[str, tuple[Any, Any]] | None = None
) -> bool:
    """All of `all` hold, and at least one of `any` when `any` is given."""
    changes = changes or {}
    if not all(condition_holds(c, facts, changes) for c in conditions.all):
        return False
    return not conditions.any or any(condition_holds(c, facts, changes) for c in conditions.any)


# --- time rules as filters ---------------------------------------------------


@dataclass(frozen=True)
class Filter:
    """One SQL-able test on a case column: (column, lookup, value), negated or not."""

    column: str
    lookup: str
    value: Any
    negate: bool = False


@dataclass(frozen=True)
class FilterPlan:
    all: tuple[Filter, ...] = ()
    any: tuple[Filter, ...] = ()


_COLUMNS = {
    "status": "status",
    "priority": "priority",
    "channel": "channel",
    "title": "title",
    "description": "description",
    "team": "team__name",
    "assignee": "assignee__email",
    "case_type": "case_type__key",
    "service": "service__key",
    "account": "account__name",
    "contact_email": "contact__emails__address",
    "tags": "tags__name",
    "language": "language",
}


def _db_value(name: str, value: Any) -> Any:
    if name == "priority" and str(value).lower() in PRIORITIES:
        return PRIORITIES.index(str(value).lower()) + 1
    return value


def condition_filter(cond: Condition, now: datetime) -> Filter:
    """A time-rule condition as a filter on the case table (no Python loop over cases)."""
    name, op, value = cond.field, cond.op, cond.value
    if name in TIME_FIELDS:
        column = TIME_FIELDS[name]
        if name == "hours_until_sla_due":
            # hours until due > N  <=>  due_at > now + N hours
            edge = now + timedelta(hours=float(value))
            return Filter(column, "gt" if op == "greater_than" else "lt", edge)
        edge = now - timedelta(hours=float(value))
        # hours since X > N  <=>  X < now - N hours (a missing X never matches)
        return Filter(column, "lt" if op == "greater_than" else "gt", edge)
    if name.startswith("custom_fields."):
        column = "custom_fields__" + name.split(".", 1)[1]
    else:
        column = _COLUMNS[name]
    if op in ("is", "is_not"):
        return Filter(column, "exact", _db_value(name, value), negate=op == "is_not")
    if op in ("contains", "not_contains"):
        lookup = "exact" if name == "tags" else "icontains"
        return Filter(column, lookup, value, negate=op == "not_contains")
    if op in ("in", "not_in"):
        return Filter(column, "in", [_db_value(name, v) for v in value], negate=op == "not_in")
    lookup = "gt" if op == "greater_than" else "lt"
    return Filter(column, lookup, _db_value(name, value))


def matchable_now(cond: Condition) -> bool:
    """Whether a condition can be tested on the stored case (not on an event's change or message)."""
    return not cond.op.startswith("changed") and cond.field not in ("message_text", "sla_metric")


def time_rule_filters(conditions: ConditionSet, now: datetime) -> FilterPlan:
    return FilterPlan(
        all=tuple(condition_filter(c, now) for c in conditions.all),
        any=tuple(condition_filter(c, now) for c in conditions.any),
    )
