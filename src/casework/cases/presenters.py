"""Turn cases and their events into the API's plain dicts, in bulk, so that a
page costs a fixed number of queries however many rows it has."""

from __future__ import annotations

from typing import Any

from casework.cases import hooks
from casework.cases.domain import Priority
from casework.cases.models import Case, Message, TimelineEvent


def _ref(obj: Any) -> dict[str, Any] | None:
    return {"id": obj.pk, "name": str(obj)} if obj is not None else None


def case_dicts(cases: list[Case]) -> list[dict[str, Any]]:
    extras: dict[int, dict[str, Any]] = {c.pk: {} for c in cases}
    for extend in hooks.case_extras:
        for case_id, values in extend(cases).items():
            extras.setdefault(case_id, {}).update(values)
    parents = {c.parent_id for c in cases if c.parent_id}
    parent_numbers = dict(Case.objects.filter(pk__in=parents).values_list("pk", "number")) if parents else {}
    return [_case_dict(c, parent_numbers, extras.get(c.pk, {})) for c in cases]


def case_dict(case: Case) -> dict[str, Any]:
    return case_dicts([case])[0]


def _case_dict(c: Case, parent_numbers: dict[int, str | None], extra: dict[str, Any]) -> dict[str, Any]:
    contact = c.contact
    data = {
        "number": c.number,
        "title": c.title,
        "description": c.description,
        "status": c.status,
        "priority": Priority(c.priority).label,
        "channel": c.channel,
        "team": _ref(c.team),
        "assignee": {"id": c.assignee.pk, "name": str(c.assignee), "email": c.assignee.email}
        if c.assignee
        else None,
        "contact": {"id": contact.pk, "name": contact.name, "email": contact.primary_email}
        if contact
        else None,
        "account": {"id": c.account.pk, "name": c.account.name, "tier": c.account.tier}
        if c.account
        else None,
        "tags": sorted(t.name for t in c.tags.all()),
        "case_type": _ref(c.case_type),
        "service": _ref(c.service),
        "custom_fields": c.custom_fields or {},
        "language": c.language,
        "parent": parent_numbers.get(c.parent_id) if c.parent_id else None,
        "resolution_code": c.resolution_code,
        "resolution_summary": c.resolution_summary,
        "assignment_reason": c.assignment_reason or {},
        "reopen_count": c.reopen_count,
        "version": c.version,
        "created_at": c.created_at,
        "updated_at": c.updated_at,
        "first_response_at": c.first_response_at,
        "resolved_at": c.resolved_at,
        "closed_at": c.closed_at,
        "sla_due_at": c.sla_due_at,
        "sla": [],
        "entitlement": {"id": c.entitlement.pk, "name": c.entitlement.name}
        if c.entitlement_id and c.entitlement
        else None,
    }
    data.update(extra)
    return data


def message_dict(m: Message) -> dict[str, Any]:
    author = m.author_label or (str(m.author_user) if m.author_user_id else str(m.author_contact or ""))
    return {
        "id": m.pk,
        "direction": m.direction,
        "visibility": m.visibility,
        "channel": m.channel,
        "author": author,
        "from_address": m.from_address,
        "to": m.to or [],
        "cc": m.cc or [],
        "subject": m.subject,
        "text": m.text,
        "html": m.html,
        "created_at": m.created_at,
        "attachments": [
            {
                "id": a.pk,
                "filename": a.filename,
                "content_type": a.content_type,
                "size": a.size,
                "sha256": a.sha256,
            }
            for a in m.attachments.all()
        ],
        "meta": m.meta or {},
    }


def event_dict(e: TimelineEvent) -> dict[str, Any]:
    return {
        "id": e.pk,
        "kind": e.kind,
        "actor_kind": e.actor_kind,
        "actor": e.actor_label,
        "visibility": e.visibility,
        "data": e.data or {},
        "message": message_dict(e.message) if e.message_id and e.message else None,
        "created_at": e.created_at,
    }
