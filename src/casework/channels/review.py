"""What people decide about mail the intake set aside: an admin retries or
discards a quarantined message and lifts a burst block; an agent accepts a held
message onto its case, or discards it."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from casework.cases import selectors as case_selectors
from casework.cases import services as case_services
from casework.cases.timeline import record_event
from casework.channels import mime
from casework.channels import selectors as sel
from casework.channels.models import BurstBlock, InboundMessage, QuarantinedMessage
from casework.channels.services import (
    IntakeResult,
    _attachments,
    _contact_for,
    _message_fields,
    read_raw,
    take_in,
)
from casework.core import clock
from casework.core.actors import Actor
from casework.core.errors import Conflict


def retry_quarantined(by: Any, item: QuarantinedMessage) -> IntakeResult:
    """Run a quarantined message through the intake again (after a fix, or a transient error)."""
    sel.require_config_manager(by)
    if item.state != QuarantinedMessage.State.WAITING:
        raise Conflict(f"quarantined message {item.pk} is {item.state}", field="state")
    result = take_in(
        read_raw(item.raw_name), source=item.source, recipients=item.recipients, mailbox=item.mailbox
    )
    if result.outcome == InboundMessage.Outcome.QUARANTINED:
        # The retry made a new quarantine row; keep one row per message.
        if result.quarantine_id is not None:
            QuarantinedMessage.objects.filter(pk=result.quarantine_id).delete()
        QuarantinedMessage.objects.filter(pk=item.pk).update(
            attempts=item.attempts + 1, error=result.reason[:2000], updated_at=clock.now()
        )
        return IntakeResult(result.outcome, None, None, result.reason, quarantine_id=item.pk)
    QuarantinedMessage.objects.filter(pk=item.pk).update(
        state=QuarantinedMessage.State.RETRIED, attempts=item.attempts + 1, updated_at=clock.now()
    )
    return result


def discard_quarantined(by: Any, item: QuarantinedMessage) -> None:
    sel.require_config_manager(by)
    QuarantinedMessage.objects.filter(pk=item.pk).update(
        state=QuarantinedMessage.State.DISCARDED, updated_at=clock.now()
    )


# --- held messages -------------------------------------------------------------------


def accept_held(by: Any, inbound: InboundMessage) -> IntakeResult:
    """An agent vouches for a held message: it posts to its case as the sender (who
    becomes a participant of the thread)."""
    sel.require_staff(by)
    actor = Actor.agent(by)
    with transaction.atomic():
        current = InboundMessage.objects.select_for_update().get(pk=inbound.pk)
        if current.outcome != InboundMessage.Outcome.HELD:
            raise Conflict(f"this message is {current.outcome}, not held", field="outcome")
        parsed = mime.parse(read_raw(current.raw_name))
        reason = f"{current.match_reason}; accepted by {actor.display}"
        case = case_selectors.get_case_by_id(current.case_id)  # type: ignore[arg-type]
        contact = _contact_for(parsed.from_address, parsed.from_name)
        attachments, refused = _attachments(parsed)
        landed, message = case_services.receive_customer_message(
            contact, case, attachments=attachments, **_message_fields(parsed, reason, refused)
        )
        record_event(case, "email_accepted", actor, data={"from": parsed.from_address, "inbound": current.pk})
        InboundMessage.objects.filter(pk=current.pk).update(
            outcome=InboundMessage.Outcome.POSTED,
            match_reason=reason[:200],
            case_id=landed.pk,
            case_message=message,
            decided_by=by,
        )
        return IntakeResult(InboundMessage.Outcome.POSTED, current.pk, landed.number, reason)


def discard_held(by: Any, inbound: InboundMessage) -> None:
    sel.require_staff(by)
    with transaction.atomic():
        current = InboundMessage.objects.select_for_update().get(pk=inbound.pk)
        if current.outcome != InboundMessage.Outcome.HELD:
            raise Conflict(f"this message is {current.outcome}, not held", field="outcome")
        InboundMessage.objects.filter(pk=current.pk).update(
            outcome=InboundMessage.Outcome.DISCARDED, decided_by=by
        )
        record_event(
            current.case_id,  # type: ignore[arg-type]
            "email_discarded",
            Actor.agent(by),
            data={"from": current.from_address, "subject": current.subject, "inbound": current.pk},
        )


def lift_burst_block(by: Any, block: BurstBlock) -> None:
    sel.require_config_manager(by)
    BurstBlock.objects.filter(pk=block.pk).update(until=clock.now())
