"""Agents' presence: set by the agent (or a lead), audited off the timelines.
Going online offers the agent's teams' queues; going offline returns their new,
untouched cases to the queue where the team says so."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from casework.cases import services as case_services
from casework.core import clock
from casework.core.errors import InvalidInput, PermissionDenied
from casework.iam.domain import Role, is_staff_role, may_manage_configuration
from casework.routing import selectors
from casework.routing.domain import Presence
from casework.routing.models import AgentState, CapacityHold, PresenceChange
from casework.routing.services import ROUTER_LABEL, _ensure_state, _pass_for_agent, router, run_queue_pass


def set_presence(by: Any, user: Any, presence: str) -> str:
    """An agent sets their own presence; leads and admins may set anyone's. Going
    online offers the agent's teams' queues; going offline returns their new,
    untouched cases to the queue (per team setting). Audited, not on timelines."""
    try:
        value = Presence(presence)
    except ValueError:
        raise InvalidInput(
            f"unknown presence {presence!r}; one of {', '.join(p.value for p in Presence)}", field="presence"
        ) from None
    if by is not None and by.pk != user.pk and not may_manage_configuration(by.role):
        raise PermissionDenied("only leads and admins may set someone else's presence", field="presence")
    if not is_staff_role(user.role) or user.role == Role.CUSTOMER:
        raise InvalidInput(f"{user} is not an agent", field="user")
    with transaction.atomic():
        _ensure_state(user.pk)
        state = AgentState.objects.select_for_update().get(user_id=user.pk)
        before = state.presence
        if before == value:
            return value
        now = clock.now()
        AgentState.objects.filter(pk=state.pk).update(presence=value, presence_changed_at=now)
        PresenceChange.objects.create(
            user=user,
            before=before,
            after=value,
            changed_by=by,
            changed_by_label=str(by) if by is not None else ROUTER_LABEL,
            at=now,
        )
        if value == Presence.ONLINE:
            _pass_for_agent(user.pk)
        elif value == Presence.OFFLINE:
            _return_untouched(user)
    return value


def _return_untouched(user: Any) -> None:
    held = dict(CapacityHold.objects.filter(user_id=user.pk).values_list("case_id", "case__team_id"))
    if not held:
        return
    settings = selectors.team_settings_many({t for t in held.values() if t is not None})
    returning = [
        cid
        for cid in selectors.untouched_case_ids(user.pk, held)
        if held[cid] is not None and settings[held[cid]].return_untouched_on_offline
    ]
    teams = set()
    for case_id in returning:
        case = selectors.routing_case(case_id)
        reason = {
            "why": f"{user} went offline: the untouched case returns to the queue",
            "winner": None,
            "strategy": settings[held[case_id]].strategy,
        }
        case_services.assign(router(), case, assignee=None, reason=reason)
        teams.add(held[case_id])
    for team_id in teams:
        run_queue_pass(team_id)
