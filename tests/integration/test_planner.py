"""The planners' statistics and per-query settings (core.planner)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from casework.cases.selectors import case_rows
from casework.core.planner import keeps_plans, planner_settings, refresh_statistics


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


def test_a_case_read_on_a_connection_that_keeps_plans_sends_no_planner_setting(make_case: Any) -> None:
    if not keeps_plans():
        pytest.skip("only PostgreSQL keeps plans (server-side binding, config.env's default)")
    case = make_case(title="Read with its kept plan")
    with CaptureQueriesContext(connection) as queries:
        (row,) = case_rows([case.pk])
    assert row["title"] == "Read with its kept plan"
    # The case and its tags: no BEGIN/set_config/COMMIT around them.
    assert len(queries.captured_queries) == 2
    assert not any("set_config" in q["sql"] for q in queries.captured_queries)


def test_without_kept_plans_the_case_read_is_planned_with_joins_as_written(
    make_case: Any,
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has no planner settings to change")
    case = make_case()
    options = connection.settings_dict["OPTIONS"]
    saved = options.get("server_side_binding")
    options["server_side_binding"] = False  # as `?server_side_binding=false` would set it
    try:
        with CaptureQueriesContext(connection) as queries:
            case_rows([case.pk])
    finally:
        options["server_side_binding"] = saved
    assert any("set_config" in q["sql"] for q in queries.captured_queries)
