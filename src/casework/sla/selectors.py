"""Reads of the sla area: a case's clocks for the API, the case list and the panel."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from casework.sla import domain
from casework.sla.models import SlaClock

if TYPE_CHECKING:
    from casework.cases.models import Case


def clock_dict(c: SlaClock) -> dict[str, Any]:
    return {
        "metric": c.metric,
        "state": c.display_state,
        "started_at": c.started_at,
        "due_at": c.due_at,
        "warned_at": c.warned_at,
        "breached_at": c.breached_at,
        "met_at": c.met_at,
        "paused_seconds": c.paused_seconds,
    }


METRIC_ORDER = {m: i for i, m in enumerate(domain.METRICS)}


def case_extras(cases: list[Any]) -> dict[int, dict[str, Any]]:
    """`cases.hooks.case_extras`: every case's clocks and entitlement, one query per page."""
    ids = [c.pk for c in cases]
    per_case: dict[int, list[SlaClock]] = {i: [] for i in ids}
    for c in SlaClock.objects.filter(case_id__in=ids):
        per_case[c.case_id].append(c)
    out = {}
    for case in cases:
        clocks = sorted(per_case[case.pk], key=lambda c: METRIC_ORDER.get(c.metric, 9))
        e = case.entitlement if case.entitlement_id else None
        out[case.pk] = {
            "sla": [clock_dict(c) for c in clocks],
            "entitlement": {
                "id": e.pk,
                "name": e.name,
                "unit": e.unit,
                "remaining": float(e.remaining),
                "restrict": e.restrict,
            }
            if e is not None
            else None,
        }
    return out


def clocks_with_history(case: Case) -> list[dict[str, Any]]:
    clocks = sorted(
        SlaClock.objects.filter(case_id=case.pk).select_related("policy").prefetch_related("history"),
        key=lambda c: METRIC_ORDER.get(c.metric, 9),
    )
    return [
        {
            **clock_dict(c),
            "cycle": c.cycle,
            "policy": c.policy.name if c.policy_id and c.policy else None,
            "target_minutes": c.target_minutes,
            "business_time": c.is_business_time,
            "history": [{"kind": h.kind, "at": h.at, "data": h.data} for h in c.history.all()],
        }
        for c in clocks
    ]
