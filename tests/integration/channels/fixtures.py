"""Fixtures of the email channel's tests (integration and end-to-end)."""

from __future__ import annotations

from typing import Any

import pytest

from casework.channels import mailboxes
from casework.channels.models import Mailbox


@pytest.fixture
def immediate_tasks(settings: Any) -> None:
    """Background tasks run at once, inside the test (the send happens after commit)."""
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def mailbox(db: Any, team: Any, admin_user: Any) -> Mailbox:
    return mailboxes.create_mailbox(
        admin_user,
        address="support@casework.example",
        display_name="Casework Support",
        team=team,
        smtp_host="127.0.0.1",
        smtp_port=9,  # nothing listens: tests that send point it at their sink
        is_default=True,
    )
