"""The agent workspace: the views rail with its lists and board, global search,
new cases taken by phone, and the live-update stream. The case page itself is
in `case_page.py`. Reads go through selectors, writes through services."""

from __future__ import annotations

import re
import secrets
from collections.abc import AsyncIterator, Callable
from functools import wraps
from typing import Any

from asgiref.sync import sync_to_async
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from casework.accounts import selectors as accounts
from casework.accounts import services as account_services
from casework.cases import queues, selectors, services
from casework.cases.domain import PRIORITY_NAMES, Status, allowed_targets
from casework.core import clock, live
from casework.core.actors import Actor
from casework.core.api_input import whole_number
from casework.core.errors import CaseworkError, InvalidInput, NotFound
from casework.core.errors import PermissionDenied as CaseworkPermissionDenied
from casework.core.redirects import local_next
from casework.iam import selectors as iam
from casework.iam.domain import Role, is_staff_role

PAGE_SIZE = 50
BOARD_STATUSES = ["new", "open", "pending", "on_hold", "resolved"]
BOARD_CARDS = 30
SORT_CHOICES = [
    ("-updated", "Recently updated"),
    ("-priority", "Priority, urgent first"),
    ("sla_due", "SLA due, soonest first"),
    ("-created", "Newest"),
    ("created", "Oldest"),
    ("number", "Number"),
]
NUMBER = re.compile(r"^\s*[A-Za-z]{1,20}-\d+\s*$")


def is_htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))


def htmx_target(request: HttpRequest) -> str | None:
    htmx = getattr(request, "htmx", None)
    return htmx.target if htmx else None


def workspace(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Signed-in staff only; a case the agent may not see is a plain 404 page."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not is_staff_role(getattr(request.user, "role", "")):
            raise PermissionDenied
        try:
            return view(request, *args, **kwargs)
        except NotFound as error:
            raise Http404(error.message) from None
        except CaseworkPermissionDenied:
            raise PermissionDenied from None

    return wrapper


def _rail(request: HttpRequest) -> dict[str, Any]:
    user = request.user
    return {
        "builtin": queues.builtin_views(user),
        "saved": queues.rail_views(user),
    }


def _current_view(request: HttpRequest) -> tuple[queues.View, bool]:
    """The view named in ?view=, narrowed by any filters in the query string."""
    key = request.GET.get("view") or "mine"
    try:
        view = queues.find_view(request.user, key)
    except NotFound:
        view = queues.find_view(request.user, "recent")
    extra = queues.clean_params(request.GET)
    if extra:
        base = {k: v for k, v in vars(view.filters).items() if v not in (None, "", [])}
        merged = {k: v.isoformat() if hasattr(v, "isoformat") else v for k, v in base.items()}
        merged.update(extra)
        sla_due_before = view.filters.sla_due_before
        view.filters = queues.filters_from(merged)
        view.filters.sla_due_before = sla_due_before
    return view, bool(extra)


def _query(request: HttpRequest, **changes: Any) -> str:
    params = request.GET.copy()
    for key, value in changes.items():
        if value is None:
            params.pop(key, None)
        else:
            params[key] = value
    return "?" + params.urlencode() if params else "?"


@workspace
def case_list(request: HttpRequest, layout: str = "list") -> HttpResponse:
    if request.GET.get("layout") in {"list", "board"}:
        layout = request.GET["layout"]
    try:
        view, narrowed = _current_view(request)
        sort = queues.clean_sort(request.GET.get("sort") or view.sort)
    except InvalidInput as error:
        messages.error(request, error.message)
        return redirect("/")
    columns = view.columns
    if request.GET.getlist("col"):
        columns = queues.clean_columns(request.GET.getlist("col"))
    context: dict[str, Any] = {
        "view": view,
        "narrowed": narrowed,
        "sort": sort,
        "columns": columns,
        "all_columns": queues.COLUMNS,
        "layout": layout,
        "statuses": [s.value for s in Status],
        "priorities": PRIORITY_NAMES,
        "teams": list(iam.list_teams()),
        "filters": request.GET,
        "board_statuses": BOARD_STATUSES,
        "sel": {
            "status": request.GET.getlist("status"),
            "priority": request.GET.getlist("priority"),
            "team": request.GET.get("team", ""),
            "assignee": request.GET.get("assignee", ""),
            "channel": request.GET.get("channel", ""),
        },
        "sort_choices": SORT_CHOICES,
        "channels": ["email", "portal", "chat", "phone", "api", "web"],
        "effective_pairs": [
            (key, item)
            for key, value in _plain(view.filters).items()
            for item in (value if isinstance(value, list) else [value])
        ],
    }
    if layout == "board":
        try:
            context["board"] = _board(request, view)
        except InvalidInput as error:
            messages.error(request, error.message)
            return redirect("/board")
    else:
        try:
            page = selectors.list_cases(
                request.user, view.filters, sort=sort, limit=PAGE_SIZE, cursor=request.GET.get("cursor")
            )
        except InvalidInput as error:
            messages.error(request, error.message)
            return redirect(f"/?view={view.key}")
        context["cases"] = page.items
        context["next_url"] = _query(request, cursor=page.next_cursor) if page.next_cursor else None
        context["first_url"] = _query(request, cursor=None) if request.GET.get("cursor") else None
        sortable = {"number": "number", "status": "status", "priority": "priority"}
        sortable |= {"updated": "updated", "sla_due": "sla_due"}
        context["column_heads"] = [
            {
                "key": col,
                "label": queues.COLUMNS[col],
                "url": _query(request, sort=("-" if sort == key else "") + key, cursor=None) if key else None,
                "sorted": bool(key) and sort.lstrip("-") == key,
                "desc": sort.startswith("-"),
            }
            for col in columns
            for key in [sortable.get(col)]
        ]
        context["now"] = clock.now()
        context["show"] = {col: True for col in columns}
        context["staff"] = list(iam.staff_users().order_by("name", "email"))
    if htmx_target(request) in {"case-list", "board"}:
        return render(request, f"cases/_{layout}.html", context)
    context.update(_rail(request))
    context["team_choices"] = [t for t in context["teams"] if t.pk in iam.team_ids_of(request.user)]  # type: ignore[arg-type]
    return render(request, "cases/list.html", context)


def _board(request: HttpRequest, view: queues.View) -> list[dict[str, Any]]:
    columns = []
    for status in BOARD_STATUSES:
        filters = queues.filters_from({**_plain(view.filters), "status": [status]})
        filters.sla_due_before = view.filters.sla_due_before
        if view.filters.status and status not in view.filters.status:
            cards: list[Any] = []
        else:
            cards = selectors.list_cases(request.user, filters, sort=view.sort, limit=BOARD_CARDS).items
        for card in cards:
            card.moves = [t for t in allowed_targets(Status(card.status), "agent") if t in BOARD_STATUSES]
        columns.append({"status": status, "cases": cards})
    return columns


def _plain(filters: selectors.CaseFilters) -> dict[str, Any]:
    out = {}
    for key, value in vars(filters).items():
        if value in (None, "", []) or key == "sla_due_before":
            continue
        out[key] = value.isoformat() if hasattr(value, "isoformat") else value
    return out


@workspace
def view_counts(request: HttpRequest) -> HttpResponse:
    """The rail's counts, loaded after the page so the list itself stays fast."""
    rail = _rail(request)
    counts: dict[str, int | None] = {}
    for view in [*rail["builtin"], *rail["saved"]]:
        try:
            counts[view.key] = selectors.count_cases(request.user, view.filters)
        except InvalidInput:
            counts[view.key] = None
    return render(request, "cases/_counts.html", {"counts": counts})


@workspace
@require_POST
def save_view(request: HttpRequest) -> HttpResponse:
    source = request.POST
    team = source.get("team") or None
    try:
        saved = queues.save_view(
            request.user,
            name=source.get("name", ""),
            filters=queues.clean_params(source),
            sort=source.get("sort") or "-updated",
            columns=source.getlist("col"),
            team_id=whole_number(team),
        )
    except InvalidInput as error:
        messages.error(request, error.message)
        return redirect(local_next(request, "/"))
    messages.success(request, f"Saved the view {saved.name!r}.")
    return redirect(f"/?view=saved-{saved.pk}")


@workspace
@require_POST
def delete_view(request: HttpRequest, view_id: int) -> HttpResponse:
    try:
        queues.delete_view(request.user, view_id)
        messages.success(request, "View deleted.")
    except NotFound as error:
        messages.error(request, error.message)
    return redirect("/")


@workspace
@require_POST
def bulk_update(request: HttpRequest) -> HttpResponse:
    """One action on every selected row, each through the same service as the case page."""
    actor = Actor.agent(request.user)
    action = request.POST.get("action", "")
    value = request.POST.get("value", "").strip()
    numbers = request.POST.getlist("case")
    done, failed = 0, []
    for number in numbers:
        try:
            case = selectors.get_case(request.user, number, related=False)
            if action == "assign_me":
                services.assign(actor, case, assignee=request.user)
            elif action == "assign":
                services.assign(actor, case, assignee=_staff_user(value) if value else None)
            elif action == "status":
                services.change_status(actor, case, value)
            elif action == "priority":
                services.update_case(actor, case, {"priority": value})
            elif action == "tag":
                if not value:
                    raise InvalidInput("name the tag to add", field="value")
                current = list(case.tags.values_list("name", flat=True))
                services.update_case(actor, case, {"tags": [*current, value]})
            else:
                raise InvalidInput("choose an action", field="action")
            done += 1
        except CaseworkError as error:
            failed.append(f"{number}: {error.message}")
    if done:
        messages.success(request, f"Updated {done} case{'s' if done != 1 else ''}.")
    for line in failed[:10]:
        messages.error(request, line)
    if not numbers:
        messages.error(request, "Select at least one case.")
    return redirect(local_next(request, "/"))


def _staff_user(user_id: str) -> Any:
    try:
        user = iam.get_user(int(user_id))
    except (ValueError, NotFound):
        raise InvalidInput("choose an agent", field="assignee") from None
    return user


@workspace
def search(request: HttpRequest) -> HttpResponse:
    """A case number jumps to the case; words search cases, contacts and accounts."""
    q = request.GET.get("q", "").strip()
    context: dict[str, Any] = {"q": q, "cases": [], "contacts": [], "accounts": []}
    if q and NUMBER.match(q):
        try:
            case = selectors.get_case(request.user, q, related=False)
            return redirect(f"/cases/{case.number}/")
        except NotFound:
            pass
    if q:
        cases = selectors.list_cases(request.user, selectors.CaseFilters(q=q), sort="-updated", limit=25)
        context["cases"] = cases.items
        context["contacts"] = list(accounts.list_contacts(request.user, q=q)[:15])
        context["accounts"] = list(accounts.list_accounts(request.user, q=q)[:15])
    return render(request, "cases/search.html", context)


@workspace
def new_case(request: HttpRequest) -> HttpResponse:
    """A case taken on the phone (or at the desk) on behalf of a customer."""
    errors: dict[str, str] = {}
    data = request.POST if request.method == "POST" else request.GET
    if request.method == "POST":
        try:
            contact = _contact_for(request)
            team = iam.get_team(n) if (n := whole_number(data.get("team"))) is not None else None
            case = services.open_case(
                Actor.agent(request.user),
                title=data.get("title", ""),
                description=data.get("description", ""),
                priority=data.get("priority") or "normal",
                contact=contact,
                account=contact.account if contact else None,
                team=team,
                assignee=request.user if data.get("assign_me") else None,
                channel="phone",
                idempotency_key=data.get("idempotency_key") or None,
            )
            messages.success(request, f"Opened {case.number}.")
            return redirect(f"/cases/{case.number}/")
        except CaseworkError as error:
            errors[error.field or "form"] = error.message
    contact = None
    if (contact_id := whole_number(data.get("contact"))) is not None:
        try:
            contact = accounts.get_contact(request.user, contact_id)
        except NotFound:
            contact = None
    return render(
        request,
        "cases/new.html",
        {
            "errors": errors,
            "data": data,
            "contact": contact,
            "teams": list(iam.list_teams()),
            "priorities": PRIORITY_NAMES,
            "idempotency_key": data.get("idempotency_key") or _fresh_key(),
        },
        status=422 if errors else 200,
    )


def _fresh_key() -> str:
    return secrets.token_urlsafe(16)


def _contact_for(request: HttpRequest) -> Any:
    data = request.POST
    if (contact_id := whole_number(data.get("contact"))) is not None:
        return accounts.get_contact(request.user, contact_id)
    email = data.get("new_email", "").strip()
    name = data.get("new_name", "").strip()
    if not email:
        raise InvalidInput("pick a contact or give the new contact's email address", field="contact")
    contact, _ = account_services.find_or_create_contact(email, name=name)
    phone = data.get("new_phone", "").strip()
    if phone and not contact.phone:
        contact = account_services.update_contact(contact, by=request.user, phone=phone)
    return contact


@workspace
def contact_lookup(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()
    contacts = list(accounts.list_contacts(request.user, q=q)[:10]) if len(q) >= 2 else []
    return render(request, "cases/_contact_choices.html", {"contacts": contacts, "q": q})


# --- live updates ------------------------------------------------------------------------------


def _may_see(user: Any, team_ids: set[int], event: dict[str, Any]) -> bool:
    if user.role in {Role.ADMIN, Role.LEAD}:
        return True
    if event.get("team_id") in team_ids:
        return True
    return user.role == Role.AGENT and event.get("assignee_id") == user.pk


async def event_stream(request: HttpRequest) -> HttpResponseBase:
    """Server-sent events for the agent's open pages: a case they may see was created,
    changed or got a message. Served by the ASGI server; never buffered."""
    user = await request.auser()
    if not user.is_authenticated or not is_staff_role(getattr(user, "role", "")):
        return HttpResponse("sign in first", status=401, content_type="text/plain")
    team_ids = set(await sync_to_async(iam.team_ids_of)(user))

    async def frames() -> AsyncIterator[str]:
        subscription = live.broker().subscribe(heartbeat=15.0)
        ready = False
        try:
            async for event in subscription:
                if event is None and not ready:
                    ready = True
                    yield "retry: 2000\n\n" + live.sse_frame("ready", {"user": user.pk})
                elif event is None:
                    yield ": keep-alive\n\n"
                elif _may_see(user, team_ids, event):
                    yield live.sse_frame("case", event)
        finally:
            await subscription.aclose()  # type: ignore[attr-defined]

    response = StreamingHttpResponse(frames(), content_type="text/event-stream")
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"
    return response
