"""A single case read by number or id (compiled once per role) is visible to
exactly the users `visible_cases` lets see it: the list's rule and the case
page's rule are the same rule."""

from __future__ import annotations

from typing import Any

import pytest

from casework.cases import selectors
from casework.cases.services import assign
from casework.core.actors import Actor
from casework.core.errors import NotFound
from tests.factories import TeamFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_a_case_read_alone_is_seen_by_whoever_lists_it(
    make_case: Any, team: Any, agent: Any, lead: Any, admin_user: Any, partner_agent: Any
) -> None:
    other_team = TeamFactory(name="Billing")
    partner_team = partner_agent.teams.get()
    teamless = UserFactory(email="solo@staff.example", role="agent")
    inactive = UserFactory(email="gone@staff.example", role="agent", teams=[team], is_active=False)
    ours = make_case(title="Ours", team=team)
    billing = make_case(title="Billing's", team=other_team)
    partners = make_case(title="The partner's", team=partner_team)
    owned = make_case(title="Billing's, owned by the teamless agent", team=other_team)
    assign(Actor.agent(lead), owned, assignee=teamless)
    cases = [ours, billing, partners, owned]
    users = [agent, lead, admin_user, partner_agent, teamless, inactive, None]
    for user in users:
        listed = set(selectors.visible_cases(user).values_list("pk", flat=True))
        for case in cases:
            seen = case.pk in listed
            assert selectors.may_see(user, case.pk) is seen, (user, case.title)
            if seen:
                assert selectors.get_case(user, case.number.lower(), related=False).pk == case.pk
            else:
                with pytest.raises(NotFound):
                    selectors.get_case(user, case.number, related=False)
    # The rule itself, as the roles say: an agent sees their team's cases and their own.
    assert {c.title for c in cases if selectors.may_see(agent, c.pk)} == {"Ours"}
    assert {c.title for c in cases if selectors.may_see(teamless, c.pk)} == {owned.title}
    assert {c.title for c in cases if selectors.may_see(partner_agent, c.pk)} == {"The partner's"}
    assert all(selectors.may_see(admin_user, c.pk) for c in cases)
