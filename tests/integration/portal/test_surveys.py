"""Satisfaction surveys: one per case even if reopened, sent by email link and
answered in the portal, valid 28 days; results on the case and averages per
team, agent and case type for staff."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.test import Client

from casework.automation.models import CaseType
from casework.cases import services as case_services
from casework.core import clock
from casework.core.actors import Actor
from casework.portal import services as portal_services
from casework.portal.models import Survey

pytestmark = pytest.mark.django_db


@pytest.fixture
def close(resolve: Any, django_capture_on_commit_callbacks: Any) -> Any:
    def do(case: Any) -> Any:
        with django_capture_on_commit_callbacks(execute=True):
            case = resolve(case)
            case_services.accept_resolution(case.contact, case)
        case.refresh_from_db()
        return case

    return do


def path_of(link: str) -> str:
    return "/portal/" + link.split("/portal/", 1)[1]


def test_closing_a_case_sends_one_survey_by_email_link(
    customer_case: Any, close: Any, notifications: list[Any]
) -> None:
    close(customer_case)
    survey = Survey.objects.get(case=customer_case)
    sent = [n for n in notifications if n.kind == "survey"]
    assert len(sent) == 1 and sent[0].case_id == customer_case.pk
    assert "/portal/survey/" in sent[0].context["link"]
    assert survey.expires_at - survey.sent_at == timedelta(days=28)


def test_a_case_reopened_before_closing_and_closed_twice_over_is_surveyed_once(
    customer_case: Any, resolve: Any, notifications: list[Any], django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        case = resolve(customer_case)
        case = case_services.reject_resolution(case.contact, case, reason="still broken")
        case = resolve(case)
        case_services.accept_resolution(case.contact, case)
    # The close event delivered again (a retried handler) makes no second survey.
    from casework.cases.events import CaseChanged
    from casework.portal.surveys import on_case_changed

    on_case_changed(
        CaseChanged(case_id=case.pk, actor=Actor.system(), changes={"status": ("resolved", "closed")})
    )
    assert Survey.objects.filter(case=case).count() == 1
    assert len([n for n in notifications if n.kind == "survey"]) == 1


def test_customer_answers_the_survey_once_by_its_link(
    customer_case: Any, close: Any, notifications: list[Any]
) -> None:
    close(customer_case)
    link = path_of(next(n for n in notifications if n.kind == "survey").context["link"])
    visitor = Client()
    page = visitor.get(link).content.decode()
    assert "How satisfied are you" in page
    assert visitor.post(link, {"score": "9"}).status_code == 422
    assert visitor.post(link, {"score": "4", "comment": "Quick, thanks"}).status_code == 200
    survey = Survey.objects.get(case=customer_case)
    assert survey.score == 4 and survey.comment == "Quick, thanks"
    assert visitor.post(link, {"score": "1"}).status_code == 409
    assert Survey.objects.get(case=customer_case).score == 4


def test_the_survey_closes_after_28_days(customer_case: Any, close: Any, notifications: list[Any]) -> None:
    with time_machine.travel(clock.now(), tick=False) as traveller:
        close(customer_case)
        link = path_of(next(n for n in notifications if n.kind == "survey").context["link"])
        traveller.shift(timedelta(days=28, minutes=1))
        response = Client().post(link, {"score": "5"})
    assert response.status_code == 400
    assert Survey.objects.get(case=customer_case).score is None


def test_the_closed_case_page_in_the_portal_offers_the_survey(
    portal: Client, customer_case: Any, close: Any
) -> None:
    close(customer_case)
    page = portal.get(f"/portal/cases/{customer_case.number}/").content.decode()
    assert "/portal/survey/" in page and "Tell us how we did" in page


def test_admins_can_switch_the_survey_to_nps(
    customer_case: Any, close: Any, admin_user: Any, notifications: list[Any]
) -> None:
    portal_services.update_branding(admin_user, name="Help", colour="#123456", survey_kind="nps")
    close(customer_case)
    link = path_of(next(n for n in notifications if n.kind == "survey").context["link"])
    assert "recommend us" in Client().get(link).content.decode()
    assert Client().post(link, {"score": "10"}).status_code == 200
    assert Survey.objects.get(case=customer_case).kind == "nps"


def test_results_show_on_the_case_and_as_averages_per_team_agent_and_case_type(
    customer: Any, team: Any, agent: Any, close: Any, lead: Any, api_as: Any, notifications: list[Any]
) -> None:
    hardware = CaseType.objects.create(name="Hardware", key="hardware")
    contact = customer.contact
    for score in (5, 3):
        case = case_services.open_case(
            Actor.customer(contact), title=f"Case {score}", contact=contact, team=team, case_type=hardware
        )
        close(case)
        survey = Survey.objects.get(case=case)
        Client().post(
            path_of(portal_services.link("/portal/survey/") + _token(survey)), {"score": str(score)}
        )
    status, body, _ = api_as(lead).get("/surveys")
    assert status == 200
    assert body["count"] == 2 and body["average"] == 4.0
    assert body["by_team"] == [
        {"id": team.pk, "name": "Support", "responses": 2, "average": 4.0, "nps": None}
    ]
    assert body["by_agent"][0]["name"] == agent.name and body["by_agent"][0]["average"] == 4.0
    assert body["by_case_type"][0]["name"] == "Hardware"
    # The case's representation carries its survey (cases.hooks.case_extras).
    from casework.cases import presenters

    assert presenters.case_dict(case)["survey"]["score"] == 3


def test_the_survey_results_are_for_staff_only(customer: Any) -> None:
    from casework.iam import services as iam_services

    token = iam_services.create_token(customer, "mine")[1]
    response = Client(HTTP_AUTHORIZATION=f"Bearer {token}").get("/api/v1/surveys")
    assert response.status_code == 403


def _token(survey: Survey) -> str:
    from casework.portal.surveys import survey_token

    return survey_token(survey)
