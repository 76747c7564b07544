"""Background work of the sla area: the minute-by-minute breach sweep."""

from __future__ import annotations

from crontask import cron
from django.tasks import task

from casework.sla import breaches, services


@cron("* * * * *")
@task()
def sweep_sla_clocks() -> dict[str, int]:
    """Fire due warnings and breaches; idempotent and safe to run in two workers at once."""
    result = breaches.sweep()
    return {"looked_at": result.looked_at, "warnings": result.warnings, "breaches": result.breaches}


@task()
def recompute_policy_clocks(policy_id: int) -> int:
    """Recompute the clocks of an edited policy (enqueued when a policy is saved)."""
    return services.recompute_policy_clocks(policy_id)
