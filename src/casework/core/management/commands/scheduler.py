"""casework scheduler: enqueues periodic tasks; run exactly one per installation.

With Redis configured it holds a lock, so a second scheduler waits instead of
doubling every periodic task.
"""

from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Run the periodic task scheduler (SLA sweep, time rules, auto-close)."

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("crontask", no_heartbeat=True)
