"""Factories and fixtures every area's tests arrange with. They go through the
services where a rule applies (opening a case), and through factory_boy for
plain records (people, teams, accounts)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import factory
import pytest
from django.test import Client

from casework.accounts.models import Account, Contact, ContactEmail
from casework.cases import services as case_services
from casework.cases.models import Case
from casework.core import config_cache
from casework.core.actors import Actor
from casework.iam import services as iam_services
from casework.iam.models import Team, TeamMembership, User

__all__ = [
    "AccountFactory",
    "ApiClient",
    "ContactFactory",
    "TeamFactory",
    "UserFactory",
    "admin_user",
    "agent",
    "api",
    "api_as",
    "back_office",
    "config_kept_for_a_minute",
    "contact",
    "lead",
    "make_case",
    "partner_agent",
    "team",
]

PASSWORD = "correct horse battery"


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team

    name = factory.Sequence(lambda n: f"Team {n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@staff.example")
    name = factory.Sequence(lambda n: f"Agent {n}")
    role = "agent"
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def teams(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        for t in extracted or []:
            TeamMembership.objects.get_or_create(team=t, user=self)
        self.save()


class AccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Account

    name = factory.Sequence(lambda n: f"Account {n}")
    tier = "standard"


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Customer {n}")
    account = factory.SubFactory(AccountFactory)
    email = factory.RelatedFactory(
        "tests.factories.ContactEmailFactory", factory_related_name="contact", is_primary=True
    )


class ContactEmailFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ContactEmail

    address = factory.Sequence(lambda n: f"customer{n}@customer.example")


@pytest.fixture
def team(db: Any) -> Team:
    return TeamFactory(name="Support")


@pytest.fixture
def agent(db: Any, team: Team) -> User:
    return UserFactory(email="agent@staff.example", name="Alex Agent", role="agent", teams=[team])


@pytest.fixture
def lead(db: Any, team: Team) -> User:
    return UserFactory(email="lead@staff.example", name="Lee Lead", role="lead", teams=[team])


@pytest.fixture
def admin_user(db: Any) -> User:
    return UserFactory(email="admin@staff.example", name="Ada Admin", role="admin")


@pytest.fixture
def back_office(db: Any) -> Client:
    """A superuser's browser, signed in to the back office (/admin/)."""
    client = Client()
    client.force_login(User.objects.create_superuser("root@staff.example", "correct horse battery"))
    return client


@pytest.fixture
def partner_agent(db: Any) -> User:
    partner_team = iam_services.create_team("Partner Desk", partner_organisation="Acme Outsourcing")
    return UserFactory(
        email="partner@partner.example", name="Pat Partner", role="partner_agent", teams=[partner_team]
    )


@pytest.fixture
def contact(db: Any) -> Contact:
    return ContactFactory(name="Casey Customer")


@pytest.fixture
def make_case(db: Any, team: Team, contact: Contact) -> Callable[..., Case]:
    """Open a case through the service, as a customer by default."""

    def make(actor: Actor | None = None, **fields: Any) -> Case:
        fields.setdefault("title", "Printer on fire")
        fields.setdefault("team", team)
        fields.setdefault("contact", contact)
        return case_services.open_case(actor or Actor.customer(fields["contact"]), **fields)

    return make


class ApiClient:
    """Calls /api/v1 as a user with a real bearer token; returns (status, json, response)."""

    def __init__(self, user: User) -> None:
        self.user = user
        self.token = iam_services.create_token(user, "tests")[1]
        self.client = Client(HTTP_AUTHORIZATION=f"Bearer {self.token}")

    def call(
        self, method: str, path: str, body: Any = None, *, raw: bytes | str | None = None, **headers: Any
    ) -> Any:
        url = path if path.startswith("/api/") else f"/api/v1{path}"
        kwargs: dict[str, Any] = {"content_type": "application/json", "headers": headers}
        data = raw if raw is not None else (json.dumps(body) if body is not None else None)
        fn = getattr(self.client, method.lower())
        response = fn(url, data, **kwargs) if data is not None else fn(url, **({"headers": headers}))
        try:
            payload = response.json()
        except ValueError:
            payload = None
        return response.status_code, payload, response

    def get(self, path: str, **headers: Any) -> Any:
        return self.call("GET", path, **headers)

    def post(self, path: str, body: Any = None, **kw: Any) -> Any:
        return self.call("POST", path, body, **kw)

    def patch(self, path: str, body: Any = None, **kw: Any) -> Any:
        return self.call("PATCH", path, body, **kw)


@pytest.fixture
def api_as(db: Any) -> Callable[[User], ApiClient]:
    return ApiClient


@pytest.fixture
def api(agent: User) -> ApiClient:
    return ApiClient(agent)


@pytest.fixture
def config_kept_for_a_minute(monkeypatch: pytest.MonkeyPatch, settings: Any) -> list[float]:
    """What a server keeps per process (`config_cache`) rechecked once a minute, as a
    server would (tests recheck on every read), on a monotonic clock the test moves:
    `config_kept_for_a_minute[0] += 61` passes the recheck time without waiting."""
    settings.CASEWORK_CONFIG_RECHECK_SECONDS = 60
    now = [1000.0]
    monkeypatch.setattr(config_cache, "_monotonic", lambda: now[0])
    config_cache.forget()
    return now
