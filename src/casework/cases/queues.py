"""The views of an agent's left rail: the built-in queues and the saved views
anyone can build. Both are the API's own filters (`selectors.CaseFilters`) with
a sort, so a view shows exactly what `/api/v1/cases` would answer."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet

from casework.cases.domain import ACTIVE
from casework.cases.models import SavedView
from casework.cases.selectors import SORTS, CaseFilters
from casework.core import clock
from casework.core.api_input import whole_number
from casework.core.errors import InvalidInput, NotFound
from casework.iam.domain import Role
from casework.iam.selectors import team_ids_of

COLUMNS = {
    "number": "Number",
    "title": "Title",
    "customer": "Customer",
    "status": "Status",
    "priority": "Priority",
    "assignee": "Assignee",
    "team": "Team",
    "updated": "Updated",
    "sla_due": "SLA due",
}
DEFAULT_COLUMNS = list(COLUMNS)
LIST_PARAMS = ("status", "priority", "team", "tag", "channel", "case_type")
ONE_PARAMS = ("assignee", "account", "contact", "q")
DATE_PARAMS = ("created_after", "created_before", "updated_after", "updated_before")
OPEN = [s.value for s in sorted(ACTIVE, key=lambda s: ["new", "open", "pending", "on_hold"].index(s.value))]


@dataclass
class View:
    key: str  # "mine", "unassigned", ... or "saved-<id>"
    name: str
    filters: CaseFilters
    sort: str = "-updated"
    columns: list[str] = field(default_factory=lambda: list(DEFAULT_COLUMNS))
    saved: SavedView | None = None


def builtin_views(user: Any) -> list[View]:
    now = clock.now()
    teams = team_ids_of(user) or [0]  # no team: an empty queue, not every case
    views = [
        View("mine", "My open cases", CaseFilters(status=OPEN, assignee="me"), "-priority"),
        View("unassigned", "Unassigned in my teams", CaseFilters(status=OPEN, assignee="none", team=teams)),
    ]
    if user.role in {Role.LEAD, Role.ADMIN}:
        views.append(View("open", "All open", CaseFilters(status=OPEN), "-priority"))
    views += [
        View(
            "breaching",
            "Breaching soon",
            CaseFilters(status=OPEN, sla_due_before=now + timedelta(hours=1)),
            "sla_due",
        ),
        View("recent", "Recently updated", CaseFilters(), "-updated"),
    ]
    return views


def _ints(values: list[str], name: str) -> list[int]:
    ids = [whole_number(str(v).strip()) for v in values if str(v).strip()]
    if any(i is None for i in ids):
        raise InvalidInput(f"{name} takes ids", field=name)
    return [i for i in ids if i is not None]


def _moment(value: str, name: str) -> datetime:
    """A date filter's value, which must also be a moment in UTC (the database's)."""
    try:
        parsed = datetime.fromisoformat(value)
        if not parsed.tzinfo:
            parsed = parsed.replace(tzinfo=clock.now().tzinfo)
        parsed.astimezone(UTC)
    except (ValueError, OverflowError):
        raise InvalidInput(f"{name} is a date like 2026-11-23", field=name) from None
    return parsed


def clean_params(params: Mapping[str, Any]) -> dict[str, Any]:
    """The filter part of a query string, as the JSON a saved view keeps."""
    getlist = params.getlist if hasattr(params, "getlist") else (lambda k: params.get(k) or [])
    out: dict[str, Any] = {}
    for name in LIST_PARAMS:
        values = [v for v in getlist(name) if str(v).strip()]
        if values:
            out[name] = _ints(values, name) if name in {"team", "case_type"} else [str(v) for v in values]
    for name in ONE_PARAMS:
        text = str(params.get(name) or "").strip()
        if text:
            out[name] = text if name in {"assignee", "q"} else _ints([text], name)[0]
    for name in DATE_PARAMS:
        value = params.get(name)
        if value:
            _moment(str(value), name)
            out[name] = str(value)
    return out


def filters_from(data: Mapping[str, Any]) -> CaseFilters:
    def date(name: str) -> datetime | None:
        value = data.get(name)
        return _moment(str(value), name) if value else None

    return CaseFilters(
        status=list(data.get("status", [])),
        priority=list(data.get("priority", [])),
        team=list(data.get("team", [])),
        assignee=data.get("assignee"),
        account=data.get("account"),
        contact=data.get("contact"),
        tag=list(data.get("tag", [])),
        channel=list(data.get("channel", [])),
        case_type=list(data.get("case_type", [])),
        created_after=date("created_after"),
        created_before=date("created_before"),
        updated_after=date("updated_after"),
        updated_before=date("updated_before"),
        q=str(data.get("q", "")),
    )


def clean_sort(sort: str) -> str:
    if sort.lstrip("-") not in SORTS:
        raise InvalidInput(f"cannot sort by {sort!r}", field="sort")
    return sort


def clean_columns(columns: list[str]) -> list[str]:
    chosen = [c for c in COLUMNS if c in columns]  # always in the table's own order
    return chosen or list(DEFAULT_COLUMNS)


def saved_views(user: Any) -> QuerySet[SavedView]:
    return SavedView.objects.filter(Q(owner=user) | Q(shared_with_team_id__in=team_ids_of(user))).order_by(
        "name", "id"
    )


def as_view(saved: SavedView) -> View:
    return View(
        f"saved-{saved.pk}",
        saved.name,
        filters_from(saved.filters),
        saved.sort,
        clean_columns(list(saved.columns or [])),
        saved,
    )


def rail_views(user: Any) -> list[View]:
    """The user's saved views that the list can run. One saved before its filters
    were checked may hold one it cannot (a date past year 9999): it is left out of
    the rail, not allowed to fail every page; opened by its key, it is refused."""
    views = []
    for saved in saved_views(user):
        try:
            views.append(as_view(saved))
        except InvalidInput:
            continue
    return views


def find_view(user: Any, key: str) -> View:
    for view in builtin_views(user):
        if view.key == key:
            return view
    saved_id = whole_number(key.removeprefix("saved-")) if key.startswith("saved-") else None
    if saved_id is not None:
        saved = saved_views(user).filter(pk=saved_id).first()
        if saved is not None:
            return as_view(saved)
    raise NotFound(f"no view {key}", field="view")


def save_view(
    user: Any,
    *,
    name: str,
    filters: dict[str, Any],
    sort: str = "-updated",
    columns: list[str] | None = None,
    team_id: int | None = None,
) -> SavedView:
    """Keep a view for its owner, or for one of the owner's teams."""
    name = " ".join((name or "").split())[:100]
    if not name:
        raise InvalidInput("a view needs a name", field="name")
    if team_id is not None and team_id not in team_ids_of(user):
        raise InvalidInput("you can share a view only with a team of yours", field="team")
    filters_from(filters)  # refuse what the list could not run
    try:
        with transaction.atomic():
            return SavedView.objects.create(
                name=name,
                owner=user,
                filters=filters,
                sort=clean_sort(sort),
                columns=clean_columns(columns or []),
                shared_with_team_id=team_id,
            )
    except IntegrityError:
        raise InvalidInput(f"you already have a view called {name!r}", field="name") from None


def delete_view(user: Any, view_id: int) -> None:
    deleted, _ = SavedView.objects.filter(pk=view_id, owner=user).delete()
    if not deleted:
        raise NotFound(f"no view {view_id} of yours", field="view")
