"""The customer's whole journey in a real browser against a live server, with
the verification mail caught on an in-test SMTP sink; plus isolation between
customers and an axe-core accessibility check of the main portal pages."""

from __future__ import annotations

import email
import email.policy
import re
import socket
import warnings
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from django.core.cache import cache

from casework.cases import selectors as case_selectors
from casework.cases import services as case_services
from casework.core.actors import Actor
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
AXE_PATHS = [
    Path(__file__).resolve().parent.parent / "vendor" / "axe.min.js",
    Path("/tmp/npmx/node_modules/axe-core/axe.min.js"),
]
NEW_PASSWORD = "a long enough password 42"


class Sink:
    """An SMTP server that keeps what it receives."""

    def __init__(self) -> None:
        self.messages: list[str] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(envelope.content.decode("utf-8", "replace"))
        return "250 OK"


@pytest.fixture
def smtp_sink(settings: Any) -> Any:
    sink = Sink()
    with socket.socket() as probe:  # a free port (aiosmtpd's controller cannot take port 0)
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    # Casework's own mail (verification, sign-in links) goes over real SMTP to the sink.
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "use_tls": False, "use_ssl": False},
        }
    }
    yield sink
    controller.stop()


@pytest.fixture
def browser(monkeypatch: Any) -> Any:
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    cache.clear()
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def axe_violations(page: Any) -> list[str]:
    source = next((p for p in AXE_PATHS if p.exists()), None)
    if source is None:
        return []
    page.add_script_tag(content=source.read_text())
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['id']} ({v['impact']}): {v['help']}"
        for v in result["violations"]
        if v["impact"] in {"serious", "critical"}
    ]


def link_in(sink: Sink, kind: str) -> str:
    body = email.message_from_string(sink.messages[-1], policy=email.policy.default).get_content()
    found = re.search(rf"(https?://\S+/portal/{kind}/\S+)", body)
    assert found, body
    return found.group(1)


def test_customer_signs_up_submits_follows_accepts_and_rates(
    live_server: Any, browser: Any, smtp_sink: Sink, settings: Any, lead: Any
) -> None:
    if not any(p.exists() for p in AXE_PATHS):
        warnings.warn(
            "axe-core not found (tests/e2e/vendor/axe.min.js): accessibility checks skipped", stacklevel=1
        )
    settings.BASE_URL = live_server.url
    page = browser.new_page()
    page.set_default_timeout(15_000)

    # Sign up; the verification link arrives on the SMTP sink.
    page.goto(f"{live_server.url}/portal/sign-up")
    page.fill("#name", "Vera Verified")
    page.fill("#email", "vera@northwind.example")
    page.fill("#password", NEW_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("text=Check your inbox")
    page.goto(link_in(smtp_sink, "verify"))
    page.click("main button[type=submit]")
    page.wait_for_selector("text=your address is confirmed")
    assert axe_violations(page) == [], "portal home"

    # Submit a case; typing the subject suggests nothing here (no articles), the form is accessible.
    page.goto(f"{live_server.url}/portal/cases/new")
    # Wait for the subject's suggestions before submitting: the test server shares one
    # SQLite connection between its threads, so two requests at once would collide.
    with page.expect_response(lambda r: "/suggestions?" in r.url and "Scanner" in r.url):
        page.fill("#title", "Scanner jams on page two")
    page.fill("#description", "Every second page jams.")
    assert axe_violations(page) == [], "submit form"
    page.click("button.primary")
    page.wait_for_selector("#case-status")
    number = page.url.rstrip("/").rsplit("/", 1)[-1]
    assert page.inner_text("#case-status") == "Received"
    assert axe_violations(page) == [], "case page"

    # The agent replies (through the service); the customer sees it and replies back.
    case = case_selectors.get_case(lead, number)
    case_services.post_reply(Actor.agent(lead), case, text="Please clean the rollers.", status="pending")
    page.reload()
    page.wait_for_selector("text=Please clean the rollers.")
    assert page.inner_text("#case-status") == "Waiting for your reply"
    page.fill("#reply-text", "Cleaned, still jams.")
    page.click("form[action$='/reply'] button")
    page.wait_for_selector("text=Cleaned, still jams.")
    assert page.inner_text("#case-status") == "We're working on it"

    # The agent proposes a solution; the customer accepts it and answers the survey.
    case = case_selectors.get_case(lead, number)
    case = case_services.assign(Actor.agent(lead), case, assignee=lead)
    case_services.change_status(
        Actor.agent(lead),
        case,
        "resolved",
        resolution_code="solved",
        resolution_summary="Replaced the roller.",
    )
    page.reload()
    assert page.inner_text("#case-status") == "Solution proposed"
    page.click("text=Yes, close my request")
    page.wait_for_selector("text=Tell us how we did")
    assert page.inner_text("#case-status") == "Closed"
    page.click("text=Tell us how we did")
    page.check("input[name=score][value='5']")
    page.fill("#comment", "Great help")
    page.click("button.primary")
    page.wait_for_selector("#thanks")
    assert case_selectors.get_case(lead, number).survey.score == 5  # type: ignore[attr-defined]

    # A customer of another account cannot open the case by URL nor find it.
    from tests.integration.portal.conftest import make_customer

    make_customer("olga@globex.example")
    other = browser.new_page()
    other.goto(f"{live_server.url}/portal/sign-in")
    other.fill("#email", "olga@globex.example")
    other.fill("#password", PASSWORD)
    other.click("form[action='/portal/sign-in'] button")
    other.wait_for_selector("text=Your open requests")
    response = other.goto(f"{live_server.url}/portal/cases/{number}/")
    assert response is not None and response.status == 404
    other.goto(f"{live_server.url}/portal/cases/?status=all&q=scanner")
    assert other.query_selector("#no-cases") is not None

    # A customer who signed up but never verified sees nothing.
    unverified = browser.new_page()
    unverified.goto(f"{live_server.url}/portal/sign-up")
    unverified.fill("#email", "vera.alias@northwind.example")
    unverified.fill("#password", NEW_PASSWORD)
    unverified.click("button[type=submit]")
    unverified.wait_for_selector("text=Check your inbox")
    unverified.goto(f"{live_server.url}/portal/sign-in")
    unverified.fill("#email", "vera.alias@northwind.example")
    unverified.fill("#password", NEW_PASSWORD)
    unverified.click("form[action='/portal/sign-in'] button")
    unverified.wait_for_selector("text=Confirm your address")
    unverified.goto(f"{live_server.url}/portal/cases/?status=all")
    assert unverified.query_selector("#no-cases") is not None
    assert unverified.goto(f"{live_server.url}/portal/cases/{number}/").status == 404  # type: ignore[union-attr]
