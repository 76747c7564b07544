"""The gateway's fast path: store, say yes, sort a moment later; nothing lost between."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.core.management import call_command

from casework.cases.models import Case
from casework.channels import review, services
from casework.channels.models import InboundMessage, QuarantinedMessage
from casework.channels.tasks import sort_stuck_inbound
from casework.core import clock
from tests.integration.channels.support import compose

pytestmark = pytest.mark.django_db


@pytest.mark.django_db(transaction=True)  # the worker closes its connection after each task
def test_stored_message_is_sorted_by_the_worker(
    mailbox: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        result = services.receive(compose(subject="Spooled"), recipients=["support@casework.example"])
    assert result.outcome == "received" and Case.objects.count() == 0
    call_command("db_worker", batch=True, no_startup_delay=True, reload=False)
    record = InboundMessage.objects.get(pk=result.inbound_id)
    assert record.outcome == "new_case" and record.case.title == "Spooled" and record.mailbox == mailbox


def test_same_message_twice_at_the_gateway_is_stored_once(mailbox: Any) -> None:
    raw = compose(message_id="<spool-twice@c.example>")
    first = services.receive(raw)
    again = services.receive(raw)
    assert again.is_duplicate and again.inbound_id == first.inbound_id
    assert InboundMessage.objects.count() == 1


def test_lost_sorting_task_is_made_good_by_the_sweep(mailbox: Any) -> None:
    result = services.receive(compose(subject="Lost task"))  # on_commit never runs here
    assert sort_stuck_inbound.call() == 0  # too fresh: its own task may still be coming
    with time_machine.travel(clock.now() + timedelta(minutes=2), tick=False):
        assert sort_stuck_inbound.call() == 1
    assert InboundMessage.objects.get(pk=result.inbound_id).outcome == "new_case"
    assert services.process_received(result.inbound_id).reason == "already sorted"


def test_message_without_a_sender_is_quarantined_before_the_yes(mailbox: Any) -> None:
    result = services.receive(b"Subject: nobody\r\n\r\nbody\r\n")
    assert result.outcome == "quarantined" and InboundMessage.objects.count() == 0


def test_stored_message_that_cannot_be_sorted_goes_to_quarantine_and_can_be_retried(
    mailbox: Any, admin_user: Any, monkeypatch: Any
) -> None:
    result = services.receive(compose(subject="Breaks the sorter", message_id="<breaks@c.example>"))

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("sorter bug")

    monkeypatch.setattr(services, "_take_in", broken)
    assert services.process_received(result.inbound_id).outcome == "quarantined"
    item = QuarantinedMessage.objects.get()
    assert "sorter bug" in item.error and not InboundMessage.objects.exists()
    monkeypatch.undo()
    again = review.retry_quarantined(admin_user, item)
    assert again.outcome == "new_case" and Case.objects.get().title == "Breaks the sorter"
