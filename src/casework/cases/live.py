"""Turns committed case events into live events for the workspace's open pages.

Subscribed after commit (a rolled-back change is never announced). The event
carries only ids and the case's team and assignee, so each stream can check
what its agent may see without another query per event.
"""

from __future__ import annotations

from typing import Any

from casework.cases.events import CaseChanged, CaseCreated, MessagePosted
from casework.cases.models import Case
from casework.core import events, live
from casework.core.prepared import Prepared

_SUMMARY = Prepared(
    lambda pk: Case.objects.filter(pk=pk).values("number", "team_id", "assignee_id", "version")
)


def _announce(case_id: int, kind: str, actor: Any, **extra: Any) -> None:
    if not live.listened():  # no open page in this process, and no Redis to reach others
        return
    row = _SUMMARY.first(case_id)
    if row is None:
        return
    user = getattr(actor, "user", None) if getattr(actor, "kind", "") == "agent" else None
    live.publish(
        {
            "type": "case",
            "kind": kind,
            "case_id": case_id,
            "number": row["number"],
            "team_id": row["team_id"],
            "assignee_id": row["assignee_id"],
            "version": row["version"],
            "actor_user_id": getattr(user, "pk", None),
            "actor": getattr(actor, "display", ""),
            **extra,
        }
    )


def on_created(event: CaseCreated) -> None:
    _announce(event.case_id, "created", event.actor)


def on_changed(event: CaseChanged) -> None:
    _announce(event.case_id, "changed", event.actor, fields=sorted(event.changes))


def on_message(event: MessagePosted) -> None:
    _announce(event.case_id, "message", event.actor, message_kind=event.kind, is_public=event.is_public)


def connect() -> None:
    events.subscribe(CaseCreated, on_created, after_commit=True)
    events.subscribe(CaseChanged, on_changed, after_commit=True)
    events.subscribe(MessagePosted, on_message, after_commit=True)
