"""HTML of automation: the case page panel (custom fields, playbook, tasks,
macros) and the "My tasks" page. Writes go through the services."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_POST

from casework.automation import selectors, services
from casework.cases import selectors as case_selectors
from casework.cases import services as case_services
from casework.core.actors import Actor
from casework.core.errors import CaseworkError, NotFound


def _case(request: HttpRequest, number: str) -> Any:
    return case_selectors.get_case(request.user, number)


def _panel(
    request: HttpRequest, case: Any, *, error: CaseworkError | None = None, status: int = 200
) -> HttpResponse:
    specs = selectors.field_specs(case.case_type)
    values = case.custom_fields or {}
    fields = [{"spec": s, "value": values.get(s.key)} for s in specs]
    context = {
        "case": case,
        "fields": fields,
        "playbooks": services.playbook_progress(case),
        "tasks": list(selectors.tasks_of_case(case)),
        "macros": list(selectors.macros_for(request.user)),
        "error": error,
        "missing": (error.extra.get("missing") if error is not None else None) or [],
    }
    return render(request, "automation/panel.html", context, status=status)


def _guarded(request: HttpRequest, number: str, action: Any) -> HttpResponse:
    try:
        case = _case(request, number)
    except NotFound:
        return HttpResponse(status=404)
    try:
        action(case)
    except CaseworkError as err:
        return _panel(request, _case(request, number), error=err, status=err.status)
    return _panel(request, _case(request, number))


@login_required
@require_GET
def case_panel(request: HttpRequest, number: str) -> HttpResponse:
    try:
        case = _case(request, number)
    except NotFound:
        return HttpResponse(status=404)
    return _panel(request, case)


def _form_value(request: HttpRequest, spec: Any) -> Any:
    name = f"cf_{spec.key}"
    if spec.type == "checkbox":
        return name in request.POST
    if spec.type == "multi_select":
        return request.POST.getlist(name) or None
    raw = request.POST.get(name, "").strip()
    return raw or None


@login_required
@require_POST
def save_fields(request: HttpRequest, number: str) -> HttpResponse:
    def save(case: Any) -> None:
        values = dict(case.custom_fields or {})
        for spec in selectors.field_specs(case.case_type):
            values[spec.key] = _form_value(request, spec)
        values = {k: v for k, v in values.items() if v is not None}
        case_services.update_case(Actor.agent(request.user), case, {"custom_fields": values})

    return _guarded(request, number, save)


@login_required
@require_POST
def complete_step(request: HttpRequest, number: str, run_id: int, step_key: str) -> HttpResponse:
    return _guarded(
        request,
        number,
        lambda case: services.complete_step(Actor.agent(request.user), case, run_id, step_key),
    )


@login_required
@require_POST
def task_done(request: HttpRequest, number: str, task_id: int) -> HttpResponse:
    def done(case: Any) -> None:
        services.change_task(Actor.agent(request.user), selectors.get_task(case, task_id), status="done")

    return _guarded(request, number, done)


@login_required
@require_POST
def add_task(request: HttpRequest, number: str) -> HttpResponse:
    def add(case: Any) -> None:
        services.create_task(
            Actor.agent(request.user),
            case,
            title=request.POST.get("title", ""),
            assignee=request.user,
            required="required" in request.POST,
        )

    return _guarded(request, number, add)


@login_required
@require_POST
def apply_macro(request: HttpRequest, number: str, macro_id: int) -> HttpResponse:
    def apply(case: Any) -> None:
        services.apply_macro(Actor.agent(request.user), case, selectors.get_macro(request.user, macro_id))

    response = _guarded(request, number, apply)
    if response.status_code == 200:
        response["HX-Trigger"] = "case-changed"  # the case page reloads its timeline
    return response


@login_required
@require_GET
def my_tasks(request: HttpRequest) -> HttpResponse:
    tasks = list(selectors.my_tasks(request.user))
    return render(request, "automation/my_tasks.html", {"tasks": tasks})
