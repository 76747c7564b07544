"""Agents and the KB on the case page: suggested articles for the case's text,
link an article, send it in a reply, create an article from the case."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from casework.cases import selectors as case_selectors
from casework.cases import services as case_services
from casework.core.actors import Actor
from casework.knowledge import services

pytestmark = pytest.mark.django_db


@pytest.fixture
def articles(agent: Any) -> list[Any]:
    return [
        services.create_article(
            agent, title="Printer labels stopped printing", body="Re-select the printer.", status="published"
        ),
        services.create_article(
            agent, title="Invoice VAT rates", body="VAT follows the address.", status="published"
        ),
    ]


@pytest.fixture
def workspace(agent: Any) -> Client:
    client = Client()
    client.force_login(agent)
    return client


def test_the_panel_suggests_articles_matching_the_case(
    workspace: Client, make_case: Any, articles: list[Any]
) -> None:
    case = make_case(title="Labels not printing since the update", description="The printer is silent")
    html = workspace.get(f"/kb/case/{case.number}/panel").content.decode()
    assert "Printer labels stopped printing" in html
    assert "Invoice VAT rates" not in html
    assert "<html" not in html  # a fragment for the case page
    assert f"/kb/manage/new?case={case.number}" in html


def test_another_teams_case_has_no_panel(make_case: Any, articles: list[Any]) -> None:
    from tests.factories import UserFactory

    outsider = UserFactory(email="other@staff.example", role="agent")
    case = make_case()
    client = Client()
    client.force_login(outsider)
    assert client.get(f"/kb/case/{case.number}/panel").status_code == 404


def test_linking_an_article_records_it_on_the_case(
    workspace: Client, make_case: Any, articles: list[Any], agent: Any
) -> None:
    case = make_case(title="Labels not printing")
    workspace.post(f"/kb/case/{case.number}/link/{articles[0].pk}", HTTP_HX_REQUEST="true")
    workspace.post(f"/kb/case/{case.number}/link/{articles[0].pk}", HTTP_HX_REQUEST="true")  # once only
    events = [e for e in case_selectors.timeline(agent, case) if e.kind == "article_linked"]
    assert len(events) == 1 and events[0].data["article"]["title"] == "Printer labels stopped printing"
    assert events[0].visibility == "internal"


def test_sending_an_article_posts_it_to_the_customer_as_a_reply(
    workspace: Client, make_case: Any, articles: list[Any], agent: Any
) -> None:
    case = make_case(title="Labels not printing")
    workspace.post(f"/kb/case/{case.number}/link/{articles[0].pk}", {"send": "1"}, HTTP_HX_REQUEST="true")
    replies = [m for m in case_selectors.messages(case, public_only=True) if m.direction == "outbound"]
    assert len(replies) == 1
    assert f"/kb/{articles[0].slug}" in replies[0].text


def test_an_article_is_created_from_the_case_with_its_resolution(
    workspace: Client, make_case: Any, agent: Any
) -> None:
    case = make_case(title="Scanner jams", description="Paper jams at page 2")
    actor = Actor.agent(agent)
    case = case_services.assign(actor, case, assignee=agent)
    case_services.change_status(
        actor, case, "resolved", resolution_code="solved", resolution_summary="Clean the rollers."
    )
    form = workspace.get(f"/kb/manage/new?case={case.number}").content.decode()
    assert "Scanner jams" in form and "Clean the rollers." in form
    workspace.post(
        f"/kb/manage/new?case={case.number}",
        {"title": "Scanner jams", "body": "Clean the rollers.", "status": "draft"},
    )
    from casework.knowledge.selectors import search_manageable

    article = search_manageable(agent, "scanner")[0]
    assert article.source_case_id == case.pk
