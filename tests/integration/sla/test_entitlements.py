"""Entitlements: chosen when a case opens, counted down, and choosing the SLA policy."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from casework.accounts.models import Entitlement
from casework.cases import services as case_services
from casework.core.actors import Actor
from casework.core.errors import Conflict
from casework.sla.models import SlaClock, SlaPolicy

pytestmark = pytest.mark.django_db


def entitlement(owner, **fields) -> Entitlement:
    fields.setdefault("name", "Support plan")
    fields.setdefault("account", owner.account)
    return Entitlement.objects.create(**fields)


def test_most_specific_entitlement_is_chosen(traveller, make_case, contact) -> None:
    entitlement(contact, name="Account plan")
    entitlement(contact, name="Email plan", channel="email")
    mine = entitlement(contact, name="Casey's own plan", account=None, contact=contact)
    entitlement(contact, name="Expired", contact=contact, account=None, ends_on=date(2026, 1, 1))
    assert make_case(channel="email").entitlement == mine
    mine.is_active = False
    mine.save()
    assert make_case(channel="email").entitlement.name == "Email plan"
    assert make_case(channel="portal").entitlement.name == "Account plan"


def test_an_entitlement_made_after_a_customers_case_applies_to_their_next(
    traveller, make_case, contact
) -> None:
    """Who holds entitlements is kept like configuration, so a customer who holds
    none opens cases without a read of them; a new entitlement is seen at once."""
    assert make_case().entitlement is None
    plan = entitlement(contact, name="Bought today", account=None, contact=contact)
    assert make_case().entitlement == plan
    plan.is_active = False
    plan.save()
    assert make_case().entitlement is None


def test_restricted_entitlement_refuses_a_case_at_zero(traveller, make_case, contact) -> None:
    plan = entitlement(contact, unit="cases", total=2, remaining=2, restrict=True)
    make_case()
    make_case()
    plan.refresh_from_db()
    assert plan.remaining == 0
    with pytest.raises(Conflict) as refused:
        make_case()
    assert refused.value.field == "entitlement"
    assert "no cases left" in refused.value.message


def test_unrestricted_entitlement_goes_negative(traveller, make_case, contact) -> None:
    plan = entitlement(contact, unit="cases", total=1, remaining=1)
    make_case()
    make_case()
    plan.refresh_from_db()
    assert plan.remaining == -1


def test_cancelled_case_gives_its_unit_back(traveller, make_case, contact, agent) -> None:
    plan = entitlement(contact, unit="cases", total=5, remaining=5)
    case = make_case()
    case_services.change_status(Actor.agent(agent), case, "cancelled")
    plan.refresh_from_db()
    assert plan.remaining == 5


def test_decrement_on_resolution_counts_hours_spent(traveller, make_case, contact, agent) -> None:
    plan = entitlement(contact, unit="hours", total=10, remaining=10, decrement_on="resolution")
    case = make_case(assignee=agent)
    case_services.update_case(Actor.agent(agent), case, {"custom_fields": {"hours_spent": 2.5}})
    plan.refresh_from_db()
    assert plan.remaining == 10
    case_services.change_status(
        Actor.agent(agent), case, "resolved", resolution_code="solved", resolution_summary="Done"
    )
    plan.refresh_from_db()
    assert plan.remaining == Decimal("7.5")


def test_entitlement_chooses_the_sla_policy(traveller, policy, office, make_case, contact) -> None:
    premium = entitlement(contact, name="Premium", tier="premium")
    SlaPolicy.objects.create(
        name="Premium",
        position=1,
        calendar=office,
        entitlement_ids=[premium.pk],
        targets={"first_response": {"normal": 30}, "resolution": {"normal": 120}},
    )
    case = make_case(priority="normal")
    assert case.entitlement == premium
    first = SlaClock.objects.get(case=case, metric="first_response")
    assert first.policy.name == "Premium" and first.target_minutes == 30
