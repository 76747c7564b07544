"""HTML of the routing area: the lead's view of the queues, the "why not me / why
not her" view, the presence widget in the topbar and the case page panel."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from casework.core.api_input import whole_number
from casework.core.errors import CaseworkError, NotFound, PermissionDenied
from casework.core.redirects import local_next
from casework.iam import selectors as iam
from casework.iam.domain import is_staff_role
from casework.routing import selectors, services
from casework.routing.domain import Presence


def _staff(request: HttpRequest) -> Any:
    user = request.user
    if not is_staff_role(getattr(user, "role", "")):
        raise PermissionDenied("the workspace is for staff accounts")
    return user


def _error(exc: CaseworkError) -> HttpResponse:
    return HttpResponse(exc.message, status=exc.status, content_type="text/plain; charset=utf-8")


@login_required
def lead_view(request: HttpRequest) -> HttpResponse:
    """Per team: queue length, oldest waiting case, agents online with load/capacity."""
    try:
        user = _staff(request)
        teams = [selectors.team_queue(user, t.pk) for t in selectors.leads_teams(user)]
    except CaseworkError as exc:
        return _error(exc)
    return render(request, "routing/lead.html", {"teams": teams})


@login_required
def why_view(request: HttpRequest, number: str) -> HttpResponse:
    try:
        user = _staff(request)
        selectors.require_lead(user)
        explanation = selectors.explain_case(user, number)
    except CaseworkError as exc:
        return _error(exc)
    return render(request, "routing/why.html", {"x": explanation})


@login_required
@require_POST
def reassign_view(request: HttpRequest, number: str) -> HttpResponse:
    raw = request.POST.get("assignee", "")
    assignee = whole_number(raw)
    if raw and assignee is None:
        return HttpResponseBadRequest("assignee is a user id")
    try:
        services.reassign(_staff(request), number, assignee)
    except CaseworkError as exc:
        return _error(exc)
    if request.headers.get("HX-Request"):
        return HttpResponse(status=204, headers={"HX-Refresh": "true"})
    return redirect(local_next(request, "/routing/"))


@login_required
@require_http_methods(["GET", "POST"])
def presence_widget(request: HttpRequest) -> HttpResponse:
    """The topbar's presence switch: the agent sets online / away / offline."""
    try:
        user = _staff(request)
        if request.method == "POST":
            services.set_presence(user, user, request.POST.get("presence", ""))
    except CaseworkError as exc:
        return _error(exc)
    return render(
        request,
        "routing/presence_widget.html",
        {"presence": selectors.presence_of(user), "choices": [p.value for p in Presence]},
    )


@login_required
def case_panel(request: HttpRequest, number: str) -> HttpResponse:
    """The case page's routing panel: the assignment reason; why-not for leads."""
    try:
        user = _staff(request)
        case = selectors.visible_case(user, number)
        explanation = selectors.explain_case(user, number) if selectors.is_lead(user) else None
    except NotFound:
        return HttpResponse(status=404)
    except CaseworkError as exc:
        return _error(exc)
    agents = iam.list_users(team_id=case.team_id).filter(is_active=True) if case.team_id else []
    return render(
        request,
        "routing/case_panel.html",
        {"case": case, "reason": case.assignment_reason or {}, "x": explanation, "agents": agents},
    )
