"""A case's fields as the write paths accept them: each value cleaned or
refused with the field named, tags found or made by name."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import connection, transaction

from casework.cases import hooks
from casework.cases.domain import (
    Priority,
)
from casework.cases.models import (
    Case,
    Channel,
    Tag,
)
from casework.core import config_cache
from casework.core.errors import InvalidInput
from casework.core.prepared import NewId, PreparedIn, Writes
from casework.iam.domain import is_staff_role

EDITABLE = (
    "title",
    "description",
    "priority",
    "team",
    "assignee",
    "tags",
    "custom_fields",
    "case_type",
    "service",
    "account",
    "contact",
    "language",
    "channel",
    "status",
    "resolution_code",
    "resolution_summary",
    "parent",
    "entitlement",
)


def parse_priority(value: Any) -> int:
    if isinstance(value, Priority):
        return int(value)
    try:
        return int(Priority.parse(str(value)))
    except KeyError:
        allowed = ", ".join(p.label for p in Priority)
        raise InvalidInput(f"unknown priority {value!r}; one of {allowed}", field="priority") from None


def clean_title(title: str) -> str:
    title = " ".join((title or "").split())
    if not title:
        raise InvalidInput("a case needs a title", field="title")
    if len(title) > 300:
        raise InvalidInput("a title has at most 300 characters", field="title")
    return title


def clean_channel(channel: str) -> str:
    if channel not in Channel.values:
        raise InvalidInput(
            f"unknown channel {channel!r}; one of {', '.join(Channel.values)}", field="channel"
        )
    return channel


def check_assignee(user: Any) -> None:
    if user is not None and (not user.is_active or not is_staff_role(user.role)):
        raise InvalidInput(f"{user} cannot own cases", field="assignee")


_TAGS_NAMED = PreparedIn(lambda names: Tag.objects.filter(name__in=names))


def tags_named(names: Iterable[str]) -> list[Tag]:
    """The tags of these names, made when new."""
    names = list(names)
    existing = {t.name: t for t in _TAGS_NAMED.all(names)}
    for name in names:
        if name not in existing:
            existing[name], _ = Tag.objects.get_or_create(name=name)
    return [existing[n] for n in names]


# Past this many names a process keeps no more: their cases make sure of their tags.
MOST_KEPT_TAG_NAMES = 50_000


def _kept_tag_names() -> set[str]:
    """The tag names this process has seen made sure of by a committed creation.
    Tags are made, never deleted or renamed, so each name stays true. Kept with
    the configuration, so the set starts empty again whenever that is read
    afresh. Nothing is read to fill it: a name read inside a transaction that
    then rolls back would name a tag that does not exist."""
    return config_cache.cached("cases.tag_names", set)


def link_new_case_tags(writes: Writes, case_id: int | NewId, names: list[str]) -> None:
    """Link a new case to the tags `names`, making the missing ones first, in the
    caller's batch instead of a read first. A tag that a concurrent request is
    making is left to it (ON CONFLICT) and linked once that one commits.

    A name this process has seen made sure of before (`_kept_tag_names`) skips
    that statement: a case whose tags all exist costs one statement."""
    if not names:
        return
    q = connection.ops.quote_name
    tags, links = q(Tag._meta.db_table), q(Case.tags.through._meta.db_table)
    kept = _kept_tag_names()
    missing = [name for name in names if name not in kept]
    if missing:
        listed = ", ".join(["(%s)"] * len(missing))
        writes.statement(
            f"INSERT INTO {tags} (name) SELECT v.column1 FROM (VALUES {listed}) AS v "
            f"WHERE NOT EXISTS (SELECT 1 FROM {tags} t WHERE t.name = v.column1) "
            "ON CONFLICT (name) DO NOTHING",
            missing,
        )
        if connection.in_atomic_block and len(kept) + len(missing) <= MOST_KEPT_TAG_NAMES:
            transaction.on_commit(lambda: kept.update(missing))
    writes.statement(
        f"INSERT INTO {links} (case_id, tag_id) SELECT %s, id FROM {tags} "
        f"WHERE name IN ({', '.join(['%s'] * len(names))})",
        [case_id, *names],
    )


def validated_custom_fields(case_type: Any, values: dict[str, Any]) -> dict[str, Any]:
    if not isinstance(values, dict):
        raise InvalidInput("custom_fields is an object of field names to values", field="custom_fields")
    for validate in hooks.custom_field_validators:
        values = validate(case_type, values)
    return values
