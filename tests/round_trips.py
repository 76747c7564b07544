"""What the application sends its database, statement by statement, and how many
round trips that takes: on PostgreSQL the statements of a pipeline (core.prepared
.Writes) share one; SQLite has no round trips, each statement counts once."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connection


@contextmanager
def statements_sent() -> Iterator[list[tuple[str, bool]]]:
    """Each statement sent inside the block, with whether it went in a pipeline."""
    sent: list[tuple[str, bool]] = []

    def watch(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        piped = connection.vendor == "postgresql" and int(connection.connection.pgconn.pipeline_status) != 0
        sent.append((sql, piped))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(watch):
        yield sent


def round_trips(sent: list[tuple[str, bool]]) -> int:
    """A run of pipelined statements counts once; any other statement once each."""
    trips = 0
    for i, (_, piped) in enumerate(sent):
        if not piped or i == 0 or not sent[i - 1][1]:
            trips += 1
    return trips
