"""One SLA sweep over N running clocks of which none is due, on PostgreSQL.

    .venv/bin/python bench/sla_sweep.py [--clocks 1000000] [--keep]

Creates a scratch database (default cw_bench_sla) on the server of
--server-url, migrates it, bulk-inserts N/4 cases with 4 running clocks each
(INSERT ... SELECT generate_series: no ORM), all due in the future, then times
the sweep and prints PostgreSQL's plan for its query. Drops the database
afterwards unless --keep.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent


def admin_sql(server_url: str, sql: str) -> None:
    with psycopg.connect(f"{server_url}/postgres", autocommit=True) as conn:
        conn.execute(sql)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--clocks", type=int, default=1_000_000)
    parser.add_argument("--server-url", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--database", default="cw_bench_sla")
    parser.add_argument("--sweeps", type=int, default=30)
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    args = parser.parse_args()

    admin_sql(args.server_url, f'DROP DATABASE IF EXISTS "{args.database}"')
    admin_sql(args.server_url, f'CREATE DATABASE "{args.database}"')
    try:
        run(args)
    finally:
        if not args.keep:
            from django.db import connections

            connections.close_all()
            admin_sql(args.server_url, f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)')


def run(args: argparse.Namespace) -> None:
    sys.path.insert(0, str(ROOT / "src"))
    os.environ["CASEWORK_DATABASE_URL"] = f"{args.server_url}/{args.database}"
    os.environ.setdefault("CASEWORK_DEBUG", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casework.config.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from casework.core import clock
    from casework.sla import breaches
    from casework.sla.models import SlaClock

    began = time.perf_counter()
    call_command("migrate", verbosity=0)
    print(f"migrated in {time.perf_counter() - began:.1f} s")
    cases = args.clocks // 4
    with connection.cursor() as cur:
        cur.execute(
            """SELECT column_name, data_type FROM information_schema.columns
               WHERE table_name = 'cases_case' AND is_nullable = 'NO' AND column_default IS NULL
               AND column_name <> 'id'"""
        )
        fixed = {"title": "'Bench case ' || g", "status": "'open'", "priority": "2", "channel": "'api'"}
        by_type = {"jsonb": "'{}'::jsonb", "boolean": "false", "timestamp with time zone": "now()"}
        columns, values = [], []
        for name, kind in cur.fetchall():
            columns.append(name)
            values.append(fixed.get(name) or by_type.get(kind) or ("0" if "int" in kind else "''"))
        began = time.perf_counter()
        cur.execute(
            f"INSERT INTO cases_case ({', '.join(columns)}) "
            f"SELECT {', '.join(values)} FROM generate_series(1, %s) AS g",
            [cases],
        )
        # Four running clocks per case, each due between 1 hour and 30 days from now.
        cur.execute(
            """INSERT INTO sla_slaclock (case_id, metric, state, cycle, started_at, target_minutes,
                   is_business_time, due_at, paused_seconds, warned_percents, next_check_at, updated_at)
               SELECT id, metric, 'running', 1, now(), 480, true, due, 0, '[]'::jsonb,
                      due - interval '30 minutes', now()
               FROM (SELECT c.id, m.metric, now() + interval '1 hour' + random() * interval '30 days' AS due
                     FROM cases_case c CROSS JOIN (VALUES ('first_response'), ('next_response'),
                          ('periodic_update'), ('resolution')) AS m(metric)) AS s"""
        )
        cur.execute("ANALYZE sla_slaclock")
        took = time.perf_counter() - began
        print(f"inserted {cases:,} cases and {SlaClock.objects.count():,} clocks in {took:.1f} s")

    now = clock.now()
    breaches.sweep(now)  # warm the connection and the plan cache
    timings = []
    for _ in range(args.sweeps):
        began = time.perf_counter()
        result = breaches.sweep(now)
        timings.append((time.perf_counter() - began) * 1000)
        assert result.looked_at == 0
    print(
        f"sweep with nothing due over {args.clocks:,} running clocks: "
        f"median {statistics.median(timings):.2f} ms, "
        f"best {min(timings):.2f} ms, worst {max(timings):.2f} ms ({args.sweeps} runs; target <= 20 ms)"
    )
    query = SlaClock.objects.filter(next_check_at__lte=now).order_by("next_check_at", "pk")
    plan = query.values_list("next_check_at", "pk", "case_id")[:500].explain(analyze=True)
    print("EXPLAIN ANALYZE of the sweep's query:")
    print(plan)
    assert "sla_clock_next_check" in plan, "the sweep did not use its index"


if __name__ == "__main__":
    main()
