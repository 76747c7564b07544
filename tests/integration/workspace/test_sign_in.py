"""Signing in to the workspace, signing out, changing one's password, and the
limit on failed sign-ins."""

from __future__ import annotations

from typing import Any

from django.test import Client

from tests.factories import PASSWORD


def sign_in(client: Client, email: str, password: str, address: str = "10.0.0.1") -> Any:
    return client.post("/login/", {"username": email, "password": password}, REMOTE_ADDR=address)


def test_agent_signs_in_and_lands_on_their_cases(agent: Any) -> None:
    client = Client(enforce_csrf_checks=True)
    page = client.get("/login/")
    assert page.status_code == 200
    assert b"Sign in to Casework" in page.content
    token = page.cookies["csrftoken"].value
    response = client.post(
        "/login/", {"username": "AGENT@staff.example", "password": PASSWORD, "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302 and response["Location"] == "/"
    assert b"My open cases" in client.get("/").content


def test_workspace_asks_strangers_to_sign_in(db: Any) -> None:
    response = Client().get("/cases/CS-1001/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=")


def test_wrong_password_and_unknown_account_get_the_same_answer(agent: Any) -> None:
    known = sign_in(Client(), "agent@staff.example", "wrong password")
    unknown = sign_in(Client(), "nobody@staff.example", "wrong password")
    assert known.status_code == unknown.status_code == 200
    assert known.context["form"].non_field_errors() == unknown.context["form"].non_field_errors()


def test_five_failed_sign_ins_pause_the_account_even_for_the_right_password(agent: Any) -> None:
    for attempt in range(5):
        sign_in(Client(), "agent@staff.example", "guess", address=f"10.0.1.{attempt}")
    blocked = sign_in(Client(), "agent@staff.example", PASSWORD, address="10.0.2.1")
    assert blocked.status_code == 429
    assert b"Too many failed sign-ins" in blocked.content
    # An unknown account is paused the same way, so the pause reveals nothing.
    for attempt in range(5):
        sign_in(Client(), "ghost@staff.example", "guess", address=f"10.0.3.{attempt}")
    assert sign_in(Client(), "ghost@staff.example", "guess", address="10.0.4.1").status_code == 429


def test_one_address_trying_many_accounts_is_paused(agent: Any) -> None:
    for attempt in range(20):
        sign_in(Client(), f"someone{attempt}@staff.example", "guess", address="192.0.2.7")
    blocked = sign_in(Client(), "agent@staff.example", PASSWORD, address="192.0.2.7")
    assert blocked.status_code == 429
    assert sign_in(Client(), "agent@staff.example", PASSWORD, address="192.0.2.8").status_code == 302


def test_sign_out_is_a_post_and_ends_the_session(desk: Client) -> None:
    assert desk.get("/logout/").status_code == 405
    assert desk.post("/logout/").status_code == 302
    assert desk.get("/").status_code == 302


def test_agent_changes_their_password(desk: Client, agent: Any) -> None:
    response = desk.post(
        "/account/password/",
        {
            "old_password": PASSWORD,
            "new_password1": "a much longer secret 42",
            "new_password2": "a much longer secret 42",
        },
    )
    assert response.status_code == 302
    agent.refresh_from_db()
    assert agent.check_password("a much longer secret 42")
