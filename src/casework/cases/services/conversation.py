"""Messages on a case: an agent's public reply, an internal note, a customer's
message (which reopens, or opens a follow-up on a final case), and the
customer accepting or rejecting a proposed resolution."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.db.models import F

from casework.cases.domain import (
    FINAL,
    LinkKind,
    Priority,
    Status,
    status_after_agent_attention,
    status_after_customer_message,
)
from casework.cases.events import MessageKind, MessagePosted
from casework.cases.models import (
    Case,
    CaseLink,
    Channel,
    Message,
)
from casework.cases.selectors import SEARCH_KIND
from casework.cases.services.access import require_staff, require_visible
from casework.cases.services.attachments import NewAttachment, store_attachments
from casework.cases.services.changes import fresh, lock, row_values, save_changes, transition, update_case
from casework.cases.services.fields import clean_channel
from casework.cases.services.opening import open_case
from casework.cases.timeline import record_event
from casework.core import clock, events, search
from casework.core.actors import Actor
from casework.core.errors import Conflict, InvalidInput


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
    require_staff(actor)
    if not (text or "").strip():
        raise InvalidInput("a reply needs text", field="text")
    with transaction.atomic():
        current = lock(case)
        require_visible(actor, current)
        if Status(current.status) in FINAL:
            raise Conflict(f"{current.number} is {current.status}: it takes no more replies", field="status")
        now = clock.now()
        address = current.contact.primary_email if current.contact else ""
        to = [address] if address else []
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
        store_attachments(current, message, attachments)
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
    require_staff(actor)
    if not (text or "").strip():
        raise InvalidInput("a note needs text", field="text")
    with transaction.atomic():
        current = lock(case)
        require_visible(actor, current)
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
        store_attachments(current, message, attachments)
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
        current = lock(case)
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
            current = lock(follow_up)
            # The description already carries the text; the message keeps the channel details.
        now = clock.now()
        message = Message.objects.create(
            case=current,
            direction=Message.Direction.INBOUND,
            visibility="public",
            channel=clean_channel(channel),
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
        store_attachments(current, message, attachments)
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
        return fresh(current.pk), message


def _customer_transition(actor: Actor, case: Case, target: Status) -> None:
    """Customers move a case only as the lifecycle table allows (reopen, accept)."""
    with transaction.atomic():
        current = lock(case)
        as_read = row_values(current)
        diff: dict[str, tuple[Any, Any]] = {}
        transition(actor, current, target.value, diff)
        save_changes(actor, current, diff, {}, as_read=as_read)


def accept_resolution(contact: Any, case: Case, *, user: Any = None) -> Case:
    """The customer accepts the proposed resolution: the case closes."""
    actor = Actor.customer(contact, user=user)
    require_visible(actor, case)
    if case.status != Status.RESOLVED:
        raise Conflict(f"{case.number} has no proposed resolution to accept", field="status")
    _customer_transition(actor, case, Status.CLOSED)
    return fresh(case.pk)


def reject_resolution(contact: Any, case: Case, *, reason: str, user: Any = None) -> Case:
    """The customer rejects the proposed resolution: the case reopens (reopen count +1)."""
    actor = Actor.customer(contact, user=user)
    require_visible(actor, case)
    if not reason.strip():
        raise InvalidInput("say why the resolution does not solve it", field="reason")
    if case.status != Status.RESOLVED:
        raise Conflict(f"{case.number} has no proposed resolution to reject", field="status")
    with transaction.atomic():
        receive_customer_message(
            contact, case, text=reason, channel=Channel.PORTAL, user=user, meta={"resolution_rejected": True}
        )
    return fresh(case.pk)


def close_resolved(case: Case, *, reason: str = "auto_close") -> Case:
    """The system closes a resolved case the customer did not answer."""
    actor = Actor.system()
    with transaction.atomic():
        current = lock(case)
        if current.status != Status.RESOLVED:
            return current
        as_read = row_values(current)
        diff: dict[str, tuple[Any, Any]] = {}
        transition(actor, current, Status.CLOSED.value, diff)
        save_changes(actor, current, diff, {"reason": reason}, as_read=as_read)
    return fresh(case.pk)
