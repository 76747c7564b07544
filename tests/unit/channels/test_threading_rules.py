"""The email channel's rules without a database: threading, loops, ids, subjects."""

from __future__ import annotations

import pytest

from casework.channels import domain
from casework.channels.domain import KnownId, ThreadFacts, choose_case

SECRET = "test-secret"
PARTICIPANTS = {7: frozenset({"casey@customer.example", "kim@customer.example"})}


def test_our_message_id_carries_an_hmac_and_a_forgery_is_recognised() -> None:
    mid = domain.make_message_id("Casework.Example", SECRET)
    assert mid.startswith("<cw.") and mid.endswith("@casework.example>")
    assert domain.is_our_message_id(mid, SECRET)
    assert not domain.is_our_message_id(mid, "another-installation")
    nonce = mid.split(".")[1]
    assert not domain.is_our_message_id(f"<cw.{nonce}.0123456789abcdef@casework.example>", SECRET)
    assert not domain.is_our_message_id("<CAF+abc@mail.gmail.com>", SECRET)


def test_message_ids_compare_without_brackets_and_with_any_case_domain() -> None:
    assert domain.normalise_message_id(" <Abc.1@Mail.Example> ") == "Abc.1@mail.example"
    assert domain.message_key("<x@A.example>") == domain.message_key("x@a.example")
    assert domain.parse_id_list("<a@x> <b@y>\r\n <c@z>") == ["a@x", "b@y", "c@z"]


def test_in_reply_to_to_our_message_from_a_participant_posts() -> None:
    facts = ThreadFacts(
        sender="Casey@Customer.example", in_reply_to=["m1@x"], known_ids=[KnownId("m1@x", 7, True)],
        participants=PARTICIPANTS,
    )  # fmt: skip
    decision = choose_case(facts)
    assert decision.case_id == 7 and not decision.hold
    assert decision.reason == "in-reply-to matched our message <m1@x>"


def test_newest_reference_wins_when_in_reply_to_is_unknown() -> None:
    facts = ThreadFacts(
        sender="kim@customer.example",
        in_reply_to=["unknown@x"],
        references=["old@x", "new@x"],
        known_ids=[KnownId("old@x", 3, False), KnownId("new@x", 7, False)],
        participants={**PARTICIPANTS, 3: frozenset({"kim@customer.example"})},
    )
    assert choose_case(facts).case_id == 7


def test_unknown_sender_on_a_known_thread_is_held() -> None:
    facts = ThreadFacts(
        sender="stranger@else.example", in_reply_to=["m1@x"], known_ids=[KnownId("m1@x", 7, True)],
        participants=PARTICIPANTS,
    )  # fmt: skip
    decision = choose_case(facts)
    assert decision.case_id == 7 and decision.hold and "not a participant" in decision.reason


def test_subject_token_counts_only_for_participants() -> None:
    ok = choose_case(ThreadFacts(sender="casey@customer.example", token_case_id=7, participants=PARTICIPANTS))
    held = choose_case(ThreadFacts(sender="mallory@evil.example", token_case_id=7, participants=PARTICIPANTS))
    assert (ok.case_id, ok.hold, ok.reason) == (7, False, "subject token")
    assert held.hold


def test_headers_outrank_the_subject_token() -> None:
    facts = ThreadFacts(
        sender="casey@customer.example", in_reply_to=["m@x"], known_ids=[KnownId("m@x", 7, False)],
        token_case_id=9, participants={**PARTICIPANTS, 9: frozenset({"casey@customer.example"})},
    )  # fmt: skip
    assert choose_case(facts).case_id == 7


def test_nothing_known_opens_a_new_case_and_says_a_forgery_was_ignored() -> None:
    assert choose_case(ThreadFacts(sender="a@b.example")).case_id is None
    forged = choose_case(ThreadFacts(sender="a@b.example", forged_ids=["cw.abc.123@x"]))
    assert forged.case_id is None and "forged" in forged.reason


@pytest.mark.parametrize(
    "subject,token",
    [("Re: Printer [CS-1042]", "CS-1042"), ("[ cs-7 ] hello", "CS-7"), ("CS-1042 without brackets", None),
     ("[XX-1] other prefix", None)],
)  # fmt: skip
def test_subject_token(subject: str, token: str | None) -> None:
    assert domain.find_subject_token(subject, "CS") == token


def test_subjects_compare_without_prefixes_or_token() -> None:
    assert domain.normalise_subject("RE: Fwd: AW:  Disk FULL [CS-9]") == "disk full"
    assert domain.reply_subject("Disk\r\nBcc: x@y", "CS-9") == "Re: Disk Bcc: x@y [CS-9]"


@pytest.mark.parametrize(
    "headers,sender,automatic",
    [
        ({"Auto-Submitted": "auto-replied"}, "a@b.example", True),
        ({"Auto-Submitted": "auto-generated"}, "a@b.example", True),
        ({"Auto-Submitted": "no"}, "a@b.example", False),
        ({"Precedence": "bulk"}, "a@b.example", True),
        ({"Precedence": "junk"}, "a@b.example", True),
        ({"Precedence": "list"}, "a@b.example", True),
        ({"X-Autoreply": "yes"}, "a@b.example", True),
        ({}, "MAILER-DAEMON@mx.example", True),
        ({}, "postmaster@mx.example", True),
        ({}, "support@casework.example", True),
        ({}, "casey@customer.example", False),
    ],
)
def test_automatic_mail_never_gets_an_auto_reply(
    headers: dict[str, str], sender: str, automatic: bool
) -> None:
    assert domain.is_automatic(headers, sender, ["support@casework.example"]) is automatic


def test_burst_limit_is_more_than_fifteen_in_a_minute() -> None:
    assert not domain.is_burst(15) and domain.is_burst(16)


def test_quoted_history_and_signature_are_split_from_the_new_text() -> None:
    split = domain.split_reply(
        "Works now, thanks.\n\n-- \nSam\n\nOn Mon, 23 Nov 2026 Casework wrote:\n> Try again\n"
    )
    assert split.new == "Works now, thanks." and split.signature.startswith("-- ")
    assert split.quoted.startswith("On Mon") and "> Try again" in split.quoted
    outlook = domain.split_reply("Any news?\n\n-----Original Message-----\nFrom: us\n")
    assert outlook.new == "Any news?" and "Original Message" in outlook.quoted


def test_thread_index_root_is_the_first_22_bytes() -> None:
    root = domain.thread_index_root("AdpXb8Jq3k7Rz1xqQ0uV5mY8n2cT4A==")
    assert root and domain.thread_index_root("AdpXb8Jq3k7Rz1xqQ0uV5mY8n2cT4AABCDEFGH==") == root
    assert domain.thread_index_root("short") == ""


def test_header_text_loses_line_breaks_and_control_characters() -> None:
    assert domain.safe_header_text("Name\r\nBcc: evil@x\x00") == "Name Bcc: evil@x"


def test_backoff_doubles_up_to_an_hour_and_5xx_is_final() -> None:
    assert [domain.retry_delay_seconds(n) for n in (1, 2, 3, 10)] == [60, 120, 240, 3600]
    assert domain.is_permanent_smtp_failure(550) and not domain.is_permanent_smtp_failure(451)
    assert not domain.is_permanent_smtp_failure(None)
    assert domain.references_for(["a", "b"], "c") == ["a", "b", "c"]
