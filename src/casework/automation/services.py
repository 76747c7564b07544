"""The write path of automation's configuration and of a case's playbook and tasks.

Configuration (case types, service definitions, playbooks, triggers, time
rules, macros, webhooks) is written from one document form — the same
dictionaries the API takes and the YAML file holds — so every entry point
validates the same way. Running triggers and time rules is in `engine`.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.db import IntegrityError, models, transaction

from casework.automation import domain
from casework.automation.models import (
    CaseTask,
    CaseType,
    Macro,
    Playbook,
    PlaybookRun,
    ServiceDefinition,
    StepCompletion,
    TimeRule,
    Trigger,
    TriggerEvent,
    Webhook,
)
from casework.cases import selectors as case_selectors
from casework.cases.timeline import record_event
from casework.core import clock
from casework.core.actors import Actor
from casework.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from casework.iam import selectors as iam
from casework.iam.domain import may_manage_configuration

KINDS: dict[str, type[models.Model]] = {
    "webhooks": Webhook,
    "case_types": CaseType,
    "service_definitions": ServiceDefinition,
    "playbooks": Playbook,
    "triggers": Trigger,
    "time_rules": TimeRule,
    "macros": Macro,
}


def _invalid(err: domain.RuleError, prefix: str = "") -> InvalidInput:
    path = f"{prefix}.{err.path}" if prefix and err.path else (err.path or prefix)
    return InvalidInput(err.message, field=path or None)


def require_config_manager(user: Any) -> None:
    if user is None or not may_manage_configuration(getattr(user, "role", "")):
        raise PermissionDenied("only team leads and admins change automation settings")


# --- references by name ------------------------------------------------------


def team_named(name: str | None, *, field: str) -> Any:
    if not name:
        return None
    team = iam.find_team_by_name(str(name))
    if team is None:
        raise InvalidInput(f"no team {name!r}", field=field)
    return team


def user_with_email(email: str | None, *, field: str) -> Any:
    if not email:
        return None
    user = iam.find_user_by_email(str(email))
    if user is None:
        raise InvalidInput(f"no user {email!r}", field=field)
    return user


def _case_type_keyed(key: str | None, *, field: str) -> CaseType | None:
    if not key:
        return None
    found = CaseType.objects.filter(key=key).first()
    if found is None:
        raise InvalidInput(f"no case type {key!r}", field=field)
    return found


def _check_action_refs(actions: list[domain.Action], prefix: str) -> None:
    for i, action in enumerate(actions):
        p = action.params
        where = f"{prefix}actions.{i}"
        if action.type in ("assign", "task"):
            team_named(p.get("team"), field=f"{where}.team")
            user_with_email(p.get("assignee"), field=f"{where}.assignee")
        if action.type == "set" and p["field"] == "team":
            team_named(p["value"], field=f"{where}.value")
        if action.type == "set" and p["field"] == "assignee":
            user_with_email(p["value"], field=f"{where}.value")
        if action.type == "set" and p["field"] == "case_type":
            _case_type_keyed(p["value"], field=f"{where}.value")
        if action.type == "start_playbook" and not Playbook.objects.filter(name=p["playbook"]).exists():
            raise InvalidInput(f"no playbook {p['playbook']!r}", field=f"{where}.playbook")
        if action.type == "webhook" and not Webhook.objects.filter(name=p["webhook"]).exists():
            raise InvalidInput(f"no webhook {p['webhook']!r}", field=f"{where}.webhook")
        for text_key in ("text", "body", "subject"):
            if isinstance(p.get(text_key), str):
                from casework.automation.rendering import check_template

                check_template(p[text_key], field=f"{where}.{text_key}")


# --- documents: the one shape of every configuration record -------------------


def _only(data: dict[str, Any], allowed: set[str], required: set[str]) -> None:
    extra = sorted(set(data) - allowed)
    if extra:
        raise InvalidInput("unknown field", field=extra[0])
    missing = sorted(required - {k for k, v in data.items() if v not in (None, "")})
    if missing:
        raise InvalidInput("this field is required", field=missing[0])


def _apply_case_type(obj: CaseType, d: dict[str, Any]) -> None:
    _only(d, {"key", "name", "description", "default_team", "fields", "is_active"}, {"key", "name"})
    try:
        domain.parse_schema(d.get("fields") or [])
    except domain.RuleError as err:
        raise _invalid(err) from None
    obj.key, obj.name = d["key"], d["name"]
    obj.description = d.get("description") or ""
    obj.default_team = team_named(d.get("default_team"), field="default_team")
    obj.fields_schema = d.get("fields") or []
    obj.is_active = d.get("is_active", True)


def _apply_service(obj: ServiceDefinition, d: dict[str, Any]) -> None:
    allowed = {"key", "name", "description", "case_type", "team", "customer_visible", "is_active"}
    _only(d, allowed, {"key", "name"})
    obj.key, obj.name = d["key"], d["name"]
    obj.description = d.get("description") or ""
    obj.case_type = _case_type_keyed(d.get("case_type"), field="case_type")
    obj.team = team_named(d.get("team"), field="team")
    obj.customer_visible = d.get("customer_visible", True)
    obj.is_active = d.get("is_active", True)


def _apply_playbook(obj: Playbook, d: dict[str, Any]) -> None:
    _only(d, {"name", "case_type", "description", "stages", "is_active"}, {"name"})
    case_type = _case_type_keyed(d.get("case_type"), field="case_type")
    keys = [s.key for s in domain.parse_schema(case_type.fields_schema)] if case_type else None
    try:
        steps = domain.parse_stages(d.get("stages") or [], keys)
    except domain.RuleError as err:
        raise _invalid(err) from None
    for i, step in enumerate(steps):
        team_named(step.team, field=f"stages.step.{i}.team")
        user_with_email(step.assignee, field=f"stages.step.{i}.assignee")
    obj.name, obj.case_type = d["name"], case_type
    obj.description = d.get("description") or ""
    obj.stages = d.get("stages") or []
    obj.is_active = d.get("is_active", True)


def _apply_rule(obj: Trigger | TimeRule, d: dict[str, Any], *, time_rule: bool) -> None:
    allowed = {"name", "conditions", "actions", "position", "is_active", "description"}
    if not time_rule:
        allowed.add("event")
    _only(d, allowed, {"name"} if time_rule else {"name", "event"})
    if not time_rule and d["event"] not in TriggerEvent.values:
        raise InvalidInput(f"one of {', '.join(TriggerEvent.values)}", field="event")
    try:
        domain.parse_conditions(d.get("conditions"), time_rule=time_rule)
        actions = domain.parse_actions(d.get("actions"))
    except domain.RuleError as err:
        raise _invalid(err) from None
    _check_action_refs(actions, "")
    obj.name = d["name"]
    if isinstance(obj, Trigger):
        obj.event = d["event"]
    obj.conditions = d.get("conditions") or {}
    obj.actions = d.get("actions") or []
    obj.position = int(d.get("position") or 0)
    obj.is_active = d.get("is_active", True)
    obj.description = d.get("description") or ""


def _apply_macro(obj: Macro, d: dict[str, Any]) -> None:
    _only(d, {"name", "reply", "actions", "owner", "is_active"}, {"name"})
    from casework.automation.rendering import check_template

    check_template(d.get("reply") or "", field="reply")
    try:
        actions = domain.parse_actions(d.get("actions"), macro=True)
    except domain.RuleError as err:
        raise _invalid(err) from None
    _check_action_refs(actions, "")
    obj.name = d["name"]
    obj.reply = d.get("reply") or ""
    obj.actions = d.get("actions") or []
    obj.owner = user_with_email(d.get("owner"), field="owner")
    obj.is_active = d.get("is_active", True)


def _apply_webhook(obj: Webhook, d: dict[str, Any]) -> None:
    _only(d, {"name", "url", "is_active", "secret"}, {"name", "url"})
    url = str(d["url"])
    if not url.startswith(("http://", "https://")):
        raise InvalidInput("an http(s) URL", field="url")
    obj.name, obj.url = d["name"], url
    obj.is_active = d.get("is_active", True)
    if d.get("secret"):
        obj.secret = str(d["secret"])
    elif not obj.secret:
        obj.secret = secrets.token_urlsafe(32)


_APPLY: dict[str, Callable[[Any, dict[str, Any]], None]] = {
    "case_types": _apply_case_type,
    "service_definitions": _apply_service,
    "playbooks": _apply_playbook,
    "triggers": lambda o, d: _apply_rule(o, d, time_rule=False),
    "time_rules": lambda o, d: _apply_rule(o, d, time_rule=True),
    "macros": _apply_macro,
    "webhooks": _apply_webhook,
}


def apply_document(kind: str, obj: Any, data: dict[str, Any]) -> None:
    """Check a document and copy it onto `obj` without saving (the admin's validation)."""
    _APPLY[kind](obj, dict(data))


def natural_key(kind: str, data: dict[str, Any]) -> dict[str, Any]:
    """How a record is found again from its document (for `config apply`)."""
    if kind in ("case_types", "service_definitions"):
        return {"key": data.get("key")}
    if kind == "macros":
        return {"name": data.get("name"), "owner__email": data.get("owner")}
    return {"name": data.get("name")}


def to_document(kind: str, obj: Any) -> dict[str, Any]:
    """A record as its document: names instead of ids, defaults left out."""
    if kind == "case_types":
        doc = {"key": obj.key, "name": obj.name, "description": obj.description}
        doc |= {"default_team": obj.default_team.name if obj.default_team_id else None}
        doc |= {"fields": obj.fields_schema, "is_active": obj.is_active}
    elif kind == "service_definitions":
        doc = {
            "key": obj.key,
            "name": obj.name,
            "description": obj.description,
            "case_type": obj.case_type.key if obj.case_type_id else None,
            "team": obj.team.name if obj.team_id else None,
            "customer_visible": obj.customer_visible,
            "is_active": obj.is_active,
        }
    elif kind == "playbooks":
        doc = {
            "name": obj.name,
            "case_type": obj.case_type.key if obj.case_type_id else None,
            "description": obj.description,
            "stages": obj.stages,
            "is_active": obj.is_active,
        }
    elif kind in ("triggers", "time_rules"):
        doc = {"name": obj.name}
        if kind == "triggers":
            doc["event"] = obj.event
        doc |= {
            "description": obj.description,
            "position": obj.position,
            "conditions": obj.conditions,
            "actions": obj.actions,
            "is_active": obj.is_active,
        }
    elif kind == "macros":
        doc = {
            "name": obj.name,
            "owner": obj.owner.email if obj.owner_id else None,
            "reply": obj.reply,
            "actions": obj.actions,
            "is_active": obj.is_active,
        }
    else:
        doc = {"name": obj.name, "url": obj.url, "is_active": obj.is_active}
    return {k: v for k, v in doc.items() if v not in (None, "")}


def save_document(kind: str, data: dict[str, Any], instance: Any = None) -> Any:
    """Create (or update `instance`) from a document; no permission check (callers do it)."""
    model = KINDS[kind]
    obj = instance if instance is not None else model()
    with transaction.atomic():
        _APPLY[kind](obj, dict(data))
        try:
            with transaction.atomic():
                obj.save()
        except IntegrityError:
            raise Conflict(
                f"another {kind[:-1].replace('_', ' ')} has that name or key", field="name"
            ) from None
    return obj


def create_config(user: Any, kind: str, data: dict[str, Any]) -> Any:
    if kind == "macros" and data.get("owner") == getattr(user, "email", None):
        pass  # anyone on staff keeps personal macros
    else:
        require_config_manager(user)
    return save_document(kind, data)


def update_config(user: Any, kind: str, obj: Any, data: dict[str, Any]) -> Any:
    if not (kind == "macros" and obj.owner_id and obj.owner_id == user.pk):
        require_config_manager(user)
    merged = to_document(kind, obj) | data
    return save_document(kind, merged, instance=obj)


def delete_config(user: Any, kind: str, obj: Any) -> None:
    if not (kind == "macros" and obj.owner_id and obj.owner_id == user.pk):
        require_config_manager(user)
    try:
        with transaction.atomic():
            obj.delete()
    except models.ProtectedError:
        raise Conflict(f"{obj} is still used by cases; deactivate it instead", field="is_active") from None


# --- custom fields and closure criteria (hooks of the cases write path) --------


def _exists(kind: str, pk: int) -> bool:
    try:
        case_selectors.related_object("assignee" if kind == "user" else "account", pk)
    except InvalidInput:
        return False
    return True


def validate_custom_fields(case_type: Any, values: dict[str, Any]) -> dict[str, Any]:
    """Registered in cases.hooks.custom_field_validators."""
    if case_type is None:
        return values
    try:
        specs = domain.parse_schema(case_type.fields_schema)
    except domain.RuleError as broken:  # stored outside the validating screens: refuse, never a 500
        raise InvalidInput(
            f"the case type {case_type.name} is misconfigured ({broken})", field="case_type"
        ) from None
    keys = {s.key for s in specs}
    # Fields of another type (kept from before a type change) are dropped, not refused.
    foreign = [k for k in values if k not in keys]
    if foreign:
        elsewhere = set()
        for schema in CaseType.objects.exclude(pk=case_type.pk).values_list("fields_schema", flat=True):
            elsewhere |= {f.get("key") for f in schema or [] if isinstance(f, dict)}
        for key in foreign:
            if key not in elsewhere:
                raise InvalidInput(f"{key} is not a field of {case_type.name}", field=f"custom_fields.{key}")
        values = domain.carry_over(specs, values)
    try:
        return domain.clean_custom_fields(specs, values, exists=_exists, fill_defaults=True)
    except domain.RuleError as err:
        raise InvalidInput(err.message, field=f"custom_fields.{err.path}") from None


def _runs_of(case_id: int) -> list[PlaybookRun]:
    return list(
        PlaybookRun.objects.filter(case_id=case_id).select_related("playbook").prefetch_related("completions")
    )


def closure_gaps(case: Any) -> list[str]:
    """Registered in cases.hooks.resolution_checks: what blocks resolving `case`."""
    specs = domain.parse_schema(case.case_type.fields_schema) if case.case_type_id else []
    steps: list[domain.Step] = []
    completed: set[str] = set()
    for run in _runs_of(case.pk):
        steps.extend(domain.parse_stages(run.playbook.stages))
        completed |= {c.step_key for c in run.completions.all()}
    open_tasks = list(
        CaseTask.objects.filter(case_id=case.pk, is_required=True, status=CaseTask.Status.OPEN).values_list(
            "title", flat=True
        )
    )
    return domain.closure_gaps(specs, case.custom_fields or {}, steps, completed, open_tasks)


# --- playbooks -----------------------------------------------------------------


def start_playbook(actor: Actor, case: Any, playbook: Playbook) -> PlaybookRun:
    """Follow `playbook` on the case: its task steps become case tasks."""
    with transaction.atomic():
        run, created = PlaybookRun.objects.get_or_create(
            case_id=case.pk, playbook=playbook, defaults={"started_at": clock.now()}
        )
        if not created:
            return run
        for step in domain.parse_stages(playbook.stages):
            if step.kind == "task":
                _new_task(
                    actor,
                    case,
                    title=step.title,
                    team=team_named(step.team, field="team") if step.team else None,
                    assignee=user_with_email(step.assignee, field="assignee") if step.assignee else None,
                    due_hours=step.due_hours,
                    required=step.required,
                    run=run,
                    step_key=step.key,
                )
        record_event(case.pk, "playbook_started", actor, data={"playbook": playbook.name})
    return run


def start_type_playbooks(case: Any, actor: Actor) -> None:
    if not case.case_type_id:
        return
    for playbook in Playbook.objects.filter(case_type_id=case.case_type_id, is_active=True):
        start_playbook(actor, case, playbook)


def _may_approve(user: Any, case: Any) -> bool:
    if user is None:
        return False
    if may_manage_configuration(user.role):
        return True
    return bool(case.team_id and iam.team_leads(case.team_id).filter(pk=user.pk).exists())


def complete_step(actor: Actor, case: Any, run_id: int, step_key: str) -> StepCompletion:
    """Tick a playbook step (an approval needs a lead); recorded on the timeline."""
    run = PlaybookRun.objects.filter(pk=run_id, case_id=case.pk).select_related("playbook").first()
    if run is None:
        raise NotFound(f"no playbook {run_id} on {case.number}", field="run")
    step = next((s for s in domain.parse_stages(run.playbook.stages) if s.key == step_key), None)
    if step is None:
        raise NotFound(f"no step {step_key}", field="step")
    if step.kind == "fields":
        raise Conflict("this step is done by filling its fields", field="step", fields=list(step.fields))
    if step.kind == "approval" and not (actor.kind == "agent" and _may_approve(actor.user, case)):
        raise PermissionDenied(f"{step.title} needs a team lead's approval", field="step")
    open_task = CaseTask.objects.filter(run=run, step_key=step.key, status=CaseTask.Status.OPEN)
    if step.kind == "task" and open_task.exists():
        raise Conflict(f"finish the task of {step.title} first", field="step")
    with transaction.atomic():
        try:
            with transaction.atomic():
                done = StepCompletion.objects.create(
                    run=run,
                    step_key=step.key,
                    completed_by=actor.user if actor.kind == "agent" else None,
                    completed_label=actor.display[:200],
                    completed_at=clock.now(),
                )
        except IntegrityError:
            raise Conflict(f"{step.title} is already done", field="step") from None
        record_event(
            case.pk,
            "playbook_step_completed",
            actor,
            data={"playbook": run.playbook.name, "step": step.key, "title": step.title, "kind": step.kind},
        )
    return done


def playbook_progress(case: Any) -> list[dict[str, Any]]:
    """Each playbook on the case with its stages, steps and what is done."""
    tasks = {(t.run_id, t.step_key): t for t in CaseTask.objects.filter(case_id=case.pk).exclude(step_key="")}
    out = []
    for run in _runs_of(case.pk):
        completed = {c.step_key: c for c in run.completions.all()}
        steps = domain.parse_stages(run.playbook.stages)
        stages: dict[str, list[dict[str, Any]]] = {}
        done_count = 0
        for step in steps:
            done = domain.step_is_done(step, set(completed), case.custom_fields or {})
            done_count += done
            stages.setdefault(step.stage, []).append(
                {
                    "key": step.key,
                    "kind": step.kind,
                    "title": step.title,
                    "text": step.text,
                    "required": step.required,
                    "fields": list(step.fields),
                    "done": done,
                    "done_by": completed[step.key].completed_label if step.key in completed else "",
                    "task": tasks.get((run.pk, step.key)),
                }
            )
        out.append(
            {
                "run_id": run.pk,
                "playbook": run.playbook.name,
                "done": done_count,
                "total": len(steps),
                "percent": round(100 * done_count / len(steps)) if steps else 100,
                "stages": [{"name": n, "steps": s} for n, s in stages.items()],
            }
        )
    return out


# --- tasks ---------------------------------------------------------------------


def _new_task(
    actor: Actor,
    case: Any,
    *,
    title: str,
    team: Any = None,
    assignee: Any = None,
    due_hours: float | None = None,
    due_at: Any = None,
    required: bool = False,
    run: PlaybookRun | None = None,
    step_key: str = "",
) -> CaseTask:
    title = " ".join((title or "").split())
    if not title:
        raise InvalidInput("a task needs a title", field="title")
    now = clock.now()
    if due_at is None and due_hours is not None:
        due_at = now + timedelta(hours=float(due_hours))
    task = CaseTask.objects.create(
        case_id=case.pk,
        title=title[:300],
        team=team,
        assignee=assignee,
        due_at=due_at,
        is_required=required,
        run=run,
        step_key=step_key,
        created_label=actor.display[:200],
        created_at=now,
    )
    record_event(
        case.pk,
        "task_created",
        actor,
        data={"task": task.pk, "title": task.title, "assignee": assignee, "team": team, "due_at": due_at},
    )
    return task


def create_task(actor: Actor, case: Any, **fields: Any) -> CaseTask:
    if actor.kind == "contact":
        raise PermissionDenied("customers cannot add tasks")
    with transaction.atomic():
        return _new_task(actor, case, **fields)


def change_task(actor: Actor, task: CaseTask, *, status: str | None = None, **fields: Any) -> CaseTask:
    """Complete, reopen, cancel or re-plan a task; completing a playbook task ticks its step."""
    if actor.kind == "contact":
        raise PermissionDenied("customers cannot change tasks")
    with transaction.atomic():
        task = CaseTask.objects.select_for_update().get(pk=task.pk)
        for name in ("title", "assignee", "team", "due_at"):
            if name in fields:
                setattr(task, name, fields[name])
        if status is not None:
            if status not in CaseTask.Status.values:
                raise InvalidInput(f"one of {', '.join(CaseTask.Status.values)}", field="status")
            if status != task.status:
                task.status = status
                task.completed_at = clock.now() if status == CaseTask.Status.DONE else None
                kind = {"done": "task_completed", "open": "task_reopened"}.get(status, "task_cancelled")
                record_event(task.case_id, kind, actor, data={"task": task.pk, "title": task.title})
                if status == CaseTask.Status.DONE and task.run_id and task.step_key:
                    StepCompletion.objects.get_or_create(
                        run_id=task.run_id,
                        step_key=task.step_key,
                        defaults={
                            "completed_by": actor.user if actor.kind == "agent" else None,
                            "completed_label": actor.display[:200],
                            "completed_at": clock.now(),
                        },
                    )
        task.save()
        return task


# --- macros ----------------------------------------------------------------------


def apply_macro(actor: Actor, case: Any, macro: Macro) -> dict[str, Any]:
    """Post the macro's reply (when it has one) and run its actions, all in one transaction."""
    from casework.automation import engine
    from casework.automation.rendering import placeholders, render
    from casework.cases import services as case_services

    if actor.kind != "agent":
        raise PermissionDenied("an agent applies macros")
    if macro.owner_id is not None and macro.owner_id != actor.user.pk:
        raise NotFound(f"no macro {macro.pk}", field="macro")
    try:
        actions = domain.parse_actions(macro.actions, macro=True)
    except domain.RuleError as err:
        raise _invalid(err, "macro") from None
    with transaction.atomic():
        current = case_selectors.get_case(actor.user, case.number)
        message = None
        if macro.reply.strip():
            text, html = render(macro.reply, placeholders(current, actor.user), field="reply")
            message = case_services.post_reply(
                actor, current, text=text, html=html, meta={"macro": macro.name}
            )
            current = case_selectors.get_case(actor.user, case.number)
        engine.execute_actions(actor, current, actions, source=f"macro {macro.name}", strict=True)
        record_event(current.pk, "macro_applied", actor, data={"macro": macro.name})
    return {"message_id": message.pk if message else None}
