"""Writing the append-only timeline: one function, used by every area."""

from __future__ import annotations

from typing import Any

from casework.cases.models import Case, Message, TimelineEvent
from casework.core import clock
from casework.core.actors import Actor


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
) -> TimelineEvent:
    """Append one event. Call it inside the transaction of the change it records."""
    case_id = case if isinstance(case, int) else case.pk
    return TimelineEvent.objects.create(
        case_id=case_id,
        kind=kind,
        actor_kind=actor.kind,
        actor_user=actor.user if actor.kind == "agent" else None,
        actor_contact=actor.contact,
        actor_label=actor.display[:200],
        visibility=visibility,
        data=describe(data or {}),
        message=message,
        created_at=clock.now(),
    )
