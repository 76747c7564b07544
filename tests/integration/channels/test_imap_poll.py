"""IMAP polling against a real (small, in-test) IMAP server over a socket."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command

from casework.cases.models import Case, Message
from casework.channels import mailboxes
from casework.channels.models import InboundMessage
from tests.integration.channels.imap_server import ImapServer
from tests.integration.channels.support import compose

pytestmark = pytest.mark.django_db


@pytest.fixture
def imap_box(admin_user: Any, team: Any) -> Any:
    with ImapServer() as server:
        box = mailboxes.create_mailbox(
            admin_user,
            address="help@casework.example",
            team=team,
            inbound_method="imap",
            imap_host="127.0.0.1",
            imap_port=server.port,
            imap_user="support",
            imap_password="secret",
            imap_ssl=False,
        )
        yield server, box


def test_poll_takes_new_mail_in_and_flags_it_seen(imap_box: Any) -> None:
    server, box = imap_box
    server.state.deliver(compose(to=box.address, subject="Laptop broken", message_id="<l@c.example>"))
    server.state.deliver(compose(to=box.address, subject="Mouse broken", message_id="<m@c.example>"))
    out = StringIO()
    call_command("mail_poll", stdout=out)
    assert "2 fetched" in out.getvalue()
    assert set(Case.objects.values_list("title", flat=True)) == {"Laptop broken", "Mouse broken"}
    assert all("\\Seen" in m.flags for m in server.state.folders["INBOX"])
    assert InboundMessage.objects.filter(source="imap").count() == 2
    # The conversation a real server saw, in order:
    assert [c.split()[0] for c in server.state.commands][:3] == ["CAPABILITY", "LOGIN", "SELECT"]
    assert any(c.startswith("UID FETCH") and "BODY.PEEK[]" in c for c in server.state.commands)
    # Polling again fetches nothing new and stores nothing twice.
    out = StringIO()
    call_command("mail_poll", stdout=out)
    assert "0 fetched" in out.getvalue() and Case.objects.count() == 2


def test_message_seen_unflagged_is_not_stored_twice(imap_box: Any) -> None:
    """A poll that stored a message but died before flagging it: the re-poll dedupes."""
    server, box = imap_box
    server.state.deliver(compose(to=box.address, message_id="<once@c.example>"))
    call_command("mail_poll", stdout=StringIO())
    for mail in server.state.folders["INBOX"]:
        mail.flags.clear()
    call_command("mail_poll", stdout=StringIO())
    assert Message.objects.filter(external_id="once@c.example").count() == 1


def test_processed_mail_is_moved_when_a_folder_is_configured(imap_box: Any, admin_user: Any) -> None:
    server, box = imap_box
    mailboxes.update_mailbox(admin_user, box, imap_processed_folder="Processed")
    server.state.deliver(compose(to=box.address))
    call_command("mail_poll", stdout=StringIO())
    assert server.state.folders["INBOX"] == [] and len(server.state.folders["Processed"]) == 1


def test_wrong_password_is_reported_and_nothing_is_lost(imap_box: Any, admin_user: Any) -> None:
    server, box = imap_box
    mailboxes.update_mailbox(admin_user, box, imap_password="wrong")
    server.state.deliver(compose(to=box.address))
    err = StringIO()
    call_command("mail_poll", stdout=StringIO(), stderr=err)
    assert "help@casework.example" in err.getvalue() and Case.objects.count() == 0
    assert len(server.state.folders["INBOX"]) == 1
