"""In-process domain event bus.

Services publish events; other areas subscribe in their AppConfig.ready().
Two kinds of handler, as DESIGN.md says: `atomic` ones run at once, inside the
publisher's transaction (SLA clocks, routing, triggers: no change without its
consequences); `after_commit` ones run only once the transaction has
committed (email, webhooks, live updates), and never for a rolled-back change.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from django.db import transaction

log = logging.getLogger(__name__)

Handler = Callable[[Any], None]
_atomic: dict[type, list[Handler]] = defaultdict(list)
_after_commit: dict[type, list[Handler]] = defaultdict(list)


def subscribe(event_type: type, handler: Handler, *, after_commit: bool = False) -> None:
    registry = _after_commit if after_commit else _atomic
    if handler not in registry[event_type]:
        registry[event_type].append(handler)


def unsubscribe(event_type: type, handler: Handler) -> None:
    for registry in (_atomic, _after_commit):
        if handler in registry[event_type]:
            registry[event_type].remove(handler)


def publish(event: Any) -> None:
    for handler in list(_atomic[type(event)]):
        handler(event)
    for handler in list(_after_commit[type(event)]):
        transaction.on_commit(_guarded(handler, event), robust=True)


def _guarded(handler: Handler, event: Any) -> Callable[[], None]:
    def run() -> None:
        try:
            handler(event)
        except Exception:  # an outside-world failure must not break the committed change
            log.exception("after-commit handler %s failed for %r", handler, event)

    return run
