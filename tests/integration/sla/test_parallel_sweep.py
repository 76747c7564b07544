"""Two workers sweeping at the same moment fire each breach once (row locks on PostgreSQL)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Any

import pytest
from django.db import connection

from casework.core import events
from casework.sla import breaches
from casework.sla.events import ClockBreached
from casework.sla.models import SlaClock

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]


def test_two_sweeps_in_parallel_fire_each_breach_once(traveller, policy, make_case) -> None:
    cases = [make_case(priority="urgent", title=f"Outage {i}") for i in range(20)]
    traveller.move_to(datetime(2026, 11, 24, 9, tzinfo=UTC))
    breached: list[Any] = []
    lock = threading.Lock()

    def seen(event: ClockBreached) -> None:
        with lock:
            breached.append((event.case_id, event.metric))

    events.subscribe(ClockBreached, seen)
    start = threading.Barrier(2)
    results: list[Any] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            start.wait()
            results.append(breaches.sweep())
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    try:
        threads = [threading.Thread(target=worker) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
    finally:
        events.unsubscribe(ClockBreached, seen)
    assert not errors
    assert len(breached) == len(set(breached)) == 2 * len(cases)
    assert sum(r.breaches for r in results) == 2 * len(cases)
    assert not SlaClock.objects.filter(
        breached_at__isnull=True, state="running", next_check_at__isnull=False
    ).exists()
    # Whatever one sweep skipped as busy, a later sweep finds nothing left to fire.
    assert breaches.sweep().breaches == 0
