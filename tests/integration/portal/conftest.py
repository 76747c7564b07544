"""Fixtures of the portal's tests: a verified customer with a portal login, a
second customer of another account, a way to resolve a case, caught notifications."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from casework.accounts import services as account_services
from casework.cases import services as case_services
from casework.core import events
from casework.core.actors import Actor
from casework.core.notify import Notification
from casework.iam import services as iam_services
from tests.factories import PASSWORD, AccountFactory, ContactFactory


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> Iterator[None]:
    """Rate-limit counters and the cached brand live in the cache: start each test clean."""
    cache.clear()
    yield
    cache.clear()


def make_customer(email: str, *, account: Any = None, is_account_admin: bool = False, name: str = "") -> Any:
    user = iam_services.create_user(
        email, role="customer", name=name or email.split("@")[0], password=PASSWORD
    )
    contact = ContactFactory(
        name=user.name, account=account or AccountFactory(), is_account_admin=is_account_admin, email=None
    )
    account_services.add_email(contact, email)
    account_services.verify_portal_address(email, user)
    contact.refresh_from_db()
    return user


@pytest.fixture
def customer(db: Any) -> Any:
    return make_customer("casey@northwind.example", name="Casey Customer")


@pytest.fixture
def other_customer(db: Any) -> Any:
    return make_customer("olga@globex.example", name="Olga Other")


@pytest.fixture
def portal(customer: Any) -> Client:
    client = Client()
    client.force_login(customer)
    return client


@pytest.fixture
def notifications() -> Iterator[list[Notification]]:
    caught: list[Notification] = []
    events.subscribe(Notification, caught.append)
    yield caught
    events.unsubscribe(Notification, caught.append)


@pytest.fixture
def resolve(agent: Any) -> Callable[[Any], Any]:
    def do(case: Any) -> Any:
        actor = Actor.agent(agent)
        case = case_services.assign(actor, case, assignee=agent)
        return case_services.change_status(
            actor, case, "resolved", resolution_code="solved", resolution_summary="Replaced the toner."
        )

    return do


@pytest.fixture
def customer_case(customer: Any, team: Any) -> Any:
    contact = customer.contact
    return case_services.open_case(
        Actor.customer(contact, user=customer),
        title="Printer on fire",
        description="Smoke everywhere",
        contact=contact,
        team=team,
        channel="portal",
    )
