"""The portal looks like the customer's brand (set by an admin), and the demo
data gives a KB and a customer who can sign in."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from casework.cases.demo import DEMO_PASSWORD

pytestmark = pytest.mark.django_db


def test_an_admin_sets_the_portal_name_logo_and_colour(admin_user: Any) -> None:
    client = Client()
    client.force_login(admin_user)
    assert client.get("/portal/manage/branding").status_code == 200
    bad = client.post("/portal/manage/branding", {"name": "Acme Help", "colour": "red"})
    assert bad.status_code == 422
    client.post(
        "/portal/manage/branding",
        {
            "name": "Acme Help",
            "colour": "#ffe066",
            "logo_url": "https://acme.example/logo.png",
            "survey_kind": "ces",
        },
    )
    page = Client().get("/portal/").content.decode()
    assert "Acme Help" in page and "https://acme.example/logo.png" in page
    assert "--brand: #ffe066; --on-brand: #111111" in page  # dark text on a light brand colour


def test_only_admins_change_the_branding(agent: Any) -> None:
    client = Client()
    client.force_login(agent)
    assert client.post("/portal/manage/branding", {"name": "Mine", "colour": "#000000"}).status_code == 403


def test_demo_data_has_a_knowledge_base_and_a_branded_portal(admin_user: Any, lead: Any) -> None:
    from casework.cases.demo import DemoContext
    from casework.knowledge import demo as kb_demo
    from casework.portal import demo as portal_demo

    ctx = DemoContext(users={"admin@example.com": admin_user, "lead@example.com": lead})
    kb_demo.load_demo(ctx)
    portal_demo.load_demo(ctx)
    kb = Client().get("/kb/").content.decode()
    assert kb.count('<li><div><a href="/kb/') >= 12
    assert "Escalation checklist" not in kb and "Draft:" not in kb
    assert "Casework Support" in Client().get("/portal/").content.decode()


def test_the_demo_customer_signs_in_to_the_portal() -> None:
    """The base demo makes customer@example.com with a verified address and the demo password."""
    from casework.cases import demo

    assert ("customer", demo.CUSTOMER_EMAIL, DEMO_PASSWORD) in demo.logins()
