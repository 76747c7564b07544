"""What the cases area announces; sla, routing, automation and the live
updates subscribe through casework.core.events (never through signals)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from casework.core.actors import Actor

MessageKind = Literal["customer", "reply", "note"]


@dataclass(frozen=True)
class CaseCreated:
    case_id: int
    actor: Actor


@dataclass(frozen=True)
class CaseChanged:
    """Fields changed in one save: {field: (before, after)}; `status` included."""

    case_id: int
    actor: Actor
    changes: Mapping[str, tuple[Any, Any]] = field(default_factory=dict)


@dataclass(frozen=True)
class MessagePosted:
    case_id: int
    message_id: int
    actor: Actor
    kind: MessageKind
    is_public: bool
    text: str = ""  # the message's plain text, so that rules need not read it back
