"""The case page: who owns it, what happened, what is next and by when.

Header, customer panel, timeline, composer and the field panel. Saving fields
carries the version the page was loaded with: when someone else changed the
case since, the agent sees what changed and may re-apply, never overwrite.
"""

from __future__ import annotations

from typing import Any

from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from casework.cases import selectors, services
from casework.cases.domain import (
    PRIORITY_NAMES,
    RESOLUTION_CODES,
    LinkKind,
    Status,
    allowed_targets,
    normalise_tags,
)
from casework.cases.views import BOARD_STATUSES, is_htmx, workspace
from casework.core.actors import Actor
from casework.core.api_input import whole_number
from casework.core.errors import CaseworkError, InvalidInput, NotFound, StaleVersion
from casework.iam import selectors as iam

FIELDS = ("status", "priority", "assignee", "team", "tags", "resolution_code", "resolution_summary")
FIELD_LABELS = {
    "status": "Status",
    "priority": "Priority",
    "assignee": "Assignee",
    "team": "Team",
    "tags": "Tags",
    "resolution_code": "Resolution code",
    "resolution_summary": "Resolution summary",
}
PANELS = ("sla", "routing", "automation", "kb", "mail")


def field_values(case: Any) -> dict[str, str]:
    return {
        "status": case.status,
        "priority": case.priority_label,
        "assignee": str(case.assignee_id or ""),
        "team": str(case.team_id or ""),
        "tags": ", ".join(sorted(t.name for t in case.tags.all())),
        "resolution_code": case.resolution_code or "",
        "resolution_summary": case.resolution_summary or "",
    }


def _norm(name: str, value: str) -> Any:
    if name == "tags":
        return sorted(normalise_tags(value.split(",")))
    return (value or "").strip()


def _choices() -> dict[str, Any]:
    return {
        "staff": list(iam.staff_users().order_by("name", "email")),
        "teams": list(iam.list_teams()),
        "priorities": PRIORITY_NAMES,
        "resolution_codes": RESOLUTION_CODES,
        "link_kinds": [k.value for k in LinkKind],
    }


def _describe(value: Any) -> str:
    if value is None or value == "" or value == []:
        return "none"
    if isinstance(value, dict):
        return str(value.get("name") or value.get("id"))
    if isinstance(value, list):
        return ", ".join(_describe(v) for v in value)
    return str(value).replace("_", " ")


def event_summary(event: Any) -> str:
    data = event.data or {}
    kind = event.kind
    if kind == "created":
        return "opened the case"
    if "field" in data and "after" in data:
        field = str(data["field"]).replace("_", " ")
        if kind == "assigned":
            return (
                f"assigned the case to {_describe(data['after'])}" if data["after"] else "unassigned the case"
            )
        return f"changed {field} from {_describe(data.get('before'))} to {_describe(data['after'])}"
    detail = ", ".join(f"{k.replace('_', ' ')}: {_describe(v)}" for k, v in list(data.items())[:3])
    return kind.replace("_", " ") + (f" ({detail})" if detail else "")


def timeline_items(user: Any, case: Any) -> list[dict[str, Any]]:
    """Messages as they are; runs of other events folded into one expandable group."""
    items: list[dict[str, Any]] = []
    shown: set[int] = set()
    for event in selectors.timeline(user, case):
        # A message is shown once, at the event that posted it; later events about it
        # (queued, sent, bounced) fold into the system events.
        if event.message_id and event.message_id not in shown:
            shown.add(event.message_id)
            items.append({"kind": "message", "event": event, "message": event.message})
            continue
        event.summary = event_summary(event)  # type: ignore[attr-defined]
        if items and items[-1]["kind"] == "group":
            items[-1]["events"].append(event)
        else:
            items.append({"kind": "group", "events": [event]})
    return items


def _context(request: HttpRequest, case: Any, **extra: Any) -> dict[str, Any]:
    return {
        "case": case,
        "values": field_values(case),
        "targets": allowed_targets(Status(case.status), "agent"),
        "items": timeline_items(request.user, case),
        **_choices(),
        **extra,
    }


@workspace
def case_detail(request: HttpRequest, number: str) -> HttpResponse:
    case = selectors.get_case(request.user, number)
    context = _context(
        request,
        case,
        other_cases=selectors.other_cases_of_contact(request.user, case, limit=8),
        links=selectors.links_of(case),
        panels=PANELS,
    )
    return render(request, "cases/case.html", context)


@workspace
def case_timeline(request: HttpRequest, number: str) -> HttpResponse:
    case = selectors.get_case(request.user, number, related=False)
    return render(
        request, "cases/_timeline.html", {"case": case, "items": timeline_items(request.user, case)}
    )


@workspace
def case_header(request: HttpRequest, number: str) -> HttpResponse:
    case = selectors.get_case(request.user, number)
    return render(request, "cases/_header.html", {"case": case})


def _updated(request: HttpRequest, number: str, **extra: Any) -> HttpResponse:
    """The field panel, with the header and the timeline swapped out of band."""
    case = selectors.get_case(request.user, number)
    return render(request, "cases/_case_update.html", _context(request, case, **extra))


@workspace
def fields_panel(request: HttpRequest, number: str) -> HttpResponse:
    case = selectors.get_case(request.user, number)
    return render(request, "cases/_fields.html", _context(request, case))


@workspace
@require_POST
def post_message(request: HttpRequest, number: str) -> HttpResponse:
    case = selectors.get_case(request.user, number, related=False)
    actor = Actor.agent(request.user)
    mode = request.POST.get("mode", "reply")
    files = [
        services.NewAttachment(
            filename=f.name or "attachment",
            content=f.read(),
            content_type=f.content_type or "application/octet-stream",
        )
        for f in request.FILES.getlist("attachments")
    ]
    try:
        if mode == "note":
            services.add_note(actor, case, text=request.POST.get("text", ""), attachments=files)
        else:
            services.post_reply(actor, case, text=request.POST.get("text", ""), attachments=files)
    except CaseworkError as error:
        response = render(request, "cases/_error.html", {"error": error.message, "id": "composer-error"})
        response["HX-Retarget"] = "#composer-error"
        response["HX-Reswap"] = "outerHTML"
        return response if is_htmx(request) else redirect(f"/cases/{case.number}/")
    if not is_htmx(request):
        return redirect(f"/cases/{case.number}/")
    response = _updated(request, number, sent=mode)
    response["HX-Trigger"] = "composer-sent"
    return response


def _changes(request: HttpRequest, mine: dict[str, str], orig: dict[str, str]) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    for name in FIELDS:
        if _norm(name, mine[name]) == _norm(name, orig[name]):
            continue
        value = mine[name].strip()
        if name == "assignee":
            changes[name] = iam.get_user(n) if (n := whole_number(value)) is not None else None
        elif name == "team":
            changes[name] = iam.get_team(n) if (n := whole_number(value)) is not None else None
        elif name == "tags":
            changes[name] = normalise_tags(value.split(","))
        else:
            changes[name] = value
    return changes


@workspace
@require_POST
def update_fields(request: HttpRequest, number: str) -> HttpResponse:
    case = selectors.get_case(request.user, number, related=False)
    mine = {name: request.POST.get(name, "") for name in FIELDS}
    orig = {name: request.POST.get(f"orig_{name}", "") for name in FIELDS}
    version = request.POST.get("version", "")
    try:
        changes = _changes(request, mine, orig)
        if not changes:
            return _updated(request, number, notice="Nothing to save.")
        expected = whole_number(version)
        try:
            services.update_case(Actor.agent(request.user), case, changes, expected_version=expected)
        except StaleVersion:
            current = selectors.get_case(request.user, number)
            theirs = field_values(current)
            changed = [n for n in FIELDS if _norm(n, theirs[n]) != _norm(n, orig[n])]
            if changed:
                return _conflict(request, current, mine, orig, theirs, changed)
            # Only messages moved the version (a reply, a note): nothing of ours is at stake.
            services.update_case(
                Actor.agent(request.user), current, changes, expected_version=current.version
            )
    except CaseworkError as error:
        return _updated(request, number, error=error.message)
    return _updated(request, number, notice="Saved.")


def _conflict(
    request: HttpRequest,
    case: Any,
    mine: dict[str, str],
    orig: dict[str, str],
    theirs: dict[str, str],
    changed: list[str],
) -> HttpResponse:
    choices = _choices()
    names = {str(u.pk): str(u) for u in choices["staff"]} | {"": "nobody"}
    teams = {str(t.pk): t.name for t in choices["teams"]} | {"": "no team"}

    def show(name: str, value: str) -> str:
        if name == "assignee":
            return names.get(value, value)
        if name == "team":
            return teams.get(value, value)
        return value.replace("_", " ") or "—"

    rows = [
        {
            "label": FIELD_LABELS[n],
            "was": show(n, orig[n]),
            "now": show(n, theirs[n]),
            "mine": show(n, mine[n]),
            "mine_changed": _norm(n, mine[n]) != _norm(n, orig[n]),
            "theirs_changed": n in changed,
        }
        for n in FIELDS
        if n in changed or _norm(n, mine[n]) != _norm(n, orig[n])
    ]
    recent = [
        e
        for e in selectors.timeline(request.user, case)
        .filter(message__isnull=True)
        .order_by("-created_at", "-id")[:10]
        if (e.data or {}).get("field") in changed
    ]
    for e in recent:
        e.summary = event_summary(e)  # type: ignore[attr-defined]
    response = render(
        request,
        "cases/_conflict.html",
        {
            "case": case,
            "rows": rows,
            "theirs": theirs,
            # Re-applying sends only what this agent changed, over the current values.
            "reapply": {n: mine[n] if _norm(n, mine[n]) != _norm(n, orig[n]) else theirs[n] for n in FIELDS},
            "recent": recent,
            "items": timeline_items(request.user, case),
        },
    )
    response["HX-Trigger"] = "case-conflict"
    return response


@workspace
@require_POST
def move_status(request: HttpRequest, number: str) -> HttpResponse:
    """The board's drop (or its keyboard equivalent): the same lifecycle rules as anywhere."""
    case = selectors.get_case(request.user, number, related=False)
    target = request.POST.get("status", "")
    version = request.POST.get("version", "")
    error = ""
    try:
        if target not in BOARD_STATUSES:
            raise InvalidInput("drop the card on a status column", field="status")
        services.change_status(
            Actor.agent(request.user),
            case,
            target,
            expected_version=whole_number(version),
        )
    except StaleVersion:
        error = f"{case.number} changed since the board loaded; it shows the current state now."
    except CaseworkError as exc:
        error = f"{case.number}: {exc.message}"
        missing = exc.extra.get("missing")
        if missing:
            error += " (" + "; ".join(missing) + ")"
    if not is_htmx(request):
        return redirect("/board")
    response = render(request, "cases/_error.html", {"error": error, "id": "board-error"})
    response["HX-Trigger"] = "board-changed"
    return response


@workspace
@require_POST
def assign_to_me(request: HttpRequest, number: str) -> HttpResponse:
    case = selectors.get_case(request.user, number, related=False)
    try:
        services.assign(Actor.agent(request.user), case, assignee=request.user)
    except CaseworkError as error:
        return _updated(request, number, error=error.message)
    if not is_htmx(request):
        return redirect(f"/cases/{case.number}/")
    return _updated(request, number, notice="Assigned to you.")


@workspace
@require_POST
def add_link(request: HttpRequest, number: str) -> HttpResponse:
    case = selectors.get_case(request.user, number, related=False)
    try:
        other = selectors.get_case(request.user, request.POST.get("other", ""), related=False)
        services.link_cases(Actor.agent(request.user), case, other, request.POST.get("kind", "related"))
    except CaseworkError as error:
        return _updated(request, number, error=error.message)
    return _updated(request, number, notice="Linked.")


@workspace
def attachment(request: HttpRequest, number: str, attachment_id: int) -> FileResponse:
    case = selectors.get_case(request.user, number, related=False)
    for message in selectors.messages(case):
        for item in message.attachments.all():
            if item.pk == attachment_id:
                return FileResponse(
                    services.attachment_file(item),
                    as_attachment=True,
                    filename=item.filename,
                    content_type=item.content_type,
                )
    raise NotFound(f"no attachment {attachment_id} on {case.number}", field="attachment")
