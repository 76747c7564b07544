"""The query planner's table statistics.

SQLite plans without statistics until ANALYZE has run: it then walks the team
index of 20,000 cases for a search it could answer from the first screen of
the "recently updated" index. PostgreSQL keeps its own (autovacuum).
"""

from __future__ import annotations

from django.db import connection


def refresh_statistics() -> None:
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        # Whole tables, not a sample: sampled counts (analysis_limit) made the team
        # index look 20 times more selective than it is. About 0.2 s at 100,000 cases.
        cursor.execute("ANALYZE")
