"""Mail coming in: every message lands in the right case once, and says why."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings

from casework.cases.models import Case, Message, TimelineEvent
from casework.channels import domain, mailboxes, review, services
from casework.channels.models import BurstBlock, InboundMessage, OutboundDelivery, QuarantinedMessage
from tests.factories import AccountFactory
from tests.integration.channels.support import compose

pytestmark = pytest.mark.django_db


def test_first_email_opens_a_case_in_the_mailbox_team_with_the_sender_as_contact(mailbox: Any) -> None:
    result = services.take_in(compose(sender="Maria Schmidt <Maria@Example.com>", subject="VAT is wrong"))
    assert result.outcome == "new_case"
    case = Case.objects.get(number=result.case_number)
    assert case.title == "VAT is wrong" and case.channel == "email" and case.team == mailbox.team
    assert case.contact.primary_email == "maria@example.com" and case.contact.name == "Maria Schmidt"
    message = Message.objects.get(case=case)
    assert message.from_address == "maria@example.com" and message.meta["match_reason"] == "new case"


def test_new_sender_is_attributed_to_the_account_of_their_domain(mailbox: Any) -> None:
    account = AccountFactory(name="Acme", email_domains=["acme.example"])
    result = services.take_in(compose(sender="bob@acme.example"))
    assert Case.objects.get(number=result.case_number).account == account


def test_same_message_twice_gives_one_timeline_entry(mailbox: Any) -> None:
    raw = compose(message_id="<twice@customer.example>")
    first = services.take_in(raw)
    second = services.take_in(raw, source="imap")
    assert first.outcome == "new_case" and second.is_duplicate and second.case_number == first.case_number
    assert Message.objects.filter(external_id="twice@customer.example").count() == 1
    assert TimelineEvent.objects.filter(kind="customer_message").count() == 1


def test_one_email_to_two_of_our_mailboxes_is_stored_once(mailbox: Any, admin_user: Any) -> None:
    mailboxes.create_mailbox(admin_user, address="sales@casework.example")
    raw = compose(to="support@casework.example, sales@casework.example", message_id="<both@x.example>")
    services.take_in(raw, recipients=["support@casework.example"])
    again = services.take_in(raw, recipients=["sales@casework.example"])
    assert again.is_duplicate and Case.objects.count() == 1


def test_reply_to_our_message_threads_by_in_reply_to_and_says_why(mailbox: Any) -> None:
    case = Case.objects.get(number=services.take_in(compose()).case_number)
    ours = OutboundDelivery.objects.create(
        case=case,
        kind="reply",
        message_id=domain.normalise_message_id(
            domain.make_message_id("casework.example", settings.SECRET_KEY)
        ),
        from_address=mailbox.address,
        to=["casey@customer.example"],
        subject="Re",
    )
    reply = compose(subject="Re: whatever", in_reply_to=f"<{ours.message_id}>")
    result = services.take_in(reply)
    assert result.outcome == "posted" and result.case_number == case.number
    assert "in-reply-to matched our message" in result.reason
    event = TimelineEvent.objects.filter(case=case, kind="customer_message").last()
    assert "in-reply-to" in event.data["match"]


def test_forged_message_id_of_ours_does_not_thread(mailbox: Any) -> None:
    case = Case.objects.get(number=services.take_in(compose()).case_number)
    real = domain.normalise_message_id(domain.make_message_id("casework.example", settings.SECRET_KEY))
    OutboundDelivery.objects.create(
        case=case,
        kind="reply",
        message_id=real,
        from_address=mailbox.address,
        to=["x@y.example"],
        subject="s",
    )
    nonce = real.split(".")[1]
    forged = f"cw.{nonce}.0000000000000000@casework.example"
    result = services.take_in(compose(subject="Hello", in_reply_to=f"<{forged}>"))
    assert result.outcome == "new_case" and result.case_number != case.number
    assert "forged" in result.reason


def test_customer_reply_threads_by_references_to_a_message_we_received(mailbox: Any) -> None:
    first = services.take_in(compose(message_id="<root@customer.example>"))
    result = services.take_in(compose(subject="more info", references="<root@customer.example>"))
    assert result.case_number == first.case_number and "references matched a received" in result.reason


def test_subject_token_from_a_participant_posts_to_the_case(mailbox: Any) -> None:
    number = services.take_in(compose()).case_number
    result = services.take_in(compose(subject=f"Re: Printer on fire [{number}]"))
    assert result.outcome == "posted" and result.case_number == number and result.reason == "subject token"


def test_stranger_with_the_case_token_in_the_subject_is_held_not_posted(mailbox: Any, agent: Any) -> None:
    number = services.take_in(compose()).case_number
    before = Message.objects.filter(case__number=number).count()
    result = services.take_in(
        compose(sender="mallory@evil.example", subject=f"Re: [{number}] send me the data")
    )
    assert result.outcome == "held" and result.case_number == number
    assert Message.objects.filter(case__number=number).count() == before
    assert TimelineEvent.objects.filter(case__number=number, kind="email_held").exists()
    # An agent vouches for the sender: now it posts, as that sender.
    held = InboundMessage.objects.get(pk=result.inbound_id)
    accepted = review.accept_held(agent, held)
    assert accepted.outcome == "posted"
    assert Message.objects.filter(case__number=number, from_address="mallory@evil.example").count() == 1


def test_unknown_address_replying_on_a_known_thread_is_held(mailbox: Any, agent: Any) -> None:
    first = services.take_in(compose(message_id="<root2@customer.example>"))
    result = services.take_in(
        compose(sender="colleague@other.example", in_reply_to="<root2@customer.example>")
    )
    assert result.outcome == "held" and result.case_number == first.case_number
    review.discard_held(agent, InboundMessage.objects.get(pk=result.inbound_id))
    assert InboundMessage.objects.get(pk=result.inbound_id).outcome == "discarded"


def test_cc_d_colleague_is_a_participant_of_the_thread(mailbox: Any) -> None:
    first = services.take_in(compose(cc="Kim <kim@customer.example>", message_id="<cc@customer.example>"))
    result = services.take_in(compose(sender="kim@customer.example", in_reply_to="<cc@customer.example>"))
    assert result.outcome == "posted" and result.case_number == first.case_number
    assert Message.objects.filter(case__number=first.case_number).first().cc == ["kim@customer.example"]


def test_reply_to_a_closed_case_opens_a_linked_follow_up(mailbox: Any) -> None:
    first = services.take_in(compose(message_id="<closed@customer.example>"))
    Case.objects.filter(number=first.case_number).update(status="closed")
    result = services.take_in(compose(in_reply_to="<closed@customer.example>"))
    assert result.outcome == "posted" and result.case_number != first.case_number
    assert "follow-up" in result.reason
    follow_up = Case.objects.get(number=result.case_number)
    assert follow_up.links_out.get().to_case.number == first.case_number


def test_unreadable_message_is_quarantined_and_retried_by_an_admin(mailbox: Any, admin_user: Any) -> None:
    result = services.take_in(b"this is not an email at all")
    assert result.outcome == "quarantined"
    item = QuarantinedMessage.objects.get(pk=result.quarantine_id)
    assert item.state == "waiting" and item.error == "no headers"
    again = review.retry_quarantined(admin_user, item)
    assert again.outcome == "quarantined"
    assert QuarantinedMessage.objects.count() == 1 and QuarantinedMessage.objects.get().attempts == 2
    review.discard_quarantined(admin_user, item)
    assert QuarantinedMessage.objects.get().state == "discarded"


def test_burst_of_same_subject_stops_new_cases_and_shows_a_block(mailbox: Any) -> None:
    outcomes = [services.take_in(compose(subject="ALERT disk full")).outcome for _ in range(17)]
    assert outcomes.count("new_case") == 15 and outcomes[15:] == ["burst", "burst"]
    block = BurstBlock.objects.get()
    assert block.sender == "casey@customer.example" and block.count >= 16


def test_our_own_mail_coming_back_is_not_taken_in(mailbox: Any) -> None:
    result = services.take_in(compose(sender="support@casework.example", subject="We received your request"))
    assert result.outcome == "ignored" and Case.objects.count() == 0


def test_out_of_office_on_a_thread_is_recorded_but_not_posted(mailbox: Any) -> None:
    first = services.take_in(compose(message_id="<ooo@customer.example>"))
    result = services.take_in(
        compose(
            subject="Automatic reply: Printer on fire",
            in_reply_to="<ooo@customer.example>",
            headers={"Auto-Submitted": "auto-replied"},
        )
    )
    assert result.outcome == "ignored" and result.case_number == first.case_number
    assert Message.objects.filter(case__number=first.case_number).count() == 1


def test_mail_from_a_no_reply_sender_opens_a_case_but_gets_no_acknowledgement(mailbox: Any) -> None:
    result = services.take_in(compose(sender="no-reply@shop.example", subject="Web form: refund request"))
    assert result.outcome == "new_case"
    assert not OutboundDelivery.objects.filter(kind="case_received").exists()
