"""Who may act on a case: staff for the agent-side writes, and only on cases
they may see (another team's case is not found, not forbidden)."""

from __future__ import annotations

from casework.cases.models import (
    Case,
)
from casework.cases.selectors import may_see
from casework.core.actors import Actor
from casework.core.errors import NotFound, PermissionDenied
from casework.iam.domain import is_staff_role


def require_staff(actor: Actor) -> None:
    if actor.kind == "agent" and (actor.user is None or not is_staff_role(actor.user.role)):
        raise PermissionDenied("only staff may do this")
    if actor.kind == "contact":
        raise PermissionDenied("customers cannot do this")


def require_visible(actor: Actor, case: Case) -> None:
    """An agent may act only on cases they may see; others' cases are not found."""
    if actor.kind == "agent" and not may_see(actor.user, case.pk):
        raise NotFound(f"no case {case.number}", field="number")
    if actor.kind == "contact" and case.contact_id != getattr(actor.contact, "pk", None):
        contact = actor.contact
        if not (contact and contact.is_account_admin and contact.account_id == case.account_id):
            raise NotFound(f"no case {case.number}", field="number")
