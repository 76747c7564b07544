"""Background work of automation: time rules every five minutes, webhook deliveries and their sweep."""

from __future__ import annotations

from crontask import cron
from django.tasks import task

from casework.automation import engine, webhooks


@cron("*/5 * * * *")
@task()
def evaluate_time_rules() -> dict[str, int]:
    """Idempotent: a marker row per rule and case makes a second concurrent run fire nothing twice."""
    return engine.evaluate_time_rules()


@task()
def deliver_webhook(delivery_id: int) -> str:
    delivery = webhooks.deliver(delivery_id)
    return delivery.status if delivery is not None else "missing"


@cron("* * * * *")
@task()
def redrive_webhooks() -> int:
    """Retries whose time has come, and deliveries a lost queue message left pending."""
    due = webhooks.due_deliveries()
    for delivery_id in due:
        webhooks.deliver(delivery_id)
    return len(due)
