"""A partner agent sees only their partner teams' cases: list, read, search, timeline."""

from __future__ import annotations

import pytest

from casework.cases.selectors import CaseFilters, count_cases

pytestmark = pytest.mark.django_db


def test_partner_agent_cannot_list_read_or_search_other_teams_cases(
    api_as, lead, partner_agent, team
) -> None:
    lead_api = api_as(lead)
    partner_team = partner_agent.teams.get()
    ours = lead_api.post(
        "/cases", {"title": "Refund for the blue widget", "team": team.pk, "assignee": lead.pk}
    )[1]["number"]
    theirs = lead_api.post("/cases", {"title": "Refund for the red widget", "team": partner_team.pk})[1][
        "number"
    ]
    partner = api_as(partner_agent)
    assert [c["number"] for c in partner.get("/cases")[1]["items"]] == [theirs]
    assert [c["number"] for c in partner.get("/cases?q=refund")[1]["items"]] == [theirs]
    assert partner.get("/cases?q=blue")[1]["items"] == []
    assert partner.get(f"/cases/{ours}")[0] == 404
    assert partner.get(f"/cases/{ours}/timeline")[0] == 404
    assert partner.post(f"/cases/{ours}/notes", {"text": "peek"})[0] == 404
    assert count_cases(partner_agent, CaseFilters()) == 1
    # assigned by hand to a case outside the partner team: still not visible to the partner
    lead_api.patch(f"/cases/{ours}", {"assignee": partner_agent.pk})
    assert partner.get(f"/cases/{ours}")[0] == 404
    assert partner.get("/accounts")[0] == 200
