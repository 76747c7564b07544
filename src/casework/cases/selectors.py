"""Read queries for cases, always scoped to what the caller may see.

Another team's case is reported as not found (404), never as forbidden, so
that its existence is not disclosed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.db.models import DateTimeField, OuterRef, Prefetch, Q, QuerySet, StringAgg, Subquery, Value
from django.db.models.functions import Coalesce

from casework.accounts.models import ContactEmail
from casework.cases import hooks, new_case_row
from casework.cases.domain import Priority, Status
from casework.cases.models import Case, CaseLink, Message, TimelineEvent
from casework.core import search
from casework.core.api_input import whole_number
from casework.core.errors import InvalidInput, NotFound
from casework.core.pagination import Page, keyset_ids
from casework.core.prepared import Prepared, PreparedIn
from casework.iam.domain import Role
from casework.iam.selectors import team_ids_of, team_ids_query

SEARCH_KIND = "case"
SORTS = {
    "created": "created_at",
    "updated": "updated_at",
    "priority": "priority",
    "status": "status",
    "number": "id",
    "sla_due": "sla_sort",
}
# Cases without a running SLA clock sort after every due time.
NO_DUE = datetime(9999, 12, 31, tzinfo=UTC)


_SEES_EVERY_CASE = {Role.ADMIN, Role.LEAD}
_SCOPED_STAFF = (Role.AGENT, Role.PARTNER_AGENT)


def _staff_rule(role: str, user_id: Any, teams: Callable[[], Any]) -> Q | None:
    """The staff roles' rule, in one place for the list and the single case: leads
    and admins see every case, agents their teams' and their own, partner agents
    their (partner) teams' only; None for any other role. `teams()` gives the
    user's team ids, as a list or as a subquery."""
    if role in _SEES_EVERY_CASE:
        return Q()
    if role == Role.AGENT:
        return Q(team_id__in=teams()) | Q(assignee_id=user_id)
    if role == Role.PARTNER_AGENT:
        return Q(team_id__in=teams())
    return None


def visible_cases(user: Any) -> QuerySet[Case]:
    if user is None or not user.is_authenticated or not user.is_active:
        return Case.objects.none()
    rule = _staff_rule(user.role, user.pk, lambda: team_ids_of(user))
    if rule is not None:
        return Case.objects.filter(rule)
    if user.role == Role.CUSTOMER:
        contact = getattr(user, "contact", None)
        if contact is None:
            return Case.objects.none()
        if contact.is_account_admin and contact.account_id:
            return Case.objects.filter(Q(contact_id=contact.pk) | Q(account_id=contact.account_id))
        return Case.objects.filter(contact_id=contact.pk)
    return Case.objects.none()


class _VisibleCase:
    """One case found by `field`, as `visible_cases` would find it (the same
    `_staff_rule`), with a statement compiled once per staff role and the teams as
    a subquery: every case page, reply and change reads its case this way, and
    compiling the scoped query cost more than running it. Customers go through
    `visible_cases` itself."""

    def __init__(self, field: str) -> None:
        self._field = field
        self._any = Prepared(lambda value: Case.objects.filter(**{field: value}))
        self._scoped = {role: self._scoped_read(role) for role in _SCOPED_STAFF}

    def _scoped_read(self, role: str) -> Prepared:
        def build(value: Any, user: Any) -> QuerySet[Case]:
            rule = _staff_rule(role, user, lambda: team_ids_query(user))
            return Case.objects.filter(rule, **{self._field: value})

        return Prepared(build)

    def first(self, user: Any, value: Any) -> Case | None:
        if user is None or not user.is_authenticated or not user.is_active:
            return None
        if user.role in _SEES_EVERY_CASE:
            return self._any.first(value)  # type: ignore[no-any-return]
        if user.role in self._scoped:
            return self._scoped[user.role].first(value, user.pk)  # type: ignore[no-any-return]
        return visible_cases(user).filter(**{self._field: value}).first()


_VISIBLE_BY_NUMBER = _VisibleCase("number")
_VISIBLE_BY_ID = _VisibleCase("pk")


def may_see(user: Any, case_id: int) -> bool:
    """Whether `user` may see the case (the rules of `visible_cases`)."""
    return _VISIBLE_BY_ID.first(user, case_id) is not None


def with_related(cases: QuerySet[Case]) -> QuerySet[Case]:
    return cases.select_related(
        "contact", "account", "team", "assignee", "case_type", "service", "entitlement"
    ).prefetch_related("tags", "contact__emails")


def get_case(user: Any, number: str, *, related: bool = True) -> Case:
    number = number.strip().upper()
    if related:
        case = with_related(visible_cases(user)).filter(number=number).first()
    else:
        case = _VISIBLE_BY_NUMBER.first(user, number)
    if case is None:
        raise NotFound(f"no case {number}", field="number")
    return case


def tag_names(case: Case) -> list[str]:
    """The case's tag names, sorted: the prefetched ones, else one plain query (the
    prefetch machinery costs more than the rules that read the tags)."""
    prefetched = getattr(case, "_prefetched_objects_cache", {}).get("tags")
    if prefetched is not None:
        return sorted(t.name for t in prefetched)
    return sorted(_TAG_NAMES.all(case.pk))


_TAG_NAMES = Prepared(
    lambda pk: Case.tags.through.objects.filter(case_id=pk).values_list("tag__name", flat=True)
)


def tag_names_column() -> Subquery:
    """The tag names of the outer query's case as one string, for `split_tag_names`:
    the tags ride along with another read of the case instead of a read of their own."""
    links = Case.tags.through.objects.filter(case_id=OuterRef("pk")).order_by().values("case_id")
    joined = links.annotate(names=StringAgg("tag__name", Value(_TAG_SEPARATOR)))
    return Subquery(joined.values("names"))  # type: ignore[misc]  # the stubs miss the annotation


def split_tag_names(joined: str | None) -> list[str]:
    return sorted(joined.split(_TAG_SEPARATOR)) if joined else []


# The unit separator: no tag name holds it, since domain.normalise_tags splits names
# on whitespace and Python counts it as whitespace.
_TAG_SEPARATOR = "\x1f"


_BY_ID = Prepared(lambda pk: Case.objects.filter(pk=pk))
_RELATED: dict[str, Prepared] = {}


def stored_case(case_id: int) -> Case | None:
    """The case's row as stored now: unscoped, no related rows. For the write path
    and the rules that react to its events, which read it several times a change
    (a case being opened is answered from memory while it may: `new_case_row`)."""
    kept = new_case_row.stored(case_id)
    return kept if kept is not None else _BY_ID.first(case_id)  # type: ignore[no-any-return]


Names = new_case_row.Names  # a case's related names as stored, as the rules read them


def stored_names(case_id: int) -> Names | None:
    """The related names of a case being opened, from memory while they are what is
    stored (`new_case_row`); None when they must be read."""
    return new_case_row.stored_names(case_id)


def case_for_rules(case_id: int, *related: str) -> Case:
    """Unscoped read of one case for the rules that react to its events, with the
    `related` rows they read (each read by id: cheaper than planning a join)."""
    case = stored_case(case_id)
    if case is None:
        raise NotFound(f"no case with id {case_id}", field="case")
    for name in related:
        row = new_case_row.stored_related(case_id, name)  # a case being opened: from memory
        if row is not new_case_row.NOT_KEPT:
            setattr(case, name, row)
            continue
        target = getattr(case, Case._meta.get_field(name).attname)  # type: ignore[union-attr]
        if target is not None:
            setattr(case, name, _related_reader(name).first(target))
    return case


def _related_reader(name: str) -> Prepared:
    reader = _RELATED.get(name)
    if reader is None:
        model: Any = Case._meta.get_field(name).related_model
        reader = _RELATED[name] = Prepared(lambda pk: model.objects.filter(pk=pk))
    return reader


def get_case_by_id(case_id: int) -> Case:
    """Unscoped read for background work (the worker acts as the system)."""
    try:
        return with_related(Case.objects.all()).get(pk=case_id)
    except Case.DoesNotExist:
        raise NotFound(f"no case with id {case_id}", field="case") from None


@dataclass
class CaseFilters:
    status: list[str] = field(default_factory=list)
    priority: list[str] = field(default_factory=list)
    team: list[int] = field(default_factory=list)
    assignee: str | None = None  # "me", "none" or a user id
    account: int | None = None
    contact: int | None = None
    tag: list[str] = field(default_factory=list)
    channel: list[str] = field(default_factory=list)
    case_type: list[int] = field(default_factory=list)
    created_after: datetime | None = None
    created_before: datetime | None = None
    updated_after: datetime | None = None
    updated_before: datetime | None = None
    sla_due_before: datetime | None = None
    q: str = ""


def filter_cases(user: Any, filters: CaseFilters) -> QuerySet[Case]:
    cases = visible_cases(user)
    if filters.status:
        unknown = [s for s in filters.status if s not in Status._value2member_map_]
        if unknown:
            raise InvalidInput(f"unknown status {unknown[0]!r}; one of {', '.join(Status)}", field="status")
        cases = cases.filter(status__in=filters.status)
    if filters.priority:
        try:
            cases = cases.filter(priority__in=[Priority.parse(p) for p in filters.priority])
        except KeyError as exc:
            raise InvalidInput(f"unknown priority {exc.args[0]!r}", field="priority") from None
    if filters.team:
        cases = cases.filter(team_id__in=filters.team)
    if filters.assignee:
        if filters.assignee == "me":
            cases = cases.filter(assignee_id=user.pk)
        elif filters.assignee == "none":
            cases = cases.filter(assignee__isnull=True)
        elif (assignee := whole_number(filters.assignee)) is not None:
            cases = cases.filter(assignee_id=assignee)
        else:
            raise InvalidInput("assignee is 'me', 'none' or a user id", field="assignee")
    if filters.account:
        cases = cases.filter(account_id=filters.account)
    if filters.contact:
        cases = cases.filter(contact_id=filters.contact)
    for tag in filters.tag:
        cases = cases.filter(tags__name=tag.strip().lower())
    if filters.channel:
        cases = cases.filter(channel__in=filters.channel)
    if filters.case_type:
        cases = cases.filter(case_type_id__in=filters.case_type)
    if filters.created_after:
        cases = cases.filter(created_at__gte=filters.created_after)
    if filters.created_before:
        cases = cases.filter(created_at__lt=filters.created_before)
    if filters.updated_after:
        cases = cases.filter(updated_at__gte=filters.updated_after)
    if filters.updated_before:
        cases = cases.filter(updated_at__lt=filters.updated_before)
    if filters.sla_due_before:
        cases = cases.filter(sla_due_at__lt=filters.sla_due_before)
    if filters.q.strip():
        cases = search.filter_matching(cases, SEARCH_KIND, filters.q)
    return cases


def parse_sort(sort: str) -> tuple[str, bool]:
    descending = sort.startswith("-")
    key = sort.lstrip("-")
    if key not in SORTS:
        raise InvalidInput(f"cannot sort by {key!r}; one of {', '.join(SORTS)}", field="sort")
    return SORTS[key], descending


def list_cases(
    user: Any, filters: CaseFilters, *, sort: str = "-updated", limit: int = 50, cursor: str | None = None
) -> Page:
    """A page of cases (model instances with their related rows), for the workspace's pages."""
    page = list_case_ids(user, filters, sort=sort, limit=limit, cursor=cursor)
    found = {c.pk: c for c in with_related(Case.objects.filter(pk__in=page.items))}
    return Page(items=[found[i] for i in page.items if i in found], next_cursor=page.next_cursor)


def list_case_ids(
    user: Any, filters: CaseFilters, *, sort: str = "-updated", limit: int = 50, cursor: str | None = None
) -> Page:
    """A page of case ids, from a join-free query: the database sorts and filters thin
    rows however many match; the caller loads the page's rows its own way."""
    if not 1 <= limit <= 200:
        raise InvalidInput("limit is between 1 and 200", field="limit")
    field_name, descending = parse_sort(sort)
    cases = filter_cases(user, filters)
    if field_name == "sla_sort":
        cases = cases.annotate(sla_sort=Coalesce("sla_due_at", Value(NO_DUE, output_field=DateTimeField())))
    return keyset_ids(cases, field=field_name, descending=descending, limit=limit, cursor=cursor)


# What the API shows of a case, read as plain values in one query (no model instances:
# building them was most of a list page's cost).
CASE_ROW_FIELDS = (
    "id", "number", "title", "description", "status", "priority", "channel", "custom_fields",
    "language", "resolution_code", "resolution_summary", "assignment_reason", "reopen_count",
    "version", "created_at", "updated_at", "first_response_at", "resolved_at", "closed_at",
    "sla_due_at", "team_id", "assignee_id", "contact_id", "account_id", "case_type_id",
    "service_id", "entitlement_id",
)  # fmt: skip
# Values of the rows a case points to, each read by a scalar subquery on its key.
# PostgreSQL plans eight LEFT JOINs by searching their orders (2-5 ms a statement,
# against 0.2 ms for the subqueries) and would need a setting, so a transaction and
# two more round trips, to be told not to.
CASE_ROW_REFERENCES = {
    "parent": ("number",),
    "team": ("name",),
    "assignee": ("name", "email"),
    "contact": ("name",),
    "account": ("name", "tier"),
    "case_type": ("name",),
    "service": ("name",),
    "entitlement": ("name", "unit", "remaining", "restrict"),
}


def _case_rows_query(ids: list[int]) -> QuerySet[Case, dict[str, Any]]:
    primary_email = ContactEmail.objects.filter(contact_id=OuterRef("contact_id")).order_by(
        "-is_primary", "id"
    )
    referenced: dict[str, Any] = {}
    for name, columns in CASE_ROW_REFERENCES.items():
        field: Any = Case._meta.get_field(name)
        for column in columns:
            row = field.related_model.objects.filter(pk=OuterRef(field.attname)).order_by().values(column)
            referenced[f"{name}__{column}"] = Subquery(row)
    return (
        Case.objects.filter(pk__in=ids)
        .order_by()
        .values(
            *CASE_ROW_FIELDS,
            contact_email=Subquery(primary_email.values("address")[:1]),
            tag_list=tag_names_column(),
            **referenced,
            **{name: make() for name, make in hooks.case_row_columns.items()},
        )
    )


# Compiling the row query took longer than running it (1.3 ms of Python).
_CASE_ROWS = PreparedIn(_case_rows_query)


def case_rows(ids: list[int]) -> list[dict[str, Any]]:
    """The cases `ids` as plain dicts in the order given, each with its sorted `tags`,
    its contact's primary `contact_email` and the `<relation>__<column>` values of
    CASE_ROW_REFERENCES: one query whatever the count."""
    if not ids:
        return []
    rows = {row["id"]: row for row in _CASE_ROWS.all(ids)}
    for row in rows.values():
        row["tags"] = split_tag_names(row.pop("tag_list"))
    return [rows[i] for i in ids if i in rows]


def count_cases(user: Any, filters: CaseFilters) -> int:
    return filter_cases(user, filters).count()


def timeline(user: Any, case: Case, *, public_only: bool = False) -> QuerySet[TimelineEvent]:
    """The case's events, oldest first; a customer sees public entries only."""
    events = (
        TimelineEvent.objects.filter(case=case)
        .select_related("actor_user", "actor_contact", "message")
        .prefetch_related(Prefetch("message__attachments"))
    )
    if public_only or (user is not None and getattr(user, "role", None) == Role.CUSTOMER):
        events = events.filter(visibility="public")
    return events.order_by("created_at", "id")


def messages(case: Case, *, public_only: bool = False) -> QuerySet[Message]:
    msgs = (
        Message.objects.filter(case=case)
        .select_related("author_user", "author_contact")
        .prefetch_related("attachments")
    )
    if public_only:
        msgs = msgs.filter(visibility="public")
    return msgs


def links_of(case: Case) -> list[CaseLink]:
    return list(
        CaseLink.objects.filter(Q(from_case=case) | Q(to_case=case)).select_related("from_case", "to_case")
    )


def other_cases_of_contact(user: Any, case: Case, *, limit: int = 10) -> list[Case]:
    if not case.contact_id:
        return []
    return list(
        visible_cases(user)
        .filter(contact_id=case.contact_id)
        .exclude(pk=case.pk)
        .order_by("-created_at")[:limit]
    )


def related_object(field_name: str, pk: int) -> Any:
    """The object a case's foreign key `field_name` would point to, or InvalidInput.

    Lets the cases area accept a case type or service id without importing the
    area that owns those models.
    """
    model = Case._meta.get_field(field_name).related_model
    obj = model._default_manager.filter(pk=pk).first()  # type: ignore[union-attr]
    if obj is None:
        raise InvalidInput(f"no {field_name.replace('_', ' ')} {pk}", field=field_name)
    return obj
