"""casework mail-gateway --host H --port P: the inbound SMTP gateway."""

from __future__ import annotations

import signal
import threading
from typing import Any

from django.core.management.base import BaseCommand

from casework.channels.gateway import make_controller


class Command(BaseCommand):
    help = "Receive mail for the configured mailboxes over SMTP; 250 only once stored."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=2525)

    def handle(self, *args: Any, **options: Any) -> None:
        controller = make_controller(options["host"], options["port"])
        controller.start()
        self.stdout.write(f"mail gateway listening on {options['host']}:{options['port']}")
        stop = threading.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stop.set())
        try:
            stop.wait()
        finally:
            controller.stop()
