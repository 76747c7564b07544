"""casework serve: migrate, then run the web server with the worker and scheduler beside it."""

from __future__ import annotations

import os
import sys
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import connections

from casework.config.env import accept_wait_seconds
from casework.core.planner import refresh_statistics


class Command(BaseCommand):
    help = "Run Casework: migrates first; starts the background worker and scheduler too unless --web-only."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=1, help="web server processes")
        parser.add_argument(
            "--web-only", action="store_true", help="no worker/scheduler (run them apart at scale)"
        )
        parser.add_argument("--demo", action="store_true", help="load demo data when the database is empty")
        parser.add_argument("--no-migrate", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        accept_wait_seconds()  # read by the server's workers: a wrong value stops this, with its name
        if not options["no_migrate"]:
            call_command("migrate", interactive=False, verbosity=0)
            refresh_statistics()
        if options["demo"]:
            call_command("seed", demo=True, if_empty=True)
        url = f"http://{options['host']}:{options['port']}"
        self.stdout.write(self.style.SUCCESS(f"Casework is starting at {url}  (API docs: {url}/api/v1/docs)"))
        engine = str(settings.DATABASES["default"]["ENGINE"]).rsplit(".", 1)[-1]
        background = "off (--web-only)" if options["web_only"] else "worker + scheduler"
        self.stdout.write(f"database: {engine}  background: {background}")
        self.stdout.flush()
        sys.stderr.flush()
        connections.close_all()
        # The server process replaces this one (same pid, signals and exit code): it
        # need not keep a loaded Django while its workers each load their own.
        argv = [sys.executable, "-m", "casework.config.server"]
        argv += [
            "--host",
            options["host"],
            "--port",
            str(options["port"]),
            "--workers",
            str(options["workers"]),
        ]
        if not options["web_only"]:
            argv.append("--background")
        if settings.DEBUG:
            argv.append("--debug")
        os.execv(sys.executable, argv)
