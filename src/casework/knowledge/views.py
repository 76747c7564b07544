"""Knowledge base pages: the public KB (search, categories, articles, "Was this
helpful?"), the editors' pages in the workspace, and the case page panel."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.html import format_html
from django.views.decorators.http import require_POST

from casework.cases import selectors as case_selectors
from casework.core.api_input import whole_number
from casework.core.errors import CaseworkError, NotFound
from casework.knowledge import selectors, services
from casework.knowledge.domain import STATUSES, excerpt


def _not_found(exc: Exception) -> Http404:
    return Http404(str(exc))


# --- the public knowledge base -------------------------------------------------------


def kb_home(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()[:200]
    category = request.GET.get("category", "")
    articles = selectors.search_articles(request.user, q, category=category, limit=30)
    if q and not articles:
        services.log_search_gap(q, source="kb")
    return render(
        request,
        "knowledge/kb_home.html",
        {
            "q": q,
            "category": category,
            "categories": selectors.categories(request.user),
            "articles": [(a, excerpt(a.body)) for a in articles],
            "is_staff": selectors.is_staff_reader(request.user),
        },
    )


def article(request: HttpRequest, slug: str) -> HttpResponse:
    try:
        found = selectors.get_readable_article(request.user, slug)
    except NotFound as exc:
        raise _not_found(exc) from None
    services.record_view(found)
    return render(
        request,
        "knowledge/article.html",
        {
            "article": found,
            "is_staff": selectors.is_staff_reader(request.user),
            "is_editor": selectors.is_editor(request.user),
        },
    )


@require_POST
def feedback(request: HttpRequest, slug: str) -> HttpResponse:
    try:
        found = selectors.get_readable_article(request.user, slug)
    except NotFound as exc:
        raise _not_found(exc) from None
    services.record_feedback(
        found,
        is_helpful=request.POST.get("helpful") == "yes",
        comment=request.POST.get("comment", ""),
        user=request.user,
    )
    if request.htmx:  # type: ignore[attr-defined]
        return HttpResponse('<p role="status" id="feedback-thanks">Thank you for your feedback.</p>')
    messages.success(request, "Thank you for your feedback.")
    return redirect(f"/kb/{found.slug}")


# --- editors (agents, leads, admins) in the workspace ---------------------------------------


def _require_editor(request: HttpRequest) -> None:
    if not selectors.is_editor(request.user):
        raise Http404("the knowledge base editor is for agents")


@login_required
def manage(request: HttpRequest) -> HttpResponse:
    _require_editor(request)
    q, status = request.GET.get("q", ""), request.GET.get("status", "")
    return render(
        request,
        "knowledge/manage_list.html",
        {
            "articles": selectors.search_manageable(
                request.user, q, status=status if status in STATUSES else ""
            ),
            "q": q,
            "status": status,
            "statuses": STATUSES,
            "gaps": selectors.search_gaps(request.user, limit=10),
        },
    )


def _form_values(request: HttpRequest) -> dict[str, Any]:
    category_id = request.POST.get("category", "")
    return {
        "title": request.POST.get("title", ""),
        "body": request.POST.get("body", ""),
        "status": request.POST.get("status", "draft"),
        "is_internal": request.POST.get("is_internal") == "on",
        "category": selectors.get_category_by_id(n) if (n := whole_number(category_id)) is not None else None,
        "tags": [t for t in request.POST.get("tags", "").split(",") if t.strip()],
    }


@login_required
def manage_new(request: HttpRequest) -> HttpResponse:
    _require_editor(request)
    context: dict[str, Any] = {
        "statuses": STATUSES,
        "categories": selectors.categories(request.user),
        "article": None,
    }
    source_case = None
    number = request.GET.get("case") or request.POST.get("case") or ""
    if number:
        try:
            source_case = case_selectors.get_case(request.user, number, related=False)
        except NotFound as exc:
            raise _not_found(exc) from None
    if request.method == "POST":
        try:
            created = services.create_article(
                request.user, **_form_values(request), source_case_id=source_case.pk if source_case else None
            )
        except CaseworkError as exc:
            context.update(error=exc.message, values=request.POST, case=source_case)
            return render(request, "knowledge/manage_edit.html", context, status=exc.status)
        messages.success(request, f"Article “{created.title}” saved.")
        return redirect(f"/kb/manage/{created.pk}/edit")
    values: dict[str, Any] = {"status": "draft"}
    if source_case is not None:  # "create article from this case": start from its resolution
        values["title"] = source_case.title
        values["body"] = (
            f"## Problem\n\n{source_case.description}\n\n## Solution\n\n{source_case.resolution_summary}\n"
        )
    context.update(values=values, case=source_case)
    return render(request, "knowledge/manage_edit.html", context)


@login_required
def manage_edit(request: HttpRequest, article_id: int) -> HttpResponse:
    _require_editor(request)
    try:
        found = selectors.get_manageable_article(request.user, article_id)
    except NotFound as exc:
        raise _not_found(exc) from None
    context: dict[str, Any] = {
        "statuses": STATUSES,
        "categories": selectors.categories(request.user),
        "article": found,
        "versions": list(selectors.versions(found)[:20]),
    }
    if request.method == "POST":
        try:
            version = request.POST.get("version", "")
            services.update_article(
                request.user,
                found,
                _form_values(request),
                expected_version=whole_number(version),
            )
        except CaseworkError as exc:
            context.update(error=exc.message, values=request.POST)
            return render(request, "knowledge/manage_edit.html", context, status=exc.status)
        messages.success(request, "Article saved.")
        return redirect(f"/kb/manage/{found.pk}/edit")
    context["values"] = {
        "title": found.title,
        "body": found.body,
        "status": found.status,
        "is_internal": found.is_internal,
        "category": found.category_id,
        "tags": ", ".join(found.tags),
    }
    return render(request, "knowledge/manage_edit.html", context)


# --- the case page panel ---------------------------------------------------------------------


def _case_for_agent(request: HttpRequest, number: str) -> Any:
    _require_editor(request)
    try:
        return case_selectors.get_case(request.user, number, related=False)
    except NotFound as exc:
        raise _not_found(exc) from None


@login_required
def case_panel(request: HttpRequest, number: str) -> HttpResponse:
    """Suggested articles for the case's text, the articles already linked, and
    "create article from this case"."""
    case = _case_for_agent(request, number)
    q = request.GET.get("q", "").strip()
    if q:
        suggested = selectors.search_articles(request.user, q, limit=8)
    else:
        suggested = selectors.suggest_for_text(request.user, f"{case.title} {case.description}", limit=5)
    linked = selectors.articles_linked_to_case(case.pk)
    return render(
        request,
        "knowledge/case_panel.html",
        {
            "case": case,
            "suggested": [a for a in suggested if a.pk not in {x.pk for x in linked}],
            "linked": linked,
            "q": q,
            "base_url": request.build_absolute_uri("/").rstrip("/"),
        },
    )


@login_required
@require_POST
def case_link(request: HttpRequest, number: str, article_id: int) -> HttpResponse:
    case = _case_for_agent(request, number)
    try:
        found = selectors.get_readable_article_by_id(request.user, article_id)
        if request.POST.get("send") == "1":
            services.send_article_in_reply(request.user, case, found)
        else:
            services.link_article_to_case(request.user, case, found)
    except NotFound as exc:
        raise _not_found(exc) from None
    except CaseworkError as exc:
        return HttpResponse(
            format_html('<p class="error" role="alert">{}</p>', exc.message), status=exc.status
        )
    return case_panel(request, number) if request.htmx else redirect(f"/cases/{case.number}/")  # type: ignore[attr-defined]
