"""The only write path for cases: open, update, change status, assign, reply,
note, receive a customer's message, link. Each call owns its transaction,
checks the caller's permission, writes the timeline event with the change and
publishes the domain event other areas react to."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from copy import deepcopy
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, connection, transaction
from django.db.models import F

from casework.cases import hooks
from casework.cases.domain import (
    FINAL,
    LinkKind,
    Priority,
    ResolutionFacts,
    Status,
    TransitionRefused,
    check_transition,
    format_number,
    normalise_tags,
    resolution_blockers,
    status_after_agent_attention,
    status_after_customer_message,
)
from casework.cases.events import CaseChanged, CaseCreated, MessageKind, MessagePosted
from casework.cases.models import (
    Attachment,
    Case,
    CaseLink,
    CaseNumberSequence,
    Channel,
    IdempotencyKey,
    Message,
    Tag,
)
from casework.cases.selectors import SEARCH_KIND, stored_case, visible_cases
from casework.cases.timeline import record_event, record_events
from casework.core import clock, events, search
from casework.core.actors import Actor
from casework.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied, StaleVersion
from casework.core.prepared import Prepared, Writes
from casework.iam.domain import is_staff_role

__all__ = [
    "NewAttachment",
    "add_note",
    "assign",
    "change_status",
    "link_cases",
    "open_case",
    "post_reply",
    "receive_customer_message",
    "record_event",
    "set_sla_due",
    "update_case",
]

EDITABLE = (
    "title",
    "description",
    "priority",
    "team",
    "assignee",
    "tags",
    "custom_fields",
    "case_type",
    "service",
    "account",
    "contact",
    "language",
    "channel",
    "status",
    "resolution_code",
    "resolution_summary",
    "parent",
    "entitlement",
)


@dataclass(frozen=True)
class NewAttachment:
    filename: str
    content: bytes
    content_type: str = "application/octet-stream"
    content_id: str = ""
    is_inline: bool = False


# --- permissions -------------------------------------------------------------


def _require_staff(actor: Actor) -> None:
    if actor.kind == "agent" and (actor.user is None or not is_staff_role(actor.user.role)):
        raise PermissionDenied("only staff may do this")
    if actor.kind == "contact":
        raise PermissionDenied("customers cannot do this")


def _require_visible(actor: Actor, case: Case) -> None:
    """An agent may act only on cases they may see; others' cases are not found."""
    if actor.kind == "agent" and not visible_cases(actor.user).filter(pk=case.pk).exists():
        raise NotFound(f"no case {case.number}", field="number")
    if actor.kind == "contact" and case.contact_id != getattr(actor.contact, "pk", None):
        contact = actor.contact
        if not (contact and contact.is_account_admin and contact.account_id == case.account_id):
            raise NotFound(f"no case {case.number}", field="number")


# --- creation ----------------------------------------------------------------


def _next_number() -> str:
    """Take the next number inside the caller's transaction (row lock on PostgreSQL,
    the database write lock on SQLite), so concurrent creators never share one and a
    rolled-back creation gives its number back."""
    prefix = settings.CASE_NUMBER_PREFIX
    table = connection.ops.quote_name(CaseNumberSequence._meta.db_table)
    # One statement: bump and read under the row's lock (SQLite 3.35+ and PostgreSQL both RETURN).
    sql = f"UPDATE {table} SET last_value = last_value + 1 WHERE prefix = %s RETURNING last_value"
    with connection.cursor() as cursor:
        cursor.execute(sql, [prefix])
        row = cursor.fetchone()
        if row is None:  # the first case with this prefix
            CaseNumberSequence.objects.get_or_create(prefix=prefix)
            cursor.execute(sql, [prefix])
            row = cursor.fetchone()
    return format_number(prefix, row[0])


def reserve_numbers(count: int) -> int:
    """Reserve `count` consecutive numbers for a bulk import; returns the first."""
    prefix = settings.CASE_NUMBER_PREFIX
    with transaction.atomic():
        CaseNumberSequence.objects.get_or_create(prefix=prefix)
        CaseNumberSequence.objects.filter(prefix=prefix).update(last_value=F("last_value") + count)
        last = CaseNumberSequence.objects.get(prefix=prefix).last_value
    return last - count + 1


def _parse_priority(value: Any) -> int:
    if isinstance(value, Priority):
        return int(value)
    try:
        return int(Priority.parse(str(value)))
    except KeyError:
        allowed = ", ".join(p.label for p in Priority)
        raise InvalidInput(f"unknown priority {value!r}; one of {allowed}", field="priority") from None


def _clean_title(title: str) -> str:
    title = " ".join((title or "").split())
    if not title:
        raise InvalidInput("a case needs a title", field="title")
    if len(title) > 300:
        raise InvalidInput("a title has at most 300 characters", field="title")
    return title


def _clean_channel(channel: str) -> str:
    if channel not in Channel.values:
        raise InvalidInput(
            f"unknown channel {channel!r}; one of {', '.join(Channel.values)}", field="channel"
        )
    return channel


def _check_assignee(user: Any) -> None:
    if user is not None and (not user.is_active or not is_staff_role(user.role)):
        raise InvalidInput(f"{user} cannot own cases", field="assignee")


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
) -> Case:
    """Open a case. With an idempotency key, the same key from the same user
    returns the case it made the first time instead of making another."""
    if actor.kind == "agent":
        _require_staff(actor)
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


def _open_case(actor: Actor, **f: Any) -> Case:
    title = _clean_title(f["title"])
    channel = _clean_channel(f["channel"])
    priority = _parse_priority(f["priority"])
    contact, account = f["contact"], f["account"]
    if account is None and contact is not None and contact.account_id:
        account = contact.account
    _check_assignee(f["assignee"])
    facts = dict(f, title=title, channel=channel, priority=priority, account=account, actor=actor)
    for check in hooks.creation_checks:
        check(facts)
    entitlement = facts.get("entitlement")
    custom_fields = _validated_custom_fields(f["case_type"], f["custom_fields"] or {})
    now = clock.now()
    team = f["team"]
    if team is None and f["service"] is not None and f["service"].team_id:
        team = f["service"].team
    if team is None and f["case_type"] is not None and f["case_type"].default_team_id:
        team = f["case_type"].default_team
    if team is None and actor.kind == "agent" and actor.user is not None:
        # An agent's case lands in their own (first) team, so they keep seeing it in their queues.
        team = actor.user.teams.order_by("id").first()
    case = Case.objects.create(
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
    if tag_names:  # a new case has no tags yet: one INSERT, not the related manager's diff
        Case.tags.through.objects.bulk_create(
            [Case.tags.through(case_id=case.pk, tag_id=tag.pk) for tag in _tags(tag_names)]
        )
    visibility = "public"
    record_event(
        case,
        "created",
        actor,
        visibility=visibility,
        data={
            "title": title,
            "priority": Priority(priority).label,
            "channel": channel,
            "team": case.team,
            "assignee": case.assignee,
            "tags": tag_names,
        },
    )
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
        _store_attachments(case, message, f["attachments"])
    search.index_document(SEARCH_KIND, case.pk, title, case.description)
    # Taken last, so the number's lock is held as briefly as the transaction allows.
    case.number = _next_number()
    Case.objects.filter(pk=case.pk).update(number=case.number)
    events.publish(CaseCreated(case_id=case.pk, actor=actor))
    case.refresh_from_db()
    return case


def _tags(names: Iterable[str]) -> list[Tag]:
    names = list(names)
    existing = {t.name: t for t in Tag.objects.filter(name__in=names)}
    for name in names:
        if name not in existing:
            existing[name], _ = Tag.objects.get_or_create(name=name)
    return [existing[n] for n in names]


def _validated_custom_fields(case_type: Any, values: dict[str, Any]) -> dict[str, Any]:
    if not isinstance(values, dict):
        raise InvalidInput("custom_fields is an object of field names to values", field="custom_fields")
    for validate in hooks.custom_field_validators:
        values = validate(case_type, values)
    return values


# --- updates -----------------------------------------------------------------

_UNSET = object()


_LOCKED = Prepared(lambda pk: Case.objects.select_for_update(of=("self",)).filter(pk=pk))


def _lock(case: Case) -> Case:
    """The case's row, locked until the transaction ends (team and assignee load on use)."""
    return _LOCKED.first(case.pk)  # type: ignore[no-any-return]


def _fresh(case_id: int) -> Case:
    """The case as stored now, after every handler of the change has run."""
    return stored_case(case_id)  # type: ignore[return-value]


def update_case(
    actor: Actor,
    case: Case,
    changes: dict[str, Any],
    *,
    expected_version: int | None = None,
    event_data: dict[str, Any] | None = None,
    along: dict[str, Any] | None = None,
    inside_caller: bool = False,
    created_here: bool = False,
) -> Case:
    """Apply field changes atomically, with optimistic locking on `version`.

    A stale `expected_version` is refused (412) and nothing changes. Each changed
    field gets its own timeline event with before and after. `along`: fields that
    explain the change (routing's assignment reason), written with it, no event of
    their own. `inside_caller`: the change is one step of the caller's transaction
    (routing's assignment), which fails as a whole: no savepoint of its own, and
    the case comes back as changed here, not read again after the handlers.
    `created_here`: the case was made in this same transaction and `case` is its
    row as stored; no other transaction can see it, so it is not locked and read again.
    """
    unknown = [k for k in changes if k not in EDITABLE]
    if unknown:
        raise InvalidInput(f"{unknown[0]} cannot be changed here", field=unknown[0])
    if actor.kind == "contact":
        raise PermissionDenied("customers change cases through the portal's own actions")
    if actor.kind == "agent":
        _require_staff(actor)
    with transaction.atomic(savepoint=not inside_caller):
        current = case if created_here else _lock(case)
        if actor.kind == "agent":
            _require_visible(actor, current)
        if expected_version is not None and expected_version != current.version:
            raise StaleVersion(
                f"{current.number} was changed by someone else (version {current.version}, "
                f"you had {expected_version})",
                field="version",
                current_version=current.version,
            )
        as_read = _row_values(current)
        diff = _apply(actor, current, changes)
        for name, value in (along or {}).items():
            setattr(current, name, value)
        if diff:
            _save_changes(actor, current, diff, event_data or {}, as_read=as_read)
        elif along:
            Case.objects.filter(pk=current.pk).update(**along)
        return _fresh(current.pk) if diff and not inside_caller else current


def _apply(actor: Actor, case: Case, changes: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    diff: dict[str, tuple[Any, Any]] = {}

    def put(name: str, value: Any) -> None:
        before = getattr(case, name)
        if before != value:
            diff[name] = (before, value)
            setattr(case, name, value)

    if "title" in changes:
        put("title", _clean_title(changes["title"]))
    if "description" in changes:
        put("description", changes["description"] or "")
    if "priority" in changes:
        put("priority", _parse_priority(changes["priority"]))
    if "channel" in changes:
        put("channel", _clean_channel(changes["channel"]))
    if "language" in changes:
        put("language", (changes["language"] or "")[:10])
    for fk in ("team", "account", "contact", "case_type", "service", "parent", "entitlement"):
        if fk in changes:
            before = getattr(case, f"{fk}_id")
            value = changes[fk]
            if before != getattr(value, "pk", None):
                diff[fk] = (getattr(case, fk), value)
                setattr(case, fk, value)
    if "parent" in diff and case.parent_id == case.pk:
        raise InvalidInput("a case cannot be its own parent", field="parent")
    if "assignee" in changes:
        _check_assignee(changes["assignee"])
        if case.assignee_id != getattr(changes["assignee"], "pk", None):
            diff["assignee"] = (case.assignee, changes["assignee"])
            case.assignee = changes["assignee"]
    if "custom_fields" in changes or "case_type" in diff:
        values = changes.get("custom_fields", case.custom_fields)
        if "case_type" in diff and "custom_fields" not in changes:
            values = dict(case.custom_fields)
        put("custom_fields", _validated_custom_fields(case.case_type, values))
    for text in ("resolution_code", "resolution_summary"):
        if text in changes:
            put(text, (changes[text] or "").strip())
    if "tags" in changes:
        before_tags = sorted(case.tags.values_list("name", flat=True))
        after_tags = sorted(normalise_tags(changes["tags"]))
        if before_tags != after_tags:
            diff["tags"] = (before_tags, after_tags)
    target = changes.get("status")
    if target is None and "assignee" in diff and case.assignee_id is not None:
        new_status = status_after_agent_attention(Status(case.status))
        if new_status != case.status:
            target = new_status.value
    if target is not None and target != case.status:
        _transition(actor, case, target, diff)
    elif target is not None and target == case.status and "status" in changes:
        pass  # setting the status it already has is a no-op, not an error
    return diff


def _transition(actor: Actor, case: Case, target: str, diff: dict[str, tuple[Any, Any]]) -> None:
    try:
        new = Status(target)
    except ValueError:
        raise InvalidInput(f"unknown status {target!r}; one of {', '.join(Status)}", field="status") from None
    current = Status(case.status)
    try:
        check_transition(current, new, actor.kind)
    except TransitionRefused as refused:
        raise Conflict(str(refused), field="status", allowed=refused.allowed) from None
    if new == Status.RESOLVED:
        missing: list[str] = []
        for check in hooks.resolution_checks:
            missing.extend(check(case))
        blockers = resolution_blockers(
            ResolutionFacts(
                has_assignee=case.assignee_id is not None,
                resolution_code=case.resolution_code or "",
                resolution_summary=case.resolution_summary or "",
                missing_criteria=tuple(missing),
            )
        )
        if blockers:
            raise Conflict("the case cannot be resolved yet", field="status", missing=blockers)
    now = clock.now()
    diff["status"] = (current.value, new.value)
    case.status = new.value
    case.status_changed_at = now
    if new == Status.RESOLVED:
        case.resolved_at = now
    if new == Status.CLOSED:
        case.closed_at = now
    if current == Status.RESOLVED and new == Status.OPEN:
        case.reopen_count += 1


def _row_values(case: Case) -> dict[str, Any]:
    """The row's column values (JSON ones copied: a rule may edit them in place)."""
    values = {f.attname: getattr(case, f.attname) for f in Case._meta.concrete_fields}
    return {k: deepcopy(v) if isinstance(v, dict | list) else v for k, v in values.items()}


def _save_changes(
    actor: Actor,
    case: Case,
    diff: dict[str, tuple[Any, Any]],
    event_data: dict[str, Any],
    *,
    as_read: dict[str, Any],
) -> None:
    """Store the changed columns (those that differ from `as_read`, the row as read
    under the lock), a new version, the timeline events, then tell the other areas."""
    case.version += 1
    case.updated_at = clock.now()
    changed = {name: getattr(case, name) for name, value in as_read.items() if getattr(case, name) != value}
    if "tags" in diff:
        case.tags.set(_tags(diff["tags"][1]))
    entries = []
    for name, (before, after) in diff.items():
        kind, visibility = _event_kind(name)
        if name == "priority":
            before, after = Priority(before).label, Priority(after).label
        entries.append((kind, visibility, {"field": name, "before": before, "after": after, **event_data}))
    with Writes() as writes:  # the row and its events: one round trip
        writes.update(Case, {"id": case.pk}, **changed)
        record_events(case, actor, entries, writes=writes)
    if "title" in diff or "description" in diff:
        _reindex(case)
    events.publish(CaseChanged(case_id=case.pk, actor=actor, changes=_plain_diff(diff)))


def _event_kind(field_name: str) -> tuple[str, str]:
    return {
        "status": ("status_changed", "public"),
        "priority": ("priority_changed", "internal"),
        "assignee": ("assigned", "internal"),
        "team": ("team_changed", "internal"),
        "tags": ("tags_changed", "internal"),
        "custom_fields": ("custom_fields_changed", "internal"),
    }.get(field_name, ("field_changed", "internal"))


def _plain_diff(diff: dict[str, tuple[Any, Any]]) -> dict[str, tuple[Any, Any]]:
    def plain(v: Any) -> Any:
        return v.pk if hasattr(v, "pk") else v

    return {k: (plain(b), plain(a)) for k, (b, a) in diff.items()}


def _reindex(case: Case) -> None:
    body = "\n".join([case.description, *Message.objects.filter(case=case).values_list("text", flat=True)])
    search.index_document(SEARCH_KIND, case.pk, case.title, body)


def change_status(
    actor: Actor,
    case: Case,
    status: str,
    *,
    resolution_code: str | None = None,
    resolution_summary: str | None = None,
    expected_version: int | None = None,
) -> Case:
    changes: dict[str, Any] = {"status": status}
    if resolution_code is not None:
        changes["resolution_code"] = resolution_code
    if resolution_summary is not None:
        changes["resolution_summary"] = resolution_summary
    return update_case(actor, case, changes, expected_version=expected_version)


def assign(
    actor: Actor,
    case: Case,
    *,
    assignee: Any = _UNSET,
    team: Any = _UNSET,
    reason: dict[str, Any] | None = None,
    expected_version: int | None = None,
    inside_caller: bool = False,
    created_here: bool = False,
) -> Case:
    """Give the case an owner and/or a team. Routing passes `reason`, which is kept
    on the case and on the timeline event, so every decision can be explained
    (`inside_caller`, `created_here`: see update_case)."""
    changes: dict[str, Any] = {}
    if assignee is not _UNSET:
        changes["assignee"] = assignee
    if team is not _UNSET:
        changes["team"] = team
    return update_case(
        actor,
        case,
        changes,
        expected_version=expected_version,
        event_data={"reason": reason} if reason else None,
        along={"assignment_reason": reason} if reason is not None else None,
        inside_caller=inside_caller,
        created_here=created_here,
    )


def set_sla_due(case_id: int, due_at: Any) -> None:
    """The SLA area keeps the earliest running due time on the case for sorting
    and filtering; not a user-visible change, so no version bump or event."""
    Case.objects.filter(pk=case_id).update(sla_due_at=due_at)


# --- messages ----------------------------------------------------------------


def _store_attachments(case: Case, message: Message, files: Sequence[NewAttachment]) -> list[Attachment]:
    stored = []
    limit = settings.CASEWORK_MAX_ATTACHMENT_BYTES
    for f in files:
        if len(f.content) > limit:
            raise InvalidInput(f"{f.filename} is larger than {limit} bytes", field="attachments")
        digest = hashlib.sha256(f.content).hexdigest()
        name = f"attachments/{digest[:2]}/{digest[2:4]}/{digest}"
        if not default_storage.exists(name):  # content-addressed: one copy per content
            default_storage.save(name, ContentFile(f.content))
        stored.append(
            Attachment.objects.create(
                case=case,
                message=message,
                filename=(f.filename or "attachment")[:255],
                content_type=f.content_type[:200],
                size=len(f.content),
                sha256=digest,
                storage_name=name,
                content_id=f.content_id[:300],
                is_inline=f.is_inline,
                created_at=message.created_at,
            )
        )
    return stored


def _touch(case: Case, **fields: Any) -> None:
    """Save case-row side effects of a message (timestamps, status) with a version bump."""
    fields["updated_at"] = clock.now()
    for k, v in fields.items():
        setattr(case, k, v)
    Case.objects.filter(pk=case.pk).update(version=F("version") + 1, **fields)
    case.version += 1


def post_reply(
    actor: Actor,
    case: Case,
    *,
    text: str,
    html: str = "",
    attachments: Sequence[NewAttachment] = (),
    cc: Sequence[str] = (),
    status: str | None = None,
    meta: dict[str, Any] | None = None,
) -> Message:
    """A public reply from an agent (or an automation) to the customer, recorded
    as outbound. It goes out by email whenever the customer has an address (a
    portal or phone customer is told by mail too, as in Zendesk); the email
    channel sends it after commit."""
    _require_staff(actor)
    if not (text or "").strip():
        raise InvalidInput("a reply needs text", field="text")
    with transaction.atomic():
        current = _lock(case)
        _require_visible(actor, current)
        if Status(current.status) in FINAL:
            raise Conflict(f"{current.number} is {current.status}: it takes no more replies", field="status")
        now = clock.now()
        to = [current.contact.primary_email] if current.contact and current.contact.primary_email else []
        message = Message.objects.create(
            case=current,
            direction=Message.Direction.OUTBOUND,
            visibility="public",
            channel=Channel.EMAIL if to else current.channel,
            author_user=actor.user if actor.kind == "agent" else None,
            author_label=actor.display[:200],
            to=to,
            cc=list(cc),
            subject=current.title,
            text=text,
            html=html,
            meta=meta or {},
            created_at=now,
        )
        _store_attachments(current, message, attachments)
        record_event(current, "agent_reply", actor, visibility="public", message=message)
        touched: dict[str, Any] = {"last_agent_reply_at": now}
        if current.first_response_at is None:
            touched["first_response_at"] = now
        _touch(current, **touched)
        _message_posted(actor, current, message, "reply")
        target = status or status_after_agent_attention(Status(current.status)).value
        if target != current.status:
            update_case(actor, current, {"status": target})
        return message


def _message_posted(actor: Actor, case: Case, message: Message, kind: MessageKind) -> None:
    """Index the message's text with its case and tell the other areas (in the
    message's transaction)."""
    search.append_to_document(SEARCH_KIND, case.pk, message.text)
    events.publish(
        MessagePosted(
            case_id=case.pk,
            message_id=message.pk,
            actor=actor,
            kind=kind,
            is_public=message.visibility == "public",
            text=message.text,
        )
    )


def add_note(actor: Actor, case: Case, *, text: str, attachments: Sequence[NewAttachment] = ()) -> Message:
    """An internal note: agents see it, the customer never does."""
    _require_staff(actor)
    if not (text or "").strip():
        raise InvalidInput("a note needs text", field="text")
    with transaction.atomic():
        current = _lock(case)
        _require_visible(actor, current)
        message = Message.objects.create(
            case=current,
            direction=Message.Direction.INTERNAL,
            visibility="internal",
            channel=Channel.WEB,
            author_user=actor.user if actor.kind == "agent" else None,
            author_label=actor.display[:200],
            text=text,
            created_at=clock.now(),
        )
        _store_attachments(current, message, attachments)
        record_event(current, "note", actor, visibility="internal", message=message)
        Case.objects.filter(pk=current.pk).update(updated_at=clock.now())
        _message_posted(actor, current, message, "note")
        return message


def receive_customer_message(
    contact: Any,
    case: Case,
    *,
    text: str,
    html: str = "",
    channel: str = Channel.PORTAL,
    subject: str = "",
    from_address: str = "",
    to: Sequence[str] = (),
    cc: Sequence[str] = (),
    external_id: str = "",
    meta: dict[str, Any] | None = None,
    attachments: Sequence[NewAttachment] = (),
    user: Any = None,
) -> tuple[Case, Message]:
    """A message from the customer on a case. It reopens a pending or resolved
    case; on a closed or cancelled case it opens a follow-up case linked to it
    and lands there. Returns the case it landed on and the message."""
    actor = Actor.customer(contact, user=user)
    with transaction.atomic():
        current = _lock(case)
        if Status(current.status) in FINAL:
            follow_up = open_case(
                actor,
                title=current.title,
                description=text,
                priority=Priority(current.priority).label,
                contact=contact,
                account=current.account,
                team=current.team,
                channel=channel,
                case_type=current.case_type,
                service=current.service,
            )
            CaseLink.objects.create(from_case=follow_up, to_case=current, kind=LinkKind.FOLLOW_UP_OF)
            record_event(
                follow_up, "linked", actor, data={"kind": LinkKind.FOLLOW_UP_OF.value, "case": current.number}
            )
            record_event(current, "follow_up_created", actor, data={"case": follow_up.number})
            current = _lock(follow_up)
            # The description already carries the text; the message keeps the channel details.
        now = clock.now()
        message = Message.objects.create(
            case=current,
            direction=Message.Direction.INBOUND,
            visibility="public",
            channel=_clean_channel(channel),
            author_contact=contact,
            author_label=str(contact)[:200],
            from_address=from_address[:320],
            to=list(to),
            cc=list(cc),
            subject=subject[:500],
            text=text or "",
            html=html or "",
            external_id=external_id[:500],
            meta=meta or {},
            created_at=now,
        )
        _store_attachments(current, message, attachments)
        record_event(
            current,
            "customer_message",
            actor,
            visibility="public",
            message=message,
            data={"match": (meta or {}).get("match_reason", "")}
            if meta and meta.get("match_reason")
            else None,
        )
        _touch(current, last_customer_message_at=now)
        _message_posted(actor, current, message, "customer")
        target = status_after_customer_message(Status(current.status))
        if target is not None and target != current.status:
            _customer_transition(actor, current, target)
        return _fresh(current.pk), message


def _customer_transition(actor: Actor, case: Case, target: Status) -> None:
    """Customers move a case only as the lifecycle table allows (reopen, accept)."""
    with transaction.atomic():
        current = _lock(case)
        as_read = _row_values(current)
        diff: dict[str, tuple[Any, Any]] = {}
        _transition(actor, current, target.value, diff)
        _save_changes(actor, current, diff, {}, as_read=as_read)


def accept_resolution(contact: Any, case: Case, *, user: Any = None) -> Case:
    """The customer accepts the proposed resolution: the case closes."""
    actor = Actor.customer(contact, user=user)
    _require_visible(actor, case)
    if case.status != Status.RESOLVED:
        raise Conflict(f"{case.number} has no proposed resolution to accept", field="status")
    _customer_transition(actor, case, Status.CLOSED)
    return _fresh(case.pk)


def reject_resolution(contact: Any, case: Case, *, reason: str, user: Any = None) -> Case:
    """The customer rejects the proposed resolution: the case reopens (reopen count +1)."""
    actor = Actor.customer(contact, user=user)
    _require_visible(actor, case)
    if not reason.strip():
        raise InvalidInput("say why the resolution does not solve it", field="reason")
    if case.status != Status.RESOLVED:
        raise Conflict(f"{case.number} has no proposed resolution to reject", field="status")
    with transaction.atomic():
        receive_customer_message(
            contact, case, text=reason, channel=Channel.PORTAL, user=user, meta={"resolution_rejected": True}
        )
    return _fresh(case.pk)


def close_resolved(case: Case, *, reason: str = "auto_close") -> Case:
    """The system closes a resolved case the customer did not answer."""
    actor = Actor.system()
    with transaction.atomic():
        current = _lock(case)
        if current.status != Status.RESOLVED:
            return current
        as_read = _row_values(current)
        diff: dict[str, tuple[Any, Any]] = {}
        _transition(actor, current, Status.CLOSED.value, diff)
        _save_changes(actor, current, diff, {"reason": reason}, as_read=as_read)
    return _fresh(case.pk)


# --- links -------------------------------------------------------------------


def link_cases(actor: Actor, case: Case, other: Case, kind: str) -> CaseLink:
    _require_staff(actor)
    try:
        link_kind = LinkKind(kind)
    except ValueError:
        raise InvalidInput(
            f"unknown link kind {kind!r}; one of {', '.join(LinkKind)}", field="kind"
        ) from None
    if case.pk == other.pk:
        raise InvalidInput("a case cannot be linked to itself", field="case")
    with transaction.atomic():
        _require_visible(actor, case)
        _require_visible(actor, other)
        if CaseLink.objects.filter(from_case=case, to_case=other, kind=link_kind).exists():
            raise Conflict(f"{case.number} is already linked to {other.number} as {link_kind}", field="case")
        link = CaseLink.objects.create(
            from_case=case,
            to_case=other,
            kind=link_kind,
            created_by=actor.user if actor.kind == "agent" else None,
        )
        record_event(case, "linked", actor, data={"kind": link_kind.value, "case": other.number})
        record_event(other, "linked", actor, data={"kind": f"inverse:{link_kind.value}", "case": case.number})
        if link_kind == LinkKind.CHILD_OF:
            Case.objects.filter(pk=case.pk).update(parent=other)
        return link


def attachment_file(attachment: Attachment) -> Any:
    return default_storage.open(attachment.storage_name, "rb")
