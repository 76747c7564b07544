"""Actions of triggers, macros and time rules: parsing them, the field changes
they make, and the chain that stops automation from looping."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from casework.automation.domain.conditions import PRIORITIES, STATUSES, folded
from casework.automation.domain.errors import RuleError, refuse_unknown

ACTION_TYPES = {
    "set": {"field", "value"},
    "add_tag": {"tag"},
    "remove_tag": {"tag"},
    "assign": {"team", "assignee"},
    "note": {"text"},
    "email": {"to", "subject", "body"},
    "task": {"title", "team", "assignee", "due_hours", "required"},
    "start_playbook": {"playbook"},
    "webhook": {"webhook"},
}
REQUIRED_ACTION_KEYS = {
    "set": {"field", "value"},
    "add_tag": {"tag"},
    "remove_tag": {"tag"},
    "note": {"text"},
    "email": {"to", "body"},
    "task": {"title"},
    "start_playbook": {"playbook"},
    "webhook": {"webhook"},
}
SETTABLE = (
    "status",
    "priority",
    "team",
    "assignee",
    "title",
    "case_type",
    "service",
    "language",
    "resolution_code",
    "resolution_summary",
)
MACRO_FORBIDDEN_STATUSES = ("new", "closed")


@dataclass(frozen=True)
class Action:
    type: str
    params: Mapping[str, Any] = field(default_factory=dict)


def parse_actions(raw: Any, *, macro: bool = False) -> list[Action]:
    """Actions as planned, in order, or RuleError naming the bad one."""
    if raw in (None, ""):
        return []
    if not isinstance(raw, list):
        raise RuleError("actions", "a list of actions")
    planned = []
    for i, item in enumerate(raw):
        where = f"actions.{i}"
        if not isinstance(item, Mapping):
            raise RuleError(where, "an action is an object with a type")
        kind = item.get("type")
        if kind not in ACTION_TYPES:
            raise RuleError(f"{where}.type", f"one of {', '.join(ACTION_TYPES)}")
        params = {k: v for k, v in item.items() if k != "type"}
        refuse_unknown(params, ACTION_TYPES[kind], where)
        missing = sorted(REQUIRED_ACTION_KEYS.get(kind, set()) - set(params))
        if missing:
            raise RuleError(f"{where}.{missing[0]}", "this action needs it")
        if kind == "assign" and not ({"team", "assignee"} & set(params)):
            raise RuleError(f"{where}.team", "assign to a team, an agent or both")
        if kind == "set":
            name = str(params["field"])
            if name not in SETTABLE and not name.startswith("custom_fields."):
                raise RuleError(f"{where}.field", f"one of {', '.join(SETTABLE)} or custom_fields.<key>")
            if name == "status" and params["value"] not in STATUSES:
                raise RuleError(f"{where}.value", f"one of {', '.join(STATUSES)}")
            if name == "priority" and params["value"] not in PRIORITIES:
                raise RuleError(f"{where}.value", f"one of {', '.join(PRIORITIES)}")
            if macro and name == "status" and params["value"] in MACRO_FORBIDDEN_STATUSES:
                raise RuleError(f"{where}.value", "a macro cannot set a case to new or closed")
        if kind == "email":
            to = params["to"]
            if not (to in ("customer", "assignee", "team") or (isinstance(to, list) and to)):
                raise RuleError(f"{where}.to", "customer, assignee, team or a list of addresses")
        due = params.get("due_hours") if kind == "task" else None
        if due is not None and (not isinstance(due, int | float) or due < 0):
            raise RuleError(f"{where}.due_hours", "a number of hours")
        planned.append(Action(kind, params))
    return planned


def field_changes(action: Action, facts: Mapping[str, Any]) -> dict[str, Any]:
    """What a field-changing action asks of the case, given what the case is now.

    Returns the `update_case` changes (names and plain values; the services
    resolve team names, emails and keys to records). Empty when nothing changes.
    """
    p = action.params
    if action.type == "set":
        name = str(p["field"])
        if name.startswith("custom_fields."):
            key = name.split(".", 1)[1]
            values = dict(facts.get("custom_fields") or {})
            if values.get(key) == p["value"]:
                return {}
            values[key] = p["value"]
            return {"custom_fields": values}
        if folded(facts.get(name)) == folded(p["value"]):
            return {}
        return {name: p["value"]}
    if action.type in ("add_tag", "remove_tag"):
        tags = list(facts.get("tags") or [])
        tag = str(p["tag"]).strip().lower()
        if action.type == "add_tag" and tag not in tags:
            return {"tags": [*tags, tag]}
        if action.type == "remove_tag" and tag in tags:
            return {"tags": [t for t in tags if t != tag]}
        return {}
    if action.type == "assign":
        out: dict[str, Any] = {}
        if "team" in p and folded(facts.get("team")) != folded(p["team"]):
            out["team"] = p["team"]
        if "assignee" in p and folded(facts.get("assignee")) != folded(p["assignee"]):
            out["assignee"] = p["assignee"]
        return out
    return {}


# --- chains ------------------------------------------------------------------

DEFAULT_MAX_DEPTH = 2


@dataclass
class Chain:
    """One change and everything automation did because of it.

    `depth` counts rounds: the change that started the chain is evaluated at
    depth 1; a change a trigger makes is evaluated one deeper. A trigger fires
    at most once per case per chain; past `max_depth` nothing fires, and the
    stop is reported once per case.
    """

    max_depth: int = DEFAULT_MAX_DEPTH
    depth: int = 0
    fired: set[tuple[int, int]] = field(default_factory=set)
    stopped: set[int] = field(default_factory=set)

    def may_fire(self, trigger_id: int, case_id: int) -> bool:
        return (trigger_id, case_id) not in self.fired

    def mark_fired(self, trigger_id: int, case_id: int) -> None:
        self.fired.add((trigger_id, case_id))

    @property
    def too_deep(self) -> bool:
        return self.depth > self.max_depth
