"""Webhooks that automation calls: a delivery row is queued in the transaction of
the action, posted signed by a background task after commit, and retried with
growing delays until it is delivered or has failed six times."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction

from casework.automation.models import Webhook, WebhookDelivery
from casework.cases.domain import Priority
from casework.cases.models import Case
from casework.cases.timeline import record_event
from casework.core import clock
from casework.core.actors import Actor
from casework.core.errors import CaseworkError

log = logging.getLogger(__name__)

RETRY_DELAYS = (60, 300, 1800, 7200, 21600)  # seconds before attempts 2..6; then failed
CLAIM_MARGIN_SECONDS = 30  # beyond the call's timeout, before an unfinished attempt may be taken again


def queue_webhook(name: str, case: Case, *, source: str) -> WebhookDelivery | None:
    webhook = Webhook.objects.filter(name=name, is_active=True).first()
    if webhook is None:
        raise CaseworkError(f"no active webhook {name!r}", field="webhook")
    payload = {
        "event": "automation",
        "source": source,
        "case": {
            "number": case.number,
            "title": case.title,
            "status": case.status,
            "priority": Priority(case.priority).label,
            "team": case.team.name if case.team is not None else None,
        },
        "sent_at": clock.now().isoformat(),
    }
    delivery = WebhookDelivery.objects.create(
        webhook=webhook, case_id=case.pk, source=source[:200], payload=payload, next_attempt_at=clock.now()
    )
    record_event(case.pk, "webhook_queued", Actor.automation(source), data={"webhook": name})
    transaction.on_commit(lambda: _enqueue(delivery.pk), robust=True)
    return delivery


def _enqueue(delivery_id: int) -> None:
    from casework.automation.tasks import deliver_webhook

    try:
        deliver_webhook.enqueue(delivery_id)
    except Exception:  # the sweep re-drives what a lost queue message left behind
        log.exception("could not enqueue webhook delivery %s", delivery_id)


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def deliver(delivery_id: int, *, timeout: float = 10.0) -> WebhookDelivery:
    """One attempt, if the delivery is due: POST the signed body; on failure plan
    the next try or mark it failed. Returns the delivery as it then stands.

    No transaction is open while the receiver answers (up to `timeout`): the
    attempt is claimed first, in a short transaction that moves its next time
    past the timeout, so a second worker or the sweep does not post it again;
    a worker that dies mid-call leaves it to the sweep once that time passes.
    The outcome is stored only if the claim is still this attempt's."""
    import urllib.error
    import urllib.request

    delivery = _claim(delivery_id, timeout)
    if delivery is None:
        return WebhookDelivery.objects.filter(pk=delivery_id).first()  # type: ignore[return-value]
    body = json.dumps(delivery.payload, sort_keys=True).encode()
    request = urllib.request.Request(
        delivery.webhook.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "X-Casework-Signature": signature(delivery.webhook.secret, body),
            "X-Casework-Delivery": str(delivery.pk),
        },
    )
    outcome: dict[str, Any] = {"last_error": ""}
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # an admin-set URL
            outcome["last_status_code"] = response.status
        outcome.update(
            status=WebhookDelivery.Status.DELIVERED, delivered_at=clock.now(), next_attempt_at=None
        )
    except urllib.error.HTTPError as err:
        outcome.update(last_status_code=err.code, last_error=f"HTTP {err.code}")
    except (urllib.error.URLError, OSError) as err:
        outcome["last_error"] = str(getattr(err, "reason", err))[:1000]
    if "status" not in outcome:
        if delivery.attempts > len(RETRY_DELAYS):
            outcome.update(status=WebhookDelivery.Status.FAILED, next_attempt_at=None)
        else:
            delay = timedelta(seconds=RETRY_DELAYS[delivery.attempts - 1])
            outcome["next_attempt_at"] = clock.now() + delay
    WebhookDelivery.objects.filter(
        pk=delivery.pk, status=WebhookDelivery.Status.PENDING, attempts=delivery.attempts
    ).update(**outcome)
    return WebhookDelivery.objects.get(pk=delivery.pk)


def _claim(delivery_id: int, timeout: float) -> WebhookDelivery | None:
    """Take the next attempt of a pending, due delivery (None: not due, or not pending)."""
    now = clock.now()
    with transaction.atomic():
        delivery = (
            WebhookDelivery.objects.select_for_update()
            .select_related("webhook")
            .filter(pk=delivery_id, status=WebhookDelivery.Status.PENDING)
            .first()
        )
        if delivery is None or (delivery.next_attempt_at is not None and delivery.next_attempt_at > now):
            return None
        delivery.attempts += 1
        delivery.next_attempt_at = now + timedelta(seconds=timeout + CLAIM_MARGIN_SECONDS)
        delivery.save(update_fields=["attempts", "next_attempt_at"])
    return delivery


def due_deliveries(now: datetime | None = None) -> list[int]:
    now = now or clock.now()
    return list(
        WebhookDelivery.objects.filter(status=WebhookDelivery.Status.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:200]
    )
