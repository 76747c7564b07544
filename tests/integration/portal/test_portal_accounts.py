"""Portal accounts: sign-up with email verification, sign-in by password or a
one-time link (single use, 15 minutes), rate limits with one answer for all."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.test import Client

from casework.accounts import services as account_services
from casework.cases import services as case_services
from casework.core import clock
from casework.core.actors import Actor
from casework.portal import services
from tests.factories import PASSWORD, AccountFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a long enough password 42"


def link_in(message: Any, kind: str) -> str:
    found = re.search(rf"https?://\S+(/portal/{kind}/\S+)", message.body)
    assert found, message.body
    return found.group(1)


def test_sign_up_sends_a_verification_link_and_shows_nothing_before_it_is_used(team: Any) -> None:
    account = AccountFactory(name="Northwind", email_domains=["northwind.example"])
    known, _ = account_services.find_or_create_contact("nina@northwind.example", name="Nina")
    case_services.open_case(Actor.customer(known), title="Old case", contact=known, team=team)

    client = Client()
    response = client.post(
        "/portal/sign-up", {"email": "nina@northwind.example", "password": NEW_PASSWORD, "name": "Nina"}
    )
    assert response.status_code == 200
    assert "Check your inbox" in response.content.decode()
    assert len(mail.outbox) == 1

    # Signed in before verifying: the address is not proven, so no case is visible.
    client.post("/portal/sign-in", {"email": "nina@northwind.example", "password": NEW_PASSWORD})
    page = client.get("/portal/cases/?status=all").content.decode()
    assert "Old case" not in page
    assert "Confirm your address" in page

    verify_path = link_in(mail.outbox[0], "verify")
    assert client.get(verify_path).status_code == 200  # a button, so mail scanners do not use the link
    assert client.post(verify_path).status_code == 302
    page = client.get("/portal/cases/?status=all").content.decode()
    assert "Old case" in page
    known.refresh_from_db()
    assert known.user is not None and known.user.email == "nina@northwind.example"
    assert known.emails.get().is_verified
    assert known.account is None or known.account == account


def test_the_account_is_found_by_mail_domain_only_after_verification() -> None:
    account = AccountFactory(name="Globex", email_domains=["globex.example"])
    client = Client()
    client.post("/portal/sign-up", {"email": "gus@globex.example", "password": NEW_PASSWORD})
    from casework.accounts.selectors import find_contact_by_email

    assert find_contact_by_email("gus@globex.example") is None  # nothing linked before the link is used
    client.post(link_in(mail.outbox[0], "verify"))
    contact = find_contact_by_email("gus@globex.example")
    assert contact is not None and contact.account == account


def test_a_verification_link_works_once() -> None:
    client = Client()
    client.post("/portal/sign-up", {"email": "una@example.org", "password": NEW_PASSWORD})
    path = link_in(mail.outbox[0], "verify")
    assert client.post(path).status_code == 302
    again = Client().post(path)
    assert again.status_code == 400
    assert "already been used" in again.content.decode()


def test_signing_up_with_a_known_address_gives_the_same_answer(customer: Any) -> None:
    first = Client().post("/portal/sign-up", {"email": customer.email, "password": NEW_PASSWORD})
    second = Client().post("/portal/sign-up", {"email": "nobody-yet@example.org", "password": NEW_PASSWORD})
    assert first.status_code == second.status_code == 200
    assert "Check your inbox" in first.content.decode() and "Check your inbox" in second.content.decode()
    assert "already has an account" in mail.outbox[0].body


def test_password_sign_in_works_and_a_wrong_password_reads_like_an_unknown_address(customer: Any) -> None:
    client = Client()
    wrong = client.post("/portal/sign-in", {"email": customer.email, "password": "nope"})
    unknown = client.post("/portal/sign-in", {"email": "ghost@example.org", "password": "nope"})
    assert wrong.status_code == unknown.status_code == 422
    assert "do not match" in wrong.content.decode() and "do not match" in unknown.content.decode()
    ok = client.post("/portal/sign-in", {"email": customer.email, "password": PASSWORD})
    assert ok.status_code == 302
    assert client.get("/portal/cases/").status_code == 200


def test_staff_cannot_sign_in_to_the_portal(agent: Any) -> None:
    response = Client().post("/portal/sign-in", {"email": agent.email, "password": PASSWORD})
    assert response.status_code == 422


def test_a_sign_in_link_works_once(customer: Any) -> None:
    client = Client()
    answer = client.post("/portal/sign-in/link", {"email": customer.email})
    assert services.LINK_SENT in answer.content.decode()
    path = link_in(mail.outbox[0], "sign-in/link")
    assert client.post(path).status_code == 302
    assert client.get("/portal/cases/").status_code == 200
    reused = Client().post(path)
    assert reused.status_code == 400
    assert "already been used" in reused.content.decode()


def test_a_sign_in_link_expires_after_15_minutes(customer: Any) -> None:
    with time_machine.travel(clock.now(), tick=False) as traveller:
        Client().post("/portal/sign-in/link", {"email": customer.email})
        path = link_in(mail.outbox[0], "sign-in/link")
        traveller.shift(timedelta(minutes=15, seconds=5))
        late = Client().post(path)
    assert late.status_code == 400
    assert "expired" in late.content.decode()


def test_a_sign_in_link_for_an_unknown_address_sends_nothing_and_answers_the_same(customer: Any) -> None:
    answer = Client().post("/portal/sign-in/link", {"email": "ghost@example.org"})
    assert services.LINK_SENT in answer.content.decode()
    assert mail.outbox == []


def test_rate_limits_answer_the_same_for_known_and_unknown_addresses(customer: Any) -> None:
    def ask(email: str) -> int:
        return (
            Client(REMOTE_ADDR=f"10.0.0.{hash(email) % 200}")
            .post("/portal/sign-in/link", {"email": email})
            .status_code
        )

    known = [ask(customer.email) for _ in range(4)]
    unknown = [ask("ghost@example.org") for _ in range(4)]
    assert known == unknown == [200, 200, 200, 429]
    assert len(mail.outbox) == 3


def test_password_guessing_is_slowed_down(customer: Any) -> None:
    client = Client()
    codes = [
        client.post("/portal/sign-in", {"email": customer.email, "password": "guess"}).status_code
        for _ in range(6)
    ]
    assert codes[-1] == 429
    # Even the right password waits until the window has passed.
    assert client.post("/portal/sign-in", {"email": customer.email, "password": PASSWORD}).status_code == 429


def test_a_sign_in_link_from_the_demo_style_customer_signs_in_without_a_password(db: Any) -> None:
    from tests.integration.portal.conftest import make_customer

    user = make_customer("demo@example.com")
    Client().post("/portal/sign-in/link", {"email": user.email})
    client = Client()
    client.post(link_in(mail.outbox[0], "sign-in/link"))
    assert "My requests" in client.get("/portal/cases/").content.decode()
