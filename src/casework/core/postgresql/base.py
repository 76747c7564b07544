"""Django's PostgreSQL backend, with the connection check skipped while the
connection is busy.

With CONN_HEALTH_CHECKS, Django sends `SELECT 1` before the first statement of
every request on a kept connection: a round trip in every request, a third of
what a short one sends. A connection that served a request less than
TRUSTED_FOR_SECONDS ago answers again almost surely, so it is used without the
check. One idle for longer, the kind a restarted server or a dropped socket
leaves behind, is checked as before and replaced when it fails.
"""

from __future__ import annotations

import time
from typing import Any

from django.db.backends.postgresql import base

TRUSTED_FOR_SECONDS = 1.0
_monotonic = time.monotonic  # replaceable in tests: they never wait for real time


class DatabaseWrapper(base.DatabaseWrapper):
    health_check_done: bool
    errors_occurred: bool

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.served_at = float("-inf")

    def close_if_unusable_or_obsolete(self) -> None:
        # Called as each request starts and ends. Used since the last call (Django
        # ran the check, or skipped it, on first use) and with no error: it served.
        if self.connection is not None and self.health_check_done and not self.errors_occurred:
            self.served_at = _monotonic()
        super().close_if_unusable_or_obsolete()

    def close_if_health_check_failed(self) -> None:
        if (
            self.connection is not None
            and not self.health_check_done
            and _monotonic() - self.served_at < TRUSTED_FOR_SECONDS
        ):
            self.health_check_done = True
            return
        super().close_if_health_check_failed()
