"""The SLA sweep: every warning and breach whose instant has passed fires exactly
once, with the breach's actions (notify, raise the priority, move the team) and
the events that automation's triggers react to."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Q

from casework.cases import selectors as case_selectors
from casework.cases import services as case_services
from casework.cases.models import Case
from casework.core import clock, events
from casework.core.notify import notify
from casework.iam import selectors as iam_selectors
from casework.sla import domain
from casework.sla.calendars import calendar_for
from casework.sla.events import ClockBreached, ClockWarned
from casework.sla.models import ClockState, SlaClock, SlaPolicy
from casework.sla.services import SLA, _history, _save, _schedule

log = logging.getLogger(__name__)


@dataclass
class SweepResult:
    looked_at: int = 0
    warnings: int = 0
    breaches: int = 0
    skipped_busy: int = 0


def sweep(now: datetime | None = None, *, batch: int = 500) -> SweepResult:
    """Fire every warning and breach whose instant has passed, each exactly once.

    Reads only the `next_check_at` index (never the open cases), so a sweep
    with nothing due is one index probe; after downtime it catches up on all
    it missed. Safe to run twice at once: each clock is handled under its
    case's and its own row lock (SKIP LOCKED), and re-checked after locking."""
    now = now or clock.now()
    result = SweepResult()
    after: tuple[Any, int] | None = None
    while True:
        due = SlaClock.objects.filter(next_check_at__lte=now)
        if after is not None:
            due = due.filter(Q(next_check_at__gt=after[0]) | Q(next_check_at=after[0], pk__gt=after[1]))
        rows = list(due.order_by("next_check_at", "pk").values_list("next_check_at", "pk", "case_id")[:batch])
        for next_check_at, clock_id, case_id in rows:
            result.looked_at += 1
            try:
                _check(clock_id, case_id, now, result)
            except Exception:  # one broken clock must not stop the others
                log.exception("SLA sweep failed on clock %s", clock_id)
            after = (next_check_at, clock_id)
        if len(rows) < batch:
            return result


def _check(clock_id: int, case_id: int, now: datetime, result: SweepResult) -> None:
    with transaction.atomic():
        # The case first, as the case write path does (it locks the case, then its clocks).
        if not list(Case.objects.select_for_update(skip_locked=True).filter(pk=case_id).values_list("pk")):
            result.skipped_busy += 1
            return
        c = (
            SlaClock.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("policy__calendar")
            .filter(pk=clock_id, state=ClockState.RUNNING, next_check_at__lte=now)
            .first()
        )
        if c is None:
            return
        policy = c.policy
        cal = calendar_for(policy) if policy is not None else None
        target = domain.Target(c.target_minutes, c.is_business_time)
        paused = timedelta(seconds=c.paused_seconds)
        breaching = c.breached_at is None and c.due_at is not None and c.due_at <= now
        fired_warnings = []
        if policy is not None and cal is not None:
            for percent in domain.check_warn_percents(policy.warn_percents or []):
                if percent in (c.warned_percents or []):
                    continue
                if domain.warning_at(cal, c.started_at, target, percent, paused) <= now:
                    c.warned_percents = [*(c.warned_percents or []), percent]
                    if not breaching:  # after downtime a breach makes its warnings moot
                        fired_warnings.append(percent)
                        c.warned_at = now
        if breaching:
            # Conditional on "not yet breached": a second sweep that got here anyway changes nothing.
            taken = SlaClock.objects.filter(pk=c.pk, breached_at__isnull=True).update(breached_at=c.due_at)
            if not taken:
                return
            c.breached_at = c.due_at
        _schedule(c, policy)
        _save(c, now)
        for percent in fired_warnings:
            result.warnings += 1
            _history(c, "warned", now, percent=percent, due_at=c.due_at)
            events.publish(
                ClockWarned(
                    case_id=c.case_id,
                    clock_id=c.pk,
                    metric=c.metric,
                    threshold_percent=percent,
                    due_at=c.due_at or now,
                )
            )
            _notify(c, "sla_warning", percent=percent)
        if breaching:
            result.breaches += 1
            _history(c, "breached", now, due_at=c.due_at, detected_at=now)
            _breach_actions(c, policy)


def _recipients(case: Case) -> tuple[str, ...]:
    emails = []
    if case.assignee_id and case.assignee and case.assignee.email:
        emails.append(case.assignee.email)
    if case.team_id:
        emails.extend(u.email for u in iam_selectors.team_leads(case.team_id) if u.email)
    return tuple(dict.fromkeys(emails))


def _notify(c: SlaClock, kind: str, **context: Any) -> None:
    case = case_selectors.get_case_by_id(c.case_id)
    recipients = _recipients(case)
    if recipients:
        notify(kind, c.case_id, recipients=recipients, metric=c.metric, due_at=c.due_at, **context)


def _breach_actions(c: SlaClock, policy: SlaPolicy | None) -> None:
    actions = (policy.breach_actions if policy else None) or {}
    case = case_selectors.get_case_by_id(c.case_id)
    if actions.get("notify", True):
        recipients = _recipients(case)
        if recipients:
            notify("sla_breach", c.case_id, recipients=recipients, metric=c.metric, due_at=c.due_at)
    changes: dict[str, Any] = {}
    raise_to = actions.get("raise_priority") or ""
    if raise_to in domain.PRIORITIES and domain.PRIORITIES.index(raise_to) + 1 > case.priority:
        changes["priority"] = raise_to
    team_id = actions.get("move_to_team")
    if team_id and team_id != case.team_id:
        try:
            changes["team"] = iam_selectors.get_team(int(team_id))
        except Exception:
            log.warning("SLA policy %s moves breached cases to missing team %s", policy, team_id)
    if changes:
        case_services.update_case(SLA, case, changes, event_data={"reason": f"{c.metric} SLA breached"})
    # "Run an automation": the automation area's triggers subscribe to ClockBreached.
    events.publish(
        ClockBreached(case_id=c.case_id, clock_id=c.pk, metric=c.metric, due_at=c.due_at or case.created_at)
    )
