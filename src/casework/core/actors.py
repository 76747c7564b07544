"""Who did something: every service call and timeline event names its actor."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

ActorKind = Literal["agent", "contact", "automation", "system"]


@dataclass(frozen=True)
class Actor:
    kind: ActorKind
    user: Any = None  # iam.User for agents (and customers signed in to the portal)
    contact: Any = None  # accounts.Contact for customers
    label: str = ""  # e.g. the automation rule's name

    @classmethod
    def agent(cls, user: Any) -> Actor:
        return cls(kind="agent", user=user)

    @classmethod
    def customer(cls, contact: Any, user: Any = None) -> Actor:
        return cls(kind="contact", contact=contact, user=user)

    @classmethod
    def automation(cls, label: str) -> Actor:
        return cls(kind="automation", label=label)

    @classmethod
    def system(cls, label: str = "Casework") -> Actor:
        return cls(kind="system", label=label)

    @property
    def is_customer(self) -> bool:
        return self.kind == "contact"

    @property
    def display(self) -> str:
        if self.user is not None and self.kind == "agent":
            return str(getattr(self.user, "name", "") or self.user)
        if self.contact is not None:
            return str(getattr(self.contact, "name", "") or self.contact)
        return self.label or self.kind
