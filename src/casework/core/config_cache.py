"""Configuration (routing rules, triggers, SLA policies, team settings) read once
per process and kept until any process changes it.

Every write to a watched model (save or delete, or an explicit `changed()` after
a queryset update) stores a new random stamp in the one `ConfigStamp` row, in the
writer's transaction. A process compares its stamp with the database's at most
once every `CASEWORK_CONFIG_RECHECK_SECONDS` (default 1 s) and drops what it holds
on a difference: a change made in this process applies at once, one made in
another process within that time. The stamp is random, not a counter, so a
rolled-back change is never mistaken for a later one.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models.signals import post_delete, post_save

from casework.core.models import ConfigStamp

_monotonic = time.monotonic  # replaceable in tests: they never wait for real time
_values: dict[str, tuple[str, Any]] = {}  # name -> (stamp it was read under, value)
_state: dict[str, Any] = {"stamp": None, "checked_at": 0.0, "suspect": False}


def _recheck_seconds() -> float:
    return float(getattr(settings, "CASEWORK_CONFIG_RECHECK_SECONDS", 1.0))


def _stored_stamp() -> str:
    return ConfigStamp.objects.filter(pk=1).values_list("stamp", flat=True).first() or ""


def _current_stamp() -> str:
    now = _monotonic()
    stamp = _state["stamp"]
    if stamp is None or _state["suspect"] or now - _state["checked_at"] >= _recheck_seconds():
        stamp = _stored_stamp()
        if stamp != _state["stamp"]:
            _values.clear()
        _state.update(stamp=stamp, checked_at=now)
    return stamp


def cached[T](name: str, load: Callable[[], T]) -> T:
    """The value `load()` returns, read once per process while nothing changes."""
    stamp = _current_stamp()
    hit = _values.get(name)
    if hit is not None and hit[0] == stamp:
        return hit[1]  # type: ignore[no-any-return]
    value = load()
    _values[name] = (stamp, value)
    return value


def changed() -> None:
    """Configuration was written: a new stamp for every process, and this process
    reads afresh now and again once the change commits. Until then (or if it rolls
    back) every read compares stamps."""
    stamp = secrets.token_hex(8)
    if not ConfigStamp.objects.filter(pk=1).update(stamp=stamp):
        ConfigStamp.objects.get_or_create(pk=1, defaults={"stamp": stamp})
    forget()
    _state["suspect"] = True
    transaction.on_commit(_committed)


def _committed() -> None:
    forget()
    _state["suspect"] = False


def forget() -> None:
    """Drop what this process holds (the next read goes to the database)."""
    _values.clear()
    _state.update(stamp=None, checked_at=0.0)


def watch(*models: type, ignoring: Iterable[str] = ()) -> None:
    """Any save or delete of these models counts as a configuration change, but a
    save of the `ignoring` fields alone (`save(update_fields=...)`)."""
    ignored = frozenset(ignoring)

    def on_save(update_fields: Any = None, **_: Any) -> None:
        if not (ignored and update_fields is not None and set(update_fields) <= ignored):
            changed()

    for model in models:
        post_save.connect(on_save, sender=model, weak=False, dispatch_uid=f"config:{model.__name__}")
        post_delete.connect(_on_write, sender=model, weak=False, dispatch_uid=f"config-del:{model.__name__}")


def _on_write(**_: Any) -> None:
    changed()
