"""The planners' statistics and per-query settings (core.planner)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection

from casework.core.planner import planner_settings, refresh_statistics


def test_refreshing_statistics_gives_sqlite_row_counts_to_plan_with(make_case: Any) -> None:
    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL keeps its own statistics (autovacuum)")
    for _ in range(3):
        make_case()
    refresh_statistics()
    with connection.cursor() as cursor:
        cursor.execute("SELECT stat FROM sqlite_stat1 WHERE tbl = 'cases_case' AND idx = 'case_updated'")
        (stat,) = cursor.fetchone()
    assert int(stat.split()[0]) == 3  # rows in the table, as the planner will assume


def test_planner_settings_hold_for_the_queries_inside_only(db: Any) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has no planner settings to change")

    def current() -> str:
        with connection.cursor() as cursor:
            cursor.execute("SHOW join_collapse_limit")
            return cursor.fetchone()[0]

    before = current()
    with planner_settings(join_collapse_limit="1"):
        assert current() == "1"
    assert current() == before
