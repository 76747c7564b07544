"""Automation's configuration, written from one document form: case types,
service definitions, playbooks, triggers, time rules, macros and webhooks take
the same dictionaries from the API, the admin and the YAML file, so every entry
point validates the same way. Only people who manage configuration write it."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, models, transaction

from casework.automation import domain
from casework.automation.models import (
    CaseType,
    Macro,
    Playbook,
    ServiceDefinition,
    TimeRule,
    Trigger,
    TriggerEvent,
    Webhook,
)
from casework.core.errors import Conflict, InvalidInput, PermissionDenied
from casework.iam import selectors as iam
from casework.iam.domain import may_manage_configuration

KINDS: dict[str, type[models.Model]] = {
    "webhooks": Webhook,
    "case_types": CaseType,
    "service_definitions": ServiceDefinition,
    "playbooks": Playbook,
    "triggers": Trigger,
    "time_rules": TimeRule,
    "macros": Macro,
}


def invalid_input(err: domain.RuleError, prefix: str = "") -> InvalidInput:
    path = f"{prefix}.{err.path}" if prefix and err.path else (err.path or prefix)
    return InvalidInput(err.message, field=path or None)


def require_config_manager(user: Any) -> None:
    if user is None or not may_manage_configuration(getattr(user, "role", "")):
        raise PermissionDenied("only team leads and admins change automation settings")


# --- references by name ------------------------------------------------------


def team_named(name: str | None, *, field: str) -> Any:
    if not name:
        return None
    team = iam.find_team_by_name(str(name))
    if team is None:
        raise InvalidInput(f"no team {name!r}", field=field)
    return team


def user_with_email(email: str | None, *, field: str) -> Any:
    if not email:
        return None
    user = iam.find_user_by_email(str(email))
    if user is None:
        raise InvalidInput(f"no user {email!r}", field=field)
    return user


def case_type_keyed(key: str | None, *, field: str) -> CaseType | None:
    if not key:
        return None
    found = CaseType.objects.filter(key=key).first()
    if found is None:
        raise InvalidInput(f"no case type {key!r}", field=field)
    return found


def _check_action_refs(actions: list[domain.Action], prefix: str) -> None:
    for i, action in enumerate(actions):
        p = action.params
        where = f"{prefix}actions.{i}"
        if action.type in ("assign", "task"):
            team_named(p.get("team"), field=f"{where}.team")
            user_with_email(p.get("assignee"), field=f"{where}.assignee")
        if action.type == "set" and p["field"] == "team":
            team_named(p["value"], field=f"{where}.value")
        if action.type == "set" and p["field"] == "assignee":
            user_with_email(p["value"], field=f"{where}.value")
        if action.type == "set" and p["field"] == "case_type":
            case_type_keyed(p["value"], field=f"{where}.value")
        if action.type == "start_playbook" and not Playbook.objects.filter(name=p["playbook"]).exists():
            raise InvalidInput(f"no playbook {p['playbook']!r}", field=f"{where}.playbook")
        if action.type == "webhook" and not Webhook.objects.filter(name=p["webhook"]).exists():
            raise InvalidInput(f"no webhook {p['webhook']!r}", field=f"{where}.webhook")
        for text_key in ("text", "body", "subject"):
            if isinstance(p.get(text_key), str):
                from casework.automation.rendering import check_template

                check_template(p[text_key], field=f"{where}.{text_key}")


# --- documents: the one shape of every configuration record -------------------


def _only(data: dict[str, Any], allowed: set[str], required: set[str]) -> None:
    extra = sorted(set(data) - allowed)
    if extra:
        raise InvalidInput("unknown field", field=extra[0])
    missing = sorted(required - {k for k, v in data.items() if v not in (None, "")})
    if missing:
        raise InvalidInput("this field is required", field=missing[0])


def _apply_case_type(obj: CaseType, d: dict[str, Any]) -> None:
    _only(d, {"key", "name", "description", "default_team", "fields", "is_active"}, {"key", "name"})
    try:
        domain.parse_schema(d.get("fields") or [])
    except domain.RuleError as err:
        raise invalid_input(err) from None
    obj.key, obj.name = d["key"], d["name"]
    obj.description = d.get("description") or ""
    obj.default_team = team_named(d.get("default_team"), field="default_team")
    obj.fields_schema = d.get("fields") or []
    obj.is_active = d.get("is_active", True)


def _apply_service(obj: ServiceDefinition, d: dict[str, Any]) -> None:
    allowed = {"key", "name", "description", "case_type", "team", "customer_visible", "is_active"}
    _only(d, allowed, {"key", "name"})
    obj.key, obj.name = d["key"], d["name"]
    obj.description = d.get("description") or ""
    obj.case_type = case_type_keyed(d.get("case_type"), field="case_type")
    obj.team = team_named(d.get("team"), field="team")
    obj.customer_visible = d.get("customer_visible", True)
    obj.is_active = d.get("is_active", True)


def _apply_playbook(obj: Playbook, d: dict[str, Any]) -> None:
    _only(d, {"name", "case_type", "description", "stages", "is_active"}, {"name"})
    case_type = case_type_keyed(d.get("case_type"), field="case_type")
    keys = [s.key for s in domain.parse_schema(case_type.fields_schema)] if case_type else None
    try:
        steps = domain.parse_stages(d.get("stages") or [], keys)
    except domain.RuleError as err:
        raise invalid_input(err) from None
    for i, step in enumerate(steps):
        team_named(step.team, field=f"stages.step.{i}.team")
        user_with_email(step.assignee, field=f"stages.step.{i}.assignee")
    obj.name, obj.case_type = d["name"], case_type
    obj.description = d.get("description") or ""
    obj.stages = d.get("stages") or []
    obj.is_active = d.get("is_active", True)


def _apply_rule(obj: Trigger | TimeRule, d: dict[str, Any], *, time_rule: bool) -> None:
    allowed = {"name", "conditions", "actions", "position", "is_active", "description"}
    if not time_rule:
        allowed.add("event")
    _only(d, allowed, {"name"} if time_rule else {"name", "event"})
    if not time_rule and d["event"] not in TriggerEvent.values:
        raise InvalidInput(f"one of {', '.join(TriggerEvent.values)}", field="event")
    try:
        domain.parse_conditions(d.get("conditions"), time_rule=time_rule)
        actions = domain.parse_actions(d.get("actions"))
    except domain.RuleError as err:
        raise invalid_input(err) from None
    _check_action_refs(actions, "")
    obj.name = d["name"]
    if isinstance(obj, Trigger):
        obj.event = d["event"]
    obj.conditions = d.get("conditions") or {}
    obj.actions = d.get("actions") or []
    obj.position = int(d.get("position") or 0)
    obj.is_active = d.get("is_active", True)
    obj.description = d.get("description") or ""


def _apply_macro(obj: Macro, d: dict[str, Any]) -> None:
    _only(d, {"name", "reply", "actions", "owner", "is_active"}, {"name"})
    from casework.automation.rendering import check_template

    check_template(d.get("reply") or "", field="reply")
    try:
        actions = domain.parse_actions(d.get("actions"), macro=True)
    except domain.RuleError as err:
        raise invalid_input(err) from None
    _check_action_refs(actions, "")
    obj.name = d["name"]
    obj.reply = d.get("reply") or ""
    obj.actions = d.get("actions") or []
    obj.owner = user_with_email(d.get("owner"), field="owner")
    obj.is_active = d.get("is_active", True)


def _apply_webhook(obj: Webhook, d: dict[str, Any]) -> None:
    _only(d, {"name", "url", "is_active", "secret"}, {"name", "url"})
    url = str(d["url"])
    if not url.startswith(("http://", "https://")):
        raise InvalidInput("an http(s) URL", field="url")
    obj.name, obj.url = d["name"], url
    obj.is_active = d.get("is_active", True)
    if d.get("secret"):
        obj.secret = str(d["secret"])
    elif not obj.secret:
        obj.secret = secrets.token_urlsafe(32)


_APPLY: dict[str, Callable[[Any, dict[str, Any]], None]] = {
    "case_types": _apply_case_type,
    "service_definitions": _apply_service,
    "playbooks": _apply_playbook,
    "triggers": lambda o, d: _apply_rule(o, d, time_rule=False),
    "time_rules": lambda o, d: _apply_rule(o, d, time_rule=True),
    "macros": _apply_macro,
    "webhooks": _apply_webhook,
}


def apply_document(kind: str, obj: Any, data: dict[str, Any]) -> None:
    """Check a document and copy it onto `obj` without saving (the admin's validation)."""
    _APPLY[kind](obj, dict(data))


def natural_key(kind: str, data: dict[str, Any]) -> dict[str, Any]:
    """How a record is found again from its document (for `config apply`)."""
    if kind in ("case_types", "service_definitions"):
        return {"key": data.get("key")}
    if kind == "macros":
        return {"name": data.get("name"), "owner__email": data.get("owner")}
    return {"name": data.get("name")}


def to_document(kind: str, obj: Any) -> dict[str, Any]:
    """A record as its document: names instead of ids, defaults left out."""
    if kind == "case_types":
        doc = {"key": obj.key, "name": obj.name, "description": obj.description}
        doc |= {"default_team": obj.default_team.name if obj.default_team_id else None}
        doc |= {"fields": obj.fields_schema, "is_active": obj.is_active}
    elif kind == "service_definitions":
        doc = {
            "key": obj.key,
            "name": obj.name,
            "description": obj.description,
            "case_type": obj.case_type.key if obj.case_type_id else None,
            "team": obj.team.name if obj.team_id else None,
            "customer_visible": obj.customer_visible,
            "is_active": obj.is_active,
        }
    elif kind == "playbooks":
        doc = {
            "name": obj.name,
            "case_type": obj.case_type.key if obj.case_type_id else None,
            "description": obj.description,
            "stages": obj.stages,
            "is_active": obj.is_active,
        }
    elif kind in ("triggers", "time_rules"):
        doc = {"name": obj.name}
        if kind == "triggers":
            doc["event"] = obj.event
        doc |= {
            "description": obj.description,
            "position": obj.position,
            "conditions": obj.conditions,
            "actions": obj.actions,
            "is_active": obj.is_active,
        }
    elif kind == "macros":
        doc = {
            "name": obj.name,
            "owner": obj.owner.email if obj.owner_id else None,
            "reply": obj.reply,
            "actions": obj.actions,
            "is_active": obj.is_active,
        }
    else:
        doc = {"name": obj.name, "url": obj.url, "is_active": obj.is_active}
    return {k: v for k, v in doc.items() if v not in (None, "")}


def save_document(kind: str, data: dict[str, Any], instance: Any = None) -> Any:
    """Create (or update `instance`) from a document; no permission check (callers do it)."""
    model = KINDS[kind]
    obj = instance if instance is not None else model()
    with transaction.atomic():
        _APPLY[kind](obj, dict(data))
        try:
            with transaction.atomic():
                obj.save()
        except IntegrityError:
            raise Conflict(
                f"another {kind[:-1].replace('_', ' ')} has that name or key", field="name"
            ) from None
    return obj


def create_config(user: Any, kind: str, data: dict[str, Any]) -> Any:
    if kind == "macros" and data.get("owner") == getattr(user, "email", None):
        pass  # anyone on staff keeps personal macros
    else:
        require_config_manager(user)
    return save_document(kind, data)


def update_config(user: Any, kind: str, obj: Any, data: dict[str, Any]) -> Any:
    if not (kind == "macros" and obj.owner_id and obj.owner_id == user.pk):
        require_config_manager(user)
    merged = to_document(kind, obj) | data
    return save_document(kind, merged, instance=obj)


def delete_config(user: Any, kind: str, obj: Any) -> None:
    if not (kind == "macros" and obj.owner_id and obj.owner_id == user.pk):
        require_config_manager(user)
    try:
        with transaction.atomic():
            obj.delete()
    except models.ProtectedError:
        raise Conflict(f"{obj} is still used by cases; deactivate it instead", field="is_active") from None
