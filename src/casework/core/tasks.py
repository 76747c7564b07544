"""Background work of the shared kernel."""

from __future__ import annotations

from crontask import cron
from django.tasks import task

from casework.core.planner import refresh_statistics


@cron("17 * * * *")
@task()
def refresh_planner_statistics() -> None:
    """Keep the query planner's view of the tables current as they grow."""
    refresh_statistics()
