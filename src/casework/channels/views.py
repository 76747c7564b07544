"""HTML pages of the email channel: the case page's mail panel (held messages,
delivery states, moving a message), the original of a message, the quarantine."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.views.decorators.http import require_POST

from casework.cases import message_moves
from casework.cases import selectors as case_selectors
from casework.channels import outbound, review, services
from casework.channels import selectors as sel
from casework.core.actors import Actor
from casework.core.api_input import whole_number
from casework.core.errors import CaseworkError


def _error(exc: CaseworkError) -> HttpResponse:
    return HttpResponse(exc.message, status=exc.status, content_type="text/plain; charset=utf-8")


def _panel(request: HttpRequest, number: str, notice: str = "") -> HttpResponse:
    context: dict[str, Any] = sel.case_panel(request.user, number)
    context["notice"] = notice
    return render(request, "channels/case_panel.html", context)


@login_required
def case_panel(request: HttpRequest, number: str) -> HttpResponse:
    try:
        return _panel(request, number)
    except CaseworkError as exc:
        return _error(exc)


@login_required
@require_POST
def held_decision(request: HttpRequest, inbound_id: int, decision: str) -> HttpResponse:
    try:
        inbound = sel.get_inbound(request.user, inbound_id)
        number = inbound.case.number if inbound.case else ""
        if decision == "accept":
            review.accept_held(request.user, inbound)
            notice = "The message was posted to the case."
        else:
            review.discard_held(request.user, inbound)
            notice = "The message was discarded."
        return _panel(request, str(number), notice)
    except CaseworkError as exc:
        return _error(exc)


@login_required
@require_POST
def resend(request: HttpRequest, number: str, delivery_id: int) -> HttpResponse:
    try:
        case = case_selectors.get_case(request.user, number, related=False)
        delivery = sel.get_delivery(delivery_id)
        if delivery is None or delivery.case_id != case.pk:
            return HttpResponse("no such delivery", status=404)
        outbound.resend(delivery_id)
        return _panel(request, number, "The email is queued again.")
    except CaseworkError as exc:
        return _error(exc)


@login_required
@require_POST
def move_message(request: HttpRequest, number: str, message_id: int) -> HttpResponse:
    actor = Actor.agent(request.user)
    try:
        if request.POST.get("action") == "split":
            new_case = message_moves.split_message(actor, message_id, reason=request.POST.get("reason", ""))
            return _panel(request, number, f"The message is now case {new_case.number}.")
        target = case_selectors.get_case(request.user, request.POST.get("case", ""), related=False)
        message_moves.move_message(actor, message_id, target, reason=request.POST.get("reason", ""))
        return _panel(request, number, f"The message moved to {target.number}.")
    except CaseworkError as exc:
        return _error(exc)


@login_required
def original(request: HttpRequest, inbound_id: int) -> HttpResponse:
    """The message exactly as it arrived, as plain text (never rendered as HTML)."""
    try:
        inbound = sel.get_inbound(request.user, inbound_id)
    except CaseworkError as exc:
        return _error(exc)
    response = HttpResponse(services.read_raw(inbound.raw_name), content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="message-{inbound.pk}.eml"'
    response["Content-Security-Policy"] = "default-src 'none'"
    return response


@login_required
def quarantine(request: HttpRequest) -> HttpResponse:
    try:
        if request.method == "POST":
            item = sel.get_quarantined(request.user, whole_number(request.POST.get("id")) or 0)
            if request.POST.get("action") == "retry":
                review.retry_quarantined(request.user, item)
            else:
                review.discard_quarantined(request.user, item)
            return HttpResponseRedirect("/mail/quarantine/")
        items = list(sel.quarantine(request.user)[:200])
        blocks = list(sel.burst_blocks(request.user)[:50])
    except CaseworkError as exc:
        return _error(exc)
    return render(request, "channels/quarantine.html", {"items": items, "blocks": blocks})
