"""The views rail, saved views, list and board layouts, bulk actions, search and
new cases taken by phone."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from casework.cases import services
from casework.cases.selectors import get_case
from casework.core import clock
from casework.core.actors import Actor
from tests.factories import ContactFactory, TeamFactory, UserFactory


def numbers_on(response: Any) -> list[str]:
    return re.findall(r'name="case" value="([A-Z]+-\d+)"', response.content.decode())


def test_my_open_cases_shows_what_is_assigned_to_me(desk: Client, agent: Any, make_case: Any) -> None:
    mine = make_case(title="Invoice is wrong", assignee=agent, actor=Actor.agent(agent))
    make_case(title="Someone else's")
    response = desk.get("/?view=mine")
    assert response.status_code == 200
    assert numbers_on(response) == [mine.number]
    assert b"Invoice is wrong" in response.content


def test_unassigned_view_lists_new_cases_of_my_teams_only(desk: Client, make_case: Any) -> None:
    waiting = make_case(title="Nobody has this")
    make_case(title="Other team's", team=TeamFactory(name="Billing"))
    response = desk.get("/?view=unassigned")
    assert numbers_on(response) == [waiting.number]


def test_breaching_soon_lists_cases_due_within_the_hour_soonest_first(desk: Client, make_case: Any) -> None:
    later, sooner, tomorrow = make_case(title="later"), make_case(title="sooner"), make_case(title="tomorrow")
    now = clock.now()
    services.set_sla_due(later.pk, now + timedelta(minutes=50))
    services.set_sla_due(sooner.pk, now + timedelta(minutes=10))
    services.set_sla_due(tomorrow.pk, now + timedelta(days=1))
    response = desk.get("/?view=breaching")
    assert numbers_on(response) == [sooner.number, later.number]


def test_view_counts_load_after_the_page(desk: Client, agent: Any, make_case: Any) -> None:
    make_case(assignee=agent, actor=Actor.agent(agent))
    make_case()
    response = desk.get("/views/counts", headers={"HX-Request": "true"})
    html = response.content.decode()
    assert re.search(r'id="count-mine"[^>]*>1<', html)
    assert re.search(r'id="count-unassigned"[^>]*>1<', html)


def test_agent_saves_a_filtered_view_and_teammates_see_it_when_shared(
    desk: Client, agent: Any, team: Any, make_case: Any
) -> None:
    vip = make_case(title="VIP down", tags=["vip"])
    make_case(title="Ordinary")
    filtered = desk.get("/?view=recent&tag=vip")
    assert numbers_on(filtered) == [vip.number]
    response = desk.post(
        "/views/save",
        {"name": "VIP", "tag": "vip", "sort": "-created", "col": ["number", "title"], "team": str(team.pk)},
    )
    assert response.status_code == 302
    saved_url = response["Location"]
    page = desk.get(saved_url)
    assert numbers_on(page) == [vip.number]
    assert b"VIP" in page.content
    teammate = UserFactory(role="agent", teams=[team])
    other = Client()
    other.force_login(teammate)
    assert numbers_on(other.get(saved_url)) == [vip.number]
    stranger = Client()
    stranger.force_login(UserFactory(role="agent", teams=[TeamFactory()]))
    assert b"VIP down" not in stranger.get(saved_url).content


def test_a_private_view_stays_private(desk: Client, team: Any) -> None:
    desk.post("/views/save", {"name": "Mine only", "status": ["open"]})
    teammate = Client()
    teammate.force_login(UserFactory(role="agent", teams=[team]))
    assert b"Mine only" not in teammate.get("/").content


def test_saved_view_refuses_a_filter_the_api_would_refuse(desk: Client) -> None:
    desk.post("/views/save", {"name": "Broken", "status": ["sleeping"]}, follow=False)
    response = desk.get("/?view=recent&status=sleeping", follow=True)
    assert b"unknown status" in response.content


def test_list_pages_through_cases_with_a_cursor(desk: Client, make_case: Any) -> None:
    for i in range(55):
        make_case(title=f"Case {i}")
    first = desk.get("/?view=recent")
    assert len(numbers_on(first)) == 50
    next_url = re.search(r'href="([^"]+)" rel="next"', first.content.decode()).group(1).replace("&amp;", "&")
    second = desk.get("/" + next_url)
    assert len(numbers_on(second)) == 5
    assert not set(numbers_on(first)) & set(numbers_on(second))


def test_list_page_queries_do_not_grow_with_rows(desk: Client, make_case: Any) -> None:
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert desk.get("/?view=recent").status_code == 200
        return len(queries)

    for i in range(3):
        make_case(title=f"few {i}", tags=["a", f"t{i}"], contact=ContactFactory())
    few = count()
    for i in range(20):
        make_case(title=f"many {i}", tags=["b", f"u{i}"], contact=ContactFactory())
    assert count() == few


def test_board_shows_a_column_per_status_and_moves_cards_by_the_lifecycle(
    desk: Client, agent: Any, make_case: Any
) -> None:
    case = make_case(title="Move me")
    board = desk.get("/board?view=recent")
    assert b'data-drop-status="pending"' in board.content and b"Move me" in board.content
    moved = desk.post(f"/cases/{case.number}/status", {"status": "pending"}, headers={"HX-Request": "true"})
    assert moved.status_code == 200 and moved["HX-Trigger"] == "board-changed"
    assert get_case(agent, case.number).status == "pending"
    refused = desk.post(f"/cases/{case.number}/status", {"status": "new"}, headers={"HX-Request": "true"})
    assert b"cannot go from pending to new" in refused.content
    resolve = desk.post(
        f"/cases/{case.number}/status", {"status": "resolved"}, headers={"HX-Request": "true"}
    )
    assert b"resolution summary is required" in resolve.content
    assert get_case(agent, case.number).status == "pending"


def test_bulk_assign_and_tag_selected_cases(desk: Client, agent: Any, make_case: Any) -> None:
    one, two = make_case(title="one"), make_case(title="two")
    desk.post("/cases/bulk", {"action": "assign_me", "case": [one.number, two.number]})
    desk.post("/cases/bulk", {"action": "tag", "value": "billing", "case": [one.number]})
    desk.post("/cases/bulk", {"action": "priority", "value": "urgent", "case": [two.number]})
    first, second = get_case(agent, one.number), get_case(agent, two.number)
    assert first.assignee == agent and second.assignee == agent
    assert [t.name for t in first.tags.all()] == ["billing"]
    assert second.priority_label == "urgent"


def test_search_by_number_jumps_to_the_case(desk: Client, make_case: Any) -> None:
    case = make_case()
    response = desk.get("/search", {"q": case.number.lower()})
    assert response.status_code == 302 and response["Location"] == f"/cases/{case.number}/"


def test_search_finds_cases_contacts_and_accounts_the_agent_may_see(desk: Client, make_case: Any) -> None:
    customer = ContactFactory(name="Zelda Quartz")
    make_case(title="Quartz watch stopped", contact=customer)
    make_case(title="Quartz elsewhere", team=TeamFactory(name="Hidden team"))
    response = desk.get("/search", {"q": "quartz"})
    html = response.content.decode()
    assert "Quartz watch stopped" in html
    assert "Quartz elsewhere" not in html
    assert "Zelda Quartz" in html


def test_new_case_taken_by_phone_for_a_new_contact(desk: Client, agent: Any, team: Any) -> None:
    response = desk.post(
        "/cases/new",
        {
            "new_name": "Phil Phone",
            "new_email": "phil@customer.example",
            "new_phone": "+44 20 7946 0000",
            "title": "Cannot log in",
            "description": "Called at 9:05",
            "priority": "high",
            "team": str(team.pk),
            "assign_me": "1",
            "idempotency_key": "phone-1",
        },
    )
    assert response.status_code == 302
    number = response["Location"].split("/")[2]
    case = get_case(agent, number)
    assert case.channel == "phone" and case.contact.name == "Phil Phone" and case.assignee == agent
    assert case.contact.phone == "+44 20 7946 0000"
    again = desk.post(
        "/cases/new",
        {"new_email": "phil@customer.example", "title": "Cannot log in", "idempotency_key": "phone-1"},
    )
    assert again["Location"] == response["Location"]  # a double submit opens one case


def test_new_case_for_an_existing_contact_found_by_search(desk: Client, contact: Any) -> None:
    choices = desk.get("/contacts/lookup", {"q": "casey"})
    assert f'value="{contact.pk}"'.encode() in choices.content
    response = desk.post("/cases/new", {"contact": str(contact.pk), "title": "Walk-in question"})
    assert response.status_code == 302


def test_new_case_without_a_title_says_so(desk: Client, contact: Any) -> None:
    response = desk.post("/cases/new", {"contact": str(contact.pk), "title": "  "})
    assert response.status_code == 422
    assert b"a case needs a title" in response.content


@pytest.mark.parametrize("path", ["/", "/board", "/search?q=x", "/cases/new"])
def test_customers_cannot_open_the_workspace(db: Any, contact: Any, path: str) -> None:
    client = Client()
    client.force_login(UserFactory(role="customer"))
    assert client.get(path).status_code == 403


@pytest.mark.parametrize(
    "path",
    [
        "/search?q=%22unbalanced",
        "/search?q=CS-999999",
        "/search?q=AND%20OR%20NOT",
        "/?view=recent&cursor=not-a-cursor",
        "/?view=recent&sort=shoe-size",
        "/?view=recent&team=abc",
        "/?view=recent&created_after=yesterday",
        "/?view=saved-999",
        "/cases/new?contact=abc",
        "/cases/NOPE-1/",
    ],
)
def test_odd_input_gets_an_answer_never_a_server_error(desk: Client, path: str) -> None:
    response = desk.get(path, follow=True)
    assert response.status_code in {200, 404}


def test_board_queries_do_not_grow_with_cards(desk: Client, make_case: Any) -> None:
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert desk.get("/board?view=recent").status_code == 200
        return len(queries)

    make_case(title="one", tags=["x"])
    few = count()
    for i in range(12):
        make_case(title=f"more {i}", tags=[f"y{i}"], contact=ContactFactory())
    assert count() == few


def test_a_saved_view_shows_only_its_chosen_columns(desk: Client, make_case: Any) -> None:
    make_case(title="Column check")
    location = desk.post("/views/save", {"name": "Narrow", "col": ["number", "title"]})["Location"]
    html = desk.get(location).content.decode()
    assert "Column check" in html
    assert 'class="col-customer"' not in html and 'class="col-number"' in html
