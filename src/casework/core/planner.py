"""What the databases' query planners are told.

SQLite plans without statistics until ANALYZE has run: it then walks the team
index of 20,000 cases for a search it could answer from the first screen of
the "recently updated" index. PostgreSQL keeps its own (autovacuum), and now and
then a query is better planned with a setting changed for it alone.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager

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
    """PostgreSQL planner settings for the queries inside (SET LOCAL, in a transaction
    of their own when there is none); nothing elsewhere."""
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "; ".join(f"SET LOCAL {name} = {int(v) if v.isdigit() else float(v)}" for name, v in values.items())
        )
        yield


def joins_as_written() -> AbstractContextManager[None]:
    """For a query of many LEFT JOINs to rows found by primary key: PostgreSQL spends
    about 6 ms searching join orders for eight tables, to run it in under 1 ms."""
    return planner_settings(join_collapse_limit="1")
