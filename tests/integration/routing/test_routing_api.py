"""The routing API as an integrator or the workspace meets it."""

from __future__ import annotations

import pytest

from casework.routing.models import AgentState, PresenceChange
from tests.factories import ApiClient, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_lead_manages_ordered_routing_rules(lead, team) -> None:
    api = ApiClient(lead)
    status, first, _ = api.post(
        "/routing-rules",
        {
            "name": "German billing",
            "conditions": [
                {"field": "language", "op": "is", "value": "de"},
                {"field": "tags", "op": "in", "value": ["billing"]},
            ],
            "team": team.pk,
            "mandatory_skills": {"Billing": 3},
            "optional_skills": {"german": 4},
            "priority_adjustment": 1,
        },
    )
    assert status == 201, first
    assert first["mandatory_skills"] == {"billing": 3} and first["position"] == 0
    second = api.post("/routing-rules", {"name": "Catch-all"})[1]
    assert second["position"] == 1
    status, ordered, _ = api.call("PUT", "/routing-rules/order", {"order": [second["id"], first["id"]]})
    assert status == 200 and [r["name"] for r in ordered] == ["Catch-all", "German billing"]
    status, patched, _ = api.patch(f"/routing-rules/{first['id']}", {"is_active": False})
    assert status == 200 and patched["is_active"] is False
    status, _, _ = api.call("DELETE", f"/routing-rules/{second['id']}")
    assert status == 204
    assert [r["name"] for r in api.get("/routing-rules")[1]] == ["German billing"]


def test_bad_rules_get_a_clear_error_naming_the_field(lead) -> None:
    api = ApiClient(lead)
    status, body, _ = api.post("/routing-rules", {"name": "x", "mandatory_skills": {"billing": 7}})
    assert status == 422 and body["field"] == "mandatory_skills.billing"
    status, body, _ = api.post(
        "/routing-rules", {"name": "x", "conditions": [{"field": "mood", "op": "is", "value": "angry"}]}
    )
    assert status == 422 and body["field"] == "conditions[0].field"
    status, body, _ = api.post("/routing-rules", {"name": "x", "colour": "red"})
    assert status == 422
    assert api.get("/routing-rules/999")[0] == 404


def test_agents_may_not_edit_routing_rules(api) -> None:
    assert api.get("/routing-rules")[0] == 403
    assert api.post("/routing-rules", {"name": "Mine"})[0] == 403


def test_agent_sets_own_presence_and_a_lead_sets_anyones(agent, lead) -> None:
    me = ApiClient(agent)
    status, body, _ = me.call("PUT", "/me/presence", {"presence": "online"})
    assert status == 200 and body == {"user": agent.pk, "presence": "online"}
    assert me.get("/me/presence")[1]["presence"] == "online"
    status, body, _ = ApiClient(lead).call("PUT", f"/users/{agent.pk}/presence", {"presence": "away"})
    assert status == 200 and body["presence"] == "away"
    assert me.call("PUT", f"/users/{lead.pk}/presence", {"presence": "offline"})[0] == 403
    assert me.call("PUT", "/me/presence", {"presence": "sleeping"})[0] == 422
    assert PresenceChange.objects.filter(user=agent).count() == 2


def test_users_carry_skills_capacity_and_presence(admin_user, agent) -> None:
    api = ApiClient(admin_user)
    status, body, _ = api.patch(f"/users/{agent.pk}", {"skills": {"billing": 4, "german": 5}, "capacity": 8})
    assert status == 200, body
    assert body["skills"] == {"billing": 4, "german": 5} and body["capacity"] == 8
    assert body["presence"] == "offline" and body["load"] == 0
    listed = {u["id"]: u for u in api.get("/users")[1]}
    assert listed[agent.pk]["skills"] == {"billing": 4, "german": 5}
    status, body, _ = api.patch(f"/users/{agent.pk}", {"skills": {"billing": 6}})
    assert status == 422 and body["field"] == "skills.billing"
    status, created, _ = api.post(
        "/users", {"email": "new@staff.example", "skills": {"vip": 2}, "capacity": 3}
    )
    assert status == 201 and created["skills"] == {"vip": 2} and created["capacity"] == 3


def test_lead_sets_a_teams_strategy_fallback_and_overflow(lead, team) -> None:
    night = TeamFactory(name="Night")
    api = ApiClient(lead)
    status, body, _ = api.patch(
        f"/teams/{team.pk}", {"strategy": "round_robin", "fallback_team": night.pk, "overflow_minutes": 15}
    )
    assert status == 200, body
    assert body["strategy"] == "round_robin" and body["fallback_team"] == night.pk
    assert body["overflow_minutes"] == 15
    assert api.patch(f"/teams/{team.pk}", {"strategy": "lottery"})[0] == 422
    assert api.patch(f"/teams/{team.pk}", {"fallback_team": team.pk})[0] == 422
    listed = {t["id"]: t for t in api.get("/teams")[1]}
    assert listed[team.pk]["strategy"] == "round_robin" and listed[night.pk]["strategy"] == "skills_capacity"


def test_team_queue_shows_waiting_cases_and_agents_load(lead, team, make_case) -> None:
    ann = UserFactory(name="Ann", teams=[team])
    AgentState.objects.create(user=ann, capacity=1, presence="online")
    make_case(title="Taken")
    waiting = make_case(title="Waiting", priority="high")
    status, body, _ = ApiClient(lead).get(f"/teams/{team.pk}/queue")
    assert status == 200, body
    assert body["queue_length"] == 1 and body["oldest_waiting"]["number"] == waiting.number
    ann_row = next(a for a in body["agents"] if a["name"] == "Ann")
    assert ann_row["load"] == 1 and ann_row["capacity"] == 1 and body["agents_online"] == 1
    assert body["waiting"][0]["why"].startswith("nobody is eligible")


def test_case_api_carries_the_assignment_reason(agent, team, make_case) -> None:
    AgentState.objects.create(user=agent, capacity=3, presence="online")
    case = make_case()
    body = ApiClient(agent).get(f"/cases/{case.number}")[1]
    assert body["assignment_reason"]["winner"] == "Alex Agent"


def test_why_not_me_explains_each_agent_of_the_team(lead, agent, team, make_case) -> None:
    AgentState.objects.create(user=agent, capacity=3, presence="away")
    case = make_case()
    status, body, _ = ApiClient(lead).get(f"/cases/{case.number}/routing")
    assert status == 200
    verdicts = {a["name"]: a for a in body["agents"]}
    assert verdicts["Alex Agent"]["why_not"] == "is away"
    assert body["case"]["waiting"] is True


def test_queue_and_why_not_are_for_leads(api, team, make_case) -> None:
    case = make_case()
    assert api.get(f"/teams/{team.pk}/queue")[0] == 403
    assert api.get(f"/cases/{case.number}/routing")[0] == 403
