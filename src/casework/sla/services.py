"""SLA clocks: started, paused, resumed, retargeted and stopped by case events
inside the case's own transaction (the sweep for warnings and breaches is in
`sla.breaches`).

Semantics (docs/sla.md, REFERENCE.md): first response is met by the first
public agent reply; next response starts at a customer message that follows
an agent reply and stops at the next public agent reply; periodic update runs
between public agent replies; resolution stops when the case is resolved.
Due times are retroactive: start + target + paused time, in the policy's
business calendar, recomputed whenever the priority or the policy changes.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Min

from casework.accounts import entitlements
from casework.cases import selectors as case_selectors
from casework.cases import services as case_services
from casework.cases.events import CaseChanged, CaseCreated, MessagePosted
from casework.cases.models import Case
from casework.cases.timeline import record_event
from casework.core import clock, events
from casework.core.actors import Actor
from casework.core.prepared import Prepared
from casework.sla import domain
from casework.sla.calendars import calendar_for, pause_statuses, policy_rules, target_of
from casework.sla.events import ClockMet
from casework.sla.models import ClockState, SlaClock, SlaClockEvent, SlaPolicy

log = logging.getLogger(__name__)

SLA = Actor.system("SLA")
ACTIVE = (ClockState.RUNNING, ClockState.PAUSED)
STARTS_AT_CREATION = ("first_response", "resolution")
FINISHED = ("resolved", "closed")
RETARGET_FIELDS = ("priority", "case_type", "channel", "team", "entitlement", "account")
PRIORITY_LABELS = {1: "low", 2: "normal", 3: "high", 4: "urgent"}


# --- choosing the policy ----------------------------------------------------------------


def facts_of(case: Case) -> domain.CaseFacts:
    entitlement = case.entitlement if case.entitlement_id else None
    tier = (entitlement.tier if entitlement is not None else "") or (
        case.account.tier if case.account_id and case.account else ""
    )
    return domain.CaseFacts(
        priority=PRIORITY_LABELS.get(case.priority, "normal"),
        tier=tier,
        entitlement_id=case.entitlement_id,
        case_type_id=case.case_type_id,
        channel=case.channel,
        team_id=case.team_id,
    )


def policy_for(case: Case) -> SlaPolicy | None:
    return domain.first_match(policy_rules(), facts_of(case))


# --- clock bookkeeping -------------------------------------------------------------------


def _history(c: SlaClock, kind: str, at: datetime, **data: Any) -> None:
    """The clock's own history and the case's timeline, for every state change."""
    data = {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in data.items()}
    SlaClockEvent.objects.create(clock=c, kind=kind, at=at, data=data)
    record_event(c.case_id, f"sla_{kind}", SLA, data={"metric": c.metric, "cycle": c.cycle, **data})


def _schedule(c: SlaClock, policy: SlaPolicy | None) -> None:
    """Recompute the due time from the start (retroactive) and the next sweep instant."""
    if policy is None or not c.target_minutes:
        c.next_check_at = None
        return
    cal = calendar_for(policy)
    target = domain.Target(c.target_minutes, c.is_business_time)
    paused = timedelta(seconds=c.paused_seconds)
    c.due_at = domain.due_at(cal, c.started_at, target, paused)
    if c.state != ClockState.RUNNING:
        c.next_check_at = None
        return
    instants = [
        domain.warning_at(cal, c.started_at, target, p, paused)
        for p in domain.check_warn_percents(policy.warn_percents or [])
        if p not in (c.warned_percents or [])
    ]
    if c.breached_at is None:
        instants.append(c.due_at)
    c.next_check_at = min(instants) if instants else None


def _save(c: SlaClock, now: datetime) -> None:
    c.updated_at = now
    c.save()


def _refresh_case_due(case_id: int) -> None:
    earliest = SlaClock.objects.filter(case_id=case_id, state=ClockState.RUNNING).aggregate(d=Min("due_at"))[
        "d"
    ]
    case_services.set_sla_due(case_id, earliest)


def _start(case: Case, policy: SlaPolicy, metric: str, at: datetime, now: datetime, *, reason: str) -> bool:
    """Start (or restart) the case's clock of `metric`; False when the policy sets no
    target for it or it is already running."""
    target = target_of(policy, metric, facts_of(case).priority)
    if target is None:
        return False
    existing = SlaClock.objects.filter(case_id=case.pk, metric=metric).first()
    c = existing or SlaClock(case_id=case.pk, metric=metric)
    if existing is not None:
        if existing.state in ACTIVE:
            return False
        c.cycle += 1
    c.policy = policy
    c.started_at = at
    c.target_minutes, c.is_business_time = target.minutes, target.business
    c.paused_seconds, c.paused_at = 0, None
    c.warned_percents, c.warned_at, c.breached_at, c.met_at = [], None, None, None
    c.state = ClockState.PAUSED if case.status in (policy.pause_statuses or []) else ClockState.RUNNING
    if c.state == ClockState.PAUSED:
        c.paused_at = at
    _schedule(c, policy)
    _save(c, now)
    _history(
        c, "started", now, started_at=at, due_at=c.due_at, target_minutes=c.target_minutes, reason=reason
    )
    return True


def _meet(c: SlaClock, now: datetime, *, reason: str) -> None:
    if c.state not in ACTIVE:
        return
    if c.state == ClockState.PAUSED:
        _add_paused(c, now)
    c.state, c.met_at, c.next_check_at = ClockState.MET, now, None
    if c.breached_at is None and c.due_at is not None and now > c.due_at:
        c.breached_at = c.due_at  # met late: it breached even if no sweep saw it yet
    _save(c, now)
    _history(c, "met", now, reason=reason, due_at=c.due_at, breached=c.breached_at is not None)
    events.publish(
        ClockMet(
            case_id=c.case_id,
            clock_id=c.pk,
            metric=c.metric,
            met_at=now,
            was_breached=c.breached_at is not None,
        )
    )


def _cancel(c: SlaClock, now: datetime, *, reason: str) -> None:
    if c.state not in ACTIVE:
        return
    c.state, c.next_check_at = ClockState.CANCELLED, None
    _save(c, now)
    _history(c, "cancelled", now, reason=reason)


def _add_paused(c: SlaClock, now: datetime) -> None:
    if c.paused_at is None or c.policy is None:
        return
    cal = calendar_for(c.policy)
    if not c.is_business_time:
        cal = domain.Calendar.twenty_four_seven(cal.time_zone)
    c.paused_seconds += int(domain.business_time_between(cal, c.paused_at, now).total_seconds())
    c.paused_at = None


def _pause(c: SlaClock, now: datetime, *, reason: str) -> None:
    if c.state != ClockState.RUNNING:
        return
    c.state, c.paused_at, c.next_check_at = ClockState.PAUSED, now, None
    _save(c, now)
    _history(c, "paused", now, reason=reason)


def _resume(c: SlaClock, now: datetime, *, reason: str, kind: str = "resumed") -> None:
    _add_paused(c, now)
    c.state = ClockState.RUNNING
    _schedule(c, c.policy)
    _save(c, now)
    _history(c, kind, now, reason=reason, due_at=c.due_at, paused_seconds=c.paused_seconds)


# Read on every message and change of a case with clocks: compiled once (inside a
# transaction, as select_for_update requires), locked, with policy and calendar.
_CLOCKS = Prepared(
    lambda case_id: (
        SlaClock.objects.select_for_update(of=("self",))
        .select_related("policy__calendar")
        .filter(case_id=case_id)
    )
)


def _clocks(case_id: int) -> dict[str, SlaClock]:
    return {c.metric: c for c in _CLOCKS.all(case_id)}


# --- reacting to case events (atomic handlers, inside the case's transaction) --------------


def _case(case_id: int, *, joined: bool = True) -> Case:
    """The case with what the policy match reads (its tier comes from the entitlement
    or the account). Not the API's seven-table read: PostgreSQL alone spends about
    5 ms planning that join, on every message. Unjoined, those rows are read only
    if a policy is looked for."""
    return case_selectors.case_for_rules(case_id, *(("account", "entitlement") if joined else ()))


def on_case_created(event: CaseCreated) -> None:
    case = _case(event.case_id)
    now = clock.now()
    if case.entitlement_id:
        entitlements.charge(case.entitlement_id, case.pk, on="creation", custom_fields=case.custom_fields)
    policy = policy_for(case)
    if policy is None:
        return
    for metric in STARTS_AT_CREATION:
        _start(case, policy, metric, case.created_at, now, reason="case created")
    _refresh_case_due(case.pk)


def on_message_posted(event: MessagePosted) -> None:
    if event.kind == "note" or not event.is_public:
        return
    if event.kind == "customer":
        # Next response counts from the oldest unanswered customer message after an
        # agent reply; a running next-response clock keeps its start.
        case = _case(event.case_id, joined=False)
        if case.last_agent_reply_at is None:
            return
        policy = policy_for(case)
        now = clock.now()
        if policy is not None and _start(case, policy, "next_response", now, now, reason=_AFTER_REPLY):
            _refresh_case_due(case.pk)
        return
    if event.kind != "reply":
        return
    case = _case(event.case_id)
    now = clock.now()
    clocks = _clocks(case.pk)
    for metric in ("first_response", "next_response", "periodic_update"):
        if metric in clocks:
            _meet(clocks[metric], now, reason="public agent reply")
    policy = policy_for(case)
    if policy is not None and case.status not in ("resolved", "closed", "cancelled"):
        _start(case, policy, "periodic_update", now, now, reason="public agent reply")
    if clocks or policy is not None:
        _refresh_case_due(case.pk)


_AFTER_REPLY = "customer message after an agent reply"


_ANY_CLOCK = Prepared(
    lambda case_id: SlaClock.objects.filter(case_id=case_id).values_list("id", flat=True)[:1]
)


def _moves_no_clock(before: str, after: str) -> bool:
    """No clock pauses, resumes, stops or reopens on this status change, whatever
    clocks the case has: no policy pauses in either status, and the case neither
    finishes nor leaves a finished status."""
    ends = (*FINISHED, "cancelled")
    return after not in ends and before not in ends and not ({before, after} & pause_statuses())


def on_case_changed(event: CaseChanged) -> None:
    changes = event.changes
    if not any(k in changes for k in ("status", *RETARGET_FIELDS)):
        return
    retarget = [k for k in RETARGET_FIELDS if k in changes]
    if not retarget and _moves_no_clock(*changes["status"]):
        return  # e.g. new → open on assignment
    after_status = changes["status"][1] if "status" in changes else None
    if (
        not retarget
        and after_status not in ("resolved", "cancelled")
        and _ANY_CLOCK.first(event.case_id) is None
    ):
        return  # a status change with no clock to pause, resume or stop (an assignment)
    clocks = _clocks(event.case_id)
    case = _case(event.case_id)
    now = clock.now()
    if "status" in changes:
        before, after = changes["status"]
        _status_changed(case, clocks, str(before), str(after), now)
    if retarget and case.status not in ("closed", "cancelled"):
        why = ", ".join(f"{f} {_label(f, changes[f][0])} → {_label(f, changes[f][1])}" for f in retarget)
        _retarget(case, clocks, why, now)
    if case.entitlement_id and "status" in changes:
        before, after = changes["status"]
        if after == "resolved":
            entitlements.charge(
                case.entitlement_id, case.pk, on="resolution", custom_fields=case.custom_fields
            )
        elif after == "cancelled":
            entitlements.give_back(case.entitlement_id, case.pk)
    _refresh_case_due(case.pk)


def _status_changed(case: Case, clocks: dict[str, SlaClock], before: str, after: str, now: datetime) -> None:
    reason = f"status {before} → {after}"
    if after in FINISHED or after == "cancelled":
        for c in clocks.values():
            if c.metric == "resolution" and after in FINISHED:
                _meet(c, now, reason=f"case {after}")
            else:
                _cancel(c, now, reason=f"case {after}")
        return
    if before == "resolved":  # reopened: resolution runs again, the resolved time counts as paused
        res = clocks.get("resolution")
        if res is not None and res.state == ClockState.MET and res.met_at is not None:
            res.paused_at, res.met_at = res.met_at, None
            _resume(res, now, reason="case reopened", kind="reopened")
    for c in clocks.values():
        pauses = set((c.policy.pause_statuses if c.policy else None) or [])
        if after in pauses and c.state == ClockState.RUNNING:
            _pause(c, now, reason=f"case {after}")
        elif after not in pauses and c.state == ClockState.PAUSED:
            _resume(c, now, reason=reason)


def _retarget(case: Case, clocks: dict[str, SlaClock], why: str, now: datetime) -> None:
    """A priority or policy change recomputes due times from each clock's start."""
    policy = policy_for(case)
    priority = facts_of(case).priority
    for c in clocks.values():
        if c.state not in ACTIVE:
            continue
        target = target_of(policy, c.metric, priority) if policy is not None else None
        if target is None:
            _cancel(c, now, reason=f"no target applies any more ({why})")
            continue
        old_due, old_policy = c.due_at, c.policy_id
        c.policy, c.target_minutes, c.is_business_time = policy, target.minutes, target.business
        _schedule(c, policy)
        if c.due_at != old_due or c.policy_id != old_policy:
            _save(c, now)
            _history(
                c,
                "target_changed",
                now,
                reason=why,
                policy=policy.name if policy else None,
                target_minutes=target.minutes,
                due_before=old_due,
                due_at=c.due_at,
            )
    if policy is not None and case.status not in FINISHED:
        # A policy that applies only now starts retroactively from creation (ServiceNow).
        if "first_response" not in clocks and case.first_response_at is None:
            _start(case, policy, "first_response", case.created_at, now, reason=f"policy applies ({why})")
        if "resolution" not in clocks:
            _start(case, policy, "resolution", case.created_at, now, reason=f"policy applies ({why})")


def _label(field: str, value: Any) -> Any:
    return PRIORITY_LABELS.get(value, value) if field == "priority" else value


def recompute_policy_clocks(policy_id: int) -> int:
    """After a policy's targets or calendar were edited: recompute its running and
    paused clocks retroactively, case by case under the case's lock. Returns the cases."""
    case_ids = list(
        SlaClock.objects.filter(policy_id=policy_id, state__in=ACTIVE)
        .values_list("case_id", flat=True)
        .distinct()
    )
    name = SlaPolicy.objects.filter(pk=policy_id).values_list("name", flat=True).first() or str(policy_id)
    for case_id in case_ids:
        with transaction.atomic():
            list(Case.objects.select_for_update().filter(pk=case_id).values_list("pk"))
            case = _case(case_id)
            if case.status in ("closed", "cancelled"):
                continue
            _retarget(case, _clocks(case_id), f"policy {name} was changed", clock.now())
            _refresh_case_due(case_id)
    return len(case_ids)


def attach_clocks(case: Case) -> int:
    """Give a case that predates the SLA policies its clocks, from what its record says
    (creation, first response, status, resolution), as if they had run all along.
    Used by the demo data; returns how many clocks it made."""
    if SlaClock.objects.filter(case_id=case.pk).exists() or case.status in ("closed", "cancelled"):
        return 0
    policy = policy_for(case)
    if policy is None:
        return 0
    now = clock.now()
    with transaction.atomic():
        for metric in STARTS_AT_CREATION:
            _start(case, policy, metric, case.created_at, now, reason="policy attached to an existing case")
        clocks = _clocks(case.pk)
        if case.first_response_at is not None and "first_response" in clocks:
            _meet(clocks["first_response"], case.first_response_at, reason="public agent reply")
        if case.status == "resolved" and "resolution" in clocks:
            _meet(clocks["resolution"], case.resolved_at or case.status_changed_at, reason="case resolved")
        elif case.status in (policy.pause_statuses or []):
            for c in clocks.values():
                if c.state == ClockState.RUNNING:
                    _pause(c, case.status_changed_at, reason=f"case {case.status}")
        _refresh_case_due(case.pk)
    return len(clocks)
