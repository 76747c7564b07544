"""IMAP polling: fetch what is new in a mailbox's folder, take each message in,
then flag it \\Seen (or move it to the processed folder). Idempotent twice over:
only unseen messages are fetched, and the intake dedupes by Message-ID, so a
poll interrupted between storing and flagging stores nothing twice."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any, Protocol

from casework.channels import services

log = logging.getLogger(__name__)
BATCH = 50


class MailFolder(Protocol):
    """What the poller needs of an IMAP connection (imapclient's IMAPClient has it all)."""

    def select_folder(self, folder: str, readonly: bool = False) -> Any: ...
    def search(self, criteria: Any = "ALL", charset: str | None = None) -> list[int]: ...
    def fetch(self, messages: Any, data: Any, modifiers: Any = None) -> dict[int, dict[bytes, Any]]: ...
    def add_flags(self, messages: Any, flags: Any, silent: bool = False) -> Any: ...
    def move(self, messages: Any, folder: str) -> Any: ...


@dataclass
class PollResult:
    fetched: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)


def poll_folder(client: MailFolder, mailbox: Any) -> PollResult:
    result = PollResult()
    client.select_folder(mailbox.imap_folder or "INBOX")
    uids = list(client.search(["UNSEEN"]))
    for start in range(0, len(uids), BATCH):
        chunk = uids[start : start + BATCH]
        fetched = client.fetch(chunk, ["BODY.PEEK[]"])
        done = []
        for uid in chunk:
            raw = fetched.get(uid, {}).get(b"BODY[]")
            if raw is None:
                continue
            outcome = services.take_in(bytes(raw), source="imap", mailbox=mailbox).outcome
            result.fetched += 1
            result.outcomes[outcome] = result.outcomes.get(outcome, 0) + 1
            done.append(uid)
        if done:  # only after each is stored (or quarantined, which is stored too)
            if mailbox.imap_processed_folder:
                client.move(done, mailbox.imap_processed_folder)
            else:
                client.add_flags(done, [b"\\Seen"])
    return result


def connect(mailbox: Any) -> Any:
    from imapclient import IMAPClient

    client = IMAPClient(mailbox.imap_host, port=mailbox.imap_port, ssl=mailbox.imap_ssl, timeout=60)
    client.login(mailbox.imap_user, mailbox.imap_password)
    return client


def poll_mailbox(mailbox: Any) -> PollResult:
    client = connect(mailbox)
    try:
        return poll_folder(client, mailbox)
    finally:
        try:
            client.logout()
        except Exception:
            log.warning("IMAP logout from %s failed", mailbox.imap_host)
