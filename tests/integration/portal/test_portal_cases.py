"""My cases in the portal: only one's own (or the account's for an account admin),
public entries only, status in the customer's words, submit with the case
type's customer fields, reply with attachments, accept or reject a resolution."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from casework.automation.models import CaseType, ServiceDefinition
from casework.cases import services as case_services
from casework.cases.models import Case
from casework.core.actors import Actor
from tests.integration.portal.conftest import make_customer

pytestmark = pytest.mark.django_db


def test_customer_sees_their_own_case_with_status_in_their_words(portal: Client, customer_case: Case) -> None:
    listing = portal.get("/portal/cases/").content.decode()
    assert customer_case.number in listing
    assert "Received" in listing
    page = portal.get(f"/portal/cases/{customer_case.number}/").content.decode()
    assert "Printer on fire" in page
    assert "Casework" not in page.split("<main", 1)[0]  # the portal's own header, not the agent topbar


def test_another_customers_case_is_not_found_by_url_nor_by_search(
    customer_case: Case, other_customer: Any
) -> None:
    client = Client()
    client.force_login(other_customer)
    assert client.get(f"/portal/cases/{customer_case.number}/").status_code == 404
    assert client.post(f"/portal/cases/{customer_case.number}/reply", {"text": "hi"}).status_code == 404
    found = client.get("/portal/cases/?status=all&q=printer").content.decode()
    assert customer_case.number not in found


def test_an_account_admin_sees_every_case_of_the_account(customer: Any, customer_case: Case) -> None:
    boss = make_customer("boss@northwind.example", account=customer.contact.account, is_account_admin=True)
    colleague = make_customer("coll@northwind.example", account=customer.contact.account)
    for who, sees in ((boss, True), (colleague, False)):
        client = Client()
        client.force_login(who)
        assert (customer_case.number in client.get("/portal/cases/").content.decode()) is sees


def test_internal_notes_never_reach_the_portal(portal: Client, customer_case: Case, agent: Any) -> None:
    case_services.add_note(Actor.agent(agent), customer_case, text="Customer is grumpy")
    case_services.post_reply(Actor.agent(agent), customer_case, text="We are on it.")
    page = portal.get(f"/portal/cases/{customer_case.number}/").content.decode()
    assert "We are on it." in page
    assert "grumpy" not in page
    assert "We&#x27;re working on it" in page or "We're working on it" in page


def test_customer_submits_a_case_with_the_case_types_customer_fields(
    portal: Client, customer: Any, team: Any
) -> None:
    case_type = CaseType.objects.create(
        name="Hardware",
        key="hardware",
        fields_schema=[
            {
                "key": "serial",
                "label": "Serial number",
                "type": "text",
                "required": True,
                "customer_visible": True,
            },
            {
                "key": "model",
                "label": "Model",
                "type": "select",
                "customer_visible": True,
                "options": ["X1", "X2"],
            },
            {"key": "rma", "label": "RMA", "type": "text", "customer_visible": False},
        ],
    )
    service = ServiceDefinition.objects.create(
        name="Broken device", key="broken", case_type=case_type, team=team
    )
    ServiceDefinition.objects.create(name="Internal only", key="internal", customer_visible=False)
    form = portal.get(f"/portal/cases/new?service={service.pk}").content.decode()
    assert "Serial number" in form and "Model" in form
    assert "RMA" not in form and "Internal only" not in form

    missing = portal.post(
        "/portal/cases/new",
        {"submit": "1", "service": service.pk, "title": "Dead", "description": "No power"},
    )
    assert missing.status_code == 422
    assert "Serial number is required" in missing.content.decode()

    response = portal.post(
        "/portal/cases/new",
        {
            "submit": "1",
            "service": service.pk,
            "title": "Dead device",
            "description": "No power",
            "cf_serial": "SN-1",
            "cf_model": "X2",
            "cf_rma": "sneaky",
            "attachments": SimpleUploadedFile("photo.txt", b"smoke", content_type="text/plain"),
        },
    )
    assert response.status_code == 302
    case = Case.objects.get(title="Dead device")
    assert case.channel == "portal" and case.contact == customer.contact and case.team == team
    assert case.service == service and case.case_type == case_type
    assert case.custom_fields == {"serial": "SN-1", "model": "X2"}
    assert case.attachments.get().filename == "photo.txt"


def test_the_form_fits_each_kind_of_field_and_keeps_what_was_typed(
    portal: Client, customer: Any, team: Any
) -> None:
    case_type = CaseType.objects.create(
        name="Order",
        key="order",
        fields_schema=[
            {"key": "steps", "label": "Steps", "type": "long_text", "customer_visible": True},
            {"key": "urgent", "label": "Stops my work", "type": "checkbox", "customer_visible": True},
            {
                "key": "items",
                "label": "Items",
                "type": "multi_select",
                "customer_visible": True,
                "options": ["cable", "dock", "mouse"],
            },
            {"key": "qty", "label": "Quantity", "type": "number", "required": True, "customer_visible": True},
        ],
    )
    service = ServiceDefinition.objects.create(
        name="Order issue", key="order", case_type=case_type, team=team
    )
    form = portal.get(f"/portal/cases/new?service={service.pk}").content.decode()
    assert '<textarea id="cf_steps"' in form
    assert 'type="checkbox" id="cf_urgent"' in form
    assert '<select id="cf_items" name="cf_items" multiple' in form
    assert 'id="cf_qty" name="cf_qty" type="number"' in form

    typed = {
        "submit": "1",
        "service": service.pk,
        "title": "Wrong items",
        "description": "Half the order",
        "cf_steps": "Opened the box\nFound a mouse",
        "cf_urgent": "true",
        "cf_items": ["cable", "dock"],
    }
    refused = portal.post("/portal/cases/new", typed)  # the quantity is missing
    assert refused.status_code == 422
    again = refused.content.decode()
    assert "Opened the box" in again and "checked" in again
    assert '<option value="cable" selected>' in again and '<option value="mouse">' in again

    accepted = portal.post("/portal/cases/new", {**typed, "cf_qty": "2"})
    assert accepted.status_code == 302, accepted.content.decode().split("form-error")[-1][:200]
    case = Case.objects.get(title="Wrong items")
    assert case.custom_fields == {
        "steps": "Opened the box\nFound a mouse",
        "urgent": True,
        "items": ["cable", "dock"],
        "qty": 2,
    }
    unticked = {**typed, "title": "Not urgent", "cf_qty": "1"}
    del unticked["cf_urgent"]
    assert portal.post("/portal/cases/new", unticked).status_code == 302
    assert Case.objects.get(title="Not urgent").custom_fields["urgent"] is False


def test_unverified_customer_cannot_submit(db: Any) -> None:
    from casework.iam import services as iam_services

    user = iam_services.create_user("new@example.org", role="customer", password="a long enough password 42")
    client = Client()
    client.force_login(user)
    response = client.post("/portal/cases/new", {"submit": "1", "title": "Hi", "description": "there"})
    assert response.status_code == 403
    assert not Case.objects.exists()


def test_customer_replies_with_an_attachment_and_a_pending_case_reopens(
    portal: Client, customer_case: Case, agent: Any
) -> None:
    case_services.post_reply(Actor.agent(agent), customer_case, text="Which model?", status="pending")
    response = portal.post(
        f"/portal/cases/{customer_case.number}/reply",
        {"text": "Model X2", "attachments": SimpleUploadedFile("log.txt", b"log", content_type="text/plain")},
    )
    assert response.status_code == 302
    customer_case.refresh_from_db()
    assert customer_case.status == "open"
    page = portal.get(f"/portal/cases/{customer_case.number}/").content.decode()
    assert "Model X2" in page and "log.txt" in page
    attachment = customer_case.attachments.get()
    download = portal.get(f"/portal/cases/{customer_case.number}/attachments/{attachment.pk}")
    assert download.status_code == 200 and b"".join(download.streaming_content) == b"log"


def test_customer_accepts_a_proposed_resolution_in_the_portal(
    portal: Client, customer_case: Case, resolve: Any
) -> None:
    resolve(customer_case)
    page = portal.get(f"/portal/cases/{customer_case.number}/").content.decode()
    assert "Solution proposed" in page and "Replaced the toner." in page
    portal.post(f"/portal/cases/{customer_case.number}/accept")
    customer_case.refresh_from_db()
    assert customer_case.status == "closed"


def test_customer_rejects_a_resolution_with_a_reason_and_the_case_reopens(
    portal: Client, customer_case: Case, resolve: Any
) -> None:
    resolve(customer_case)
    refused = portal.post(f"/portal/cases/{customer_case.number}/reject", {"reason": ""})
    assert refused.status_code == 422
    portal.post(f"/portal/cases/{customer_case.number}/reject", {"reason": "Still smoking"})
    customer_case.refresh_from_db()
    assert customer_case.status == "open" and customer_case.reopen_count == 1


def test_the_email_links_accept_and_reject_without_signing_in(customer_case: Case, resolve: Any) -> None:
    from casework.portal.services import resolution_links

    resolve(customer_case)
    links = resolution_links(customer_case.pk)
    reject_path = links["reject_link"].split("http://127.0.0.1:8000", 1)[-1]
    accept_path = links["accept_link"].split("http://127.0.0.1:8000", 1)[-1]
    assert reject_path.startswith("/portal/resolution/") and reject_path.endswith("/reject")
    visitor = Client()
    assert "Reopen my request" in visitor.get(reject_path).content.decode()  # GET changes nothing
    visitor.post(reject_path, {"reason": "Not fixed"})
    customer_case.refresh_from_db()
    assert customer_case.status == "open" and customer_case.reopen_count == 1

    resolve(customer_case)
    assert visitor.post(accept_path).status_code == 200
    customer_case.refresh_from_db()
    assert customer_case.status == "closed"
    again = visitor.post(accept_path)
    assert again.status_code == 409  # nothing left to accept


def test_a_forged_resolution_link_is_refused(customer_case: Case) -> None:
    assert Client().get("/portal/resolution/not-a-token/accept").status_code == 400


def test_staff_are_sent_to_the_workspace(agent: Any) -> None:
    client = Client()
    client.force_login(agent)
    assert client.get("/portal/cases/").status_code == 403
