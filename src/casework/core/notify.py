"""Notifications: an area asks for one; the email channel renders and sends it.

Areas publish `Notification` through the event bus (it is handled after the
transaction commits), so none of them imports the channel that delivers it.

Kinds in use: case_received, resolution_proposed, auto_close_reminder,
survey, sla_warning, sla_breach, assignment. `recipients` are email
addresses; empty means "the case's contact".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from casework.core import events


@dataclass(frozen=True)
class Notification:
    kind: str
    case_id: int | None = None
    recipients: tuple[str, ...] = ()
    context: dict[str, Any] = field(default_factory=dict)


def notify(
    kind: str, case_id: int | None = None, *, recipients: tuple[str, ...] = (), **context: Any
) -> None:
    events.publish(Notification(kind=kind, case_id=case_id, recipients=tuple(recipients), context=context))
