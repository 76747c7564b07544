"""HTML of the sla area: the case page's SLA panel (clocks, due times, history)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from casework.cases import selectors as case_selectors
from casework.core.errors import NotFound
from casework.iam.domain import is_staff_role
from casework.sla import selectors

METRIC_NAMES = {
    "first_response": "First response",
    "next_response": "Next response",
    "periodic_update": "Periodic update",
    "resolution": "Resolution",
}


@login_required
def case_panel(request: HttpRequest, number: str) -> HttpResponse:
    """An HTML fragment the workspace case page loads with hx-get; 404 for cases the user may not see."""
    if not is_staff_role(getattr(request.user, "role", "")):
        raise Http404("no such case")
    try:
        case = case_selectors.get_case(request.user, number)
    except NotFound:
        raise Http404("no such case") from None
    clocks = selectors.clocks_with_history(case)
    for c in clocks:
        c["name"] = METRIC_NAMES.get(c["metric"], c["metric"])
    return render(
        request, "sla/case_panel.html", {"case": case, "clocks": clocks, "entitlement": case.entitlement}
    )
