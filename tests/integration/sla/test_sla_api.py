"""The SLA API as an integrator meets it: calendars, policies, entitlements, clocks on cases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from casework.cases import services as case_services
from casework.core.actors import Actor
from tests.factories import ApiClient

pytestmark = pytest.mark.django_db

HOURS = {"mon": [["08:00", "12:00"], ["13:00", "17:30"]], "tue": [["08:00", "17:00"]]}


@pytest.fixture
def lead_api(lead) -> ApiClient:
    return ApiClient(lead)


def test_lead_sets_up_a_calendar_and_policy(lead_api: ApiClient) -> None:
    status, cal, _ = lead_api.post(
        "/calendars",
        {"name": "Berlin office", "time_zone": "Europe/Berlin", "hours": HOURS, "holiday_country": "DE"},
    )
    assert status == 201, cal
    assert lead_api.get(f"/calendars/{cal['id']}")[1]["hours"] == HOURS
    status, policy, _ = lead_api.post(
        "/sla-policies",
        {
            "name": "Gold",
            "calendar": cal["id"],
            "priorities": ["high", "urgent"],
            "targets": {"first_response": {"high": 60, "urgent": {"minutes": 30, "business": False}}},
            "breach_actions": {"raise_priority": "urgent"},
        },
    )
    assert status == 201, policy
    assert policy["warn_percents"] == [50, 75] and policy["pause_statuses"] == ["pending", "on_hold"]
    status, changed, _ = lead_api.patch(f"/sla-policies/{policy['id']}", {"position": 5, "version": 1})
    assert status == 200 and changed["position"] == 5 and changed["version"] == 2
    assert [p["name"] for p in lead_api.get("/sla-policies")[1]] == ["Gold"]


def test_overlapping_intervals_are_refused_naming_the_field(lead_api: ApiClient) -> None:
    status, body, _ = lead_api.post(
        "/calendars", {"name": "Broken", "hours": {"mon": [["08:00", "12:00"], ["11:00", "13:00"]]}}
    )
    assert status == 422 and body["field"] == "hours" and "overlap" in body["message"]
    status, body, _ = lead_api.post(
        "/calendars", {"name": "Nowhere", "time_zone": "Mars/Olympus", "hours": HOURS}
    )
    assert status == 422 and body["field"] == "time_zone"


def test_targets_must_be_positive(lead_api: ApiClient) -> None:
    status, body, _ = lead_api.post(
        "/sla-policies", {"name": "Zero", "targets": {"resolution": {"normal": 0}}}
    )
    assert status == 422 and body["field"] == "targets"
    status, body, _ = lead_api.post("/sla-policies", {"name": "Typo", "targets": {"resolve": {"normal": 5}}})
    assert status == 422 and body["field"] == "targets"
    status, body, _ = lead_api.post("/sla-policies", {"name": "Extra", "targets": {}, "colour": "red"})
    assert status == 422 and body["field"] == "colour"


def test_agents_read_but_do_not_change_sla_configuration(api: ApiClient) -> None:
    assert api.get("/sla-policies")[0] == 200
    status, _body, _ = api.post("/calendars", {"name": "Mine", "hours": HOURS})
    assert status == 403


def test_entitlements_are_created_and_updated(lead_api: ApiClient, contact) -> None:
    status, ent, _ = lead_api.post(
        "/entitlements",
        {"name": "Prepaid 10", "account": contact.account_id, "unit": "cases", "total": 10, "restrict": True},
    )
    assert status == 201, ent
    assert ent["remaining"] == 10.0
    status, ent, _ = lead_api.patch(f"/entitlements/{ent['id']}", {"remaining": 3})
    assert status == 200 and ent["remaining"] == 3.0
    status, body, _ = lead_api.post(
        "/entitlements",
        {
            "name": "Backwards",
            "account": contact.account_id,
            "starts_on": "2026-12-01",
            "ends_on": "2026-01-01",
        },
    )
    assert status == 422 and body["field"] == "ends_on"
    status, body, _ = lead_api.post("/entitlements", {"name": "Nobody's"})
    assert status == 422 and body["field"] == "account"


def test_restricted_entitlement_refuses_a_case_through_the_api(lead_api: ApiClient, contact, team) -> None:
    lead_api.post(
        "/entitlements",
        {"name": "Used up", "account": contact.account_id, "unit": "cases", "total": 0, "restrict": True},
    )
    status, body, _ = lead_api.post("/cases", {"title": "Help", "team": team.pk, "contact": contact.pk})
    assert status == 409 and body["field"] == "entitlement"
    assert "Used up" in body["message"]


def test_case_carries_its_clocks_and_entitlement(
    traveller, policy, lead_api: ApiClient, contact, team
) -> None:
    lead_api.post("/entitlements", {"name": "Standard plan", "account": contact.account_id})
    status, case, _ = lead_api.post("/cases", {"title": "VPN down", "team": team.pk, "contact": contact.pk})
    assert status == 201
    assert case["entitlement"]["name"] == "Standard plan"
    metrics = {c["metric"]: c for c in case["sla"]}
    assert set(metrics) == {"first_response", "resolution"}
    assert metrics["first_response"]["state"] == "running"
    assert metrics["first_response"]["due_at"].startswith("2026-11-23T14:00")
    status, clocks, _ = lead_api.get(f"/cases/{case['number']}/sla")
    assert status == 200
    assert [h["kind"] for h in clocks[0]["history"]] == ["started"]


def test_a_cases_clocks_read_with_its_row_are_the_stored_ones(
    traveller, policy, make_case, lead_api, agent
) -> None:
    """The clocks ride along with the case's row (one query for both): every value
    as stored, on a page as on the case alone, times to the microsecond."""
    from django.core.serializers.json import DjangoJSONEncoder

    from casework.cases import presenters
    from casework.sla.models import SlaClock

    case = make_case(priority="urgent")
    case_services.post_reply(Actor.agent(agent), case, text="On it")  # first response met
    shown = lead_api.get(f"/cases/{case.number}")[1]["sla"]
    listed = next(c for c in lead_api.get("/cases")[1]["items"] if c["number"] == case.number)["sla"]
    encode = DjangoJSONEncoder().default
    stored = {
        c.metric: {
            "state": c.state,
            "paused_seconds": c.paused_seconds,
            **{
                f: encode(getattr(c, f)) if getattr(c, f) else None
                for f in ("started_at", "due_at", "met_at")
            },
        }
        for c in SlaClock.objects.filter(case=case)
    }
    assert stored["first_response"]["met_at"] is not None
    for clocks in (shown, listed):
        assert {c["metric"]: {k: c[k] for k in stored["first_response"]} for c in clocks} == stored
    exact = {c["metric"]: c for c in presenters.case_dicts_by_id([case.pk])[0]["sla"]}
    for clock in SlaClock.objects.filter(case=case):  # before the API's encoder rounds them
        assert (exact[clock.metric]["due_at"], exact[clock.metric]["met_at"]) == (clock.due_at, clock.met_at)


def test_another_teams_case_sla_is_not_found(traveller, policy, make_case, api_as) -> None:
    from tests.factories import TeamFactory, UserFactory

    outsider = UserFactory(role="agent", teams=[TeamFactory(name="Elsewhere")])
    case = make_case()
    assert api_as(outsider).get(f"/cases/{case.number}/sla")[0] == 404


def test_list_filters_and_sorts_by_real_sla_due(
    traveller, policy, make_case, lead_api: ApiClient, agent
) -> None:
    normal = make_case(priority="normal", title="Normal")  # first response due 14:00
    urgent = make_case(priority="urgent", title="Urgent")  # due 09:30
    low = make_case(priority="low", title="Low")  # due Tuesday 09:00
    case_services.post_reply(Actor.agent(agent), low, text="Hi")  # now resolution decides
    before = (datetime(2026, 11, 23, 9, tzinfo=UTC) + timedelta(hours=6)).isoformat().replace("+00:00", "Z")
    status, page, _ = lead_api.get(f"/cases?sla_due_before={before}")
    assert status == 200
    assert sorted(c["number"] for c in page["items"]) == sorted([normal.number, urgent.number])
    status, page, _ = lead_api.get("/cases?sort=sla_due")
    assert [c["number"] for c in page["items"]] == [urgent.number, normal.number, low.number]


def test_a_page_of_cases_costs_the_same_queries_however_many_clocks(
    traveller, policy, make_case, lead_api
) -> None:
    make_case()
    lead_api.get("/cases")  # the token's first use is recorded once
    with CaptureQueriesContext(connection) as one:
        lead_api.get("/cases")
    for i in range(5):
        make_case(title=f"More {i}")
    with CaptureQueriesContext(connection) as six:
        _status, page, _ = lead_api.get("/cases")
    assert len(page["items"]) == 6 and all(len(c["sla"]) == 2 for c in page["items"])
    assert len(six.captured_queries) == len(one.captured_queries)


def test_editing_a_policy_recomputes_its_running_clocks(
    traveller, policy, make_case, lead_api: ApiClient, django_capture_on_commit_callbacks
) -> None:
    from casework.sla import services
    from casework.sla.models import SlaClock

    case = make_case(priority="normal")  # first response due 14:00 (4 business hours)
    targets = {**policy.targets, "first_response": {"normal": 60}}
    with django_capture_on_commit_callbacks() as callbacks:
        status, _, _ = lead_api.patch(f"/sla-policies/{policy.pk}", {"targets": targets})
    # The recomputation is enqueued after commit (beside the configuration cache's refresh).
    assert status == 200 and [c.__qualname__ for c in callbacks].count("policy_changed.<locals>.enqueue") == 1
    assert services.recompute_policy_clocks(policy.pk) == 1
    first = SlaClock.objects.get(case=case, metric="first_response")
    assert first.due_at == datetime(2026, 11, 23, 10, tzinfo=UTC)
    assert first.history.get(kind="target_changed").data["reason"] == "policy Standard was changed"


def test_a_target_is_at_most_a_year(lead_api: ApiClient) -> None:
    """A due time computed from a longer one could lie past the last date there is:
    every case opened under the policy would then fail."""
    for minutes in (10**12, 366 * 24 * 60 + 1):
        status, body, _ = lead_api.post(
            "/sla-policies", {"name": "Far", "targets": {"resolution": {"normal": minutes}}}
        )
        assert (status, body["field"]) == (422, "targets"), body
    status, body, _ = lead_api.post(
        "/sla-policies",
        {
            "name": "A year",
            "targets": {"resolution": {"normal": {"minutes": 366 * 24 * 60, "business": False}}},
        },
    )
    assert status == 201, body
    status, case, _ = lead_api.post("/cases", {"title": "Slow burn", "priority": "normal"})
    assert status == 201, case
    status, body, _ = lead_api.post(
        "/sla-policies",
        {"name": "Odd", "targets": {"resolution": {"normal": {"minutes": 60, "business": "yes"}}}},
    )
    assert (status, body["field"]) == (422, "targets"), body
