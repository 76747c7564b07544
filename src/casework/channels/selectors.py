"""Read queries of the email channel. Staff-facing reads are scoped to what the
caller may see (a case's held messages and deliveries follow the case's
visibility); mailbox and quarantine screens are for leads and admins."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from django.db.models import QuerySet

from casework.cases import message_moves
from casework.cases import selectors as case_selectors
from casework.cases.models import Case, Message
from casework.channels.domain import KnownId
from casework.channels.models import (
    BurstBlock,
    InboundMessage,
    Mailbox,
    NotificationTemplate,
    OutboundDelivery,
    QuarantinedMessage,
)
from casework.core import clock
from casework.core.errors import NotFound, PermissionDenied
from casework.core.prepared import Prepared
from casework.iam.domain import is_staff_role, may_manage_configuration


def require_config_manager(user: Any) -> None:
    if user is None or not may_manage_configuration(getattr(user, "role", "")):
        raise PermissionDenied("only leads and admins manage mailboxes and the mail quarantine")


def require_staff(user: Any) -> None:
    if user is None or not is_staff_role(getattr(user, "role", "")):
        raise PermissionDenied("only staff may do this")


# --- mailboxes ----------------------------------------------------------------


def list_mailboxes(user: Any) -> QuerySet[Mailbox]:
    require_config_manager(user)
    return Mailbox.objects.select_related("team").order_by("address")


def get_mailbox(user: Any, mailbox_id: int) -> Mailbox:
    require_config_manager(user)
    found = Mailbox.objects.select_related("team").filter(pk=mailbox_id).first()
    if found is None:
        raise NotFound(f"no mailbox {mailbox_id}", field="mailbox")
    return found


_MAILBOX_CACHE_SECONDS = 5.0
_mailbox_cache: tuple[float, dict[str, Mailbox]] = (0.0, {})


def forget_mailboxes() -> None:
    """Drop this process's copy of the mailbox list (after a change; others refresh within seconds)."""
    global _mailbox_cache
    _mailbox_cache = (0.0, {})


def _mailboxes() -> dict[str, Mailbox]:
    """Every mailbox by address. Read on every message, so kept for a few seconds per process."""
    global _mailbox_cache
    import time

    loaded_at, boxes = _mailbox_cache
    if time.monotonic() - loaded_at > _MAILBOX_CACHE_SECONDS:
        boxes = {m.address: m for m in Mailbox.objects.select_related("team")}
        _mailbox_cache = (time.monotonic(), boxes)
    return boxes


def active_mailbox_for(addresses: Iterable[str]) -> Mailbox | None:
    """The first of our active mailboxes among `addresses` (envelope recipients, To, Cc)."""
    boxes = _mailboxes()
    for address in addresses:
        found = boxes.get((address or "").strip().lower())
        if found is not None and found.is_active:
            return found
    return None


def is_our_address(address: str) -> bool:
    return active_mailbox_for([address]) is not None


def own_addresses() -> list[str]:
    return list(_mailboxes())


def default_mailbox() -> Mailbox | None:
    return (
        Mailbox.objects.filter(is_active=True).order_by("-is_default", "id").first()
        if Mailbox.objects.exists()
        else None
    )


def case_for_mail(case_id: int) -> Case:
    """The case with what an email about it needs (contact and addresses, team)."""
    return Case.objects.select_related("contact", "team").prefetch_related("contact__emails").get(pk=case_id)


# Read for every agent reply: compiled once.
_MAILBOX_OF_CASE = Prepared(lambda case_id: Mailbox.objects.filter(cases__case_id=case_id))


def mailbox_of_case(case_id: int) -> Mailbox | None:
    return _MAILBOX_OF_CASE.first(case_id)  # type: ignore[no-any-return]


# --- threading facts ------------------------------------------------------------


def known_message_ids(ids: Iterable[str]) -> list[KnownId]:
    ids = [i for i in ids if i]
    if not ids:
        return []
    known = [
        KnownId(message_id=mid, case_id=case_id, ours=True)
        for mid, case_id in OutboundDelivery.objects.filter(
            message_id__in=ids, case__isnull=False
        ).values_list("message_id", "case_id")
    ]
    known += [
        KnownId(message_id=mid, case_id=case_id, ours=False)
        for mid, case_id in InboundMessage.objects.filter(message_id__in=ids, case__isnull=False)
        .exclude(outcome__in=[InboundMessage.Outcome.HELD, InboundMessage.Outcome.DISCARDED])
        .values_list("message_id", "case_id")
    ]
    return known


def case_for_thread_root(root: str) -> int | None:
    if not root:
        return None
    return (
        InboundMessage.objects.filter(thread_root=root, case__isnull=False)
        .exclude(outcome__in=[InboundMessage.Outcome.HELD, InboundMessage.Outcome.DISCARDED])
        .order_by("-received_at")
        .values_list("case_id", flat=True)
        .first()
    )


def case_id_by_number(number: str) -> int | None:
    # Unscoped: the mail intake acts as the system, not as a user.
    return Case.objects.filter(number=number).values_list("id", flat=True).first()


def participants(case_id: int) -> frozenset[str]:
    """Who takes part in a case: its contact (every address), and every address
    already on its thread (senders, To and Cc of its messages and deliveries)."""
    case = case_selectors.get_case_by_id(case_id)
    found: set[str] = set()
    if case.contact is not None:
        found |= {e.address.lower() for e in case.contact.emails.all()}
    for sender, to, cc in Message.objects.filter(case_id=case_id).values_list("from_address", "to", "cc"):
        found |= {a.lower() for a in [sender, *(to or []), *(cc or [])] if a}
    for to, cc in OutboundDelivery.objects.filter(case_id=case_id).values_list("to", "cc"):
        found |= {a.lower() for a in [*(to or []), *(cc or [])]}
    return frozenset(found - set(own_addresses()))


def recent_from_sender(
    sender: str, normalised_subject: str, seconds: int, exclude_id: int | None = None
) -> int:
    since = clock.now() - timedelta(seconds=seconds)
    recent = InboundMessage.objects.filter(
        from_address=sender, normalised_subject=normalised_subject, received_at__gte=since
    )
    return (recent.exclude(pk=exclude_id) if exclude_id else recent).count()


def received_to_sort(older_than_seconds: int = 60, limit: int = 500) -> list[int]:
    """Stored messages not yet sorted (a lost task): the sweep sorts them."""
    cutoff = clock.now() - timedelta(seconds=older_than_seconds)
    return list(
        InboundMessage.objects.filter(outcome=InboundMessage.Outcome.RECEIVED, received_at__lte=cutoff)
        .order_by("received_at", "id")
        .values_list("id", flat=True)[:limit]
    )


def active_burst_block(sender: str) -> BurstBlock | None:
    return BurstBlock.objects.filter(sender=sender, until__gt=clock.now()).order_by("-until").first()


def burst_blocks(user: Any) -> QuerySet[BurstBlock]:
    require_config_manager(user)
    return BurstBlock.objects.all()


# --- quarantine, held messages, deliveries -----------------------------------------


def quarantine(user: Any, *, state: str | None = "waiting") -> QuerySet[QuarantinedMessage]:
    require_config_manager(user)
    items = QuarantinedMessage.objects.select_related("mailbox")
    return items.filter(state=state) if state else items


def get_quarantined(user: Any, item_id: int) -> QuarantinedMessage:
    found = quarantine(user, state=None).filter(pk=item_id).first()
    if found is None:
        raise NotFound(f"no quarantined message {item_id}", field="id")
    return found


def get_inbound(user: Any, inbound_id: int) -> InboundMessage:
    """An inbound message on a case the caller may see (held ones included)."""
    require_staff(user)
    found = InboundMessage.objects.select_related("case", "mailbox").filter(pk=inbound_id).first()
    if found is None or found.case_id is None:
        raise NotFound(f"no inbound message {inbound_id}", field="id")
    if not case_selectors.visible_cases(user).filter(pk=found.case_id).exists():
        raise NotFound(f"no inbound message {inbound_id}", field="id")
    return found


def case_panel(user: Any, number: str) -> dict[str, Any]:
    """What the case page's mail panel shows: held messages, automatic mail not
    posted, and each outbound delivery's state."""
    case = case_selectors.get_case(user, number, related=False)
    inbound = InboundMessage.objects.filter(case=case).order_by("-received_at", "-id")
    return {
        "case": case,
        "mailbox": mailbox_of_case(case.pk),
        "held": list(inbound.filter(outcome=InboundMessage.Outcome.HELD)),
        "not_posted": list(
            inbound.filter(outcome__in=[InboundMessage.Outcome.IGNORED, InboundMessage.Outcome.DISCARDED])[
                :20
            ]
        ),
        "deliveries": list(OutboundDelivery.objects.filter(case=case).order_by("-created_at", "-id")[:50]),
        "movable": message_moves.movable_messages(case),
        "matches": {
            i.message_id: i.match_reason for i in inbound.exclude(outcome=InboundMessage.Outcome.HELD)[:200]
        },
    }


def deliveries_of_case(case_id: int) -> QuerySet[OutboundDelivery]:
    return OutboundDelivery.objects.filter(case_id=case_id).order_by("created_at", "id")


def get_delivery(delivery_id: int) -> OutboundDelivery | None:
    return OutboundDelivery.objects.select_related("mailbox").filter(pk=delivery_id).first()


def stuck_deliveries(limit: int = 200) -> list[int]:
    """Queued deliveries whose next attempt is due: the sweep re-drives them."""
    return list(
        OutboundDelivery.objects.filter(state=OutboundDelivery.State.QUEUED, next_attempt_at__lte=clock.now())
        .order_by("next_attempt_at", "id")
        .values_list("id", flat=True)[:limit]
    )


def last_message_ids_of_case(case_id: int, limit: int = 20) -> list[str]:
    """The thread's Message-IDs, oldest first: what a reply's References carries."""
    ours = list(
        OutboundDelivery.objects.filter(case_id=case_id, kind="reply").values_list("created_at", "message_id")
    )
    theirs = list(
        InboundMessage.objects.filter(
            case_id=case_id,
            outcome__in=[InboundMessage.Outcome.NEW_CASE, InboundMessage.Outcome.POSTED],
        )
        .exclude(message_id="")
        .values_list("received_at", "message_id")
    )
    return [mid for _, mid in sorted(ours + theirs)][-limit:]


def latest_inbound_id(case_id: int) -> str:
    return (
        InboundMessage.objects.filter(
            case_id=case_id,
            outcome__in=[InboundMessage.Outcome.NEW_CASE, InboundMessage.Outcome.POSTED],
        )
        .exclude(message_id="")
        .order_by("-received_at", "-id")
        .values_list("message_id", flat=True)
        .first()
        or ""
    )


def template_for(kind: str) -> NotificationTemplate | None:
    return NotificationTemplate.objects.filter(kind=kind).first()


def imap_mailboxes(address: str | None = None) -> QuerySet[Mailbox]:
    boxes = Mailbox.objects.filter(is_active=True, inbound_method=Mailbox.Inbound.IMAP).exclude(imap_host="")
    return boxes.filter(address=address.strip().lower()) if address else boxes
