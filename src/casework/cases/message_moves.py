"""Putting a mis-threaded customer message right, in one action: move it to
another case, or split it off into a new case of its own. The message keeps
its id, attachments and channel details; both cases' timelines say what moved,
who moved it and why it had landed there (the timeline stays append-only)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction

from casework.cases import services
from casework.cases.models import Attachment, Case, Message
from casework.cases.selectors import SEARCH_KIND, visible_cases
from casework.cases.services.access import require_staff
from casework.cases.timeline import record_event
from casework.core import events, search
from casework.core.actors import Actor
from casework.core.errors import Conflict, InvalidInput, NotFound


@dataclass(frozen=True)
class MessageMoved:
    """Published in the move's transaction: the channel that took the message in
    re-points its own records (the next reply threads to the new case)."""

    message_id: int
    from_case_id: int
    to_case_id: int
    actor: Actor


def movable_messages(case: Case, *, limit: int = 50) -> list[Message]:
    """The case's messages from the customer (those that can move), newest first."""
    return list(
        Message.objects.filter(case=case, direction=Message.Direction.INBOUND)
        .select_related("author_contact")
        .order_by("-created_at", "-id")[:limit]
    )


def _movable(actor: Actor, message_id: int) -> Message:
    require_staff(actor)
    message = Message.objects.select_for_update().filter(pk=message_id).first()
    if message is None or not visible_cases(actor.user).filter(pk=message.case_id).exists():
        raise NotFound(f"no message {message_id}", field="message")
    if message.direction != Message.Direction.INBOUND:
        raise InvalidInput("only a customer's message can be moved", field="message")
    return message


def move_message(actor: Actor, message_id: int, target: Case, *, reason: str = "") -> Message:
    """Move a customer's message (and its attachments) to `target`."""
    with transaction.atomic():
        message = _movable(actor, message_id)
        if not visible_cases(actor.user).filter(pk=target.pk).exists():
            raise NotFound(f"no case {target.number}", field="case")
        if message.case_id == target.pk:
            raise Conflict(f"the message is already on {target.number}", field="case")
        source = Case.objects.get(pk=message.case_id)
        _move(actor, message, source, target, reason)
        return Message.objects.get(pk=message.pk)


def split_message(actor: Actor, message_id: int, *, title: str = "", reason: str = "") -> Case:
    """Split a customer's message off into a new case for the same contact."""
    with transaction.atomic():
        message = _movable(actor, message_id)
        source = Case.objects.select_related("team", "account").get(pk=message.case_id)
        contact = message.author_contact or source.contact
        new_case = services.open_case(
            Actor.customer(contact) if contact is not None else actor,
            title=title or message.subject or source.title,
            description=message.text,
            contact=contact,
            account=source.account,
            team=source.team,
            channel=message.channel,
        )
        _move(actor, message, source, new_case, reason or "split into a new case")
        return Case.objects.get(pk=new_case.pk)


def _move(actor: Actor, message: Message, source: Case, target: Case, reason: str) -> None:
    Message.objects.filter(pk=message.pk).update(case=target)
    Attachment.objects.filter(message=message).update(case=target)
    matched = (message.meta or {}).get("match_reason", "")
    data: dict[str, Any] = {"message": message.pk, "subject": message.subject, "was_matched_by": matched}
    if reason:
        data["reason"] = reason
    record_event(source, "message_moved_out", actor, data={**data, "to": target.number})
    record_event(target, "message_moved_in", actor, data={**data, "from": source.number}, message=message)
    # The original "customer_message" entry stays on the source (append-only); the move explains it.
    search.append_to_document(SEARCH_KIND, target.pk, message.text)
    events.publish(
        MessageMoved(message_id=message.pk, from_case_id=source.pk, to_case_id=target.pk, actor=actor)
    )
