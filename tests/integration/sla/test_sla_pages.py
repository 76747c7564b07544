"""The case page's SLA panel, the admin screens and the demo data."""

from __future__ import annotations

import pytest
from django.test import Client

from casework.cases import demo as case_demo
from casework.sla import demo as sla_demo
from casework.sla.models import BusinessCalendar, SlaClock, SlaPolicy
from tests.factories import PASSWORD, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_panel_shows_each_clock_with_due_time_and_history(traveller, policy, make_case, agent) -> None:
    case = make_case(priority="normal")
    response = signed_in(agent).get(f"/sla/case/{case.number}/panel")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html
    assert "First response" in html and "Resolution" in html
    assert 'datetime="2026-11-23T14:00:00+00:00"' in html
    assert "case created" in html


def test_panel_of_another_teams_case_is_not_found(traveller, policy, make_case) -> None:
    outsider = UserFactory(role="agent", teams=[TeamFactory(name="Elsewhere")])
    case = make_case()
    assert signed_in(outsider).get(f"/sla/case/{case.number}/panel").status_code == 404
    assert Client().get(f"/sla/case/{case.number}/panel").status_code == 302  # to the login page


def test_admin_refuses_overlapping_intervals_and_zero_targets(admin_user) -> None:
    admin_user.is_superuser = True
    admin_user.save()
    client = signed_in(admin_user)
    response = client.post(
        "/admin/sla/businesscalendar/add/",
        {
            "name": "Overlap",
            "time_zone": "UTC",
            "hours": '{"mon": [["08:00", "12:00"], ["11:00", "13:00"]]}',
            "holidays": "[]",
        },
    )
    assert response.status_code == 200 and b"overlap" in response.content
    assert not BusinessCalendar.objects.exists()
    response = client.post(
        "/admin/sla/slapolicy/add/",
        {
            "name": "Zero",
            "position": 1,
            "is_active": "on",
            "targets": '{"resolution": {"normal": 0}}',
            **{
                f: "[]"
                for f in ("priorities", "tiers", "entitlement_ids", "case_type_ids", "channels", "team_ids")
            },
            "pause_statuses": '["pending"]',
            "warn_percents": "[75]",
            "breach_actions": "{}",
        },
    )
    assert response.status_code == 200 and b"minutes from 1 to" in response.content
    assert not SlaPolicy.objects.exists()


def test_demo_cases_get_clocks(traveller) -> None:
    ctx = case_demo.load(case_count=12, seed=3)
    sla_demo.load_demo(ctx)
    with_clocks = {c.case_id for c in SlaClock.objects.all()}
    open_cases = [c for c in ctx.cases if c.status not in ("closed", "cancelled")]
    assert open_cases and all(c.pk in with_clocks for c in open_cases)
    assert SlaClock.objects.filter(breached_at__isnull=False).exists()  # a month of history breaches some
    assert PASSWORD  # the factories' password is unrelated to the demo's
