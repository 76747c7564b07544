"""Reads of the sla area: a case's clocks for the API, the case list and the panel."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from casework.core.prepared import PreparedIn
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


_CLOCKS_OF_CASES = PreparedIn(
    lambda ids: SlaClock.objects.filter(case_id__in=ids).values("case_id", *CLOCK_FIELDS)
)


def case_extras(cases: list[dict[str, Any]]) -> dict[int, dict[str, Any]]:
    """`cases.hooks.case_extras`: every case's clocks, one query per page."""
    case_ids = [c["id"] for c in cases]
    per_case: dict[int, list[dict[str, Any]]] = {i: [] for i in case_ids}
    for row in _CLOCKS_OF_CASES.all(case_ids):
        per_case[row["case_id"]].append(row)
    return {
        case_id: {
            "sla": [clock_dict(c) for c in sorted(rows, key=lambda c: METRIC_ORDER.get(c["metric"], 9))]
        }
        for case_id, rows in per_case.items()
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
