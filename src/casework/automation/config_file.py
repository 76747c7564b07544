"""Configuration as code: every case type, service definition, playbook, trigger,
time rule, macro and webhook in one YAML file.

`export` writes the documents in a stable order, so exporting twice gives the
same bytes. `apply` writes a file in one transaction (a dry run rolls it back
and reports what would change); an error names the file position
(`file:line:column`) of the value at fault.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml
from django.db import transaction

from casework.automation import configuration, selectors
from casework.core.errors import CaseworkError

ORDER = ("webhooks", "case_types", "service_definitions", "playbooks", "triggers", "time_rules", "macros")
VERSION = 1


class ConfigError(Exception):
    def __init__(self, where: str, message: str) -> None:
        super().__init__(f"{where}: {message}")
        self.where, self.message = where, message


@dataclass
class Plan:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        return (
            [f"create {x}" for x in self.created]
            + [f"update {x}" for x in self.updated]
            + [f"unchanged {x}" for x in self.unchanged]
        )


def export_text() -> str:
    data: dict[str, Any] = {"version": VERSION}
    data.update(selectors.all_documents())
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, default_flow_style=False, width=100)


def _node_at(root: yaml.Node | None, path: list[Any]) -> yaml.Node | None:
    """The deepest node of the composed document along `path` (keys and indexes)."""
    node = root
    for step in path:
        if isinstance(node, yaml.MappingNode):
            found = next((v for k, v in node.value if k.value == str(step)), None)
        elif isinstance(node, yaml.SequenceNode) and str(step).isdigit() and int(step) < len(node.value):
            found = node.value[int(step)]
        else:
            found = None
        if found is None:
            return node
        node = found
    return node


def _where(filename: str, root: yaml.Node | None, path: list[Any]) -> str:
    node = _node_at(root, path)
    label = ".".join(str(p) for p in path)
    if node is None:
        return f"{filename}: {label}"
    mark = node.start_mark
    return f"{filename}:{mark.line + 1}:{mark.column + 1}: {label}"


def apply_text(text: str, *, filename: str = "<config>", dry_run: bool = False) -> Plan:
    try:
        root = yaml.compose(text)
        data = yaml.safe_load(text)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f"{filename}:{mark.line + 1}:{mark.column + 1}" if mark else filename
        raise ConfigError(where, f"not valid YAML: {getattr(err, 'problem', err)}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{filename}:1:1", "the file is a mapping of kinds (case_types, triggers, ...)")
    for key in data:
        if key != "version" and key not in ORDER:
            raise ConfigError(_where(filename, root, [key]), f"unknown section; one of {', '.join(ORDER)}")
    if data.get("version", VERSION) != VERSION:
        raise ConfigError(_where(filename, root, ["version"]), f"this Casework reads version {VERSION}")
    plan = Plan()
    try:
        with transaction.atomic():
            for kind in ORDER:
                items = data.get(kind) or []
                if not isinstance(items, list):
                    raise ConfigError(_where(filename, root, [kind]), "a list")
                for i, item in enumerate(items):
                    _apply_item(kind, i, item, plan, filename, root)
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    return plan


class _DryRun(Exception):
    pass


def _apply_item(kind: str, i: int, item: Any, plan: Plan, filename: str, root: yaml.Node | None) -> None:
    if not isinstance(item, dict):
        raise ConfigError(_where(filename, root, [kind, i]), "each entry is a mapping")
    model = configuration.KINDS[kind]
    lookup = configuration.natural_key(kind, item)
    if kind == "macros" and not item.get("owner"):
        lookup = {"name": item.get("name"), "owner__isnull": True}
    existing = (
        model._default_manager.filter(**lookup).first()
        if all(v is not None for k, v in lookup.items() if k != "owner__isnull")
        else None
    )
    label = f"{kind} {item.get('key') or item.get('name')}"
    try:
        if existing is not None:
            before = configuration.to_document(kind, existing)
            configuration.save_document(kind, item, instance=existing)
            after = configuration.to_document(kind, model._default_manager.get(pk=existing.pk))
            (plan.updated if before != after else plan.unchanged).append(label)
        else:
            configuration.save_document(kind, item)
            plan.created.append(label)
    except CaseworkError as err:
        path: list[Any] = [kind, i, *(err.field or "").split(".")] if err.field else [kind, i]
        raise ConfigError(_where(filename, root, path), err.message) from None
