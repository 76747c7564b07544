"""The email channel's write path: the one intake every inbound route
ends in (gateway, IMAP, HTTP). What people decide about quarantined and held
messages is in `review`; mailbox settings in `mailboxes`.

`take_in(raw)` stores the original, then in one transaction: dedupes by
Message-ID, recognises bounces and our own mail, threads the message onto its
case (or holds it for an agent, or opens a new case), and asks for the
acknowledgement. When it returns, the message is in the database: only then
does the gateway answer 250.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction

from casework.accounts import selectors as account_selectors
from casework.accounts import services as account_services
from casework.cases import services as case_services
from casework.cases.services import NewAttachment
from casework.cases.timeline import record_event
from casework.channels import domain, mime
from casework.channels import selectors as sel
from casework.channels.models import (
    Bounce,
    BurstBlock,
    CaseMailbox,
    InboundMessage,
    Mailbox,
    OutboundDelivery,
    QuarantinedMessage,
)
from casework.core import clock
from casework.core.actors import Actor
from casework.core.notify import notify

log = logging.getLogger(__name__)
MAIL_ACTOR = Actor.system("email")


@dataclass(frozen=True)
class IntakeResult:
    outcome: str  # an InboundMessage.Outcome value, or "duplicate"
    inbound_id: int | None = None
    case_number: str | None = None
    reason: str = ""
    quarantine_id: int | None = None

    @property
    def is_duplicate(self) -> bool:
        return self.outcome == "duplicate"


# --- storage of originals --------------------------------------------------------


def store_raw(raw: bytes) -> str:
    """Keep the original bytes (content-addressed), viewable and re-parsable later."""
    digest = hashlib.sha256(raw).hexdigest()
    name = f"mail/raw/{digest[:2]}/{digest}.eml"
    if not default_storage.exists(name):
        default_storage.save(name, ContentFile(raw))
    return name


def read_raw(name: str) -> bytes:
    with default_storage.open(name, "rb") as f:
        return bytes(f.read())


# --- intake -------------------------------------------------------------------------


def take_in(
    raw: bytes,
    *,
    source: str = "smtp",
    recipients: Sequence[str] = (),
    mailbox: Mailbox | None = None,
) -> IntakeResult:
    """Take one raw message in. Never raises for bad mail: what cannot be read
    goes to quarantine. Returns what happened to it."""
    raw_name = store_raw(raw)
    try:
        parsed = mime.parse(raw)
    except mime.UnreadableMessage as exc:
        return _quarantine(raw_name, len(raw), source, recipients, mailbox, str(exc))
    except Exception as exc:  # a parser bug must not lose the mail either
        log.exception("parsing failed")
        return _quarantine(raw_name, len(raw), source, recipients, mailbox, f"{type(exc).__name__}: {exc}")
    if not parsed.message_id:  # dedupe on the content when the sender gave no id
        parsed.message_id = f"no-id.{hashlib.sha256(raw).hexdigest()[:32]}@casework.invalid"
    try:
        with transaction.atomic():
            return _take_in(parsed, raw_name, len(raw), source, list(recipients), mailbox)
    except IntegrityError:
        # The same Message-ID arriving concurrently (a gateway retry, two mailboxes): one wins.
        existing = InboundMessage.objects.filter(message_key=domain.message_key(parsed.message_id)).first()
        if existing is not None:
            return _duplicate(existing)
        raise
    except Exception as exc:
        log.exception("intake failed for %s", parsed.message_id)
        return _quarantine(raw_name, len(raw), source, recipients, mailbox, f"{type(exc).__name__}: {exc}")


def receive(
    raw: bytes,
    *,
    source: str = "smtp",
    recipients: Sequence[str] = (),
    mailbox: Mailbox | None = None,
) -> IntakeResult:
    """Store a message and say yes; sort it a moment later (`process_received`, in a task).

    The gateway's fast path: the original and a `received` row (deduped by
    Message-ID) are in the database before the 250, so nothing is lost, and the
    sender does not wait for threading, contacts and the case."""
    raw_name = store_raw(raw)
    try:
        head = mime.parse_head(raw)
    except mime.UnreadableMessage as exc:
        return _quarantine(raw_name, len(raw), source, recipients, mailbox, str(exc))
    message_id = head.message_id or f"no-id.{hashlib.sha256(raw).hexdigest()[:32]}@casework.invalid"
    key = domain.message_key(message_id)
    try:
        # No look-up first: the unique Message-ID key refuses a duplicate by itself,
        # which keeps the fast path to one INSERT (this runs for every message).
        with transaction.atomic():
            record = InboundMessage.objects.create(
                message_key=key,
                message_id=message_id,
                mailbox=mailbox or sel.active_mailbox_for(recipients),
                source=source,
                from_address=head.from_address[:320],
                subject=head.subject,
                normalised_subject=domain.normalise_subject(head.subject),
                outcome=InboundMessage.Outcome.RECEIVED,
                raw_name=raw_name,
                size=len(raw),
                received_at=clock.now(),
            )
            transaction.on_commit(lambda: _nudge_processing(record.pk))
    except IntegrityError:
        existing = InboundMessage.objects.filter(message_key=key).select_related("case").first()
        if existing is not None:
            return _duplicate(existing)
        raise
    return IntakeResult(InboundMessage.Outcome.RECEIVED, record.pk, None, "stored; sorting next")


# Set by tasks.py: how to ask a worker to sort a received message (after commit).
enqueue_processing: Any = None


def _nudge_processing(inbound_id: int) -> None:
    if enqueue_processing is not None:
        try:
            enqueue_processing(inbound_id)
        except Exception:  # the sweep sorts it: the row is the truth
            log.exception("could not enqueue sorting of inbound message %s", inbound_id)


def process_received(inbound_id: int) -> IntakeResult:
    """Sort one stored message: the same rules as `take_in`. Idempotent: a message
    already sorted is left alone, so two workers may race on it safely."""
    try:
        with transaction.atomic():
            record = (
                InboundMessage.objects.select_for_update()
                .filter(pk=inbound_id, outcome=InboundMessage.Outcome.RECEIVED)
                .first()
            )
            if record is None:
                found = InboundMessage.objects.filter(pk=inbound_id).first()
                return IntakeResult(found.outcome if found else "missing", inbound_id, None, "already sorted")
            raw = read_raw(record.raw_name)
            try:
                parsed = mime.parse(raw)
            except mime.UnreadableMessage as exc:
                return _quarantine_received(record, str(exc))
            parsed.message_id = record.message_id
            return _take_in(parsed, record.raw_name, record.size, record.source, [], record.mailbox, record)
    except Exception as exc:
        log.exception("sorting inbound message %s failed", inbound_id)
        with transaction.atomic():
            record = InboundMessage.objects.get(pk=inbound_id)
            return _quarantine_received(record, f"{type(exc).__name__}: {exc}")


def _quarantine_received(record: InboundMessage, error: str) -> IntakeResult:
    """A stored message that cannot be sorted moves to the quarantine (the original
    stays in storage); its `received` row goes, so a retry is not taken for a duplicate."""
    result = _quarantine(record.raw_name, record.size, record.source, [], record.mailbox, error)
    InboundMessage.objects.filter(pk=record.pk).delete()
    return result


def _duplicate(existing: InboundMessage) -> IntakeResult:
    number = existing.case.number if existing.case_id and existing.case else None
    return IntakeResult("duplicate", existing.pk, number, "same Message-ID already taken in")


def _quarantine(
    raw_name: str, size: int, source: str, recipients: Sequence[str], mailbox: Mailbox | None, error: str
) -> IntakeResult:
    item = QuarantinedMessage.objects.create(
        raw_name=raw_name,
        size=size,
        source=source,
        mailbox=mailbox,
        recipients=list(recipients),
        error=error[:2000],
        received_at=clock.now(),
        updated_at=clock.now(),
    )
    return IntakeResult(InboundMessage.Outcome.QUARANTINED, None, None, error, quarantine_id=item.pk)


def _take_in(
    parsed: mime.ParsedMail,
    raw_name: str,
    size: int,
    source: str,
    recipients: list[str],
    mailbox: Mailbox | None,
    spooled: InboundMessage | None = None,
) -> IntakeResult:
    key = domain.message_key(parsed.message_id)
    if spooled is None:
        existing = InboundMessage.objects.filter(message_key=key).select_related("case").first()
        if existing is not None:
            return _duplicate(existing)
    own = sel.own_addresses()
    mailbox = mailbox or sel.active_mailbox_for([*recipients, *parsed.to, *parsed.cc])
    sender = parsed.from_address
    automatic = domain.is_automatic(parsed.headers, sender, own)
    record = spooled or InboundMessage(message_key=key, received_at=clock.now())
    record.message_id = parsed.message_id
    record.mailbox = mailbox
    record.source = source
    record.from_address = sender[:320]
    record.from_name = parsed.from_name
    record.subject = parsed.subject
    record.normalised_subject = domain.normalise_subject(parsed.subject)
    record.is_automatic = automatic
    record.thread_root = domain.thread_index_root(parsed.thread_index)
    record.raw_name = raw_name
    record.size = size
    secret = settings.SECRET_KEY
    if domain.is_our_message_id(parsed.message_id, secret) or sender in own:
        return _finish(record, InboundMessage.Outcome.IGNORED, "our own mail came back: not taken in")
    if parsed.report is not None or domain.is_mail_system(sender):
        return _bounce(record, parsed)

    ids = [*parsed.in_reply_to, *parsed.references]
    ours = [i for i in ids if domain.is_our_message_id(i, secret)]
    forged = [i for i in ids if i.startswith("cw.") and i not in ours]
    known = [k for k in sel.known_message_ids(ids) if not (k.ours and k.message_id not in ours)]
    token = domain.find_subject_token(parsed.subject, settings.CASE_NUMBER_PREFIX)
    token_case = sel.case_id_by_number(token) if token else None
    root_case = sel.case_for_thread_root(record.thread_root) if not known else None
    candidate_cases = {k.case_id for k in known} | {c for c in (token_case, root_case) if c}
    facts = domain.ThreadFacts(
        sender=sender,
        in_reply_to=parsed.in_reply_to,
        references=parsed.references,
        known_ids=known,
        forged_ids=forged,
        token_case_id=token_case,
        thread_index_case_id=root_case,
        participants={c: sel.participants(c) for c in candidate_cases},
    )
    decision = domain.choose_case(facts)
    auto_reply = _is_auto_reply(parsed)
    if decision.case_id is not None:
        record.case_id = decision.case_id
        if auto_reply:
            return _finish(
                record, InboundMessage.Outcome.IGNORED, f"{decision.reason}; automatic reply not posted"
            )
        if decision.hold:
            case = sel.case_for_mail(decision.case_id)
            result = _finish(record, InboundMessage.Outcome.HELD, decision.reason, case.number)
            record_event(
                case,
                "email_held",
                MAIL_ACTOR,
                data={
                    "from": sender,
                    "subject": parsed.subject,
                    "reason": decision.reason,
                    "inbound": record.pk,
                },
            )
            return result
        return _post(record, parsed, decision.case_id, decision.reason, mailbox)
    if auto_reply:
        return _finish(record, InboundMessage.Outcome.IGNORED, "automatic reply on no known thread")
    return _new_case(record, parsed, decision.reason, mailbox, automatic)


def _is_auto_reply(parsed: mime.ParsedMail) -> bool:
    h = {k.lower(): v.lower() for k, v in parsed.headers.items()}
    subject = parsed.subject.lower()
    return (
        h.get("auto-submitted", "").startswith("auto-replied")
        or "x-autoreply" in h
        or "x-autorespond" in h
        or subject.startswith(("automatic reply:", "auto:", "out of office", "autoreply:"))
    )


def _finish(record: InboundMessage, outcome: str, reason: str, number: str | None = None) -> IntakeResult:
    record.outcome = outcome
    record.match_reason = reason[:200]
    record.save()
    if number is None and record.case_id:
        number = sel.case_for_mail(record.case_id).number
    return IntakeResult(outcome, record.pk, number, reason)


def _bounce(record: InboundMessage, parsed: mime.ParsedMail) -> IntakeResult:
    """A delivery-status notification attaches to the delivery it reports on, never a new case."""
    report = parsed.report or mime.DeliveryReport()
    original = report.original_message_id or next(
        (i for i in parsed.in_reply_to if domain.is_our_message_id(i, settings.SECRET_KEY)), ""
    )
    delivery = OutboundDelivery.objects.filter(message_id=original).first() if original else None
    if delivery is None:
        return _finish(record, InboundMessage.Outcome.IGNORED, "delivery report for no message of ours")
    diagnostic = report.diagnostic or report.status or parsed.text[:500]
    Bounce.objects.create(
        delivery=delivery,
        recipient=report.recipient[:320],
        status=report.status[:20],
        diagnostic=diagnostic[:2000],
        received_at=clock.now(),
    )
    OutboundDelivery.objects.filter(pk=delivery.pk).update(
        state=OutboundDelivery.State.BOUNCED, last_error=f"bounced: {diagnostic}"[:2000]
    )
    record.case_id = delivery.case_id
    result = _finish(record, InboundMessage.Outcome.BOUNCE, f"delivery report for <{original}>")
    if delivery.case_id:
        record_event(
            delivery.case_id,
            "email_delivery_failed",
            MAIL_ACTOR,
            data={
                "delivery": delivery.pk,
                "to": report.recipient or ", ".join(delivery.to),
                "status": report.status,
                "error": diagnostic[:500],
                "bounce": True,
            },
            message=None,
        )
    return result


def _attachments(parsed: mime.ParsedMail) -> tuple[list[NewAttachment], list[str]]:
    limit = settings.CASEWORK_MAX_ATTACHMENT_BYTES
    kept, refused = [], []
    for a in parsed.attachments:
        if len(a.content) > limit:
            refused.append(a.filename)
            continue
        kept.append(NewAttachment(a.filename, a.content, a.content_type, a.content_id, a.is_inline))
    return kept, refused


def _contact_for(address: str, name: str) -> Any:
    contact = account_selectors.find_contact_by_email(address)
    if contact is not None:
        return contact
    account = account_selectors.account_for_domain(address.rpartition("@")[2])
    contact, _ = account_services.find_or_create_contact(address, name=name, account=account)
    return contact


def _message_fields(parsed: mime.ParsedMail, reason: str, refused: list[str]) -> dict[str, Any]:
    split = domain.split_reply(parsed.text)
    meta: dict[str, Any] = {"match_reason": reason, "channel": "email"}
    if split.quoted:
        meta["quoted_text"] = split.quoted[:20000]
    if split.signature:
        meta["signature"] = split.signature[:2000]
    if refused:
        meta["attachments_refused"] = refused
    return {
        "text": split.new or parsed.text or "(no text)",
        "html": parsed.html,
        "channel": "email",
        "subject": parsed.subject,
        "from_address": parsed.from_address,
        "to": parsed.to,
        "cc": parsed.cc,
        "external_id": parsed.message_id,
        "meta": meta,
    }


def _post(
    record: InboundMessage, parsed: mime.ParsedMail, case_id: int, reason: str, mailbox: Mailbox | None
) -> IntakeResult:
    case = sel.case_for_mail(case_id)
    contact = _contact_for(parsed.from_address, parsed.from_name)
    attachments, refused = _attachments(parsed)
    fields = _message_fields(parsed, reason, refused)
    landed, message = case_services.receive_customer_message(contact, case, attachments=attachments, **fields)
    if landed.pk != case.pk:  # a reply to a closed case opened a follow-up
        reason = f"{reason}; {case.number} is {case.status}: follow-up {landed.number}"
        _link_mailbox(landed.pk, sel.mailbox_of_case(case.pk) or mailbox)
    record.case_id = landed.pk
    record.case_message = message
    return _finish(record, InboundMessage.Outcome.POSTED, reason, landed.number)


def _link_mailbox(case_id: int, mailbox: Mailbox | None) -> None:
    if mailbox is not None:
        CaseMailbox.objects.get_or_create(case_id=case_id, defaults={"mailbox": mailbox})


def _new_case(
    record: InboundMessage, parsed: mime.ParsedMail, reason: str, mailbox: Mailbox | None, automatic: bool
) -> IntakeResult:
    sender = parsed.from_address
    window = domain.BURST_WINDOW_SECONDS
    recent = sel.recent_from_sender(sender, record.normalised_subject, window, exclude_id=record.pk) + 1
    if sel.active_burst_block(sender) is not None or domain.is_burst(recent):
        _block(sender, record.normalised_subject, recent)
        return _finish(record, InboundMessage.Outcome.BURST, f"burst limit: {recent} messages in {window} s")
    contact = _contact_for(sender, parsed.from_name)
    attachments, refused = _attachments(parsed)
    fields = _message_fields(parsed, reason, refused)
    case = case_services.open_case(
        Actor.customer(contact),
        title=domain.safe_header_text(parsed.subject, 300) or f"Email from {sender}",
        description=fields["text"],
        contact=contact,
        team=mailbox.team if mailbox is not None else None,
        channel="email",
    )
    _link_mailbox(case.pk, mailbox)
    _, message = case_services.receive_customer_message(contact, case, attachments=attachments, **fields)
    record.case_id = case.pk
    record.case_message = message
    result = _finish(record, InboundMessage.Outcome.NEW_CASE, reason, case.number)
    if not automatic:
        notify("case_received", case.pk, recipients=(sender,), in_reply_to=parsed.message_id)
    return result


def _block(sender: str, subject: str, count: int) -> None:
    now = clock.now()
    block = sel.active_burst_block(sender)
    until = now + timedelta(seconds=domain.BURST_BLOCK_SECONDS)
    if block is None:
        BurstBlock.objects.create(
            sender=sender, normalised_subject=subject, count=count, started_at=now, until=until
        )
    else:
        BurstBlock.objects.filter(pk=block.pk).update(count=block.count + 1, until=until)


def on_message_moved(event: Any) -> None:
    """An agent moved a message we took in: its Message-ID now threads to the new case."""
    InboundMessage.objects.filter(case_message_id=event.message_id).update(case_id=event.to_case_id)
