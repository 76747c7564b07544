"""Surveys are made when a case closes: the admin shows them but offers no way to add one."""

from __future__ import annotations

from django.test import Client

from casework.portal.models import Survey


def test_the_admin_cannot_add_a_survey_by_hand(back_office: Client) -> None:
    client = back_office
    assert client.post("/admin/portal/survey/add/", {}).status_code == 403
    assert not Survey.objects.exists()
    listing = client.get("/admin/portal/survey/")
    assert listing.status_code == 200
    assert "/admin/portal/survey/add/" not in listing.content.decode()
