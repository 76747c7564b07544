"""casework mail-poll: fetch new mail from the IMAP mailboxes (once, or every N seconds)."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from casework.channels import imap
from casework.channels import selectors as sel


class Command(BaseCommand):
    help = "Poll the mailboxes whose inbound method is IMAP; take new mail in and mark it processed."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--mailbox", help="only this mailbox address")
        parser.add_argument("--every", type=int, default=0, help="keep polling every N seconds")

    def handle(self, *args: Any, **options: Any) -> None:
        while True:
            boxes = list(sel.imap_mailboxes(options.get("mailbox")))
            if not boxes:
                raise CommandError("no active IMAP mailbox is configured (admin: Mailboxes)")
            for mailbox in boxes:
                try:
                    result = imap.poll_mailbox(mailbox)
                except Exception as exc:  # one broken mailbox does not stop the others
                    self.stderr.write(f"{mailbox.address}: {type(exc).__name__}: {exc}")
                    continue
                self.stdout.write(f"{mailbox.address}: {result.fetched} fetched {result.outcomes}")
            if not options["every"]:
                return
            time.sleep(options["every"])
