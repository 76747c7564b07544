"""Opening a case: its number (gap-safe under concurrent creation), the
idempotency key, the created event and search entry, then the other areas' handlers."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F

from casework.cases import hooks, new_case_row
from casework.cases.domain import (
    Priority,
    Status,
    format_number,
    normalise_tags,
    number_stem,
)
from casework.cases.events import CaseCreated
from casework.cases.models import (
    Case,
    CaseNumberSequence,
    Channel,
    IdempotencyKey,
    Message,
)
from casework.cases.selectors import SEARCH_KIND
from casework.cases.services.access import require_staff
from casework.cases.services.attachments import NewAttachment, store_attachments
from casework.cases.services.changes import fresh
from casework.cases.services.fields import (
    check_assignee,
    clean_channel,
    clean_title,
    link_new_case_tags,
    parse_priority,
    validated_custom_fields,
)
from casework.cases.timeline import record_events
from casework.core import clock, events, search
from casework.core.actors import Actor
from casework.core.errors import InvalidInput
from casework.core.prepared import Writes, insert_row, kept_cursor, update_rows


def _bump() -> str:
    """Take the prefix's next value (`%s`: the prefix); no row back means the prefix
    has no sequence yet."""
    sequence = connection.ops.quote_name(CaseNumberSequence._meta.db_table)
    return f"UPDATE {sequence} SET last_value = last_value + 1 WHERE prefix = %s RETURNING last_value"


def _numbering(case_id: int) -> tuple[str, list[Any]]:
    """On PostgreSQL, one statement bumps the sequence and stores the number on the
    case, returning it (no row: the prefix has no sequence yet)."""
    cases = connection.ops.quote_name(Case._meta.db_table)
    prefix = settings.CASE_NUMBER_PREFIX
    return (
        f"WITH n AS ({_bump()}) UPDATE {cases} SET number = %s || n.last_value::text "
        f"FROM n WHERE {cases}.id = %s RETURNING number",
        [prefix, number_stem(prefix), case_id],
    )


def _number_case(case_id: int) -> str:
    """Give the new case the next number, inside the caller's transaction (row lock
    on PostgreSQL, the database write lock on SQLite), so concurrent creators never
    share one and a rolled-back creation gives its number back. Taken last, so the
    lock is held as briefly as the transaction allows."""
    prefix = settings.CASE_NUMBER_PREFIX
    with connection.cursor() as cursor:
        for _ in range(2):
            if connection.vendor == "postgresql":  # bump, read and store: one statement
                cursor.execute(*_numbering(case_id))
                row = cursor.fetchone()
                if row is not None:
                    return str(row[0])
            else:  # SQLite has no UPDATE inside WITH; two statements, no round trips
                cursor.execute(_bump(), [prefix])
                row = cursor.fetchone()
                if row is not None:
                    number = format_number(prefix, row[0])
                    update_rows(Case, {"id": case_id}, number=number)
                    return number
            CaseNumberSequence.objects.get_or_create(prefix=prefix)  # the first case with this prefix
    raise RuntimeError(f"no number sequence for {prefix!r}")


def reserve_numbers(count: int) -> int:
    """Reserve `count` consecutive numbers for a bulk import; returns the first."""
    prefix = settings.CASE_NUMBER_PREFIX
    with transaction.atomic():
        CaseNumberSequence.objects.get_or_create(prefix=prefix)
        CaseNumberSequence.objects.filter(prefix=prefix).update(last_value=F("last_value") + count)
        last = CaseNumberSequence.objects.get(prefix=prefix).last_value
    return last - count + 1


def open_case(
    actor: Actor,
    *,
    title: str,
    description: str = "",
    priority: Any = "normal",
    contact: Any = None,
    account: Any = None,
    team: Any = None,
    assignee: Any = None,
    tags: Iterable[str] = (),
    channel: str = Channel.API,
    case_type: Any = None,
    service: Any = None,
    custom_fields: dict[str, Any] | None = None,
    language: str = "",
    parent: Case | None = None,
    entitlement: Any = None,
    idempotency_key: str | None = None,
    attachments: Sequence[NewAttachment] = (),
    read_back: bool = True,
) -> Case:
    """Open a case. With an idempotency key, the same key from the same user
    returns the case it made the first time instead of making another.

    The case comes back as the other areas' handlers (routing, SLA, triggers) left
    it; with `read_back=False`, for a caller that reads it its own way, as opened."""
    if actor.kind == "agent":
        require_staff(actor)
    if idempotency_key is not None:
        idempotency_key = idempotency_key.strip()
        if not idempotency_key or len(idempotency_key) > 200:
            raise InvalidInput("an Idempotency-Key has 1 to 200 characters", field="Idempotency-Key")
        existing = _case_for_key(actor, idempotency_key)
        if existing is not None:
            return existing
    try:
        with transaction.atomic():
            case = _open_case(
                actor,
                title=title,
                description=description,
                priority=priority,
                contact=contact,
                account=account,
                team=team,
                assignee=assignee,
                tags=tags,
                channel=channel,
                case_type=case_type,
                service=service,
                custom_fields=custom_fields,
                language=language,
                parent=parent,
                entitlement=entitlement,
                attachments=attachments,
            )
            if read_back:
                case = fresh(case.pk)
            if idempotency_key is not None:
                with transaction.atomic():
                    IdempotencyKey.objects.create(user=actor.user, key=idempotency_key, case=case)
            return case
    except IntegrityError:
        if idempotency_key is not None:
            existing = _case_for_key(actor, idempotency_key)
            if existing is not None:  # a concurrent request with the same key won
                return existing
        raise


def _case_for_key(actor: Actor, key: str) -> Case | None:
    if actor.user is None:
        raise InvalidInput("an Idempotency-Key needs an authenticated caller", field="Idempotency-Key")
    hit = IdempotencyKey.objects.filter(user=actor.user, key=key).select_related("case").first()
    return hit.case if hit else None


def _insert(case: Case, *, numbered: bool) -> None:
    """Store a new case's row with an INSERT written once: the ORM's save compiled
    the 35-column statement for every case. No model signal listens to cases.

    `numbered` (PostgreSQL): the same statement takes the case's number, so the row
    is written once; stored by a later UPDATE, the number wrote a second version of
    the row and of each of its 17 index entries. No number back (the prefix has no
    sequence yet) leaves it to `_number_case`."""
    columns = {f.attname: getattr(case, f.attname) for f in Case._meta.concrete_fields if not f.primary_key}
    if numbered:
        columns.pop("number")
        sql, fields = _numbered_insert(tuple(columns))
        prefix = settings.CASE_NUMBER_PREFIX
        params = [prefix, number_stem(prefix)]
        params += [f.get_db_prep_save(v, connection) for f, v in zip(fields, columns.values(), strict=True)]
        cursor = kept_cursor(connection)
        cursor.execute(sql, params)
        case.pk, case.number = cursor.fetchone()
    else:
        case.pk = insert_row(Case, **columns)
    case._state.adding = False
    case._state.db = "default"


_NUMBERED_INSERTS: dict[tuple[str, ...], tuple[str, list[Any]]] = {}


def _numbered_insert(names: tuple[str, ...]) -> tuple[str, list[Any]]:
    """The INSERT that bumps the prefix's sequence and stores the case with its
    number (`%s`: the prefix, its number stem, then the columns `names`), returning
    the id and the number; written once per process."""
    statement = _NUMBERED_INSERTS.get(names)
    if statement is None:
        quote = connection.ops.quote_name
        fields: list[Any] = [Case._meta.get_field(name) for name in names]
        columns = ", ".join(quote(f.column) for f in fields)
        marks = ", ".join(["%s"] * len(fields))
        sql = (
            f"WITH n AS ({_bump()}) INSERT INTO {quote(Case._meta.db_table)} ({quote('number')}, {columns}) "
            f"VALUES ((SELECT %s || n.last_value::text FROM n), {marks}) "
            f"RETURNING {quote(str(Case._meta.pk.column))}, {quote('number')}"
        )
        statement = _NUMBERED_INSERTS[names] = (sql, fields)
    return statement


def _open_case(actor: Actor, **f: Any) -> Case:
    title = clean_title(f["title"])
    channel = clean_channel(f["channel"])
    priority = parse_priority(f["priority"])
    contact, account = f["contact"], f["account"]
    if account is None and contact is not None and contact.account_id:
        account = contact.account
    check_assignee(f["assignee"])
    facts = dict(f, title=title, channel=channel, priority=priority, account=account, actor=actor)
    for check in hooks.creation_checks:
        check(facts)
    entitlement = facts.get("entitlement")
    custom_fields = validated_custom_fields(f["case_type"], f["custom_fields"] or {})
    now = clock.now()
    team = f["team"]
    if team is None and f["service"] is not None and f["service"].team_id:
        team = f["service"].team
    if team is None and f["case_type"] is not None and f["case_type"].default_team_id:
        team = f["case_type"].default_team
    if team is None and actor.kind == "agent" and actor.user is not None:
        # An agent's case lands in their own (first) team, so they keep seeing it in their queues.
        team = actor.user.teams.order_by("id").first()
    case = Case(
        title=title,
        description=f["description"] or "",
        priority=priority,
        channel=channel,
        contact=contact,
        account=account,
        team=team,
        assignee=f["assignee"],
        status=Status.OPEN if f["assignee"] is not None else Status.NEW,
        case_type=f["case_type"],
        service=f["service"],
        custom_fields=custom_fields,
        language=f["language"] or (contact.language if contact is not None else ""),
        parent=f["parent"],
        entitlement=entitlement,
        created_by=actor.user if actor.kind == "agent" else None,
        created_at=now,
        updated_at=now,
        status_changed_at=now,
        last_customer_message_at=now if actor.kind == "contact" else None,
    )
    # The number's lock is held to the commit; with attachments to store, it is taken last.
    _insert(case, numbered=connection.vendor == "postgresql" and not f["attachments"])
    tag_names = normalise_tags(f["tags"])
    created = {
        "title": title,
        "priority": Priority(priority).label,
        "channel": channel,
        "team": case.team,
        "assignee": case.assignee,
        "tags": tag_names,
    }
    # Tags, the created event and the search entry: one round trip.
    with Writes() as writes:
        link_new_case_tags(writes, case.pk, tag_names)
        record_events(case, actor, [("created", "public", created)], writes=writes)
        search.index_document(SEARCH_KIND, case.pk, title, case.description, writes=writes)
    if f["attachments"]:
        message = Message.objects.create(
            case=case,
            direction=Message.Direction.INBOUND if actor.kind == "contact" else Message.Direction.INTERNAL,
            visibility="public",
            channel=channel,
            author_contact=actor.contact,
            author_user=actor.user if actor.kind == "agent" else None,
            text=case.description,
            created_at=now,
        )
        store_attachments(case, message, f["attachments"])
    if case.number is None:
        case.number = _number_case(case.pk)
    with new_case_row.kept(case, tag_names):  # the handlers' reads of it, until one writes to it
        events.publish(CaseCreated(case_id=case.pk, actor=actor))
    return case
