"""Writing the append-only timeline: one function, used by every area."""

from __future__ import annotations

from typing import Any

from casework.cases.models import Case, Message, TimelineEvent
from casework.core import clock
from casework.core.actors import Actor
from casework.core.prepared import NewId, Writes, insert_row, insert_rows


def describe(value: Any) -> Any:
    """A JSON-safe picture of a field value for the before/after of an event."""
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, list | tuple | set):
        return [describe(v) for v in value]
    if isinstance(value, dict):
        return {str(k): describe(v) for k, v in value.items()}
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "pk"):
        return {"id": value.pk, "name": str(value)}
    return str(value)


def record_event(
    case: Case | int,
    kind: str,
    actor: Actor,
    *,
    data: dict[str, Any] | None = None,
    visibility: str = "internal",
    message: Message | None = None,
) -> int:
    """Append one event and return its id. Call it inside the transaction of the
    change it records."""
    return insert_row(TimelineEvent, **_row(case, kind, actor, data, visibility, message))


def record_events(
    case: Case | int | NewId,
    actor: Actor,
    entries: list[tuple[str, str, dict[str, Any]]],
    *,
    writes: Writes | None = None,
) -> None:
    """Append several events of one change, each (kind, visibility, data), in one
    write; with `writes`, sent together with the change's other writes (`case` may
    be the id of the case the batch makes)."""
    rows = [_row(case, kind, actor, data, vis, None) for kind, vis, data in entries]
    if writes is not None:
        writes.insert(TimelineEvent, rows)
    else:
        insert_rows(TimelineEvent, rows)


def _row(
    case: Case | int | NewId,
    kind: str,
    actor: Actor,
    data: dict[str, Any] | None,
    visibility: str,
    message: Message | None,
) -> dict[str, Any]:
    return {
        "case_id": case if isinstance(case, int | NewId) else case.pk,
        "kind": kind,
        "actor_kind": actor.kind,
        "actor_user_id": actor.user.pk if actor.kind == "agent" and actor.user is not None else None,
        "actor_contact_id": actor.contact.pk if actor.contact is not None else None,
        "actor_label": actor.display[:200],
        "visibility": visibility,
        "data": describe(data or {}),
        "message_id": message.pk if message is not None else None,
        "created_at": clock.now(),
    }
