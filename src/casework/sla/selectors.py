"""Reads of the sla area: a case's clocks for the API, the case list and the panel."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from django.db.models import Aggregate, CharField, Func, OuterRef, Subquery

from casework.sla import domain
from casework.sla.models import SlaClock

if TYPE_CHECKING:
    from casework.cases.models import Case


CLOCK_FIELDS = (
    "metric",
    "state",
    "started_at",
    "due_at",
    "warned_at",
    "breached_at",
    "met_at",
    "paused_seconds",
)


def clock_dict(values: dict[str, Any]) -> dict[str, Any]:
    """A clock as the API shows it, from its field values (a `.values()` row or a
    clock's `__dict__`); breached wins once the due time was missed."""
    out = {name: values[name] for name in CLOCK_FIELDS}
    if values["breached_at"] is not None:
        out["state"] = "breached"
    return out


METRIC_ORDER = {m: i for i, m in enumerate(domain.METRICS)}


# A case's clocks ride along with its row (`cases.hooks.case_row_columns`): a JSON
# array holding an array of CLOCK_FIELDS per clock.
CLOCKS_COLUMN = "sla_clock_list"
_TIMES = tuple(name for name in CLOCK_FIELDS if name.endswith("_at"))


class _JsonArray(Func):
    function = "json_build_array"  # PostgreSQL

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return super().as_sql(compiler, connection, function="json_array", **extra)


class _JsonArrays(Aggregate):
    function = "json_agg"  # PostgreSQL

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return super().as_sql(compiler, connection, function="json_group_array", **extra)


def clocks_column() -> Subquery:
    """The outer query's case's clocks, for `case_extras`."""
    clocks = SlaClock.objects.filter(case_id=OuterRef("pk")).order_by().values("case_id")
    each = _JsonArray(*CLOCK_FIELDS, output_field=CharField())
    return Subquery(clocks.annotate(all=_JsonArrays(each, output_field=CharField())).values("all"))  # type: ignore[misc]


def _clocks_of(column: Any) -> list[dict[str, Any]]:
    """The column's clocks (PostgreSQL's driver gives the JSON decoded, SQLite's as text)."""
    rows = json.loads(column) if isinstance(column, str) else column or []
    clocks = []
    for row in rows:
        values = dict(zip(CLOCK_FIELDS, row, strict=True))
        for name in _TIMES:
            values[name] = _moment(values[name])
        clocks.append(values)
    return clocks


def _moment(text: str | None) -> datetime | None:
    """A time as the column writes it: PostgreSQL with its offset, SQLite in UTC
    without one."""
    if not text:
        return None
    at = datetime.fromisoformat(text)
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)


def case_extras(cases: list[dict[str, Any]]) -> dict[int, dict[str, Any]]:
    """`cases.hooks.case_extras`: every case's clocks, read with its row."""
    return {
        case["id"]: {
            "sla": [
                clock_dict(c)
                for c in sorted(
                    _clocks_of(case[CLOCKS_COLUMN]), key=lambda c: METRIC_ORDER.get(c["metric"], 9)
                )
            ]
        }
        for case in cases
    }


def clocks_with_history(case: Case) -> list[dict[str, Any]]:
    clocks = sorted(
        SlaClock.objects.filter(case_id=case.pk).select_related("policy").prefetch_related("history"),
        key=lambda c: METRIC_ORDER.get(c.metric, 9),
    )
    return [
        {
            **clock_dict(c.__dict__),
            "cycle": c.cycle,
            "policy": c.policy.name if c.policy_id and c.policy else None,
            "target_minutes": c.target_minutes,
            "business_time": c.is_business_time,
            "history": [{"kind": h.kind, "at": h.at, "data": h.data} for h in c.history.all()],
        }
        for c in clocks
    ]
