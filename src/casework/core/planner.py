"""What the databases' query planners are told.

SQLite plans without statistics until ANALYZE has run: it then walks the team
index of 20,000 cases for a search it could answer from the first screen of
the "recently updated" index. PostgreSQL keeps its own (autovacuum), and now and
then a query is better planned with a setting changed for it alone.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection, transaction


def refresh_statistics() -> None:
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        # Whole tables, not a sample: sampled counts (analysis_limit) made the team
        # index look 20 times more selective than it is. About 0.2 s at 100,000 cases.
        cursor.execute("ANALYZE")


@contextmanager
def planner_settings(**values: str) -> Iterator[None]:
    """PostgreSQL planner settings for the queries inside, and only those; nothing
    elsewhere. In a transaction of their own they end with it; inside a caller's
    transaction the previous values are put back on the way out."""
    if connection.vendor != "postgresql":
        yield
        return
    names = list(values)
    nested = connection.in_atomic_block
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT " + ", ".join("current_setting(%s), set_config(%s, %s, true)" for _ in names),
            [p for name in names for p in (name, name, str(values[name]))],
        )
        previous = cursor.fetchone()[0::2]
        try:
            yield
        finally:
            if nested:
                cursor.execute(
                    "SELECT " + ", ".join("set_config(%s, %s, true)" for _ in names),
                    [p for name, before in zip(names, previous, strict=True) for p in (name, before)],
                )
