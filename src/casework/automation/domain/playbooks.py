"""Playbooks: a case type's stages of steps, when a step is done, and what
still keeps a case from closing."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from casework.automation.domain.errors import RuleError, refuse_unknown
from casework.automation.domain.fields import FieldSpec, is_empty

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
        refuse_unknown(stage, ("name", "steps"), where)
        for j, item in enumerate(stage.get("steps") or []):
            at = f"{where}.steps.{j}"
            if not isinstance(item, Mapping):
                raise RuleError(at, "each step is an object")
            refuse_unknown(item, STEP_KEYS, at)
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
        return all(not is_empty(custom_fields.get(f)) for f in step.fields)
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
        if (spec.required or spec.required_to_resolve) and is_empty(custom_fields.get(spec.key)):
            gaps.append(f"custom_fields.{spec.key}: {spec.label} must be filled")
    for step in steps:
        if step.required and not step_is_done(step, completed, custom_fields):
            what = "approval" if step.kind == "approval" else "step"
            gaps.append(f"{what} {step.key}: {step.title} is not done")
    for title in open_required_tasks:
        gaps.append(f"task: {title} is still open")
    return gaps
