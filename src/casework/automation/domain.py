"""The rules of automation as plain Python: custom field schemas, closure
criteria, trigger and time-rule conditions, action plans and macro limits.

No Django here (DESIGN.md): the services hand in facts as dictionaries and get
decisions back, so these rules are unit-tested without a database.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

# --- errors ------------------------------------------------------------------


class RuleError(ValueError):
    """A configuration or input that breaks a rule; `path` names where (e.g. `actions.1.value`)."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}" if path else message)
        self.path = path
        self.message = message


# --- custom field schemas ----------------------------------------------------

FIELD_TYPES = ("text", "long_text", "number", "date", "select", "multi_select", "checkbox", "user", "account")
SCHEMA_KEYS = {
    "key",
    "label",
    "type",
    "required",
    "required_to_resolve",
    "default",
    "help",
    "options",
    "customer_visible",
}


@dataclass(frozen=True)
class FieldSpec:
    key: str
    label: str
    type: str
    required: bool = False  # must hold a value whenever the case is saved
    required_to_resolve: bool = False  # closure criterion: filled before resolve
    default: Any = None
    help: str = ""
    options: tuple[str, ...] = ()
    customer_visible: bool = False


def parse_schema(raw: Any) -> list[FieldSpec]:
    """A case type's `fields_schema` as specs, or RuleError naming the bad entry."""
    if raw in (None, ""):
        return []
    if not isinstance(raw, list):
        raise RuleError("fields", "a list of fields")
    specs: list[FieldSpec] = []
    seen: set[str] = set()
    for i, item in enumerate(raw):
        where = f"fields.{i}"
        if not isinstance(item, Mapping):
            raise RuleError(where, "each field is an object with key, label and type")
        unknown = sorted(set(item) - SCHEMA_KEYS)
        if unknown:
            raise RuleError(f"{where}.{unknown[0]}", "unknown setting")
        key = str(item.get("key") or "")
        if not key.isidentifier():
            raise RuleError(f"{where}.key", "a key is letters, digits and underscores")
        if key in seen:
            raise RuleError(f"{where}.key", f"{key} appears twice")
        seen.add(key)
        ftype = item.get("type")
        if ftype not in FIELD_TYPES:
            raise RuleError(f"{where}.type", f"one of {', '.join(FIELD_TYPES)}")
        options = item.get("options") or []
        if ftype in ("select", "multi_select") and not options:
            raise RuleError(f"{where}.options", "a select field needs options")
        if not isinstance(options, list) or not all(isinstance(o, str) for o in options):
            raise RuleError(f"{where}.options", "a list of strings")
        spec = FieldSpec(
            key=key,
            label=str(item.get("label") or key.replace("_", " ").capitalize()),
            type=ftype,
            required=bool(item.get("required", False)),
            required_to_resolve=bool(item.get("required_to_resolve", False)),
            default=item.get("default"),
            help=str(item.get("help") or ""),
            options=tuple(options),
            customer_visible=bool(item.get("customer_visible", False)),
        )
        if spec.default is not None:
            try:
                coerce_value(spec, spec.default, exists=lambda kind, pk: True)
            except RuleError as err:
                raise RuleError(f"{where}.default", err.message) from None
        specs.append(spec)
    return specs


Exists = Callable[[str, int], bool]


def _is_empty(value: Any) -> bool:
    return value is None or value == "" or value == []


def coerce_value(spec: FieldSpec, value: Any, *, exists: Exists) -> Any:
    """One submitted value as stored (JSON-safe), or RuleError saying why not."""
    if _is_empty(value):
        return None
    t = spec.type
    if t in ("text", "long_text"):
        if not isinstance(value, str | int | float):
            raise RuleError(spec.key, "a text")
        text = str(value)
        if t == "text" and len(text) > 500:
            raise RuleError(spec.key, "at most 500 characters")
        return text
    if t == "number":
        if isinstance(value, bool):
            raise RuleError(spec.key, "a number")
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise RuleError(spec.key, f"{value!r} is not a number") from None
        return int(number) if number.is_integer() else number
    if t == "date":
        if isinstance(value, date | datetime):
            return value.isoformat()[:10]
        try:
            return date.fromisoformat(str(value)).isoformat()
        except ValueError:
            raise RuleError(spec.key, f"{value!r} is not a date (YYYY-MM-DD)") from None
    if t == "select":
        if value not in spec.options:
            raise RuleError(spec.key, f"{value!r} is not one of {', '.join(spec.options)}")
        return value
    if t == "multi_select":
        values = value if isinstance(value, list) else [value]
        for v in values:
            if v not in spec.options:
                raise RuleError(spec.key, f"{v!r} is not one of {', '.join(spec.options)}")
        return [o for o in spec.options if o in values]
    if t == "checkbox":
        if isinstance(value, bool):
            return value
        if str(value).lower() in ("true", "1", "on", "yes"):
            return True
        if str(value).lower() in ("false", "0", "off", "no"):
            return False
        raise RuleError(spec.key, "true or false")
    # user, account: an id that must exist
    try:
        pk = int(value)
    except (TypeError, ValueError):
        raise RuleError(spec.key, f"a {t} id") from None
    if not exists(t, pk):
        raise RuleError(spec.key, f"no {t} {pk}")
    return pk


def clean_custom_fields(
    specs: Sequence[FieldSpec], values: Mapping[str, Any], *, exists: Exists, fill_defaults: bool
) -> dict[str, Any]:
    """The stored custom fields: known keys only, coerced, defaults filled on creation."""
    by_key = {s.key: s for s in specs}
    for key in values:
        if key not in by_key:
            raise RuleError(key, "not a field of this case type")
    cleaned: dict[str, Any] = {}
    for spec in specs:
        if spec.key in values:
            value = coerce_value(spec, values[spec.key], exists=exists)
        elif fill_defaults and spec.default is not None:
            value = coerce_value(spec, spec.default, exists=exists)
        else:
            value = None
        if value is None and spec.required:
            raise RuleError(spec.key, f"{spec.label} is required")
        if value is not None:
            cleaned[spec.key] = value
    return cleaned


def carry_over(specs: Sequence[FieldSpec], values: Mapping[str, Any]) -> dict[str, Any]:
    """Changing a case's type keeps the fields that exist in both."""
    keys = {s.key for s in specs}
    return {k: v for k, v in values.items() if k in keys}


# --- playbooks ---------------------------------------------------------------

STEP_KINDS = ("instruction", "checklist", "task", "fields", "approval")
STEP_KEYS = {"key", "kind", "title", "text", "required", "team", "assignee", "due_hours", "fields"}


@dataclass(frozen=True)
class Step:
    key: str
    kind: str
    title: str
    stage: str
    text: str = ""
    required: bool = False
    team: str = ""
    assignee: str = ""
    due_hours: float | None = None
    fields: tuple[str, ...] = ()


def parse_stages(raw: Any, field_keys: Iterable[str] | None = None) -> list[Step]:
    """A playbook's stages as a flat, ordered list of steps (each knows its stage)."""
    if not isinstance(raw, list):
        raise RuleError("stages", "a list of stages")
    known_fields = set(field_keys) if field_keys is not None else None
    steps: list[Step] = []
    seen: set[str] = set()
    for i, stage in enumerate(raw):
        where = f"stages.{i}"
        if not isinstance(stage, Mapping) or not str(stage.get("name") or "").strip():
            raise RuleError(f"{where}.name", "each stage has a name")
        if set(stage) - {"name", "steps"}:
            raise RuleError(f"{where}.{sorted(set(stage) - {'name', 'steps'})[0]}", "unknown setting")
        for j, item in enumerate(stage.get("steps") or []):
            at = f"{where}.steps.{j}"
            if not isinstance(item, Mapping):
                raise RuleError(at, "each step is an object")
            unknown = sorted(set(item) - STEP_KEYS)
            if unknown:
                raise RuleError(f"{at}.{unknown[0]}", "unknown setting")
            key = str(item.get("key") or "")
            if not key or len(key) > 100:
                raise RuleError(f"{at}.key", "each step has a key")
            if key in seen:
                raise RuleError(f"{at}.key", f"{key} appears twice")
            seen.add(key)
            kind = item.get("kind")
            if kind not in STEP_KINDS:
                raise RuleError(f"{at}.kind", f"one of {', '.join(STEP_KINDS)}")
            fields = tuple(item.get("fields") or ())
            if kind == "fields" and not fields:
                raise RuleError(f"{at}.fields", "a fields step names the fields to fill")
            if known_fields is not None:
                for f in fields:
                    if f not in known_fields:
                        raise RuleError(f"{at}.fields", f"{f} is not a field of the case type")
            due = item.get("due_hours")
            if due is not None and (not isinstance(due, int | float) or due < 0):
                raise RuleError(f"{at}.due_hours", "a number of hours")
            steps.append(
                Step(
                    key=key,
                    kind=kind,
                    title=str(item.get("title") or key),
                    stage=str(stage["name"]),
                    text=str(item.get("text") or ""),
                    required=bool(item.get("required", False)),
                    team=str(item.get("team") or ""),
                    assignee=str(item.get("assignee") or ""),
                    due_hours=due,
                    fields=fields,
                )
            )
    return steps


def step_is_done(step: Step, completed: set[str], custom_fields: Mapping[str, Any]) -> bool:
    """A fields step is done when its fields are filled; the others when completed."""
    if step.kind == "fields":
        return all(not _is_empty(custom_fields.get(f)) for f in step.fields)
    return step.key in completed


def closure_gaps(
    specs: Sequence[FieldSpec],
    custom_fields: Mapping[str, Any],
    steps: Sequence[Step],
    completed: set[str],
    open_required_tasks: Sequence[str],
) -> list[str]:
    """What still blocks resolving the case, as "what: why" lines."""
    gaps: list[str] = []
    for spec in specs:
        if (spec.required or spec.required_to_resolve) and _is_empty(custom_fields.get(spec.key)):
            gaps.append(f"custom_fields.{spec.key}: {spec.label} must be filled")
    for step in steps:
        if step.required and not step_is_done(step, completed, custom_fields):
            what = "approval" if step.kind == "approval" else "step"
            gaps.append(f"{what} {step.key}: {step.title} is not done")
    for title in open_required_tasks:
        gaps.append(f"task: {title} is still open")
    return gaps


# --- conditions --------------------------------------------------------------

OPERATORS = (
    "is",
    "is_not",
    "changed",
    "changed_to",
    "changed_from",
    "contains",
    "not_contains",
    "greater_than",
    "less_than",
    "in",
    "not_in",
)
NEEDS_NO_VALUE = {"changed"}
CASE_FIELDS = (
    "status",
    "priority",
    "channel",
    "title",
    "description",
    "team",
    "assignee",
    "case_type",
    "service",
    "account",
    "contact_email",
    "tags",
    "language",
    "message_text",
    "sla_metric",  # on sla_warning / sla_breach: first_response, next_response, resolution, ...
)
TIME_FIELDS = {
    "hours_since_created": "created_at",
    "hours_since_updated": "updated_at",
    "hours_since_status_change": "status_changed_at",
    "hours_since_customer_message": "last_customer_message_at",
    "hours_since_agent_reply": "last_agent_reply_at",
    "hours_until_sla_due": "sla_due_at",
}
PRIORITIES = ("low", "normal", "high", "urgent")
STATUSES = ("new", "open", "pending", "on_hold", "resolved", "closed", "cancelled")


@dataclass(frozen=True)
class Condition:
    field: str
    op: str
    value: Any = None


@dataclass(frozen=True)
class ConditionSet:
    all: tuple[Condition, ...] = ()
    any: tuple[Condition, ...] = ()


def _known_field(name: str) -> bool:
    return name in CASE_FIELDS or name in TIME_FIELDS or name.startswith("custom_fields.")


def parse_conditions(raw: Any, *, time_rule: bool = False) -> ConditionSet:
    if raw in (None, "", {}):
        return ConditionSet()
    if not isinstance(raw, Mapping):
        raise RuleError("conditions", "an object with `all` and/or `any` lists")
    unknown = sorted(set(raw) - {"all", "any"})
    if unknown:
        raise RuleError(f"conditions.{unknown[0]}", "only `all` and `any`")
    groups: dict[str, tuple[Condition, ...]] = {}
    for group in ("all", "any"):
        items = raw.get(group) or []
        if not isinstance(items, list):
            raise RuleError(f"conditions.{group}", "a list of conditions")
        parsed = []
        for i, item in enumerate(items):
            where = f"conditions.{group}.{i}"
            if not isinstance(item, Mapping):
                raise RuleError(where, "a condition is {field, op, value}")
            extra = sorted(set(item) - {"field", "op", "value"})
            if extra:
                raise RuleError(f"{where}.{extra[0]}", "unknown setting")
            name = str(item.get("field") or "")
            if not _known_field(name):
                raise RuleError(f"{where}.field", f"unknown field {name!r}")
            op = item.get("op")
            if op not in OPERATORS:
                raise RuleError(f"{where}.op", f"one of {', '.join(OPERATORS)}")
            if time_rule and op.startswith("changed"):
                raise RuleError(f"{where}.op", "time rules look at the case as it is, not at changes")
            if time_rule and name in ("message_text", "sla_metric"):
                raise RuleError(f"{where}.field", "time rules have no message")
            value = item.get("value")
            if op not in NEEDS_NO_VALUE and "value" not in item:
                raise RuleError(f"{where}.value", "this operator needs a value")
            if op in ("in", "not_in") and not isinstance(value, list):
                raise RuleError(f"{where}.value", "a list of values")
            is_rank = name == "priority" and str(value).lower() in PRIORITIES
            if op in ("greater_than", "less_than") and not isinstance(value, int | float) and not is_rank:
                raise RuleError(f"{where}.value", "a number")
            if name in TIME_FIELDS and op not in ("greater_than", "less_than"):
                raise RuleError(f"{where}.op", "hours are compared with greater_than or less_than")
            compares = op in ("is", "is_not", "changed_to", "changed_from")
            if compares and name == "priority" and str(value).lower() not in PRIORITIES:
                raise RuleError(f"{where}.value", f"one of {', '.join(PRIORITIES)}")
            if compares and name == "status" and value not in STATUSES:
                raise RuleError(f"{where}.value", f"one of {', '.join(STATUSES)}")
            parsed.append(Condition(name, op, value))
        groups[group] = tuple(parsed)
    return ConditionSet(all=groups["all"], any=groups["any"])


def _norm(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value


def _rank(name: str, value: Any) -> Any:
    if name == "priority" and str(value).lower() in PRIORITIES:
        return PRIORITIES.index(str(value).lower())
    return value


def condition_holds(
    cond: Condition, facts: Mapping[str, Any], changes: Mapping[str, tuple[Any, Any]]
) -> bool:
    name, op, want = cond.field, cond.op, cond.value
    if op.startswith("changed"):
        if name not in changes:
            return False
        before, after = changes[name]
        if op == "changed":
            return True
        if op == "changed_to":
            return _norm(after) == _norm(want)
        return _norm(before) == _norm(want)
    have = facts.get(name)
    if op in ("is", "is_not"):
        if isinstance(have, list):
            same = _norm(want) in [_norm(v) for v in have]
        else:
            same = _norm(have) == _norm(want) or (want in (None, "") and have in (None, ""))
        return same if op == "is" else not same
    if op in ("contains", "not_contains"):
        if isinstance(have, list):
            found = _norm(want) in [_norm(v) for v in have]
        else:
            found = have is not None and str(want).lower() in str(have).lower()
        return found if op == "contains" else not found
    if op in ("in", "not_in"):
        pool = [_norm(v) for v in want]
        inside = any(_norm(v) in pool for v in have) if isinstance(have, list) else _norm(have) in pool
        return inside if op == "in" else not inside
    if have is None:
        return False
    try:
        left, right = _rank(name, have), _rank(name, want)
        return bool(left > right) if op == "greater_than" else bool(left < right)
    except TypeError:
        return False


def conditions_hold(
    conditions: ConditionSet, facts: Mapping[str, Any], changes: Mapping[str, tuple[Any, Any]] | None = None
) -> bool:
    """All of `all` hold, and at least one of `any` when `any` is given."""
    changes = changes or {}
    if not all(condition_holds(c, facts, changes) for c in conditions.all):
        return False
    return not conditions.any or any(condition_holds(c, facts, changes) for c in conditions.any)


# --- time rules as filters ---------------------------------------------------


@dataclass(frozen=True)
class Filter:
    """One SQL-able test on a case column: (column, lookup, value), negated or not."""

    column: str
    lookup: str
    value: Any
    negate: bool = False


@dataclass(frozen=True)
class FilterPlan:
    all: tuple[Filter, ...] = ()
    any: tuple[Filter, ...] = ()


_COLUMNS = {
    "status": "status",
    "priority": "priority",
    "channel": "channel",
    "title": "title",
    "description": "description",
    "team": "team__name",
    "assignee": "assignee__email",
    "case_type": "case_type__key",
    "service": "service__key",
    "account": "account__name",
    "contact_email": "contact__emails__address",
    "tags": "tags__name",
    "language": "language",
}


def _db_value(name: str, value: Any) -> Any:
    if name == "priority" and str(value).lower() in PRIORITIES:
        return PRIORITIES.index(str(value).lower()) + 1
    return value


def condition_filter(cond: Condition, now: datetime) -> Filter:
    """A time-rule condition as a filter on the case table (no Python loop over cases)."""
    name, op, value = cond.field, cond.op, cond.value
    if name in TIME_FIELDS:
        column = TIME_FIELDS[name]
        if name == "hours_until_sla_due":
            # hours until due > N  <=>  due_at > now + N hours
            edge = now + timedelta(hours=float(value))
            return Filter(column, "gt" if op == "greater_than" else "lt", edge)
        edge = now - timedelta(hours=float(value))
        # hours since X > N  <=>  X < now - N hours (a missing X never matches)
        return Filter(column, "lt" if op == "greater_than" else "gt", edge)
    if name.startswith("custom_fields."):
        column = "custom_fields__" + name.split(".", 1)[1]
    else:
        column = _COLUMNS[name]
    if op in ("is", "is_not"):
        return Filter(column, "exact", _db_value(name, value), negate=op == "is_not")
    if op in ("contains", "not_contains"):
        lookup = "exact" if name == "tags" else "icontains"
        return Filter(column, lookup, value, negate=op == "not_contains")
    if op in ("in", "not_in"):
        return Filter(column, "in", [_db_value(name, v) for v in value], negate=op == "not_in")
    lookup = "gt" if op == "greater_than" else "lt"
    return Filter(column, lookup, _db_value(name, value))


def matchable_now(cond: Condition) -> bool:
    """Whether a condition can be tested on the stored case (not on an event's change or message)."""
    return not cond.op.startswith("changed") and cond.field not in ("message_text", "sla_metric")


def time_rule_filters(conditions: ConditionSet, now: datetime) -> FilterPlan:
    return FilterPlan(
        all=tuple(condition_filter(c, now) for c in conditions.all),
        any=tuple(condition_filter(c, now) for c in conditions.any),
    )


# --- actions -----------------------------------------------------------------

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
        extra = sorted(set(params) - ACTION_TYPES[kind])
        if extra:
            raise RuleError(f"{where}.{extra[0]}", "unknown setting")
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
        if _norm(facts.get(name)) == _norm(p["value"]):
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
        if "team" in p and _norm(facts.get("team")) != _norm(p["team"]):
            out["team"] = p["team"]
        if "assignee" in p and _norm(facts.get("assignee")) != _norm(p["assignee"]):
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
