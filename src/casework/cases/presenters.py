"""Turn cases and their events into the API's plain dicts, in bulk, so that a
page costs a fixed number of queries however many rows it has."""

from __future__ import annotations

from typing import Any

from casework.cases import hooks, selectors
from casework.cases.domain import Priority
from casework.cases.models import Case, Message, TimelineEvent


def _ref(row: dict[str, Any], key: str) -> dict[str, Any] | None:
    return {"id": row[f"{key}_id"], "name": row[f"{key}__name"]} if row[f"{key}_id"] else None


def case_dicts(cases: list[Case]) -> list[dict[str, Any]]:
    return case_dicts_by_id([c.pk for c in cases])


def case_dict(case: Case) -> dict[str, Any]:
    return case_dicts_by_id([case.pk])[0]


def case_dicts_by_id(ids: list[int]) -> list[dict[str, Any]]:
    """The API's representation of the cases `ids`, in that order; other areas add
    their keys (SLA clocks, the survey) through `hooks.case_extras`."""
    rows = selectors.case_rows(ids)
    extras: dict[int, dict[str, Any]] = {row["id"]: {} for row in rows}
    for extend in hooks.case_extras:
        for case_id, values in extend(rows).items():
            extras.setdefault(case_id, {}).update(values)
    return [_case_dict(row, extras[row["id"]]) for row in rows]


def _case_dict(row: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    data = {
        "number": row["number"],
        "title": row["title"],
        "description": row["description"],
        "status": row["status"],
        "priority": Priority(row["priority"]).label,
        "channel": row["channel"],
        "team": _ref(row, "team"),
        "assignee": {
            "id": row["assignee_id"],
            "name": row["assignee__name"] or row["assignee__email"],
            "email": row["assignee__email"],
        }
        if row["assignee_id"]
        else None,
        "contact": {
            "id": row["contact_id"],
            "name": row["contact__name"],
            "email": row["contact_email"] or "",
        }
        if row["contact_id"]
        else None,
        "account": {"id": row["account_id"], "name": row["account__name"], "tier": row["account__tier"]}
        if row["account_id"]
        else None,
        "tags": row["tags"],
        "case_type": _ref(row, "case_type"),
        "service": _ref(row, "service"),
        "custom_fields": row["custom_fields"] or {},
        "language": row["language"],
        "parent": row["parent__number"],
        "resolution_code": row["resolution_code"],
        "resolution_summary": row["resolution_summary"],
        "assignment_reason": row["assignment_reason"] or {},
        "reopen_count": row["reopen_count"],
        "version": row["version"],
        "created_at": row["created_at"],
        "updated_at": row["updated_at"],
        "first_response_at": row["first_response_at"],
        "resolved_at": row["resolved_at"],
        "closed_at": row["closed_at"],
        "sla_due_at": row["sla_due_at"],
        "sla": [],
        "entitlement": {
            "id": row["entitlement_id"],
            "name": row["entitlement__name"],
            "unit": row["entitlement__unit"],
            "remaining": float(row["entitlement__remaining"]),
            "restrict": row["entitlement__restrict"],
        }
        if row["entitlement_id"]
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
