"""A trigger calls a webhook after commit: a signed POST to a real (loopback) HTTP server,
retried with backoff while it fails, its status kept on a delivery row."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest

from casework.automation import configuration, webhooks
from casework.automation.models import WebhookDelivery
from casework.core import clock


class Receiver:
    def __init__(self) -> None:
        self.requests: list[tuple[dict[str, str], bytes]] = []
        self.status = 200


@pytest.fixture
def receiver() -> Iterator[tuple[Receiver, str]]:
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            state.requests.append((dict(self.headers), body))
            self.send_response(state.status)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state, f"http://127.0.0.1:{server.server_port}/hook"
    server.shutdown()


def test_an_urgent_case_is_posted_to_the_crm_signed_and_retried_until_it_lands(
    receiver, make_case, django_capture_on_commit_callbacks, monkeypatch
):
    state, url = receiver
    hook = configuration.save_document("webhooks", {"name": "CRM", "url": url, "secret": "s3cret"})
    configuration.save_document(
        "triggers",
        {
            "name": "Tell the CRM",
            "event": "case_created",
            "conditions": {"all": [{"field": "priority", "op": "is", "value": "urgent"}]},
            "actions": [{"type": "webhook", "webhook": "CRM"}],
        },
    )
    enqueued: list[int] = []
    monkeypatch.setattr(webhooks, "_enqueue", enqueued.append)
    state.status = 503
    with django_capture_on_commit_callbacks(execute=True):
        case = make_case(priority="urgent")
    delivery = WebhookDelivery.objects.get(webhook=hook)
    assert enqueued == [delivery.pk]  # queued only once the case was committed

    start = clock.now()
    first = webhooks.deliver(delivery.pk)
    assert (first.status, first.attempts, first.last_status_code) == ("pending", 1, 503)
    assert first.next_attempt_at is not None and first.next_attempt_at > start

    state.status = 200
    early = webhooks.deliver(delivery.pk)  # the retry waits for its time
    assert (early.status, early.attempts, len(state.requests)) == ("pending", 1, 1)
    with clock.using(lambda: start + timedelta(seconds=webhooks.RETRY_DELAYS[0] + 1)):
        assert delivery.pk in webhooks.due_deliveries()
        second = webhooks.deliver(delivery.pk)
    assert (second.status, second.attempts, second.next_attempt_at) == ("delivered", 2, None)
    assert webhooks.deliver(delivery.pk).attempts == 2  # delivered: never posted again
    headers, body = state.requests[-1]
    expected = "sha256=" + hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
    assert headers["X-Casework-Signature"] == expected
    assert json.loads(body)["case"]["number"] == case.number


def test_a_webhook_that_never_answers_is_marked_failed(make_case):
    hook = configuration.save_document("webhooks", {"name": "Dead", "url": "http://127.0.0.1:9/nothing"})
    case = make_case()
    delivery = WebhookDelivery.objects.create(webhook=hook, case=case, payload={"x": 1})
    at = clock.now()
    for delay in (0, *webhooks.RETRY_DELAYS):
        at += timedelta(seconds=delay + 1)
        with clock.using(lambda at=at: at):
            result = webhooks.deliver(delivery.pk, timeout=1)
    assert (result.status, result.attempts) == ("failed", len(webhooks.RETRY_DELAYS) + 1)
    assert result.last_error


def test_an_attempt_in_flight_is_not_taken_again_until_its_claim_lapses(make_case):
    """The claim is stored before the call: a second worker (or the sweep) finds the
    delivery not due while the first waits on the receiver; once the call's timeout
    and margin have passed (a worker that died), the sweep takes it again."""
    hook = configuration.save_document("webhooks", {"name": "Slow", "url": "http://127.0.0.1:9/x"})
    delivery = WebhookDelivery.objects.create(webhook=hook, case=make_case(), payload={"x": 1})
    start = clock.now()
    claimed = webhooks._claim(delivery.pk, timeout=10)
    assert claimed is not None and claimed.attempts == 1
    assert webhooks._claim(delivery.pk, timeout=10) is None
    assert delivery.pk not in webhooks.due_deliveries(start)
    lapsed = start + timedelta(seconds=10 + webhooks.CLAIM_MARGIN_SECONDS + 1)
    assert delivery.pk in webhooks.due_deliveries(lapsed)
