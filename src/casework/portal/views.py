"""The customer portal's pages: sign-up and sign-in, my cases, submit a case
(with article suggestions), reply, accept or reject a resolution (also from
the email's signed links), the survey, and the admin's branding screen."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth import login, logout
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseForbidden
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from casework.cases import services as case_services
from casework.cases.services import NewAttachment
from casework.core.errors import CaseworkError, NotFound
from casework.core.redirects import local_next
from casework.iam.domain import Role
from casework.knowledge import selectors as kb
from casework.portal import selectors, services, surveys
from casework.portal.domain import SCALES, customer_status, is_open_for_customer

MAX_FILES = 5


def _client(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR", "")


def customer_required(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Signed in as a customer; staff have the workspace, not the portal."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        user: Any = request.user
        if not user.is_authenticated:
            return redirect(f"/portal/sign-in?next={request.path}")
        if user.role != Role.CUSTOMER:
            return render(request, "portal/staff_notice.html", status=403)
        return view(request, *args, **kwargs)

    return wrapper


def _attachments(request: HttpRequest) -> list[NewAttachment]:
    files = request.FILES.getlist("attachments")[:MAX_FILES]
    return [
        NewAttachment(filename=f.name or "attachment", content=f.read(), content_type=f.content_type or "")
        for f in files
    ]


# --- home, sign-up and sign-in -----------------------------------------------------


def home(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    contact = selectors.contact_of(user)
    recent = list(selectors.my_cases(user, status="open")[:5]) if contact is not None else []
    return render(
        request,
        "portal/home.html",
        {
            "contact": contact,
            "recent": [(c, customer_status(c.status)) for c in recent],
            "unverified": user.is_authenticated and user.role == Role.CUSTOMER and contact is None,
            "popular": kb.search_articles(user, "", limit=6),
        },
    )


def _safe_next(request: HttpRequest) -> str:
    return local_next(request, "/portal/", under="/portal")


def sign_in(request: HttpRequest) -> HttpResponse:
    context: dict[str, Any] = {"next": _safe_next(request), "email": ""}
    if request.method == "POST":
        email = request.POST.get("email", "")
        context["email"] = email
        try:
            user = services.sign_in(request, email, request.POST.get("password", ""), client=_client(request))
        except CaseworkError as exc:
            context["error"] = exc.message
            return render(request, "portal/sign_in.html", context, status=exc.status)
        login(request, user, backend="casework.iam.backends.EmailBackend")
        return redirect(context["next"])
    return render(request, "portal/sign_in.html", context)


@require_POST
def request_link(request: HttpRequest) -> HttpResponse:
    email = request.POST.get("email", "")
    try:
        message = services.request_sign_in_link(email, client=_client(request))
    except CaseworkError as exc:
        return render(
            request, "portal/sign_in.html", {"email": email, "link_error": exc.message}, status=exc.status
        )
    return render(request, "portal/notice.html", {"title": "Check your inbox", "message": message})


def sign_in_by_link(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a button (mail scanners follow links; they must not use up a one-time link)."""
    if request.method == "POST":
        try:
            user = services.consume_sign_in_link(token)
        except CaseworkError as exc:
            return render(request, "portal/link_problem.html", {"message": exc.message}, status=400)
        login(request, user, backend="casework.iam.backends.EmailBackend")
        return redirect("/portal/")
    return render(request, "portal/confirm_link.html", {"title": "Sign in", "button": "Sign in"})


def sign_up(request: HttpRequest) -> HttpResponse:
    context: dict[str, Any] = {"email": "", "name": ""}
    if request.method == "POST":
        context.update(email=request.POST.get("email", ""), name=request.POST.get("name", ""))
        try:
            message = services.sign_up(
                context["email"],
                request.POST.get("password", ""),
                name=context["name"],
                client=_client(request),
            )
        except CaseworkError as exc:
            context["error"], context["error_field"] = exc.message, exc.field
            return render(request, "portal/sign_up.html", context, status=exc.status)
        return render(request, "portal/notice.html", {"title": "Confirm your address", "message": message})
    return render(request, "portal/sign_up.html", context)


def verify(request: HttpRequest, token: str) -> HttpResponse:
    if request.method == "POST":
        try:
            user = services.verify_email(token)
        except CaseworkError as exc:
            return render(request, "portal/link_problem.html", {"message": exc.message}, status=400)
        login(request, user, backend="casework.iam.backends.EmailBackend")
        messages.success(request, "Thank you: your address is confirmed.")
        return redirect("/portal/")
    return render(request, "portal/confirm_link.html", {"title": "Confirm your address", "button": "Confirm"})


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("/portal/")


# --- my cases ------------------------------------------------------------------------


@customer_required
def case_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "open")
    q = request.GET.get("q", "")
    cases = list(
        selectors.my_cases(request.user, status=status if status in {"open", "closed"} else "", q=q)[:100]
    )
    return render(
        request,
        "portal/case_list.html",
        {
            "cases": [(c, customer_status(c.status)) for c in cases],
            "status": status,
            "q": q,
            "unverified": selectors.contact_of(request.user) is None,
        },
    )


@customer_required
def case_detail(request: HttpRequest, number: str) -> HttpResponse:
    try:
        case = selectors.my_case(request.user, number)
    except NotFound:
        raise Http404("no such case") from None
    return _render_case(request, case)


def _render_case(request: HttpRequest, case: Any, *, error: str = "", status: int = 200) -> HttpResponse:
    events = selectors.public_timeline(request.user, case)
    survey = surveys.open_survey_for_case(case) if case.status == "closed" else None
    return render(
        request,
        "portal/case_detail.html",
        {
            "case": case,
            "words": customer_status(case.status),
            "events": events,
            "can_reply": True,
            "is_open": is_open_for_customer(case.status),
            "survey_link": surveys.survey_link(survey) if survey else "",
            "error": error,
        },
        status=status,
    )


@customer_required
@require_POST
def case_reply(request: HttpRequest, number: str) -> HttpResponse:
    try:
        case = services.reply(
            request.user, number, text=request.POST.get("text", ""), attachments=_attachments(request)
        )
    except NotFound:
        raise Http404("no such case") from None
    except CaseworkError as exc:
        return _render_case(
            request, selectors.my_case(request.user, number), error=exc.message, status=exc.status
        )
    if case.number != number.upper():
        messages.info(request, f"That request was closed, so we opened a follow-up: {case.number}.")
    return redirect(f"/portal/cases/{case.number}/")


@customer_required
@require_POST
def case_accept(request: HttpRequest, number: str) -> HttpResponse:
    try:
        services.accept(request.user, number)
    except NotFound:
        raise Http404("no such case") from None
    except CaseworkError as exc:
        return _render_case(
            request, selectors.my_case(request.user, number), error=exc.message, status=exc.status
        )
    messages.success(request, "Thank you: we have closed your request.")
    return redirect(f"/portal/cases/{number.upper()}/")


@customer_required
@require_POST
def case_reject(request: HttpRequest, number: str) -> HttpResponse:
    try:
        services.reject(request.user, number, reason=request.POST.get("reason", ""))
    except NotFound:
        raise Http404("no such case") from None
    except CaseworkError as exc:
        return _render_case(
            request, selectors.my_case(request.user, number), error=exc.message, status=exc.status
        )
    messages.success(request, "Thank you: we have reopened your request and will look at it again.")
    return redirect(f"/portal/cases/{number.upper()}/")


@customer_required
def case_attachment(request: HttpRequest, number: str, attachment_id: int) -> HttpResponseBase:
    try:
        case = selectors.my_case(request.user, number)
    except NotFound:
        raise Http404("no such case") from None
    for event in selectors.public_timeline(request.user, case):
        if event.message is not None:
            for a in event.message.attachments.all():
                if a.pk == attachment_id:
                    return FileResponse(
                        case_services.attachment_file(a), as_attachment=True, filename=a.filename
                    )
    raise Http404("no such attachment")


# --- submit a case ---------------------------------------------------------------------


@customer_required
def case_new(request: HttpRequest) -> HttpResponse:
    services_list = selectors.customer_services()
    service_id = request.POST.get("service") or request.GET.get("service") or ""
    service = next((s for s in services_list if str(s.pk) == service_id), None)
    context: dict[str, Any] = {
        "services": services_list,
        "service": service,
        "fields": selectors.customer_fields(service),
        "title": "",
        "description": "",
        "unverified": selectors.contact_of(request.user) is None,
    }
    if request.method == "POST" and request.POST.get("submit") == "1":
        values = _submitted_fields(request, context["fields"])
        context.update(
            fields=[{**f, "value": values[f["key"]]} for f in context["fields"]],
            title=request.POST.get("title", ""),
            description=request.POST.get("description", ""),
        )
        try:
            case = services.submit_case(
                request.user,
                title=context["title"],
                description=context["description"],
                service_id=service.pk if service else None,
                custom_fields=values,
                attachments=_attachments(request),
                session_key=request.session.session_key or "",
            )
        except CaseworkError as exc:
            context["error"], context["error_field"] = exc.message, exc.field
            return render(request, "portal/case_new.html", context, status=exc.status)
        messages.success(request, f"Thank you: your request {case.number} is with our team.")
        return redirect(f"/portal/cases/{case.number}/")
    if request.method == "POST":  # the service was changed: show its fields, keep what was typed
        context.update(title=request.POST.get("title", ""), description=request.POST.get("description", ""))
    if not request.session.session_key:
        request.session.save()  # a session to tie opened suggestions to a later submission
    return render(request, "portal/case_new.html", context)


def _submitted_fields(request: HttpRequest, fields: list[dict[str, Any]]) -> dict[str, Any]:
    """The custom fields as submitted: a multi-select's every choice; an unticked
    checkbox as "no" (nothing at all when it is required, so that it is reported)."""
    values: dict[str, Any] = {}
    for f in fields:
        name = f"cf_{f['key']}"
        if f["type"] == "multi_select":
            values[f["key"]] = request.POST.getlist(name)
        elif f["type"] == "checkbox":
            values[f["key"]] = "true" if request.POST.get(name) else ("" if f["required"] else "false")
        else:
            values[f["key"]] = request.POST.get(name, "")
    return values


@customer_required
def suggestions(request: HttpRequest) -> HttpResponse:
    """HTMX: published articles matching the subject typed so far."""
    title = request.GET.get("title", "")
    found = kb.suggest_for_text(request.user, title, limit=5) if len(title.strip()) >= 3 else []
    return render(request, "portal/_suggestions.html", {"articles": found, "title": title})


@customer_required
def open_suggestion(request: HttpRequest, article_id: int) -> HttpResponse:
    """The customer opened a suggestion from the submit form: note it (a deflection
    unless they submit after all), then show the article."""
    try:
        article = kb.get_readable_article_by_id(request.user, article_id)
    except NotFound:
        raise Http404("no such article") from None
    if not request.session.session_key:
        request.session.save()
    services.record_suggestion_open(
        request.session.session_key or "",
        article.pk,
        subject=request.GET.get("subject", ""),
        contact=selectors.contact_of(request.user),
    )
    return redirect(f"/kb/{article.slug}?from=submit")


# --- signed links from email: resolution and survey -------------------------------------------


def resolution_accept(request: HttpRequest, token: str) -> HttpResponse:
    try:
        case = services.case_from_resolution_token(token)
    except CaseworkError as exc:
        return render(request, "portal/link_problem.html", {"message": exc.message}, status=400)
    context: dict[str, Any] = {"case": case, "words": customer_status(case.status), "action": "accept"}
    if request.method == "POST":
        try:
            services.accept_by_link(token)
        except CaseworkError as exc:
            context["error"] = exc.message
            return render(request, "portal/resolution.html", context, status=exc.status)
        context["done"] = "Thank you: your request is closed."
    return render(request, "portal/resolution.html", context)


def resolution_reject(request: HttpRequest, token: str) -> HttpResponse:
    try:
        case = services.case_from_resolution_token(token)
    except CaseworkError as exc:
        return render(request, "portal/link_problem.html", {"message": exc.message}, status=400)
    context: dict[str, Any] = {"case": case, "words": customer_status(case.status), "action": "reject"}
    if request.method == "POST":
        try:
            services.reject_by_link(token, reason=request.POST.get("reason", ""))
        except CaseworkError as exc:
            context["error"] = exc.message
            return render(request, "portal/resolution.html", context, status=exc.status)
        context["done"] = "Thank you: we have reopened your request and will look at it again."
    return render(request, "portal/resolution.html", context)


def survey(request: HttpRequest, token: str) -> HttpResponse:
    try:
        found = surveys.survey_from_token(token)
    except CaseworkError as exc:
        return render(request, "portal/link_problem.html", {"message": exc.message}, status=400)
    scale = SCALES[found.kind]
    context: dict[str, Any] = {
        "survey": found,
        "scale": scale,
        "choices": list(range(scale.low, scale.high + 1)),
        "is_open": surveys.is_open(found),
    }
    if request.method == "POST":
        try:
            surveys.answer_survey(
                found, score=request.POST.get("score"), comment=request.POST.get("comment", "")
            )
        except CaseworkError as exc:
            context["error"] = exc.message
            return render(request, "portal/survey.html", context, status=exc.status)
        context["done"] = True
    return render(request, "portal/survey.html", context)


# --- the admin's branding screen ------------------------------------------------------------


def branding(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    if not user.is_authenticated:
        return redirect(f"/login/?next={request.path}")
    if user.role != Role.ADMIN:
        return HttpResponseForbidden("only an admin may change the portal's look")
    row = selectors.branding()
    context: dict[str, Any] = {"row": row, "kinds": list(SCALES)}
    if request.method == "POST":
        try:
            services.update_branding(
                user,
                name=request.POST.get("name", ""),
                colour=request.POST.get("colour", ""),
                logo_url=request.POST.get("logo_url", ""),
                welcome=request.POST.get("welcome", ""),
                survey_kind=request.POST.get("survey_kind") or None,
            )
        except CaseworkError as exc:
            context["error"], context["error_field"] = exc.message, exc.field
            return render(request, "portal/branding.html", context, status=exc.status)
        messages.success(request, "The portal's look is saved.")
        return redirect("/portal/manage/branding")
    return render(request, "portal/branding.html", context)
