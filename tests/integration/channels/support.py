"""Helpers of the email channel's tests: write a message as a mail client would,
and catch what Casework sends on a real SMTP sink on loopback."""

from __future__ import annotations

import socket
import threading
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import format_datetime, make_msgid
from typing import Any

from aiosmtpd.controller import Controller


def compose(
    *,
    sender: str = "Casey Customer <casey@customer.example>",
    to: str = "support@casework.example",
    subject: str = "Printer on fire",
    text: str = "Hello, my printer is on fire.",
    html: str | None = None,
    message_id: str | None = None,
    in_reply_to: str | None = None,
    references: str | None = None,
    cc: str | None = None,
    headers: dict[str, str] | None = None,
    attachments: list[tuple[str, bytes, str]] = (),  # type: ignore[assignment]
) -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    if cc:
        msg["Cc"] = cc
    msg["Subject"] = subject
    msg["Date"] = format_datetime(datetime(2026, 11, 23, 9, 0, tzinfo=UTC))
    msg["Message-ID"] = message_id or make_msgid(domain="customer.example")
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
    if references:
        msg["References"] = references
    for k, v in (headers or {}).items():
        msg[k] = v
    msg.set_content(text)
    if html:
        msg.add_alternative(html, subtype="html")
    for name, data, ctype in attachments:
        maintype, _, subtype = ctype.partition("/")
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return bytes(msg)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Sink:
    """An SMTP server on loopback that keeps every message it receives."""

    def __init__(self, *, refuse_with: str | None = None) -> None:
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.refuse_with = refuse_with
        self.arrived = threading.Event()
        self.port = free_port()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.refuse_with:
            return self.refuse_with
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        self.messages.append(BytesParser(policy=policy.default).parsebytes(envelope.content))  # type: ignore[arg-type]
        self.arrived.set()
        return "250 OK"

    def __enter__(self) -> Sink:
        self.controller.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.controller.stop()


def dsn(*, original_message_id: str, recipient: str, status: str = "5.1.1") -> bytes:
    """A delivery-status notification (RFC 3464) as a mail server sends it."""
    boundary = "dsn-boundary-42"
    return (
        "From: Mail Delivery System <MAILER-DAEMON@mx.customer.example>\r\n"
        "To: support@casework.example\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\n"
        "Message-ID: <bounce-" + original_message_id.strip("<>") + ">\r\n"
        "Auto-Submitted: auto-replied\r\n"
        "MIME-Version: 1.0\r\n"
        f'Content-Type: multipart/report; report-type=delivery-status; boundary="{boundary}"\r\n'
        "\r\n"
        f"--{boundary}\r\n"
        "Content-Type: text/plain\r\n\r\n"
        f"I'm sorry to have to inform you that your message could not be delivered to {recipient}.\r\n"
        f"--{boundary}\r\n"
        "Content-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.customer.example\r\n\r\n"
        f"Final-Recipient: rfc822; {recipient}\r\n"
        "Action: failed\r\n"
        f"Status: {status}\r\n"
        f"Diagnostic-Code: smtp; 550 {status} <{recipient}>: Recipient address rejected: User unknown\r\n"
        f"\r\n--{boundary}\r\n"
        "Content-Type: text/rfc822-headers\r\n\r\n"
        "From: Casework Support <support@casework.example>\r\n"
        f"To: {recipient}\r\n"
        f"Message-ID: {original_message_id}\r\n"
        "Subject: Re: Printer on fire\r\n"
        f"\r\n--{boundary}--\r\n"
    ).encode()
