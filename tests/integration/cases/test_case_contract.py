"""Parts of the case contract a lead relies on: search that never lags a change,
date-range filters, cursor pages in every sort order, scoped counts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.db import transaction

from casework.cases import selectors, services
from casework.cases.models import Case
from casework.core.actors import Actor
from tests.factories import ApiClient, TeamFactory

pytestmark = pytest.mark.django_db


def numbers(page: Any) -> list[str]:
    return [c.number for c in page.items]


def search(user: Any, q: str) -> list[str]:
    return numbers(selectors.list_cases(user, selectors.CaseFilters(q=q)))


def test_search_follows_a_title_change_inside_the_same_transaction(agent, team) -> None:
    actor = Actor.agent(agent)
    case = services.open_case(actor, title="Printer on fire", team=team)

    class Undo(Exception):
        pass

    with pytest.raises(Undo), transaction.atomic():
        services.update_case(actor, case, {"title": "Scanner jammed"})
        assert search(agent, "scanner") == [case.number]  # already findable before the commit
        assert search(agent, "printer") == []
        raise Undo
    assert search(agent, "printer") == [case.number]  # the rolled-back title left no trace
    assert search(agent, "scanner") == []


def test_search_finds_a_case_by_its_new_title_and_description_over_the_api(api: ApiClient, team) -> None:
    number = api.post("/cases", {"title": "Printer on fire", "team": team.pk})[1]["number"]
    api.patch(f"/cases/{number}", {"title": "Toner everywhere", "description": "The carpet is ruined"})
    assert [c["number"] for c in api.get("/cases?q=toner")[1]["items"]] == [number]
    assert [c["number"] for c in api.get("/cases?q=carpet")[1]["items"]] == [number]
    assert api.get("/cases?q=printer")[1]["items"] == []


def test_created_and_updated_ranges_filter_the_list(api: ApiClient, team) -> None:
    start = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    made = {}
    for day in range(4):
        with time_machine.travel(start + timedelta(days=day), tick=False):
            made[day] = api.post("/cases", {"title": f"Day {day}", "team": team.pk})[1]["number"]
    with time_machine.travel(start + timedelta(days=10), tick=False):
        api.patch(f"/cases/{made[0]}", {"priority": "high"})

    def listed(query: str) -> set[str]:
        status, body, _ = api.get(f"/cases?{query}")
        assert status == 200, body
        return {c["number"] for c in body["items"]}

    assert listed("created_after=2026-03-03T00:00:00Z") == {made[1], made[2], made[3]}
    assert listed("created_before=2026-03-03T00:00:00Z") == {made[0]}
    assert listed("created_after=2026-03-03T00:00:00Z&created_before=2026-03-05T00:00:00Z") == {
        made[1],
        made[2],
    }
    assert listed("updated_after=2026-03-10T00:00:00Z") == {made[0]}
    assert listed("updated_before=2026-03-04T00:00:00Z") == {made[1]}
    assert listed("updated_before=2026-03-06T00:00:00Z") == {made[1], made[2], made[3]}


@pytest.mark.parametrize(
    "sort",
    ["created", "-created", "updated", "-updated", "priority", "-priority", "status", "number", "sla_due"],
)
def test_cursor_pages_visit_every_case_once_in_every_sort_order(api: ApiClient, team, sort: str) -> None:
    for i, priority in enumerate(["low", "high", "normal", "urgent", "high", "low", "normal"]):
        api.post("/cases", {"title": f"Case {i}", "team": team.pk, "priority": priority})
    Case.objects.filter(title__in=["Case 1", "Case 4"]).update(sla_due_at=datetime(2026, 5, 1, tzinfo=UTC))
    seen: list[str] = []
    cursor = ""
    for _ in range(10):
        body = api.get(f"/cases?sort={sort}&limit=2{cursor}")[1]
        seen += [c["number"] for c in body["items"]]
        if not body["next_cursor"]:
            break
        cursor = f"&cursor={body['next_cursor']}"
    assert sorted(seen) == sorted(Case.objects.values_list("number", flat=True))
    assert len(seen) == len(set(seen)) == 7


def test_an_agent_opening_a_case_without_a_team_files_it_in_their_team(api: ApiClient, team) -> None:
    status, body, _ = api.post("/cases", {"title": "Walk-in customer"}, **{"Idempotency-Key": "walk-in-1"})
    assert status == 201 and body["number"] and body["team"]["name"] == team.name
    again = api.post("/cases", {"title": "Walk-in customer"}, **{"Idempotency-Key": "walk-in-1"})
    assert again[0] == 201 and again[1]["number"] == body["number"]
    assert Case.objects.count() == 1
    listed = [c["number"] for c in api.get("/cases?q=walk")[1]["items"]]
    assert listed == [body["number"]]


def test_partner_agent_counts_only_their_partner_teams_cases(api_as, lead, partner_agent, team) -> None:
    partner_team = partner_agent.teams.get()
    lead_api = api_as(lead)
    for title, t in [("Refund for the blue widget", team), ("Refund for the red widget", partner_team)]:
        lead_api.post("/cases", {"title": title, "team": t.pk})
    lead_api.post("/cases", {"title": "Invoice question", "team": TeamFactory(name="Elsewhere").pk})
    count = selectors.count_cases
    assert count(partner_agent, selectors.CaseFilters()) == 1
    assert count(partner_agent, selectors.CaseFilters(q="refund")) == 1
    assert count(partner_agent, selectors.CaseFilters(status=["new"])) == 1
    assert count(partner_agent, selectors.CaseFilters(q="invoice")) == 0
    assert count(lead, selectors.CaseFilters(q="refund")) == 2
    assert count(lead, selectors.CaseFilters()) == 3
