"""Notification emails: admin-editable words, a sandbox that reaches nothing it should not."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings

from casework.cases.models import Case
from casework.channels import notifications, services
from casework.channels.models import NotificationTemplate, OutboundDelivery
from casework.core.errors import InvalidInput
from casework.core.notify import notify
from casework.core.signing import read_token
from tests.integration.channels.support import compose

pytestmark = pytest.mark.django_db


def _case(mailbox: Any) -> Case:
    return Case.objects.get(number=services.take_in(compose(subject="Printer <b>on</b> fire")).case_number)


def test_resolution_proposed_carries_signed_accept_and_reject_links(mailbox: Any) -> None:
    case = _case(mailbox)
    Case.objects.filter(pk=case.pk).update(resolution_summary="Replaced the fuser")
    notify("resolution_proposed", case.pk)
    delivery = OutboundDelivery.objects.get(kind="resolution_proposed")
    assert delivery.to == ["casey@customer.example"] and f"[{case.number}]" in delivery.subject
    accept = next(line for line in delivery.text.splitlines() if "/accept" in line).split()[-1]
    assert accept.startswith(f"{settings.BASE_URL}/portal/resolution/")
    token = accept.rsplit("/", 2)[-2]
    assert read_token(token, "resolution", max_age_seconds=3600) == {"case_id": case.pk}
    assert "/reject" in delivery.html and "Replaced the fuser" in delivery.text


def test_auto_close_reminder_and_unknown_kinds_get_a_plain_email(mailbox: Any) -> None:
    case = _case(mailbox)
    notify("auto_close_reminder", case.pk)
    notify("sla_breach", case.pk, recipients=("lead@staff.example",))
    reminder = OutboundDelivery.objects.get(kind="auto_close_reminder")
    assert "close automatically" in reminder.text
    generic = OutboundDelivery.objects.get(kind="sla_breach")
    assert generic.to == ["lead@staff.example"] and "sla_breach" in generic.text


def test_admin_edited_template_is_used_and_case_fields_are_escaped_in_html(mailbox: Any) -> None:
    case = _case(mailbox)
    NotificationTemplate.objects.filter(kind="auto_close_reminder").update(
        subject="Still there, {{ case.contact_name }}?",
        body_text="Case {{ case.number }}: {{ case.title }}",
        body_html="<p>{{ case.title }}</p>",
    )
    notify("auto_close_reminder", case.pk)
    delivery = OutboundDelivery.objects.get(kind="auto_close_reminder")
    assert delivery.subject.startswith("Still there, Casey Customer?")
    assert delivery.text == f"Case {case.number}: Printer <b>on</b> fire"
    assert delivery.html == "<p>Printer &lt;b&gt;on&lt;/b&gt; fire</p>"


@pytest.mark.parametrize(
    "source",
    [
        "{% load static %}",
        "{% include 'base.html' %}",
        "{% extends 'base.html' %}",
        "{% debug %}",
        "{% url 'admin:index' %}",
        "{{ case.title|safe }}",
        "{% autoescape off %}{{ case.title }}{% endautoescape %}",
    ],
)
def test_templates_cannot_reach_files_code_or_unescaped_output(source: str) -> None:
    with pytest.raises(InvalidInput):
        notifications.check_template(source)


def test_template_sees_plain_case_fields_not_the_database(mailbox: Any) -> None:
    case = _case(mailbox)
    rendered = notifications.render("x", case, {})  # the generic template
    assert case.number in rendered.subject
    NotificationTemplate.objects.create(
        kind="probe", subject="{{ case.contact.emails.all }}{{ case.delete }}", body_text="{{ case.team }}"
    )
    probe = notifications.render("probe", case, {})
    assert probe.subject == f"[{case.number}]"
    assert Case.objects.filter(pk=case.pk).exists()
