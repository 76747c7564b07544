"""casework serve: migrate, then run the web server with the worker and scheduler beside it."""

from __future__ import annotations

import atexit
import signal
import subprocess
import sys
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from casework.core.statistics import refresh_statistics


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
        import uvicorn

        if not options["no_migrate"]:
            call_command("migrate", interactive=False, verbosity=0)
            refresh_statistics()
        if options["demo"]:
            call_command("seed", demo=True, if_empty=True)
        children: list[subprocess.Popen[bytes]] = []
        if not options["web_only"]:
            for role in ("worker", "scheduler"):
                children.append(subprocess.Popen([sys.executable, "-m", "casework", role]))

        def stop_children() -> None:
            for child in children:
                if child.poll() is None:
                    child.send_signal(signal.SIGTERM)
            for child in children:
                try:
                    child.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    child.kill()

        atexit.register(stop_children)
        url = f"http://{options['host']}:{options['port']}"
        self.stdout.write(self.style.SUCCESS(f"Casework is starting at {url}  (API docs: {url}/api/v1/docs)"))
        engine = str(settings.DATABASES["default"]["ENGINE"]).rsplit(".", 1)[-1]
        background = "off (--web-only)" if options["web_only"] else "worker + scheduler"
        self.stdout.write(f"database: {engine}  background: {background}")
        try:
            uvicorn.run(
                "casework.config.asgi:application",
                host=options["host"],
                port=options["port"],
                workers=options["workers"],
                log_level="info" if settings.DEBUG else "warning",
                lifespan="off",
                access_log=settings.DEBUG,
            )
        finally:
            stop_children()
