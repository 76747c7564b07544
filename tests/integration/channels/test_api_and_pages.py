"""Mailboxes, quarantine and raw intake through the API; the case page's mail panel;
moving a mis-threaded message."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from casework.cases.models import Case, Message, TimelineEvent
from casework.channels import services
from casework.channels.models import InboundMessage, QuarantinedMessage
from tests.factories import PASSWORD, ApiClient
from tests.integration.channels.support import compose

pytestmark = pytest.mark.django_db


def _raw_post(
    api: ApiClient, raw: bytes, content_type: str = "message/rfc822", path: str = "/mail/inbound"
) -> Any:
    response = api.client.post(f"/api/v1{path}", raw, content_type=content_type)
    return response.status_code, response.json()


def test_admin_adds_a_mailbox_and_its_password_is_never_shown(admin_user: Any, team: Any) -> None:
    api = ApiClient(admin_user)
    status, body, _ = api.post(
        "/mailboxes",
        {
            "address": "Help@Acme.example",
            "team": team.pk,
            "inbound_method": "imap",
            "smtp_host": "smtp.acme.example",
            "smtp_port": 587,
            "smtp_user": "help",
            "smtp_password": "s3cret",
            "smtp_tls": True,
        },
    )
    assert status == 201, body
    assert body["address"] == "help@acme.example" and body["smtp_password_set"] is True
    assert "s3cret" not in str(body)
    status, body, _ = api.patch(f"/mailboxes/{body['id']}", {"display_name": "Acme Help"})
    assert status == 200 and body["display_name"] == "Acme Help" and body["version"] == 2
    assert [m["address"] for m in api.get("/mailboxes")[1]] == ["help@acme.example"]


def test_mailbox_with_unknown_field_or_bad_method_is_refused(admin_user: Any) -> None:
    api = ApiClient(admin_user)
    status, body, _ = api.post("/mailboxes", {"address": "a@b.example", "colour": "red"})
    assert status == 422 and body["field"] == "colour"
    status, body, _ = api.post("/mailboxes", {"address": "a@b.example", "inbound_method": "pigeon"})
    assert status == 422 and body["field"] == "inbound_method"


def test_agents_cannot_manage_mailboxes(api: ApiClient, mailbox: Any) -> None:
    assert api.get("/mailboxes")[0] == 403


def test_raw_mime_intake_over_http_is_authenticated_and_dedupes(admin_user: Any, mailbox: Any) -> None:
    anonymous = Client().post("/api/v1/mail/inbound", compose(), content_type="message/rfc822")
    assert anonymous.status_code == 401
    api = ApiClient(admin_user)
    raw = compose(message_id="<http@customer.example>")
    status, body = _raw_post(api, raw)
    assert status == 201 and body["outcome"] == "new_case" and body["case"].startswith("CS-")
    status, again = _raw_post(api, raw)
    assert status == 200 and again["outcome"] == "duplicate" and again["case"] == body["case"]
    status, bad = _raw_post(api, b"", "message/rfc822")
    assert status == 422 and bad["field"] == "body"
    status, bad = _raw_post(api, raw, "application/json")
    assert status == 422 and bad["field"] == "Content-Type"


def test_quarantine_is_listed_retried_and_discarded_over_the_api(admin_user: Any, mailbox: Any) -> None:
    api = ApiClient(admin_user)
    services.take_in(b"From nobody\n\n")
    status, items, _ = api.get("/mail/quarantine")
    assert status == 200 and len(items) == 1 and items[0]["state"] == "waiting"
    status, result, _ = api.post(f"/mail/quarantine/{items[0]['id']}/retry")
    assert status == 200 and result["outcome"] == "quarantined"
    assert api.post(f"/mail/quarantine/{items[0]['id']}/discard")[0] == 204
    assert api.get("/mail/quarantine")[1] == []
    assert len(api.get("/mail/quarantine?state=all")[1]) == 1


def test_agent_accepts_a_held_message_over_the_api(api: ApiClient, mailbox: Any) -> None:
    number = services.take_in(compose()).case_number
    held = services.take_in(compose(sender="boss@customer.example", subject=f"Re: [{number}]"))
    status, body, _ = api.post(f"/mail/held/{held.inbound_id}/accept")
    assert status == 200 and body["outcome"] == "posted" and body["case"] == number
    status, body, _ = api.post(f"/mail/held/{held.inbound_id}/accept")
    assert status == 409


def test_case_panel_shows_held_messages_and_deliveries(agent: Any, mailbox: Any) -> None:
    number = services.take_in(compose()).case_number
    services.take_in(compose(sender="stranger@else.example", subject=f"Re: [{number}] <script>x</script>"))
    client = Client()
    client.login(email=agent.email, password=PASSWORD)
    page = client.get(f"/mail/case/{number}/panel")
    html = page.content.decode()
    assert page.status_code == 200 and "<html" not in html
    assert "stranger@else.example" in html and "Accept and post" in html
    assert "<script>x" not in html and "&lt;script&gt;" in html
    assert "case_received" in html  # the acknowledgement's delivery
    held = InboundMessage.objects.get(outcome="held")
    response = client.post(f"/mail/held/{held.pk}/discard")
    assert response.status_code == 200 and "discarded" in response.content.decode()
    original = client.get(f"/mail/original/{held.pk}")
    assert original["Content-Type"].startswith("text/plain") and b"stranger@else.example" in original.content


def test_panel_of_another_teams_case_is_not_found(partner_agent: Any, mailbox: Any) -> None:
    number = services.take_in(compose()).case_number
    client = Client()
    client.login(email=partner_agent.email, password=PASSWORD)
    assert client.get(f"/mail/case/{number}/panel").status_code == 404


def test_agent_moves_a_mis_threaded_message_and_the_next_reply_follows_it(
    api: ApiClient, mailbox: Any
) -> None:
    first = services.take_in(compose(subject="Printer"))
    other = services.take_in(compose(subject="Invoice", message_id="<inv@customer.example>"))
    wrong = services.take_in(
        compose(subject=f"Re: [{first.case_number}] invoice again", message_id="<m@c.example>")
    )
    message = Message.objects.get(external_id="m@c.example")
    status, body, _ = api.post(
        f"/mail/messages/{message.pk}/move", {"case": other.case_number, "reason": "about the invoice"}
    )
    assert status == 200 and body["case"] == other.case_number
    assert Message.objects.get(pk=message.pk).case.number == other.case_number
    moved_out = TimelineEvent.objects.get(case__number=first.case_number, kind="message_moved_out")
    assert moved_out.data["was_matched_by"] == "subject token" and moved_out.data["to"] == other.case_number
    assert wrong.case_number == first.case_number
    follow = services.take_in(compose(subject="and one more", in_reply_to="<m@c.example>"))
    assert follow.case_number == other.case_number


def test_agent_splits_a_message_into_a_new_case(api: ApiClient, mailbox: Any) -> None:
    first = services.take_in(compose(subject="Printer"))
    services.take_in(compose(subject=f"Re: [{first.case_number}] also my VPN", message_id="<vpn@c.example>"))
    message = Message.objects.get(external_id="vpn@c.example")
    status, body, _ = api.post(f"/mail/messages/{message.pk}/split", {"title": "VPN down"})
    assert status == 201
    new_case = Case.objects.get(number=body["case"])
    assert new_case.title == "VPN down" and new_case.contact == message.author_contact
    assert Message.objects.get(pk=message.pk).case == new_case


def test_agent_moves_a_message_from_the_case_panel(agent: Any, mailbox: Any) -> None:
    first = services.take_in(compose(subject="Printer"))
    other = services.take_in(compose(subject="Invoice"))
    services.take_in(compose(subject=f"Re: [{first.case_number}] invoice", message_id="<panel@c.example>"))
    message = Message.objects.get(external_id="panel@c.example")
    client = Client()
    client.login(email=agent.email, password=PASSWORD)
    panel = client.get(f"/mail/case/{first.case_number}/panel").content.decode()
    assert f'<option value="{message.pk}">' in panel and "Re: [" in panel  # chosen from a list, not typed
    response = client.post(
        f"/mail/case/{first.case_number}/messages/{message.pk}/move",
        {"case": other.case_number, "reason": "wrong case", "action": "move"},
    )
    assert response.status_code == 200 and f"moved to {other.case_number}" in response.content.decode()
    assert Message.objects.get(pk=message.pk).case.number == other.case_number


def test_quarantine_page_is_for_leads_and_admins(admin_user: Any, agent: Any, mailbox: Any) -> None:
    services.take_in(b"Subject: nobody\r\n\r\nbody\r\n")
    client = Client()
    client.login(email=agent.email, password=PASSWORD)
    assert client.get("/mail/quarantine/").status_code == 403
    client.login(email=admin_user.email, password=PASSWORD)
    page = client.get("/mail/quarantine/")
    assert page.status_code == 200 and "no sender address" in page.content.decode()
    item_id = QuarantinedMessage.objects.get().pk
    assert client.post("/mail/quarantine/", {"id": item_id, "action": "discard"}).status_code == 302
    assert QuarantinedMessage.objects.get().state == "discarded"
