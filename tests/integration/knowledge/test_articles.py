"""The knowledge base: Markdown made safe, drafts/published/archived, internal
articles, history of who changed what, search (and searches that found
nothing), feedback and views, and the API agents manage articles with."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from casework.knowledge import selectors, services
from casework.knowledge.models import SearchGap

pytestmark = pytest.mark.django_db


@pytest.fixture
def published(agent: Any) -> Any:
    return services.create_article(
        agent,
        title="Reset your password",
        body="Open **Sign in** and choose *Forgot password*.",
        status="published",
        tags=["Login"],
    )


def test_markdown_with_script_and_javascript_links_is_neutralised(agent: Any) -> None:
    article = services.create_article(
        agent,
        title="Dangerous",
        body="<script>alert(1)</script>\n\n[click](javascript:alert(2)) <img src=x onerror=alert(3)>\n\n"
        "[ok](https://example.com)",
        status="published",
    )
    html = Client().get(f"/kb/{article.slug}").content.decode()
    body = html.split('class="article-body">', 1)[1].split("</div>", 1)[0]
    assert "<script" not in body and 'href="javascript' not in body.lower() and "<img" not in body
    assert "&lt;script&gt;" in body  # shown as text, never run
    assert 'href="https://example.com"' in body


def test_customers_find_published_articles_only(agent: Any, published: Any) -> None:
    draft = services.create_article(agent, title="Reset draft notes", body="password", status="draft")
    internal = services.create_article(
        agent, title="Reset password for VIPs", body="password", status="published", is_internal=True
    )
    page = Client().get("/kb/", {"q": "password"}).content.decode()
    assert "Reset your password" in page
    assert "Reset draft notes" not in page and "VIPs" not in page
    assert Client().get(f"/kb/{draft.slug}").status_code == 404
    assert Client().get(f"/kb/{internal.slug}").status_code == 404
    staff = Client()
    staff.force_login(agent)
    assert "VIPs" in staff.get("/kb/", {"q": "password"}).content.decode()


def test_an_archived_article_is_no_longer_found(agent: Any, published: Any) -> None:
    services.update_article(agent, published, {"status": "archived"})
    assert selectors.search_articles(None, "password") == []
    assert Client().get(f"/kb/{published.slug}").status_code == 404
    assert "Reset your password" not in Client().get("/kb/", {"q": "password"}).content.decode()
    assert selectors.suggest_for_text(None, "reset password") == []


def test_every_change_is_kept_with_who_changed_what(agent: Any, lead: Any, published: Any) -> None:
    services.update_article(lead, published, {"body": "New steps", "tags": ["login", "sso"]})
    services.update_article(agent, published, {"title": "Reset your password quickly"})
    history = list(selectors.versions(published))
    assert [v.number for v in history] == [3, 2, 1]
    assert history[0].changed_by == agent and history[0].changed_fields == ["title"]
    assert history[1].changed_by == lead and sorted(history[1].changed_fields) == ["body", "tags"]
    assert history[2].changed_fields == ["created"]


def test_a_search_that_finds_nothing_is_logged_for_the_kb_owners(
    published: Any, lead: Any, api_as: Any
) -> None:
    Client().get("/kb/", {"q": "quantum flux"})
    Client().get("/kb/", {"q": "quantum flux"})
    Client().get("/kb/", {"q": "password"})
    assert list(SearchGap.objects.values_list("query", flat=True)) == ["quantum flux", "quantum flux"]
    status, body, _ = api_as(lead).get("/kb/search-gaps")
    assert status == 200 and body == [{"query": "quantum flux", "count": 2}]


def test_views_and_was_this_helpful_are_counted(published: Any) -> None:
    visitor = Client()
    visitor.get(f"/kb/{published.slug}")
    visitor.get(f"/kb/{published.slug}")
    visitor.post(f"/kb/{published.slug}/feedback", {"helpful": "yes"})
    answer = visitor.post(f"/kb/{published.slug}/feedback", {"helpful": "no"}, HTTP_HX_REQUEST="true")
    assert "Thank you" in answer.content.decode()
    published.refresh_from_db()
    assert (published.view_count, published.helpful_yes, published.helpful_no) == (2, 1, 1)


def test_agents_manage_articles_through_the_api(api: Any, agent: Any) -> None:
    category = services.create_category("Billing")
    status, created, _response = api.post(
        "/articles",
        {
            "title": "Refunds",
            "body": "We refund within **5 days**.",
            "category": category.pk,
            "tags": ["Refund"],
        },
    )
    assert status == 201 and created["status"] == "draft" and created["tags"] == ["refund"]
    assert "<strong>5 days</strong>" in created["body_html"]
    status, body, _ = api.patch(f"/articles/{created['id']}", {"status": "published"}, **{"If-Match": '"1"'})
    assert status == 200 and body["version"] == 2
    status, body, _ = api.patch(f"/articles/{created['id']}", {"title": "Stale"}, **{"If-Match": '"1"'})
    assert status == 412
    status, body, _ = api.patch(f"/articles/{created['id']}", {"colour": "red"})
    assert status == 422 and body["field"] == "colour"
    status, body, _ = api.get("/articles?q=refund")
    assert [a["title"] for a in body["items"]] == ["Refunds"]
    status, versions, _ = api.get(f"/articles/{created['id']}/versions")
    assert [v["changed_fields"] for v in versions] == [["status"], ["created"]]
    assert versions[0]["changed_by"]["id"] == agent.pk


def test_partner_agents_and_customers_cannot_write_articles(partner_agent: Any, api_as: Any) -> None:
    status, _body, _ = api_as(partner_agent).post("/articles", {"title": "Mine"})
    assert status == 403


def test_editors_write_in_the_workspace(agent: Any) -> None:
    client = Client()
    client.force_login(agent)
    response = client.post(
        "/kb/manage/new", {"title": "How to print", "body": "Press *print*.", "status": "published"}
    )
    assert response.status_code == 302
    article = selectors.search_manageable(agent, "print")[0]
    assert article.body_html.strip() == "<p>Press <em>print</em>.</p>"
    page = client.get(f"/kb/manage/{article.pk}/edit").content.decode()
    assert "History" in page and "Alex Agent" in page
    customer_view = Client().get("/kb/manage/")
    assert customer_view.status_code == 302  # to the sign-in page
