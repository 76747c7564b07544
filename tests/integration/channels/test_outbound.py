"""Mail going out: an agent's reply reaches the customer threaded, failures show, nothing is lost."""

from __future__ import annotations

from typing import Any

import pytest
import time_machine
from django.core.management import call_command

from casework.cases import services as case_services
from casework.cases.models import Case, TimelineEvent
from casework.channels import services
from casework.channels.models import OutboundDelivery
from casework.channels.outbound import send_delivery
from casework.channels.tasks import redrive_deliveries
from casework.core.actors import Actor
from tests.integration.channels.support import Sink, compose

pytestmark = pytest.mark.django_db


def _email_case(mailbox: Any, **kw: Any) -> Case:
    return Case.objects.get(number=services.take_in(compose(**kw)).case_number)


def _point(mailbox: Any, sink: Sink) -> None:
    mailbox.smtp_port = sink.port
    mailbox.save()


def test_acknowledgement_with_the_case_number_goes_to_a_new_sender(
    mailbox: Any, immediate_tasks: None, django_capture_on_commit_callbacks: Any
) -> None:
    with Sink() as sink:
        _point(mailbox, sink)
        with django_capture_on_commit_callbacks(execute=True):
            result = services.take_in(compose(message_id="<first@customer.example>"))
    [ack] = sink.messages
    assert result.case_number in ack["Subject"] and f"[{result.case_number}]" in ack["Subject"]
    assert ack["In-Reply-To"] == "<first@customer.example>"
    assert ack["Auto-Submitted"] == "auto-generated"
    assert result.case_number in ack.get_body(("plain",)).get_content()
    assert sink.envelopes[0] == ("support@casework.example", ["casey@customer.example"])


@pytest.mark.parametrize(
    "headers,sender",
    [
        ({"Auto-Submitted": "auto-generated"}, "monitor@customer.example"),
        ({"Precedence": "bulk"}, "news@customer.example"),
        ({"Precedence": "list"}, "list@customer.example"),
        ({"X-Autoreply": "yes"}, "casey@customer.example"),
        ({}, "postmaster@customer.example"),
    ],
)
def test_no_acknowledgement_to_automatic_mail(
    mailbox: Any, immediate_tasks: None, django_capture_on_commit_callbacks: Any, headers: Any, sender: str
) -> None:
    with Sink() as sink:
        _point(mailbox, sink)
        with django_capture_on_commit_callbacks(execute=True):
            services.take_in(compose(sender=sender, subject="Nightly report", headers=headers))
    assert sink.messages == []
    assert OutboundDelivery.objects.count() == 0


def test_agent_reply_goes_out_threaded_as_text_and_html_with_attachment(
    mailbox: Any, agent: Any, immediate_tasks: None, django_capture_on_commit_callbacks: Any
) -> None:
    case = _email_case(mailbox, message_id="<q@customer.example>")
    with Sink() as sink:
        _point(mailbox, sink)
        with django_capture_on_commit_callbacks(execute=True):
            case_services.post_reply(
                Actor.agent(agent),
                case,
                text="Please unplug it.\nThen wait.",
                attachments=[case_services.NewAttachment("steps.pdf", b"%PDF-1.4 steps", "application/pdf")],
            )
    reply = sink.messages[-1]
    assert reply["Subject"] == f"Re: Printer on fire [{case.number}]"
    assert reply["In-Reply-To"] == "<q@customer.example>"
    assert "<q@customer.example>" in reply["References"]
    assert reply["Message-ID"].startswith("<cw.")
    assert reply.get_body(("plain",)).get_content().startswith("Please unplug it.")
    assert "Please unplug it.<br>Then wait." in reply.get_body(("html",)).get_content()
    assert [a.get_filename() for a in reply.iter_attachments()] == ["steps.pdf"]
    kinds = list(TimelineEvent.objects.filter(case=case).values_list("kind", flat=True))
    assert "email_queued" in kinds and "email_sent" in kinds
    assert OutboundDelivery.objects.get(kind="reply").state == "sent"


def test_customer_reply_to_our_reply_threads_back_to_the_case(
    mailbox: Any, agent: Any, immediate_tasks: None, django_capture_on_commit_callbacks: Any
) -> None:
    case = _email_case(mailbox)
    with Sink() as sink:
        _point(mailbox, sink)
        with django_capture_on_commit_callbacks(execute=True):
            case_services.post_reply(Actor.agent(agent), case, text="Have you tried water?")
    ours = sink.messages[-1]["Message-ID"]
    result = services.take_in(compose(subject="Re: your reply", in_reply_to=ours, references=ours))
    assert result.outcome == "posted" and result.case_number == case.number


def test_no_header_injection_through_a_subject_or_a_name(
    mailbox: Any, agent: Any, immediate_tasks: None, django_capture_on_commit_callbacks: Any
) -> None:
    case = _email_case(mailbox)
    Case.objects.filter(pk=case.pk).update(title="Hi\r\nBcc: victim@evil.example")
    mailbox.display_name = "Support\r\nBcc: victim2@evil.example"
    mailbox.save()
    with Sink() as sink:
        _point(mailbox, sink)
        with django_capture_on_commit_callbacks(execute=True):
            case_services.post_reply(Actor.agent(agent), Case.objects.get(pk=case.pk), text="ok")
    reply = sink.messages[-1]
    assert reply["Bcc"] is None
    assert all("evil" not in r for r in sink.envelopes[-1][1])


def test_temporary_smtp_failure_retries_with_backoff_then_sends(
    mailbox: Any, agent: Any, immediate_tasks: None, django_capture_on_commit_callbacks: Any
) -> None:
    case = _email_case(mailbox)
    OutboundDelivery.objects.all().delete()
    with Sink(refuse_with="451 4.3.0 mailbox busy") as sink:
        _point(mailbox, sink)
        with django_capture_on_commit_callbacks(execute=True):
            case_services.post_reply(Actor.agent(agent), case, text="First try")
        delivery = OutboundDelivery.objects.get()
        assert delivery.state == "queued" and "451" in delivery.last_error
        retry = TimelineEvent.objects.filter(case=case, kind="email_send_retry").get()
        assert "mailbox busy" in retry.data["error"]
        sink.refuse_with = None
        assert redrive_deliveries.call() == 0  # not due yet: backoff
        with time_machine.travel(delivery.next_attempt_at, tick=False):
            assert redrive_deliveries.call() == 1
    assert OutboundDelivery.objects.get().state == "sent" and len(sink.messages) == 1


def test_permanent_smtp_failure_is_shown_and_the_reply_is_kept(
    mailbox: Any, agent: Any, immediate_tasks: None, django_capture_on_commit_callbacks: Any
) -> None:
    case = _email_case(mailbox)
    with Sink(refuse_with="554 5.7.1 relay denied") as sink:
        _point(mailbox, sink)
        with django_capture_on_commit_callbacks(execute=True):
            message = case_services.post_reply(Actor.agent(agent), case, text="Kept anyway")
    delivery = OutboundDelivery.objects.get(kind="reply")
    assert delivery.state == "failed" and delivery.last_error.startswith("554")
    failed = TimelineEvent.objects.get(case=case, kind="email_delivery_failed")
    assert "relay denied" in failed.data["error"] and failed.message_id == message.pk
    assert case.messages.filter(text="Kept anyway").exists()


@pytest.mark.django_db(transaction=True)  # the worker closes its connection after each task
def test_lost_queue_message_is_re_driven_by_the_worker(mailbox: Any, agent: Any, settings: Any) -> None:
    """The database backend and its worker, as in production: the row is the truth."""
    case = _email_case(mailbox)
    with Sink() as sink:
        _point(mailbox, sink)
        case_services.post_reply(Actor.agent(agent), case, text="Queued only")  # on_commit never ran
        assert OutboundDelivery.objects.get(kind="reply").state == "queued"
        redrive_deliveries.enqueue()
        call_command("db_worker", batch=True, no_startup_delay=True, reload=False)
    assert OutboundDelivery.objects.get(kind="reply").state == "sent"
    assert sink.messages[-1].get_body(("plain",)).get_content().startswith("Queued only")


def test_bounce_attaches_to_the_original_reply_as_a_delivery_failure(
    mailbox: Any, agent: Any, immediate_tasks: None, django_capture_on_commit_callbacks: Any
) -> None:
    case = _email_case(mailbox)
    with Sink() as sink:
        _point(mailbox, sink)
        with django_capture_on_commit_callbacks(execute=True):
            case_services.post_reply(Actor.agent(agent), case, text="Hello")
    ours = sink.messages[-1]["Message-ID"]
    from tests.integration.channels.support import dsn

    result = services.take_in(dsn(original_message_id=ours, recipient="casey@customer.example"))
    assert result.outcome == "bounce" and result.case_number == case.number
    delivery = OutboundDelivery.objects.get(kind="reply")
    assert delivery.state == "bounced" and delivery.bounces.get().status == "5.1.1"
    event = TimelineEvent.objects.filter(case=case, kind="email_delivery_failed").get()
    assert event.data["bounce"] is True and "5.1.1" in event.data["status"]
    assert Case.objects.count() == 1


def test_our_acknowledgement_answered_by_an_autoresponder_does_not_loop(
    mailbox: Any, immediate_tasks: None, django_capture_on_commit_callbacks: Any
) -> None:
    with Sink() as sink:
        _point(mailbox, sink)
        with django_capture_on_commit_callbacks(execute=True):
            services.take_in(compose())
        ack = sink.messages[-1]
        with django_capture_on_commit_callbacks(execute=True):
            # The customer's out-of-office answers our acknowledgement ...
            services.take_in(
                compose(
                    subject=f"Automatic reply: {ack['Subject']}",
                    in_reply_to=ack["Message-ID"],
                    headers={"Auto-Submitted": "auto-replied"},
                )
            )
            # ... and our acknowledgement itself comes back to our mailbox.
            services.take_in(bytes(ack))
    assert len(sink.messages) == 1 and Case.objects.count() == 1


def test_without_any_smtp_a_reply_is_kept_as_a_file_in_the_outbox(
    mailbox: Any, agent: Any, settings: Any, tmp_path: Any
) -> None:
    """A laptop installation with no SMTP server: replies are written to the outbox folder."""
    case = _email_case(mailbox)
    mailbox.smtp_host = ""
    mailbox.save()
    outbox = tmp_path / "outbox"
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "OPTIONS": {"file_path": str(outbox)},
        }
    }
    case_services.post_reply(Actor.agent(agent), case, text="Kept on disk")
    delivery = OutboundDelivery.objects.get(kind="reply")
    assert send_delivery(delivery.pk) == "sent"
    delivery.refresh_from_db()
    assert delivery.state == "sent"
    assert any(b"Kept on disk" in f.read_bytes() for f in outbox.glob("*.eml"))
