"""Overflow: cases that wait unassigned longer than their team allows move to the
team's fallback team and are offered there."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction

from casework.cases import services as case_services
from casework.core import clock
from casework.iam import selectors as iam
from casework.routing import selectors
from casework.routing.models import CaseRouting, TeamRouting
from casework.routing.services import route_case, router


def overflow_waiting_cases() -> int:
    """Move cases waiting longer than their team's overflow time to its fallback
    team, and offer them there. Idempotent: a moved case waits afresh."""
    moved = 0
    now = clock.now()
    for team in TeamRouting.objects.filter(overflow_minutes__gt=0, fallback_team__isnull=False):
        cutoff = now - timedelta(minutes=team.overflow_minutes)
        ids = list(
            CaseRouting.objects.filter(team_id=team.team_id, waiting_since__lte=cutoff)
            .order_by("-priority", "waiting_since")
            .values_list("case_id", flat=True)
        )
        for case_id in ids:
            with transaction.atomic():
                row = (
                    CaseRouting.objects.select_for_update()
                    .filter(case_id=case_id, team_id=team.team_id, waiting_since__lte=cutoff)
                    .first()
                )
                if row is None:
                    continue  # taken meanwhile, or moved by a concurrent run
                case = selectors.routing_case(case_id)
                if case.assignee_id is not None or case.team_id != team.team_id:
                    continue
                fallback = iam.get_team(team.fallback_team_id)  # type: ignore[arg-type]
                minutes = int((now - row.waiting_since).total_seconds() // 60)  # type: ignore[operator]
                reason = {
                    "why": f"unassigned for {minutes} minutes in {case.team}: overflow to {fallback}",
                    "overflow_from": str(case.team),
                    "winner": None,
                }
                case_services.assign(router(), case, team=fallback, reason=reason)
                route_case(case_id)
                moved += 1
    return moved
