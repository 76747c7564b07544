"""The rules of a case's life, as data: statuses, who may move a case where,
and what must hold before it is resolved. No Django here (see DESIGN.md)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import IntEnum, StrEnum


class Status(StrEnum):
    NEW = "new"
    OPEN = "open"
    PENDING = "pending"  # waiting on the customer
    ON_HOLD = "on_hold"  # waiting on a third party
    RESOLVED = "resolved"  # resolution proposed; the customer accepts or rejects
    CLOSED = "closed"  # final
    CANCELLED = "cancelled"  # final


class Priority(IntEnum):
    """Stored as a rank so that `-priority` sorts the most urgent first."""

    LOW = 1
    NORMAL = 2
    HIGH = 3
    URGENT = 4

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, value: str) -> Priority:
        return cls[value.upper()]


PRIORITY_NAMES = [p.label for p in sorted(Priority, reverse=True)]

FINAL = frozenset({Status.CLOSED, Status.CANCELLED})
ACTIVE = frozenset({Status.NEW, Status.OPEN, Status.PENDING, Status.ON_HOLD})
UNRESOLVED = ACTIVE

AGENT = "agent"
CONTACT = "contact"
AUTOMATION = "automation"
SYSTEM = "system"
STAFF = frozenset({AGENT, AUTOMATION, SYSTEM})
EVERYONE = frozenset({AGENT, CONTACT, AUTOMATION, SYSTEM})

# (from, to) -> the kinds of actor who may make that move. Nothing returns to
# `new`; `closed` and `cancelled` are final. Anything not listed is refused.
TRANSITIONS: dict[tuple[Status, Status], frozenset[str]] = {
    (Status.NEW, Status.OPEN): STAFF,
    (Status.NEW, Status.PENDING): STAFF,
    (Status.NEW, Status.ON_HOLD): STAFF,
    (Status.NEW, Status.RESOLVED): STAFF,
    (Status.NEW, Status.CANCELLED): EVERYONE,
    (Status.OPEN, Status.PENDING): STAFF,
    (Status.OPEN, Status.ON_HOLD): STAFF,
    (Status.OPEN, Status.RESOLVED): STAFF,
    (Status.OPEN, Status.CANCELLED): EVERYONE,
    (Status.PENDING, Status.OPEN): EVERYONE,  # a customer reply reopens it
    (Status.PENDING, Status.ON_HOLD): STAFF,
    (Status.PENDING, Status.RESOLVED): STAFF,
    (Status.PENDING, Status.CANCELLED): EVERYONE,
    (Status.ON_HOLD, Status.OPEN): STAFF,
    (Status.ON_HOLD, Status.PENDING): STAFF,
    (Status.ON_HOLD, Status.RESOLVED): STAFF,
    (Status.ON_HOLD, Status.CANCELLED): STAFF,
    (Status.RESOLVED, Status.OPEN): EVERYONE,  # rejected, or the customer wrote again
    (Status.RESOLVED, Status.CLOSED): frozenset({AGENT, CONTACT, SYSTEM}),  # accepted or auto-closed
}


class TransitionRefused(Exception):
    def __init__(self, current: Status, target: Status, allowed: list[str]) -> None:
        self.current, self.target, self.allowed = current, target, allowed
        if current == target:
            reason = f"the case is already {current.value}"
        elif current in FINAL:
            reason = f"a {current.value} case is final and cannot change status"
        else:
            reason = f"a case cannot go from {current.value} to {target.value}"
        super().__init__(reason)


def allowed_targets(current: Status, actor_kind: str) -> list[str]:
    return [to.value for (frm, to), who in TRANSITIONS.items() if frm == current and actor_kind in who]


def check_transition(current: Status, target: Status, actor_kind: str) -> None:
    if actor_kind not in TRANSITIONS.get((current, target), frozenset()):
        raise TransitionRefused(current, target, allowed_targets(current, actor_kind))


@dataclass(frozen=True)
class ResolutionFacts:
    """What resolving checks, gathered by the service."""

    has_assignee: bool
    resolution_code: str
    resolution_summary: str
    missing_criteria: tuple[str, ...] = ()  # the case type's closure criteria not yet met


RESOLUTION_CODES = (
    "solved",
    "workaround",
    "not_reproducible",
    "duplicate",
    "no_response",
    "out_of_scope",
    "other",
)


def resolution_blockers(facts: ResolutionFacts) -> list[str]:
    """Everything that must be done before a case may be resolved (empty when none)."""
    missing: list[str] = []
    if not facts.resolution_summary.strip():
        missing.append("resolution_summary: a resolution summary is required")
    if facts.resolution_code not in RESOLUTION_CODES:
        missing.append(f"resolution_code: one of {', '.join(RESOLUTION_CODES)} is required")
    if not facts.has_assignee:
        missing.append("assignee: a resolved case needs an owner")
    missing.extend(facts.missing_criteria)
    return missing


def status_after_customer_message(current: Status) -> Status | None:
    """A customer message on a pending or resolved case reopens it; on a final
    case it opens a follow-up instead (None here: the service makes the new case)."""
    if current in {Status.PENDING, Status.RESOLVED}:
        return Status.OPEN
    return current if current not in FINAL else None


def status_after_agent_attention(current: Status) -> Status:
    """Assigning a new case, or replying to it, makes it open (as in Zendesk)."""
    return Status.OPEN if current == Status.NEW else current


class LinkKind(StrEnum):
    RELATED = "related"
    DUPLICATE_OF = "duplicate_of"
    FOLLOW_UP_OF = "follow_up_of"
    CHILD_OF = "child_of"


def normalise_tags(tags: Iterable[str]) -> list[str]:
    """Tags are lower-case words joined by dashes, each once, in first-seen order."""
    seen: dict[str, None] = {}
    for tag in tags:
        clean = "-".join(tag.strip().lower().split())
        if clean:
            seen.setdefault(clean[:50], None)
    return list(seen)


def number_stem(prefix: str) -> str:
    """What every number with this prefix starts with; the sequence value follows."""
    return f"{prefix}-"


def format_number(prefix: str, value: int) -> str:
    return f"{number_stem(prefix)}{value}"
