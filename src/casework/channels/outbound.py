"""Mail Casework sends: an agent's public reply, and notifications. Each email is
an `OutboundDelivery` row first (queued), then a background task sends it over
SMTP from the case's mailbox with retry and backoff; the row and the timeline
show queued / sent / failed with the SMTP error. A lost queue message is
re-driven by the periodic sweep, because the row, not the queue, is the truth."""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Callable, Sequence
from datetime import timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F

from casework.cases import selectors as case_selectors
from casework.cases import services as case_services
from casework.cases.timeline import record_event
from casework.channels import domain
from casework.channels import selectors as sel
from casework.channels.mime import format_address
from casework.channels.models import Mailbox, OutboundDelivery
from casework.core import clock
from casework.core.actors import Actor

log = logging.getLogger(__name__)
MAIL_ACTOR = Actor.system("email")
CLAIM_SECONDS = 300  # a claimed delivery is not re-driven for this long (a crashed worker's lease)

# Set by tasks.py: how to nudge the worker about a delivery (after commit).
enqueue_send: Callable[[int, Any], None] | None = None


def _domain_of(address: str) -> str:
    return address.rpartition("@")[2] or "casework.invalid"


def _sender(mailbox: Mailbox | None) -> tuple[str, str]:
    if mailbox is not None:
        return mailbox.display_name, mailbox.address
    from email.utils import parseaddr

    name, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    return name, address or "casework@localhost"


def _clean_recipients(addresses: Sequence[str], own: set[str] | None = None) -> list[str]:
    own = own if own is not None else set(sel.own_addresses())
    out = []
    for a in addresses:
        a = (a or "").strip().lower()
        if (
            a
            and "@" in a
            and a not in own
            and not domain.is_robot_address(a)
            and "\n" not in a
            and a not in out
        ):
            out.append(a)
    return out


def queue_delivery(
    *,
    kind: str,
    case: Any,
    mailbox: Mailbox | None,
    to: Sequence[str],
    cc: Sequence[str] = (),
    subject: str,
    text: str,
    html: str = "",
    message: Any = None,
    in_reply_to: str = "",
) -> OutboundDelivery | None:
    """Record one email to send and nudge the worker once the transaction commits."""
    own = set(sel.own_addresses())
    recipients = _clean_recipients(to, own)
    if not recipients:
        return None
    _, from_address = _sender(mailbox)
    case_id = case.pk if case is not None else None
    references = sel.last_message_ids_of_case(case_id) if case_id else []
    parent = in_reply_to or (sel.latest_inbound_id(case_id) if case_id else "")
    with transaction.atomic():
        delivery = OutboundDelivery.objects.create(
            case_id=case_id,
            case_message=message,
            mailbox=mailbox,
            kind=kind,
            message_id=domain.normalise_message_id(
                domain.make_message_id(_domain_of(from_address), settings.SECRET_KEY)
            ),
            in_reply_to=parent,
            references=" ".join(domain.references_for(references, parent or None)),
            from_address=from_address,
            to=recipients,
            cc=_clean_recipients(cc, own),
            subject=domain.safe_header_text(subject, 400),
            text=text,
            html=html,
            created_at=clock.now(),
            next_attempt_at=clock.now(),
        )
        if case_id:
            record_event(
                case_id,
                "email_queued",
                MAIL_ACTOR,
                data={"delivery": delivery.pk, "kind": kind, "to": recipients, "subject": delivery.subject},
                message=message,
            )
        transaction.on_commit(lambda: _nudge(delivery.pk))
    return delivery


def _nudge(delivery_id: int, run_after: Any = None) -> None:
    if enqueue_send is not None:
        try:
            enqueue_send(delivery_id, run_after)
        except Exception:  # the sweep re-drives it: the row is the truth
            log.exception("could not enqueue delivery %s", delivery_id)


# --- building the MIME message ---------------------------------------------------


def build_message(delivery: OutboundDelivery) -> EmailMessage:
    """multipart/alternative text + HTML (+ attachments), with threading headers.
    Names and subjects go through the email package's header folding after
    losing every line break, so no header can be injected."""
    msg = EmailMessage()
    name, _ = _sender(delivery.mailbox)
    msg["From"] = format_address(name, delivery.from_address)
    msg["To"] = ", ".join(delivery.to)
    if delivery.cc:
        msg["Cc"] = ", ".join(delivery.cc)
    msg["Subject"] = domain.safe_header_text(delivery.subject, 400)
    msg["Date"] = format_datetime(clock.now())
    msg["Message-ID"] = f"<{delivery.message_id}>"
    if delivery.in_reply_to:
        msg["In-Reply-To"] = f"<{delivery.in_reply_to}>"
    if delivery.references:
        msg["References"] = " ".join(f"<{r}>" for r in delivery.references.split())
    if delivery.kind != "reply":
        msg["Auto-Submitted"] = "auto-generated"  # RFC 3834: our notifications are automatic
    msg["X-Casework-Delivery"] = str(delivery.pk)
    msg.set_content(delivery.text or " ")
    if delivery.html:
        msg.add_alternative(delivery.html, subtype="html")
    if delivery.case_message_id and delivery.case_message is not None:
        for attachment in delivery.case_message.attachments.all():
            with case_services.attachment_file(attachment) as f:
                data = f.read()
            maintype, _, subtype = attachment.content_type.partition("/")
            msg.add_attachment(
                data,
                maintype=maintype or "application",
                subtype=subtype or "octet-stream",
                filename=domain.safe_header_text(attachment.filename, 200),
            )
    return msg


# --- sending ------------------------------------------------------------------------


class SendFailure(Exception):
    def __init__(self, message: str, code: int | None = None) -> None:
        super().__init__(message)
        self.code = code


def _smtp_send(mailbox: Mailbox | None, msg: EmailMessage, sender: str, recipients: list[str]) -> None:
    if mailbox is not None and mailbox.smtp_host:
        host, port = mailbox.smtp_host, mailbox.smtp_port
        user, password, tls = mailbox.smtp_user, mailbox.smtp_password, mailbox.smtp_tls
    elif _default_mailer()["BACKEND"].endswith("smtp.EmailBackend"):
        options = _default_mailer().get("OPTIONS", {})
        host, port = options.get("host", "127.0.0.1"), options.get("port", 25)
        user, password, tls = options.get("username", ""), options.get("password", ""), options.get("use_tls")
    else:
        _file_send(msg)
        return
    try:
        with smtplib.SMTP(host, port, timeout=30) as smtp:
            if tls:
                smtp.starttls()
            if user:
                smtp.login(user, password)
            refused = smtp.send_message(msg, from_addr=sender, to_addrs=recipients)
    except smtplib.SMTPRecipientsRefused as exc:
        code, text = next(iter(exc.recipients.values()))
        raise SendFailure(f"{code} {_decoded(text)}", code) from exc
    except smtplib.SMTPResponseException as exc:
        raise SendFailure(f"{exc.smtp_code} {_decoded(exc.smtp_error)}", exc.smtp_code) from exc
    except (TimeoutError, smtplib.SMTPException, OSError) as exc:
        raise SendFailure(f"{type(exc).__name__}: {exc}") from exc
    if refused:
        code, text = next(iter(refused.values()))
        raise SendFailure(f"{code} {_decoded(text)}", code)


def _default_mailer() -> dict[str, Any]:
    """The installation's own mail settings (settings.MAILERS["default"])."""
    return dict(getattr(settings, "MAILERS", {}).get("default", {"BACKEND": ""}))


def _decoded(text: bytes | str) -> str:
    return text.decode(errors="replace") if isinstance(text, bytes) else text


def _file_send(msg: EmailMessage) -> None:
    """Without SMTP configured, mail lands in DATA_DIR/outbox as .eml files (development)."""
    from pathlib import Path

    folder = Path(_default_mailer().get("OPTIONS", {}).get("file_path") or settings.DATA_DIR / "outbox")
    folder.mkdir(parents=True, exist_ok=True)
    name = str(msg["Message-ID"]).strip("<>").replace("/", "_")
    (folder / f"{name}.eml").write_bytes(bytes(msg))


def claim(delivery_id: int) -> bool:
    """Take the delivery for one attempt; False when it is sent, failed, not due, or
    another worker holds it. Safe to call twice concurrently."""
    now = clock.now()
    return bool(
        OutboundDelivery.objects.filter(
            pk=delivery_id, state=OutboundDelivery.State.QUEUED, next_attempt_at__lte=now
        ).update(next_attempt_at=now + timedelta(seconds=CLAIM_SECONDS), attempts=F("attempts") + 1)
    )


def send_delivery(delivery_id: int) -> str:
    """One attempt to send. Returns the delivery's state afterwards."""
    if not claim(delivery_id):
        found = sel.get_delivery(delivery_id)
        return found.state if found else "missing"
    delivery = OutboundDelivery.objects.select_related("mailbox", "case_message").get(pk=delivery_id)
    try:
        msg = build_message(delivery)
        _smtp_send(delivery.mailbox, msg, delivery.from_address, [*delivery.to, *delivery.cc])
    except SendFailure as exc:
        return _failed_attempt(delivery, str(exc), exc.code)
    except Exception as exc:  # a bug or a missing attachment file: keep the reply, say why
        log.exception("building or sending delivery %s failed", delivery_id)
        return _failed_attempt(delivery, f"{type(exc).__name__}: {exc}", None)
    with transaction.atomic():
        OutboundDelivery.objects.filter(pk=delivery.pk).update(
            state=OutboundDelivery.State.SENT, sent_at=clock.now(), last_error=""
        )
        if delivery.case_id:
            record_event(
                delivery.case_id,
                "email_sent",
                MAIL_ACTOR,
                data={"delivery": delivery.pk, "kind": delivery.kind, "to": delivery.to},
                message=delivery.case_message,
            )
    return OutboundDelivery.State.SENT


def _failed_attempt(delivery: OutboundDelivery, error: str, code: int | None) -> str:
    final = domain.is_permanent_smtp_failure(code) or delivery.attempts >= domain.MAX_SEND_ATTEMPTS
    delay = domain.retry_delay_seconds(delivery.attempts)
    next_at = clock.now() + timedelta(seconds=delay)
    with transaction.atomic():
        OutboundDelivery.objects.filter(pk=delivery.pk).update(
            state=OutboundDelivery.State.FAILED if final else OutboundDelivery.State.QUEUED,
            last_error=error[:2000],
            next_attempt_at=next_at,
        )
        if delivery.case_id:
            record_event(
                delivery.case_id,
                "email_delivery_failed" if final else "email_send_retry",
                MAIL_ACTOR,
                data={
                    "delivery": delivery.pk,
                    "kind": delivery.kind,
                    "to": delivery.to,
                    "error": error[:500],
                    "attempt": delivery.attempts,
                    **({} if final else {"next_attempt_at": next_at}),
                },
                message=delivery.case_message,
            )
        if not final:
            transaction.on_commit(lambda: _nudge(delivery.pk, next_at))
    return OutboundDelivery.State.FAILED if final else OutboundDelivery.State.QUEUED


def resend(delivery_id: int) -> None:
    """An agent asks to try a failed delivery again."""
    OutboundDelivery.objects.filter(pk=delivery_id, state=OutboundDelivery.State.FAILED).update(
        state=OutboundDelivery.State.QUEUED, next_attempt_at=clock.now(), attempts=0
    )
    transaction.on_commit(lambda: _nudge(delivery_id))


# --- reacting to an agent's reply -------------------------------------------------------


def guarded(handler: Callable[[Any], None]) -> Callable[[Any], None]:
    """Run an atomic event handler in a savepoint: a failure to queue mail is logged
    and never undoes the agent's reply it reacts to."""

    def run(event: Any) -> None:
        try:
            with transaction.atomic():
                handler(event)
        except Exception:
            log.exception("email handler %s failed for %r", handler.__name__, event)

    run.__name__ = handler.__name__
    return run


@guarded
def on_message_posted(event: Any) -> None:
    """In the reply's transaction: an agent's public reply on an email case becomes a
    queued delivery; the send runs in a task after commit."""
    if event.kind != "reply" or not event.is_public:
        return
    mailbox = sel.mailbox_of_case(event.case_id)
    if mailbox is None and getattr(case_selectors.stored_case(event.case_id), "channel", None) != "email":
        return  # decided from two compiled reads, before the case is read with its contact
    case = sel.case_for_mail(event.case_id)
    mailbox = mailbox or sel.default_mailbox()
    message = case_selectors.messages(case).filter(pk=event.message_id).first()
    if message is None:
        return
    from casework.channels import notifications

    rendered = notifications.render(
        "agent_reply",
        case,
        {
            "reply_text": message.text,
            "agent_name": message.author_label,
            "signature": getattr(mailbox, "signature", ""),
        },
    )
    queue_delivery(
        kind="reply",
        case=case,
        mailbox=mailbox,
        to=message.to or ([case.contact.primary_email] if case.contact else []),
        cc=message.cc,
        subject=domain.reply_subject(case.title, str(case.number)),
        text=rendered.text,
        html=rendered.html,
        message=message,
    )
