"""Background work of the email channel: send one delivery; every minute, re-drive
deliveries still queued (a lost queue message, a crashed worker, a retry due)."""

from __future__ import annotations

import logging
from datetime import datetime

from crontask import cron
from django.tasks import task

from casework.channels import outbound, services
from casework.channels import selectors as sel


@task()
def send_delivery(delivery_id: int) -> str:
    return str(outbound.send_delivery(delivery_id))


@cron("* * * * *")
@task()
def redrive_deliveries() -> int:
    due = sel.stuck_deliveries()
    for delivery_id in due:
        send_delivery.enqueue(delivery_id)
    return len(due)


def enqueue_send(delivery_id: int, run_after: datetime | None = None) -> None:
    """Nudge a worker about one delivery; a retry waits until `run_after` when the
    backend can defer, else the periodic sweep picks it up when due."""
    if run_after is not None:
        if not send_delivery.get_backend().supports_defer:
            return
        send_delivery.using(run_after=run_after).enqueue(delivery_id)
        return
    send_delivery.enqueue(delivery_id)


@cron("*/2 * * * *")
@task()
def poll_imap_mailboxes() -> int:
    from casework.channels import imap

    fetched = 0
    for mailbox in sel.imap_mailboxes():
        try:
            fetched += imap.poll_mailbox(mailbox).fetched
        except Exception:  # one unreachable mailbox does not stop the others
            logging.getLogger(__name__).exception("polling %s failed", mailbox.address)
    return fetched


@task()
def sort_inbound(inbound_id: int) -> str:
    return str(services.process_received(inbound_id).outcome)


@cron("* * * * *")
@task()
def sort_stuck_inbound() -> int:
    """Messages the gateway stored whose sorting task was lost."""
    waiting = sel.received_to_sort()
    for inbound_id in waiting:
        services.process_received(inbound_id)
    return len(waiting)


def enqueue_processing(inbound_id: int) -> None:
    sort_inbound.enqueue(inbound_id)
