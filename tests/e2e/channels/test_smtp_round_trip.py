"""Real SMTP both ways on loopback: a customer's mail client talks to the gateway,
Casework's replies arrive on a sink, and the customer's answer threads back."""

from __future__ import annotations

import smtplib
from typing import Any

import pytest

from casework.cases import services as case_services
from casework.cases.models import Case, Message
from casework.channels.gateway import make_controller
from casework.channels.models import InboundMessage
from casework.core.actors import Actor
from tests.integration.channels.support import Sink, compose, free_port

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def gateway(mailbox: Any) -> Any:
    port = free_port()
    controller = make_controller("127.0.0.1", port)
    controller.start()
    yield port
    controller.stop()


def _wait_for(sink: Sink, count: int) -> None:
    """Wait (bounded) for `count` messages: the send happens in another thread."""
    for _ in range(100):
        if len(sink.messages) >= count:
            return
        sink.arrived.wait(0.1)
        sink.arrived.clear()
    raise AssertionError(f"expected {count} messages on the sink, got {len(sink.messages)}")


def test_customer_mail_round_trip_through_the_gateway(
    gateway: int, mailbox: Any, agent: Any, immediate_tasks: None
) -> None:
    with Sink() as sink:
        mailbox.smtp_port = sink.port
        mailbox.save()
        with smtplib.SMTP("127.0.0.1", gateway) as smtp:
            # Unknown recipients are refused at RCPT time.
            with pytest.raises(smtplib.SMTPRecipientsRefused):
                smtp.sendmail("casey@customer.example", ["nobody@casework.example"], compose())
            refused = smtp.sendmail(
                "casey@customer.example",
                ["support@casework.example"],
                compose(message_id="<hello@customer.example>", subject="Scanner jams"),
            )
        assert refused == {}
        # 250 came only after the message was stored: it is there now.
        case = Case.objects.get(title="Scanner jams")
        assert InboundMessage.objects.get(message_id="hello@customer.example").outcome == "new_case"

        _wait_for(sink, 1)  # the acknowledgement
        assert f"[{case.number}]" in sink.messages[0]["Subject"]

        case_services.post_reply(Actor.agent(agent), case, text="Open the tray and pull gently.")
        _wait_for(sink, 2)
        reply = sink.messages[1]
        assert reply["In-Reply-To"] == "<hello@customer.example>"

        answer = compose(
            subject=f"Re: {reply['Subject']}",
            text="That worked, thanks!\n\nOn Monday Casework Support wrote:\n> Open the tray",
            in_reply_to=reply["Message-ID"],
            references=f"<hello@customer.example> {reply['Message-ID']}",
        )
        with smtplib.SMTP("127.0.0.1", gateway) as smtp:
            smtp.sendmail("casey@customer.example", ["support@casework.example"], answer)
            # The same message again (a sender's retry) is accepted and stored once.
            smtp.sendmail("casey@customer.example", ["support@casework.example"], answer)

    inbound = Message.objects.filter(case=case, direction="inbound").order_by("id")
    assert [m.text for m in inbound] == ["Hello, my printer is on fire.", "That worked, thanks!"]
    assert inbound[1].meta["match_reason"].startswith("in-reply-to matched our message")
    assert "Open the tray" in inbound[1].meta["quoted_text"]
    assert Case.objects.count() == 1
