"""Reading a team by id: its partner organisation comes with it; a team is read
once per process and read afresh when any team changes."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from casework.core.errors import NotFound
from casework.iam import selectors, services
from casework.iam.models import Team

pytestmark = pytest.mark.django_db


def test_a_team_read_by_id_brings_its_partner_organisation(
    config_kept_for_a_minute: list[float], django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):  # the teams' creation commits
        partner = services.create_team("Partner Desk", partner_organisation="Acme Outsourcing")
        inhouse = services.create_team("Billing")
    reads = []
    for _ in range(2):  # from the database, then from memory
        with CaptureQueriesContext(connection) as queries:
            assert selectors.get_team(partner.pk).partner_organisation.name == "Acme Outsourcing"  # type: ignore[union-attr]
            assert selectors.get_team(inhouse.pk).partner_organisation is None
        reads.append(len(queries))
    assert reads == [3, 0]  # the configuration's stamp and the two teams, then nothing
    with pytest.raises(NotFound) as missing:
        selectors.get_team(999_999)
    assert missing.value.field == "team"


def test_each_caller_gets_a_team_of_its_own(config_kept_for_a_minute: list[float]) -> None:
    team = services.create_team("Support")
    first = selectors.get_team(team.pk)
    first.name = "Changed in memory only"
    second = selectors.get_team(team.pk)
    assert second is not first and second.name == "Support"
    assert second == team and second.created_at == team.created_at


def test_a_changed_or_deleted_team_is_read_afresh_at_once(config_kept_for_a_minute: list[float]) -> None:
    team = services.create_team("Support")
    assert selectors.get_team(team.pk).name == "Support"
    services.update_team(selectors.get_team(team.pk), name="Customer Care", partner_organisation="Acme")
    renamed = selectors.get_team(team.pk)
    assert renamed.name == "Customer Care" and renamed.partner_organisation.name == "Acme"  # type: ignore[union-attr]
    Team.objects.filter(pk=team.pk).delete()
    with pytest.raises(NotFound):
        selectors.get_team(team.pk)
