"""Deflections (a suggestion opened, no case submitted) and the auto-close sweep
(a reminder a day before, then closed after AUTO_CLOSE_DAYS; both idempotent)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.test import Client

from casework.core import clock
from casework.knowledge import services as kb_services
from casework.portal import selectors, services
from casework.portal.tasks import auto_close_resolved_cases

pytestmark = pytest.mark.django_db


@pytest.fixture
def article(agent: Any) -> Any:
    return kb_services.create_article(
        agent, title="Printer shows error E42", body="Turn it off and on.", status="published"
    )


def test_suggestions_appear_while_typing_the_subject(portal: Client, article: Any) -> None:
    fragment = portal.get("/portal/cases/new/suggestions", {"title": "printer error"}).content.decode()
    assert "Printer shows error E42" in fragment
    assert portal.get("/portal/cases/new/suggestions", {"title": "zebra"}).content.decode().strip() == ""


def test_opening_a_suggestion_and_leaving_counts_as_a_deflection(portal: Client, article: Any) -> None:
    portal.get("/portal/cases/new")
    opened = portal.get(f"/portal/suggestion/{article.pk}?subject=printer")
    assert opened.status_code == 302 and opened["Location"].startswith(f"/kb/{article.slug}")
    assert selectors.deflection_count() == 1
    portal.get(f"/portal/suggestion/{article.pk}")  # the same visit opening it twice is still one
    assert selectors.deflection_count() == 1


def test_opening_a_suggestion_then_submitting_is_not_a_deflection(portal: Client, article: Any) -> None:
    portal.get("/portal/cases/new")
    portal.get(f"/portal/suggestion/{article.pk}")
    portal.post("/portal/cases/new", {"submit": "1", "title": "Printer error", "description": "E42 again"})
    assert selectors.deflection_count() == 0


def test_deflections_are_counted_for_reporting_through_the_api(
    portal: Client, article: Any, lead: Any, api_as: Any
) -> None:
    portal.get("/portal/cases/new")
    portal.get(f"/portal/suggestion/{article.pk}")
    status, body, _ = api_as(lead).get("/portal/deflections")
    assert status == 200 and body["deflections"] == 1


def test_a_resolved_case_gets_a_reminder_then_closes_by_itself(
    customer_case: Any, resolve: Any, notifications: list[Any], settings: Any
) -> None:
    settings.AUTO_CLOSE_DAYS = 5
    start = clock.now()
    with time_machine.travel(start, tick=False) as traveller:
        resolve(customer_case)
        traveller.shift(timedelta(days=3, hours=23))
        assert auto_close_resolved_cases.call() == {"reminded": 0, "closed": 0}
        traveller.shift(timedelta(hours=2))
        assert auto_close_resolved_cases.call() == {"reminded": 1, "closed": 0}
        assert auto_close_resolved_cases.call() == {"reminded": 0, "closed": 0}  # idempotent
        reminders = [n for n in notifications if n.kind == "auto_close_reminder"]
        assert len(reminders) == 1 and "/portal/resolution/" in reminders[0].context["accept_link"]
        traveller.shift(timedelta(days=1))
        assert auto_close_resolved_cases.call() == {"reminded": 0, "closed": 1}
        assert auto_close_resolved_cases.call() == {"reminded": 0, "closed": 0}
    customer_case.refresh_from_db()
    assert customer_case.status == "closed"


def test_a_case_the_customer_answered_is_not_auto_closed(
    customer_case: Any, resolve: Any, portal: Client
) -> None:
    with time_machine.travel(clock.now(), tick=False) as traveller:
        resolve(customer_case)
        portal.post(f"/portal/cases/{customer_case.number}/reject", {"reason": "no"})
        traveller.shift(timedelta(days=10))
        assert services.close_unanswered_resolutions() == 0
    customer_case.refresh_from_db()
    assert customer_case.status == "open"
