"""Demo data of the email channel: a support mailbox (sending into DATA_DIR/outbox)
and two customer emails, one of them a reply that threads by its In-Reply-To."""

from __future__ import annotations

from typing import Any

from casework.channels import mailboxes, services
from casework.channels.models import Mailbox


def load_demo(ctx: Any) -> None:
    if Mailbox.objects.exists():
        return
    team = ctx.teams.get("Support") or next(iter(ctx.teams.values()), None)
    admin = next((u for u in ctx.users.values() if u.role in ("admin", "lead")), None)
    mailboxes.create_mailbox(
        admin,
        address="support@casework.example",
        display_name="Casework Support",
        team=team,
        is_default=True,
        signature="The Casework support team",
    )
    first = (
        b"From: Nora Lind <nora@lind.example>\r\nTo: support@casework.example\r\n"
        b"Subject: Export to CSV cuts off accents\r\nMessage-ID: <demo-1@lind.example>\r\n"
        b"Content-Type: text/plain; charset=utf-8\r\n\r\n"
        b"Hello, exported names lose their accents (Jos\xc3\xa9 becomes Jos?).\r\n"
    )
    reply = (
        b"From: Nora Lind <nora@lind.example>\r\nTo: support@casework.example\r\n"
        b"Subject: Re: Export to CSV cuts off accents\r\nMessage-ID: <demo-2@lind.example>\r\n"
        b"In-Reply-To: <demo-1@lind.example>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
        b"It happens in Excel only.\r\n\r\nOn Monday Nora wrote:\r\n> Hello, exported names\r\n"
    )
    for raw in (first, reply):
        services.take_in(raw, source="http")
