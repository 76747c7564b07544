"""The write path of a case's automation: its custom fields and closure
criteria (hooks of the cases write path), its playbooks and tasks, and macros
applied to it. Configuration is written in `configuration`; running triggers
and time rules is in `engine`.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import IntegrityError, transaction

from casework.automation import domain
from casework.automation.configuration import invalid_input, team_named, user_with_email
from casework.automation.models import (
    CaseTask,
    CaseType,
    Macro,
    Playbook,
    PlaybookRun,
    StepCompletion,
)
from casework.cases import selectors as case_selectors
from casework.cases.timeline import record_event
from casework.core import clock
from casework.core.actors import Actor
from casework.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from casework.iam import selectors as iam
from casework.iam.domain import may_manage_configuration

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
        raise invalid_input(err, "macro") from None
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
