"""The routing pages: lead's view, why-not, presence widget, case panel."""

from __future__ import annotations

import pytest
from django.test import Client

from casework.routing.models import AgentState, PresenceChange
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    assert client.login(username=user.email, password=PASSWORD)
    return client


def test_lead_sees_queue_length_oldest_case_and_agents_load(lead, agent, team, make_case) -> None:
    AgentState.objects.create(user=agent, capacity=1, presence="online")
    make_case(title="Taken")
    waiting = make_case(title="Left waiting")
    page = signed_in(lead).get("/routing/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "1 waiting" in html and waiting.number in html
    assert "Alex Agent" in html and "1 / 1" in html


def test_lead_reassigns_a_waiting_case_from_the_queue_view(lead, agent, team, make_case) -> None:
    AgentState.objects.create(user=agent, capacity=0, presence="online")
    case = make_case(title="Nobody has room")
    response = signed_in(lead).post(f"/routing/case/{case.number}/reassign", {"assignee": agent.pk})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.assignee == agent


def test_agents_do_not_get_the_lead_view(agent) -> None:
    assert signed_in(agent).get("/routing/").status_code == 403


def test_why_not_page_names_each_agents_reason(lead, agent, team, make_case) -> None:
    AgentState.objects.create(user=agent, capacity=3, presence="away")
    case = make_case()
    html = signed_in(lead).get(f"/routing/case/{case.number}/why").content.decode()
    assert "Alex Agent" in html and "not: is away" in html


def test_agent_switches_presence_from_the_topbar_widget(agent) -> None:
    client = signed_in(agent)
    html = client.get("/routing/presence/widget").content.decode()
    assert 'value="offline" selected' in html
    html = client.post(
        "/routing/presence/widget", {"presence": "online"}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert 'value="online" selected' in html
    assert PresenceChange.objects.get(user=agent).after == "online"
    assert client.post("/routing/presence/widget", {"presence": "asleep"}).status_code == 422


def test_case_panel_shows_the_assignment_reason(agent, lead, team, make_case) -> None:
    AgentState.objects.create(user=agent, capacity=3, presence="online")
    case = make_case()
    html = signed_in(agent).get(f"/routing/case/{case.number}/panel").content.decode()
    assert "<html" not in html
    assert "Routed to <strong>Alex Agent</strong>" in html and "the only eligible agent" in html
    assert "Why not me" not in html
    assert "Why not me" in signed_in(lead).get(f"/routing/case/{case.number}/panel").content.decode()


def test_case_panel_of_another_teams_case_is_not_found(partner_agent, make_case) -> None:
    case = make_case()
    assert signed_in(partner_agent).get(f"/routing/case/{case.number}/panel").status_code == 404


def test_admin_screens_for_routing_open(db) -> None:
    from tests.factories import UserFactory

    boss = UserFactory(email="root@staff.example", role="admin", is_superuser=True)
    client = signed_in(boss)
    for model in (
        "teamrouting",
        "agentstate",
        "agentskill",
        "capacityweight",
        "routingrule",
        "presencechange",
    ):
        assert client.get(f"/admin/routing/{model}/").status_code == 200, model
