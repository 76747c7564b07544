"""The built-in SMTP gateway (aiosmtpd): accepts mail for our mailboxes only and
answers 250 only once the message is stored through the intake service."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from django.db import close_old_connections

from casework.channels import selectors as sel
from casework.channels import services

log = logging.getLogger(__name__)
MAX_MESSAGE_BYTES = 40 * 1024 * 1024


def _is_ours(address: str) -> bool:
    close_old_connections()
    try:
        return sel.active_mailbox_for([address]) is not None
    finally:
        close_old_connections()


def _store(data: bytes, recipients: list[str], spool: bool) -> services.IntakeResult:
    close_old_connections()
    try:
        if spool:  # stored now, sorted by a task a moment later
            return services.receive(data, source="smtp", recipients=recipients)
        return services.take_in(data, source="smtp", recipients=recipients)
    finally:
        close_old_connections()


class IntakeHandler:
    """aiosmtpd handler: RCPT TO refuses unknown recipients; DATA stores, then says 250.
    The database work runs in a worker thread (Django's ORM is synchronous)."""

    def __init__(self, *, in_thread: bool = True, spool: bool = True) -> None:
        self.in_thread = in_thread
        self.spool = spool

    async def _run(self, fn: Any, *args: Any) -> Any:
        if self.in_thread:
            return await asyncio.to_thread(fn, *args)
        return fn(*args)

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, rcpt_options: list[str]
    ) -> str:
        address = address.strip().lower()
        try:
            ours = await self._run(_is_ours, address)
        except Exception:
            log.exception("mailbox lookup failed")
            return "451 4.3.0 temporary failure, try again later"
        if not ours:
            return "550 5.1.1 no such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        data = envelope.original_content or envelope.content or b""
        if isinstance(data, str):
            data = data.encode("utf-8", "surrogateescape")
        try:
            result = await self._run(_store, data, list(envelope.rcpt_tos), self.spool)
        except Exception:  # not stored: the sender must keep it and retry
            log.exception("storing inbound mail failed")
            return "451 4.3.0 could not store the message, try again later"
        return f"250 2.0.0 stored ({result.outcome})"


def make_controller(host: str, port: int, *, spool: bool = True) -> Controller:
    """`spool`: answer 250 once the original is stored and sort it in a task (fast);
    otherwise sort it before answering (one step, slower)."""
    return Controller(
        IntakeHandler(spool=spool),
        hostname=host,
        port=port,
        data_size_limit=MAX_MESSAGE_BYTES,
        decode_data=False,
        ready_timeout=10,
    )
