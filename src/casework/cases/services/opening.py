"""Opening a case: the idempotency key, the created event and search entry, the
other areas' handlers, then its number (`numbering`), taken last."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.db import IntegrityError, transaction

from casework.cases import hooks, new_case_row
from casework.cases.domain import (
    Priority,
    Status,
    normalise_tags,
)
from casework.cases.events import CaseCreated
from casework.cases.models import (
    Case,
    Channel,
    IdempotencyKey,
    Message,
)
from casework.cases.selectors import SEARCH_KIND
from casework.cases.services import numbering
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
from casework.core.prepared import Writes


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
    # Its own transaction (no caller's atomic block, nor one begun by hand): its
    # number's statement may carry the COMMIT (`numbering.number_last`).
    db = transaction.get_connection()
    outermost = db.get_autocommit() and not db.in_atomic_block
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
            if idempotency_key is not None:
                with transaction.atomic():
                    IdempotencyKey.objects.create(user=actor.user, key=idempotency_key, case=case)
            numbering.number_last(case, commit=outermost)
        return fresh(case.pk) if read_back else case
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


def _columns(case: Case) -> dict[str, Any]:
    """A new case's row, with no number yet, for an INSERT written once: the ORM's
    save compiled the 35-column statement for every case. No model signal listens
    to cases."""
    return {f.attname: getattr(case, f.attname) for f in Case._meta.concrete_fields if not f.primary_key}


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
    tag_names = normalise_tags(f["tags"])
    created = {
        "title": title,
        "priority": Priority(priority).label,
        "channel": channel,
        "team": case.team,
        "assignee": case.assignee,
        "tags": tag_names,
    }
    # The row, its tags, the created event and the search entry: one round trip.
    with Writes() as writes:
        case_id = writes.insert_new(Case, **_columns(case))
        link_new_case_tags(writes, case_id, tag_names)
        record_events(case_id, actor, [("created", "public", created)], writes=writes)
        search.index_document(SEARCH_KIND, case_id, title, case.description, writes=writes)
    case.pk = case_id.value
    case._state.adding = False
    case._state.db = "default"
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
    # The handlers read the row from memory until one writes to it (kept first: it
    # copies the row, number unread); their reads of the number take it.
    with new_case_row.kept(case, tag_names), numbering.taken_on_demand(case):
        events.publish(CaseCreated(case_id=case.pk, actor=actor))
    return case
