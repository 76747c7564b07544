"""The corpus of real-world-shaped messages (tests/corpus/email): each one taken in,
in order, with the outcome written beside it in expected.yaml."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pytest
import yaml

from casework.cases.models import Case, Message
from casework.channels import services
from casework.channels.models import OutboundDelivery, QuarantinedMessage
from tests.integration.channels.support import compose

pytestmark = pytest.mark.django_db
CORPUS = Path(__file__).resolve().parents[2] / "corpus" / "email"
EXPECTED: dict[str, dict[str, Any]] = yaml.safe_load((CORPUS / "expected.yaml").read_text("utf-8"))


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _check(name: str, want: dict[str, Any], result: Any, cases_by_file: dict[str, str]) -> list[str]:
    problems: list[str] = []

    def expect(ok: bool, what: str) -> None:
        if not ok:
            problems.append(f"{name}: {what}")

    expect(
        result.outcome == want["outcome"],
        f"outcome {result.outcome!r} ({result.reason}), want {want['outcome']}",
    )
    if "error_contains" in want:
        item = QuarantinedMessage.objects.get(pk=result.quarantine_id)
        expect(want["error_contains"] in item.error, f"quarantine error {item.error!r}")
    if "reason_contains" in want:
        expect(want["reason_contains"] in result.reason, f"reason {result.reason!r}")
    if "same_case_as" in want:
        expect(result.case_number == cases_by_file.get(want["same_case_as"]), f"case {result.case_number}")
    if result.outcome not in ("new_case", "posted"):
        return problems
    case = Case.objects.get(number=result.case_number)
    message = Message.objects.filter(case=case, direction="inbound").order_by("-id").first()
    assert message is not None
    if "title" in want:
        expect(case.title == want["title"], f"title {case.title!r}")
    if "contact_name" in want:
        expect(
            message.author_contact.name == want["contact_name"], f"contact {message.author_contact.name!r}"
        )
    if "text" in want:
        expect(message.text == want["text"], f"text {message.text!r}")
    for fragment in _as_list(want.get("text_contains", [])):
        expect(fragment in message.text, f"text lacks {fragment!r}: {message.text[:200]!r}")
    for fragment in _as_list(want.get("text_not_contains", [])):
        expect(fragment not in message.text, f"text has {fragment!r}")
    for fragment in _as_list(want.get("html_contains", [])):
        expect(fragment in message.html, f"html lacks {fragment!r}: {message.html[:300]!r}")
    for fragment in _as_list(want.get("html_not_contains", [])):
        expect(fragment.lower() not in message.html.lower(), f"html has {fragment!r}: {message.html[:400]!r}")
    if "quoted_contains" in want:
        expect(want["quoted_contains"] in message.meta.get("quoted_text", ""), "quoted history")
    if "signature_contains" in want:
        expect(want["signature_contains"] in message.meta.get("signature", ""), "signature")
    attachments = list(message.attachments.all())
    if "attachments" in want:
        expect(len(attachments) == want["attachments"], f"{len(attachments)} attachments")
    if "attachment_names" in want:
        names = [a.filename for a in attachments]
        expect(names == want["attachment_names"], f"attachments {names}")
    if "inline_attachments" in want:
        expect(sum(a.is_inline for a in attachments) == want["inline_attachments"], "inline attachments")
    if "ack" in want:
        acks = OutboundDelivery.objects.filter(case=case, kind="case_received").count()
        expect(acks == (1 if want["ack"] else 0), f"{acks} acknowledgements")
    return problems


def test_corpus_has_at_least_thirty_messages_each_with_an_expected_outcome() -> None:
    files = sorted(p.name for p in CORPUS.glob("*.eml"))
    assert len(files) >= 30 and files == sorted(EXPECTED)


def test_every_corpus_message_has_its_expected_outcome(mailbox: Any) -> None:
    cases_by_file: dict[str, str] = {}
    problems: list[str] = []
    for name, want in EXPECTED.items():
        raw = (CORPUS / name).read_bytes()
        result = services.take_in(raw)
        if result.case_number and result.outcome == "new_case":
            cases_by_file[name] = result.case_number
        problems += _check(name, want, result, cases_by_file)
        if "again" in want:
            again = services.take_in(raw)
            if again.outcome != want["again"]:
                problems.append(f"{name}: taken in again gave {again.outcome}")
    assert not problems, "\n".join(problems)


def test_a_20_mb_message_is_taken_in_whole(mailbox: Any, settings: Any) -> None:
    """Generated here, never committed: 15 MB of attachment is 20 MB of base64 MIME."""
    blob = (b"casework-" * 1_900_000)[: 31 * 512 * 1024]
    raw = compose(subject="Big log file", attachments=[("server.log", blob, "text/plain")])
    assert len(raw) >= 20 * 1024 * 1024
    result = services.take_in(raw)
    assert result.outcome == "new_case"
    [attachment] = Message.objects.get(case__number=result.case_number).attachments.all()
    assert attachment.size == len(blob) and attachment.filename == "server.log"


def test_attachment_over_the_limit_is_refused_but_the_message_is_kept(mailbox: Any, settings: Any) -> None:
    settings.CASEWORK_MAX_ATTACHMENT_BYTES = 1000
    raw = compose(
        attachments=[("big.bin", b"x" * 5000, "application/octet-stream"), ("ok.txt", b"ok", "text/plain")]
    )
    result = services.take_in(raw)
    message = Message.objects.get(case__number=result.case_number)
    assert [a.filename for a in message.attachments.all()] == ["ok.txt"]
    assert message.meta["attachments_refused"] == ["big.bin"]
    assert base64  # (imported for readers generating their own large messages)
