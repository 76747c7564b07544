"""Periodic work of the portal: remind, then auto-close resolved cases the
customer did not answer. Both are idempotent and safe to run concurrently."""

from __future__ import annotations

from crontask import cron
from django.tasks import task

from casework.portal import services


@cron("*/15 * * * *")
@task()
def auto_close_resolved_cases() -> dict[str, int]:
    reminded = services.send_auto_close_reminders()
    closed = services.close_unanswered_resolutions()
    return {"reminded": reminded, "closed": closed}
