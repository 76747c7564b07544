"""casework worker: runs background tasks from the queue (database or Redis)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Run background tasks (outbound mail, webhooks, sweeps) until stopped."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--batch", action="store_true", help="run what is waiting, then exit")

    def handle(self, *args: Any, **options: Any) -> None:
        backend = str(settings.TASKS["default"]["BACKEND"])
        if backend.startswith("django_tasks_redis"):
            call_command("run_redis_tasks", *([] if options["batch"] else ["--continuous"]))
        elif backend.startswith("django_tasks_db"):
            call_command("db_worker", reload=False, batch=options["batch"], no_startup_delay=True)
        else:
            self.stdout.write(f"tasks run in-process with {backend}; no worker is needed")
