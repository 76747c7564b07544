"""Reading a team by id: its partner organisation comes with it."""

from __future__ import annotations

from typing import Any

import pytest

from casework.core.errors import NotFound
from casework.iam import selectors, services

pytestmark = pytest.mark.django_db


def test_a_team_read_by_id_brings_its_partner_organisation(django_assert_num_queries: Any) -> None:
    partner = services.create_team("Partner Desk", partner_organisation="Acme Outsourcing")
    inhouse = services.create_team("Billing")
    selectors.get_team(inhouse.pk)  # compiled on first use
    with django_assert_num_queries(2):
        assert selectors.get_team(partner.pk).partner_organisation.name == "Acme Outsourcing"
        assert selectors.get_team(inhouse.pk).partner_organisation is None
    with pytest.raises(NotFound) as missing:
        selectors.get_team(999_999)
    assert missing.value.field == "team"
