"""Running automation: triggers on case events, time rules on the clock,
and the actions both share (each applied through the cases services).

Triggers run inside the transaction of the change that set them off. A
context variable carries the change chain, so a trigger fires at most once per
case per chain and a chain deeper than the limit stops, on the timeline.
"""

from __future__ import annotations

import logging
from contextvars import ContextVar
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q

from casework.automation import domain, webhooks
from casework.automation.models import (
    Playbook,
    TimeRule,
    TimeRuleMarker,
    Trigger,
)
from casework.automation.rendering import placeholders, render
from casework.cases import selectors as case_selectors
from casework.cases import services as case_services
from casework.cases.models import Case, Message
from casework.cases.timeline import record_event
from casework.core import clock, config_cache
from casework.core.actors import Actor
from casework.core.errors import CaseworkError
from casework.core.notify import notify

log = logging.getLogger(__name__)
_chain: ContextVar[domain.Chain | None] = ContextVar("casework_automation_chain", default=None)
FINAL_STATUSES = ("closed", "cancelled")
PRIORITY_NAMES = {1: "low", 2: "normal", 3: "high", 4: "urgent"}


# --- facts: the case as conditions see it -----------------------------------------


# Condition field -> (foreign key on the case, attribute that names it).
NAMED_BY = {
    "team": ("team", "name"),
    "assignee": ("assignee", "email"),
    "case_type": ("case_type", "key"),
    "service": ("service", "key"),
    "account": ("account", "name"),
}


def load_case(case_id: int, read: set[str] | None = None) -> Case:
    """The case with what conditions will read. Joins and prefetches are taken only
    for the fields named (`None`: all): planning a seven-table join costs more
    than the evaluation of fifty triggers."""
    wanted = set(NAMED_BY) | {"contact_email", "tags"} if read is None else read
    joins = [NAMED_BY[f][0] for f in NAMED_BY if f in wanted]
    prefetch = []
    if "contact_email" in wanted:
        joins.append("contact")
        prefetch.append("contact__emails")
    if not joins and not prefetch:  # the row alone: a statement compiled once
        case = case_selectors.stored_case(case_id)
        if case is None:
            raise Case.DoesNotExist(f"no case {case_id}")
        return case
    cases = Case.objects.select_related(*joins) if joins else Case.objects.all()
    return (cases.prefetch_related(*prefetch) if prefetch else cases).get(pk=case_id)


def _fields_read(triggers: list[Trigger]) -> set[str]:
    fields: set[str] = set()
    for trigger in triggers:
        for group in ("all", "any"):
            for cond in (trigger.conditions or {}).get(group) or []:
                if isinstance(cond, dict):
                    fields.add(str(cond.get("field")))
    return fields


def case_facts(
    case: Case, *, message_text: str | None = None, only: set[str] | None = None
) -> dict[str, Any]:
    """The case as conditions see it. With `only`, related names (team, assignee,
    type, service, account, contact email, tags) are read just for the fields named."""
    now = clock.now()

    def hours_since(at: datetime | None) -> float | None:
        return (now - at).total_seconds() / 3600 if at else None

    def wanted(name: str) -> bool:
        return only is None or name in only

    facts: dict[str, Any] = {
        "status": case.status,
        "priority": PRIORITY_NAMES.get(case.priority, case.priority),
        "channel": case.channel,
        "title": case.title,
        "description": case.description,
        "language": case.language,
        "custom_fields": dict(case.custom_fields or {}),
        "message_text": message_text,
        "hours_since_created": hours_since(case.created_at),
        "hours_since_updated": hours_since(case.updated_at),
        "hours_since_status_change": hours_since(case.status_changed_at),
        "hours_since_customer_message": hours_since(case.last_customer_message_at),
        "hours_since_agent_reply": hours_since(case.last_agent_reply_at),
        "hours_until_sla_due": (case.sla_due_at - now).total_seconds() / 3600 if case.sla_due_at else None,
    }
    for name, (fk, attr) in NAMED_BY.items():
        if wanted(name):
            related = getattr(case, fk) if getattr(case, f"{fk}_id") is not None else None
            facts[name] = getattr(related, attr) if related is not None else None
    if wanted("contact_email"):
        facts["contact_email"] = case.contact.primary_email if case.contact_id and case.contact else None
    if wanted("tags"):
        facts["tags"] = case_selectors.tag_names(case)
    for key, value in facts["custom_fields"].items():
        facts[f"custom_fields.{key}"] = value
    return facts


def _named_changes(changes: dict[str, tuple[Any, Any]]) -> dict[str, tuple[Any, Any]]:
    """The event's {field: (before, after)} in the names conditions use (team name, email, key)."""
    from casework.automation.models import CaseType, ServiceDefinition
    from casework.iam import selectors as iam

    out: dict[str, tuple[Any, Any]] = {}
    for name, (before, after) in changes.items():
        if name == "priority":
            before, after = PRIORITY_NAMES.get(before, before), PRIORITY_NAMES.get(after, after)
        elif name in ("team", "assignee", "case_type", "service"):
            ids = [v for v in (before, after) if v is not None]
            if name == "team":
                names = {t.pk: t.name for t in iam.list_teams().filter(pk__in=ids)}
            elif name == "assignee":
                names = {u.pk: u.email for u in iam.staff_users().filter(pk__in=ids)}
            elif name == "case_type":
                names = dict(CaseType.objects.filter(pk__in=ids).values_list("pk", "key"))
            else:
                names = dict(ServiceDefinition.objects.filter(pk__in=ids).values_list("pk", "key"))
            before, after = names.get(before), names.get(after)
        elif name == "custom_fields":
            b, a = before or {}, after or {}
            for key in set(b) | set(a):
                if b.get(key) != a.get(key):
                    out[f"custom_fields.{key}"] = (b.get(key), a.get(key))
        out[name] = (before, after)
    return out


# --- triggers ------------------------------------------------------------------------


def _max_depth() -> int:
    return int(getattr(settings, "CASEWORK_AUTOMATION_MAX_DEPTH", domain.DEFAULT_MAX_DEPTH))


def _active_triggers(events: tuple[str, ...]) -> list[Trigger]:
    every = config_cache.cached(
        "automation.triggers",
        lambda: list(Trigger.objects.filter(is_active=True).order_by("position", "id")),
    )
    return [t for t in every if t.event in events]


def run_triggers(
    case_id: int, events: tuple[str, ...], changes: dict[str, tuple[Any, Any]] | None = None, **extra: Any
) -> None:
    """Evaluate the active triggers of these events, in order, on one case."""
    triggers = _active_triggers(events)
    if not triggers:
        return
    chain = _chain.get()
    token = None
    if chain is None:
        chain = domain.Chain(max_depth=_max_depth())
        token = _chain.set(chain)
    chain.depth += 1
    try:
        _run(chain, case_id, triggers, changes or {}, **extra)
    finally:
        chain.depth -= 1
        if token is not None:
            _chain.reset(token)


def _run(
    chain: domain.Chain,
    case_id: int,
    triggers: list[Trigger],
    changes: dict[str, tuple[Any, Any]],
    message_id: int | None = None,
    message_text: str = "",
) -> None:
    read = _fields_read(triggers)

    def facts_of(case: Case) -> dict[str, Any]:
        facts = case_facts(case, message_text=text, only=read)
        if "sla_metric" in changes:  # an SLA warning or breach: which clock
            facts["sla_metric"] = changes["sla_metric"][1]
        return facts

    def load() -> Case:
        return load_case(case_id, read)

    case = load()
    text = message_text or None
    if message_id and text is None and "message_text" in read:
        text = Message.objects.filter(pk=message_id).values_list("text", flat=True).first()
    facts = facts_of(case)
    named = _named_changes(dict(changes))
    for trigger in triggers:
        parsed = _parsed(trigger)
        if parsed is None:
            continue
        conditions, actions = parsed
        if not domain.conditions_hold(conditions, facts, named):
            continue
        if chain.too_deep:
            if case_id not in chain.stopped:
                chain.stopped.add(case_id)
                record_event(
                    case_id,
                    "automation_stopped",
                    Actor.system("Automation"),
                    data={
                        "reason": f"depth limit of {chain.max_depth} reached: a loop of triggers",
                        "trigger": trigger.name,
                        "depth": chain.depth,
                    },
                )
            return
        if not chain.may_fire(trigger.pk, case_id):
            continue
        chain.mark_fired(trigger.pk, case_id)
        if _all_done_already(actions, case, facts, read):
            continue  # every action would change nothing: no firing to record
        actor = Actor.automation(trigger.name)
        record_event(case_id, "trigger_fired", actor, data={"trigger": trigger.name, "event": list(changes)})
        execute_actions(actor, case, actions, source=f"trigger {trigger.name}")
        case = load()
        facts = facts_of(case)


FIELD_ACTIONS = ("set", "add_tag", "remove_tag", "assign")


def _fields_touched(action: domain.Action) -> set[str]:
    """The facts an action's planning reads (see domain.field_changes)."""
    if action.type == "set":
        return {str(action.params.get("field"))}
    if action.type in ("add_tag", "remove_tag"):
        return {"tags"}
    if action.type == "assign":
        return {"team", "assignee"}
    return set()


def _all_done_already(
    actions: list[domain.Action], case: Case, facts: dict[str, Any], read: set[str]
) -> bool:
    if not actions or any(a.type not in FIELD_ACTIONS for a in actions):
        return not actions
    touched = set().union(*(_fields_touched(a) for a in actions)) - read
    if touched:
        facts = facts | case_facts(case, only=touched)
    return all(not domain.field_changes(a, facts) for a in actions)


_PARSED: dict[int, tuple[Any, Any, domain.ConditionSet, list[domain.Action]]] = {}


def _parsed(trigger: Trigger) -> tuple[domain.ConditionSet, list[domain.Action]] | None:
    """A trigger's rules, parsed once per process while its stored JSON stays the same."""
    hit = _PARSED.get(trigger.pk)
    if hit is not None and hit[0] == trigger.conditions and hit[1] == trigger.actions:
        return hit[2], hit[3]
    try:
        conditions = domain.parse_conditions(trigger.conditions)
        actions = domain.parse_actions(trigger.actions)
    except domain.RuleError as err:
        log.warning("trigger %s is invalid: %s", trigger.name, err)
        return None
    _PARSED[trigger.pk] = (trigger.conditions, trigger.actions, conditions, actions)
    return conditions, actions


def on_case_created(event: Any) -> None:
    from casework.automation import services

    case = load_case(event.case_id, set())
    services.start_type_playbooks(case, Actor.system("Playbooks"))
    run_triggers(event.case_id, ("case_created",))


def on_case_changed(event: Any) -> None:
    from casework.automation import services

    changes = dict(event.changes)
    if "case_type" in changes:
        services.start_type_playbooks(load_case(event.case_id, set()), Actor.system("Playbooks"))
    kinds = ("case_updated", "status_changed") if "status" in changes else ("case_updated",)
    run_triggers(event.case_id, kinds, changes)


def on_message_posted(event: Any) -> None:
    kind = {"customer": "customer_message", "reply": "agent_reply"}.get(event.kind)
    if kind is not None:
        run_triggers(event.case_id, (kind,), message_id=event.message_id, message_text=event.text)


def on_clock_warned(event: Any) -> None:
    run_triggers(event.case_id, ("sla_warning",), {"sla_metric": (None, event.metric)})


def on_clock_breached(event: Any) -> None:
    run_triggers(event.case_id, ("sla_breach",), {"sla_metric": (None, event.metric)})


# --- actions ---------------------------------------------------------------------------


def _resolved(changes: dict[str, Any]) -> dict[str, Any]:
    from casework.automation import configuration

    out = dict(changes)
    if "team" in out:
        out["team"] = configuration.team_named(out["team"], field="team")
    if "assignee" in out:
        out["assignee"] = configuration.user_with_email(out["assignee"], field="assignee")
    if "case_type" in out:
        out["case_type"] = configuration.case_type_keyed(out["case_type"], field="case_type")
    if out.get("service"):
        from casework.automation.models import ServiceDefinition

        out["service"] = ServiceDefinition.objects.filter(key=out["service"]).first()
    return out


def execute_actions(
    actor: Actor, case: Case, actions: list[domain.Action], *, source: str, strict: bool = False
) -> None:
    """Apply actions in order, each seeing what those before it did.

    A failing action is recorded on the timeline and the rest go on (a rule
    must not undo the change that set it off); with `strict` (a macro, applied
    by a person who sees the answer) the error is raised instead.
    """
    for i, action in enumerate(actions):
        facts = case_facts(case, only=_fields_touched(action))
        try:
            with transaction.atomic():
                _execute(actor, case, action, facts, source)
        except CaseworkError as err:
            if strict:
                raise type(err)(err.message, field=f"actions.{i}.{err.field or action.type}") from None
            record_event(
                case.pk,
                "automation_failed",
                actor,
                data={"source": source, "action": action.type, "field": err.field, "error": err.message},
            )
        if i < len(actions) - 1:  # the next action sees what this one did
            case = load_case(case.pk, set())


def _execute(actor: Actor, case: Case, action: domain.Action, facts: dict[str, Any], source: str) -> None:
    from casework.automation import configuration, services

    p = action.params
    changes = domain.field_changes(action, facts)
    if action.type in ("set", "add_tag", "remove_tag"):
        if changes:
            case_services.update_case(actor, case, _resolved(changes))
    elif action.type == "assign":
        if changes:
            resolved = _resolved(changes)
            case_services.assign(actor, case, **resolved)
    elif action.type == "note":
        text, _ = render(str(p["text"]), placeholders(case), field="text")
        case_services.add_note(actor, case, text=text)
    elif action.type == "email":
        context = placeholders(case, actor.user)
        body, html = render(str(p["body"]), context, field="body")
        subject, _ = render(str(p.get("subject") or case.title), context, field="subject")
        if p["to"] == "customer":
            case_services.post_reply(actor, case, text=body, html=html, meta={"automation": source})
        else:
            if p["to"] == "assignee":
                recipients = [case.assignee.email] if case.assignee is not None else []
            elif p["to"] == "team":
                from casework.iam import selectors as iam

                team_users = iam.list_users(team_id=case.team_id) if case.team_id else []
                recipients = [u.email for u in team_users]
            else:
                recipients = [str(a) for a in p["to"]]
            if recipients:
                notify("automation_email", case.pk, recipients=tuple(recipients), subject=subject, body=body)
                record_event(case.pk, "automation_email", actor, data={"to": recipients, "subject": subject})
    elif action.type == "task":
        services.create_task(
            actor,
            case,
            title=str(p["title"]),
            team=configuration.team_named(p.get("team"), field="team"),
            assignee=configuration.user_with_email(p.get("assignee"), field="assignee"),
            due_hours=p.get("due_hours"),
            required=bool(p.get("required", False)),
        )
    elif action.type == "start_playbook":
        playbook = Playbook.objects.filter(name=p["playbook"]).first()
        if playbook is None:
            raise CaseworkError(f"no playbook {p['playbook']!r}", field="playbook")
        services.start_playbook(actor, case, playbook)
    elif action.type == "webhook":
        webhooks.queue_webhook(str(p["webhook"]), case, source=source)


# --- time rules ----------------------------------------------------------------------------


def _q(f: domain.Filter) -> Q:
    q = Q(**{f"{f.column}__{f.lookup}": f.value})
    return ~q if f.negate else q


def matching_cases(conditions: domain.ConditionSet, now: datetime) -> Any:
    """The not-closed cases a condition set matches, as one SQL query (a queryset of Case)."""
    plan = domain.time_rule_filters(conditions, now)
    query = Q()
    for f in plan.all:
        query &= _q(f)
    if plan.any:
        any_q = Q()
        for f in plan.any:
            any_q |= _q(f)
        query &= any_q
    cases = Case.objects.exclude(status__in=FINAL_STATUSES).filter(query)
    joins = any("__" in f.column and not f.column.startswith("custom_fields") for f in plan.all + plan.any)
    return Case.objects.filter(pk__in=cases.values("pk")) if joins else cases


def evaluate_time_rules(*, now: datetime | None = None, batch: int = 500) -> dict[str, int]:
    """Fire every active time rule once per case per occurrence; returns counts per rule."""
    now = now or clock.now()
    fired: dict[str, int] = {}
    for rule in TimeRule.objects.filter(is_active=True).order_by("position", "id"):
        try:
            conditions = domain.parse_conditions(rule.conditions, time_rule=True)
            actions = domain.parse_actions(rule.actions)
        except domain.RuleError as err:
            log.warning("time rule %s is invalid: %s", rule.name, err)
            continue
        matching = matching_cases(conditions, now)
        # An occurrence ends when the conditions stop holding: its marker goes, so the next one fires.
        # (NOT EXISTS: one index lookup per marker instead of another scan of the cases.)
        TimeRuleMarker.objects.filter(rule=rule).filter(
            ~Exists(matching.filter(pk=OuterRef("case_id")))
        ).delete()
        due = matching.exclude(pk__in=TimeRuleMarker.objects.filter(rule=rule).values("case_id"))
        count = 0
        # Unordered: an ORDER BY pk with a LIMIT walks the whole primary key when few are due.
        for case_id in due.values_list("pk", flat=True)[:batch]:
            count += fire_time_rule(rule, case_id, actions, now)
        fired[rule.name] = count
    return fired


def fire_time_rule(rule: TimeRule, case_id: int, actions: list[domain.Action], now: datetime) -> int:
    """Run the rule's actions on one case unless it already fired for this occurrence."""
    with transaction.atomic():
        try:
            with transaction.atomic():
                TimeRuleMarker.objects.create(rule=rule, case_id=case_id, fired_at=now)
        except IntegrityError:  # another evaluation got there first
            return 0
        actor = Actor.automation(rule.name)
        record_event(case_id, "time_rule_fired", actor, data={"rule": rule.name})
        execute_actions(actor, load_case(case_id, set()), actions, source=f"time rule {rule.name}")
    return 1
