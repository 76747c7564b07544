"""Changing a case: fields, status, owner and team under the row's lock, with
optimistic locking on `version`, an event per changed field; and links
between cases."""

from __future__ import annotations

from copy import deepcopy
from typing import Any

from django.db import transaction

from casework.cases import hooks
from casework.cases.domain import (
    LinkKind,
    Priority,
    ResolutionFacts,
    Status,
    TransitionRefused,
    check_transition,
    normalise_tags,
    resolution_blockers,
    status_after_agent_attention,
)
from casework.cases.events import CaseChanged
from casework.cases.models import (
    Case,
    CaseLink,
    Message,
)
from casework.cases.selectors import SEARCH_KIND, stored_case
from casework.cases.services.access import require_staff, require_visible
from casework.cases.services.fields import (
    EDITABLE,
    check_assignee,
    clean_channel,
    clean_title,
    parse_priority,
    tags_named,
    validated_custom_fields,
)
from casework.cases.timeline import record_event, record_events
from casework.core import clock, events, search
from casework.core.actors import Actor
from casework.core.errors import Conflict, InvalidInput, PermissionDenied, StaleVersion
from casework.core.prepared import Prepared, Writes

_UNSET = object()


_LOCKED = Prepared(lambda pk: Case.objects.select_for_update(of=("self",)).filter(pk=pk))


def lock(case: Case) -> Case:
    """The case's row, locked until the transaction ends (team and assignee load on use)."""
    return _LOCKED.first(case.pk)  # type: ignore[no-any-return]


def fresh(case_id: int) -> Case:
    """The case as stored now, after every handler of the change has run."""
    return stored_case(case_id)  # type: ignore[return-value]


def update_case(
    actor: Actor,
    case: Case,
    changes: dict[str, Any],
    *,
    expected_version: int | None = None,
    event_data: dict[str, Any] | None = None,
    along: dict[str, Any] | None = None,
    inside_caller: bool = False,
    created_here: bool = False,
) -> Case:
    """Apply field changes atomically, with optimistic locking on `version`.

    A stale `expected_version` is refused (412) and nothing changes. Each changed
    field gets its own timeline event with before and after. `along`: fields that
    explain the change (routing's assignment reason), written with it, no event of
    their own. `inside_caller`: the change is one step of the caller's transaction
    (routing's assignment), which fails as a whole: no savepoint of its own, and
    the case comes back as changed here, not read again after the handlers.
    `created_here`: the case was made in this same transaction and `case` is its
    row as stored; no other transaction can see it, so it is not locked and read again.
    """
    unknown = [k for k in changes if k not in EDITABLE]
    if unknown:
        raise InvalidInput(f"{unknown[0]} cannot be changed here", field=unknown[0])
    if actor.kind == "contact":
        raise PermissionDenied("customers change cases through the portal's own actions")
    if actor.kind == "agent":
        require_staff(actor)
    with transaction.atomic(savepoint=not inside_caller):
        current = case if created_here else lock(case)
        if actor.kind == "agent":
            require_visible(actor, current)
        if expected_version is not None and expected_version != current.version:
            raise StaleVersion(
                f"{current.number} was changed by someone else (version {current.version}, "
                f"you had {expected_version})",
                field="version",
                current_version=current.version,
            )
        as_read = row_values(current)
        diff = _apply(actor, current, changes)
        for name, value in (along or {}).items():
            setattr(current, name, value)
        if diff:
            save_changes(actor, current, diff, event_data or {}, as_read=as_read)
        elif along:
            Case.objects.filter(pk=current.pk).update(**along)
        return fresh(current.pk) if diff and not inside_caller else current


def _apply(actor: Actor, case: Case, changes: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    diff: dict[str, tuple[Any, Any]] = {}

    def put(name: str, value: Any) -> None:
        before = getattr(case, name)
        if before != value:
            diff[name] = (before, value)
            setattr(case, name, value)

    if "title" in changes:
        put("title", clean_title(changes["title"]))
    if "description" in changes:
        put("description", changes["description"] or "")
    if "priority" in changes:
        put("priority", parse_priority(changes["priority"]))
    if "channel" in changes:
        put("channel", clean_channel(changes["channel"]))
    if "language" in changes:
        put("language", (changes["language"] or "")[:10])
    for fk in ("team", "account", "contact", "case_type", "service", "parent", "entitlement"):
        if fk in changes:
            before = getattr(case, f"{fk}_id")
            value = changes[fk]
            if before != getattr(value, "pk", None):
                diff[fk] = (getattr(case, fk), value)
                setattr(case, fk, value)
    if "parent" in diff and case.parent_id == case.pk:
        raise InvalidInput("a case cannot be its own parent", field="parent")
    if "assignee" in changes:
        check_assignee(changes["assignee"])
        if case.assignee_id != getattr(changes["assignee"], "pk", None):
            diff["assignee"] = (case.assignee, changes["assignee"])
            case.assignee = changes["assignee"]
    if "custom_fields" in changes or "case_type" in diff:
        values = changes.get("custom_fields", case.custom_fields)
        if "case_type" in diff and "custom_fields" not in changes:
            values = dict(case.custom_fields)
        put("custom_fields", validated_custom_fields(case.case_type, values))
    for text in ("resolution_code", "resolution_summary"):
        if text in changes:
            put(text, (changes[text] or "").strip())
    if "tags" in changes:
        before_tags = sorted(case.tags.values_list("name", flat=True))
        after_tags = sorted(normalise_tags(changes["tags"]))
        if before_tags != after_tags:
            diff["tags"] = (before_tags, after_tags)
    target = changes.get("status")
    if target is None and "assignee" in diff and case.assignee_id is not None:
        new_status = status_after_agent_attention(Status(case.status))
        if new_status != case.status:
            target = new_status.value
    if target is not None and target != case.status:
        transition(actor, case, target, diff)
    elif target is not None and target == case.status and "status" in changes:
        pass  # setting the status it already has is a no-op, not an error
    return diff


def transition(actor: Actor, case: Case, target: str, diff: dict[str, tuple[Any, Any]]) -> None:
    try:
        new = Status(target)
    except ValueError:
        raise InvalidInput(f"unknown status {target!r}; one of {', '.join(Status)}", field="status") from None
    current = Status(case.status)
    try:
        check_transition(current, new, actor.kind)
    except TransitionRefused as refused:
        raise Conflict(str(refused), field="status", allowed=refused.allowed) from None
    if new == Status.RESOLVED:
        missing: list[str] = []
        for check in hooks.resolution_checks:
            missing.extend(check(case))
        blockers = resolution_blockers(
            ResolutionFacts(
                has_assignee=case.assignee_id is not None,
                resolution_code=case.resolution_code or "",
                resolution_summary=case.resolution_summary or "",
                missing_criteria=tuple(missing),
            )
        )
        if blockers:
            raise Conflict("the case cannot be resolved yet", field="status", missing=blockers)
    now = clock.now()
    diff["status"] = (current.value, new.value)
    case.status = new.value
    case.status_changed_at = now
    if new == Status.RESOLVED:
        case.resolved_at = now
    if new == Status.CLOSED:
        case.closed_at = now
    if current == Status.RESOLVED and new == Status.OPEN:
        case.reopen_count += 1


def row_values(case: Case) -> dict[str, Any]:
    """The row's column values (JSON ones copied: a rule may edit them in place)."""
    values = {f.attname: getattr(case, f.attname) for f in Case._meta.concrete_fields}
    return {k: deepcopy(v) if isinstance(v, dict | list) else v for k, v in values.items()}


def save_changes(
    actor: Actor,
    case: Case,
    diff: dict[str, tuple[Any, Any]],
    event_data: dict[str, Any],
    *,
    as_read: dict[str, Any],
) -> None:
    """Store the changed columns (those that differ from `as_read`, the row as read
    under the lock), a new version, the timeline events, then tell the other areas."""
    case.version += 1
    case.updated_at = clock.now()
    changed = {name: getattr(case, name) for name, value in as_read.items() if getattr(case, name) != value}
    if "tags" in diff:
        case.tags.set(tags_named(diff["tags"][1]))
    entries = []
    for name, (before, after) in diff.items():
        kind, visibility = _event_kind(name)
        if name == "priority":
            before, after = Priority(before).label, Priority(after).label
        entries.append((kind, visibility, {"field": name, "before": before, "after": after, **event_data}))
    with Writes() as writes:  # the row and its events: one round trip
        writes.update(Case, {"id": case.pk}, **changed)
        record_events(case, actor, entries, writes=writes)
    if "title" in diff or "description" in diff:
        _reindex(case)
    events.publish(CaseChanged(case_id=case.pk, actor=actor, changes=_plain_diff(diff)))


def _event_kind(field_name: str) -> tuple[str, str]:
    return {
        "status": ("status_changed", "public"),
        "priority": ("priority_changed", "internal"),
        "assignee": ("assigned", "internal"),
        "team": ("team_changed", "internal"),
        "tags": ("tags_changed", "internal"),
        "custom_fields": ("custom_fields_changed", "internal"),
    }.get(field_name, ("field_changed", "internal"))


def _plain_diff(diff: dict[str, tuple[Any, Any]]) -> dict[str, tuple[Any, Any]]:
    def plain(v: Any) -> Any:
        return v.pk if hasattr(v, "pk") else v

    return {k: (plain(b), plain(a)) for k, (b, a) in diff.items()}


def _reindex(case: Case) -> None:
    body = "\n".join([case.description, *Message.objects.filter(case=case).values_list("text", flat=True)])
    search.index_document(SEARCH_KIND, case.pk, case.title, body)


def change_status(
    actor: Actor,
    case: Case,
    status: str,
    *,
    resolution_code: str | None = None,
    resolution_summary: str | None = None,
    expected_version: int | None = None,
) -> Case:
    changes: dict[str, Any] = {"status": status}
    if resolution_code is not None:
        changes["resolution_code"] = resolution_code
    if resolution_summary is not None:
        changes["resolution_summary"] = resolution_summary
    return update_case(actor, case, changes, expected_version=expected_version)


def assign(
    actor: Actor,
    case: Case,
    *,
    assignee: Any = _UNSET,
    team: Any = _UNSET,
    reason: dict[str, Any] | None = None,
    expected_version: int | None = None,
    inside_caller: bool = False,
    created_here: bool = False,
) -> Case:
    """Give the case an owner and/or a team. Routing passes `reason`, which is kept
    on the case and on the timeline event, so every decision can be explained
    (`inside_caller`, `created_here`: see update_case)."""
    changes: dict[str, Any] = {}
    if assignee is not _UNSET:
        changes["assignee"] = assignee
    if team is not _UNSET:
        changes["team"] = team
    return update_case(
        actor,
        case,
        changes,
        expected_version=expected_version,
        event_data={"reason": reason} if reason else None,
        along={"assignment_reason": reason} if reason is not None else None,
        inside_caller=inside_caller,
        created_here=created_here,
    )


def set_sla_due(case_id: int, due_at: Any) -> None:
    """The SLA area keeps the earliest running due time on the case for sorting
    and filtering; not a user-visible change, so no version bump or event."""
    Case.objects.filter(pk=case_id).update(sla_due_at=due_at)


def link_cases(actor: Actor, case: Case, other: Case, kind: str) -> CaseLink:
    require_staff(actor)
    try:
        link_kind = LinkKind(kind)
    except ValueError:
        raise InvalidInput(
            f"unknown link kind {kind!r}; one of {', '.join(LinkKind)}", field="kind"
        ) from None
    if case.pk == other.pk:
        raise InvalidInput("a case cannot be linked to itself", field="case")
    with transaction.atomic():
        require_visible(actor, case)
        require_visible(actor, other)
        if CaseLink.objects.filter(from_case=case, to_case=other, kind=link_kind).exists():
            raise Conflict(f"{case.number} is already linked to {other.number} as {link_kind}", field="case")
        link = CaseLink.objects.create(
            from_case=case,
            to_case=other,
            kind=link_kind,
            created_by=actor.user if actor.kind == "agent" else None,
        )
        record_event(case, "linked", actor, data={"kind": link_kind.value, "case": other.number})
        record_event(other, "linked", actor, data={"kind": f"inverse:{link_kind.value}", "case": case.number})
        if link_kind == LinkKind.CHILD_OF:
            Case.objects.filter(pk=case.pk).update(parent=other)
        return link
