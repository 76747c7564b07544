"""Bench: server time of one customer message on a case with 50 active triggers.

Creates (or reuses) a PostgreSQL database, loads 50 active triggers (25 on
customer messages, 25 on case updates; two of them match and act), then times
`receive_customer_message` (the whole write: message, timeline, events, trigger
evaluation and actions, commit) N times on one case and prints p50/p95/max.

    .venv/bin/python bench/automation_triggers.py --help
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent


def setup_django(url: str) -> None:
    sys.path.insert(0, str(ROOT / "src"))
    os.environ["CASEWORK_DATABASE_URL"] = url
    os.environ.setdefault("CASEWORK_DATA_DIR", tempfile.mkdtemp(prefix="cw-bench-"))
    os.environ.setdefault("CASEWORK_SECRET_KEY", "bench-only-secret-key-" + "x" * 40)
    os.environ.setdefault("CASEWORK_TASKS_BACKEND", "immediate")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casework.config.settings")
    if url.startswith("postgres"):
        import psycopg

        parsed = urlparse(url)
        name = parsed.path.lstrip("/")
        admin = parsed._replace(path="/postgres", query="").geturl()
        with psycopg.connect(admin, autocommit=True) as conn:
            if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
                conn.execute(f'CREATE DATABASE "{name}"')
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def reset() -> None:
    from django.db import connection

    tables = [t for t in connection.introspection.table_names() if t != "django_migrations"]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE")
        else:
            for t in tables:
                cursor.execute(f'DELETE FROM "{t}"')


def load_triggers(count: int) -> None:
    from casework.automation import configuration

    for i in range(count):
        matches = i in (0, count // 2)
        event = "customer_message" if i % 2 == 0 else "case_updated"
        conditions = {
            "all": [
                {"field": "status", "op": "in", "value": ["new", "open", "pending"]},
                {"field": "priority", "op": "is", "value": "normal" if matches else "urgent"},
            ],
            "any": [
                {"field": "tags", "op": "contains", "value": f"tag-{i}"},
                {"field": "team", "op": "is", "value": "Support" if matches else f"Team {i}"},
                {"field": "message_text", "op": "contains", "value": f"word{i}"},
            ],
        }
        actions = [{"type": "add_tag", "tag": f"seen-{i}"}]
        configuration.save_document(
            "triggers",
            {
                "name": f"Bench trigger {i}",
                "event": event,
                "conditions": conditions,
                "actions": actions,
                "position": i,
            },
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--database-url",
        default="postgres://postgres@127.0.0.1:5432/bench_cw_automation",
        help="where to run",
    )
    parser.add_argument("--triggers", type=int, default=50)
    parser.add_argument("--messages", type=int, default=300)
    args = parser.parse_args()
    setup_django(args.database_url)

    from django.db import connection

    from casework.accounts import services as accounts
    from casework.automation import engine
    from casework.cases import services as cases
    from casework.core.actors import Actor
    from casework.iam import services as iam

    spent: list[float] = []
    cpu: list[float] = []
    original = engine.run_triggers

    def timed(*a, **kw):  # type: ignore[no-untyped-def]
        started, started_cpu = time.perf_counter(), time.process_time()
        try:
            return original(*a, **kw)
        finally:
            spent.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - started_cpu) * 1000)

    engine.run_triggers = timed  # type: ignore[assignment]
    reset()
    team = iam.create_team("Support")
    agent = iam.create_user(
        "agent@bench.example", role="agent", name="Bench Agent", teams=[team], check_password=False
    )
    contact = accounts.create_contact(name="Bench Customer", emails=["customer@bench.example"])
    results = {}
    for triggers in (0, args.triggers):
        if triggers:
            load_triggers(triggers)
        case = cases.open_case(Actor.customer(contact), title="Bench case", team=team, contact=contact)
        cases.assign(Actor.agent(agent), case, assignee=agent)
        timings, automation, cpu_ms = [], [], []
        for i in range(args.messages):
            spent.clear()
            cpu.clear()
            started = time.perf_counter()
            cases.receive_customer_message(contact, case, text=f"Message {i}: it still does not work")
            timings.append((time.perf_counter() - started) * 1000)
            automation.append(sum(spent))
            cpu_ms.append(sum(cpu))
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            cases.receive_customer_message(contact, case, text="one more")
        timings, automation, cpu_ms = timings[10:], automation[10:], cpu_ms[10:]  # warm-up
        q = statistics.quantiles(timings, n=100)
        qa = statistics.quantiles(automation, n=100) if any(automation) else [0.0] * 99
        results[triggers] = (
            statistics.median(timings),
            q[94],
            max(timings),
            statistics.median(automation),
            qa[94],
            statistics.quantiles(cpu_ms, n=100)[94] if any(cpu_ms) else 0.0,
            len(queries.captured_queries),
        )
    print(f"database: {connection.vendor}; messages timed per run: {args.messages - 10}")
    for triggers, (p50, p95, worst, a50, a95, c95, nq) in results.items():
        print(
            f"{triggers:3d} active triggers: whole write p50 {p50:.2f} ms, p95 {p95:.2f} ms, "
            f"max {worst:.2f} ms; "
            f"trigger evaluation p50 {a50:.2f} ms, p95 {a95:.2f} ms (CPU p95 {c95:.2f} ms); "
            f"{nq} SQL statements per message"
        )


if __name__ == "__main__":
    main()
