"""How fast the workspace's list view answers with many cases.

Seeds N cases (`casework seed --cases N`) into a scratch SQLite file (or uses
CASEWORK_DATABASE_URL if set), signs in an agent and a lead, then times each
built-in view, a sorted and a filtered list, the board, the rail counts and a
case page through Django's test client (server time, no network), and prints
p50/p95 per page.

    .venv/bin/python bench/workspace_list.py --cases 100000 --runs 100
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cases", type=int, default=100_000, help="cases to seed when the database is empty")
    parser.add_argument("--runs", type=int, default=100, help="timed requests per page")
    parser.add_argument(
        "--db", default="/tmp/casework-bench-workspace/casework.db", help="scratch SQLite file"
    )
    args = parser.parse_args()

    Path(args.db).parent.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("CASEWORK_DATABASE_URL", f"sqlite:///{args.db}")
    os.environ.setdefault("CASEWORK_DATA_DIR", str(Path(args.db).parent))
    # Production settings (DEBUG off: no query log, no template debug info).
    os.environ.setdefault("CASEWORK_DEBUG", "0")
    os.environ.setdefault("CASEWORK_SECRET_KEY", "bench-only-" + "x" * 50)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casework.config.settings")
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from casework.cases.models import Case
    from casework.iam.models import Team, TeamMembership, User

    settings.ALLOWED_HOSTS = ["*"]
    call_command("migrate", verbosity=0)
    if not Case.objects.exists():
        started = time.perf_counter()
        call_command("seed", cases=args.cases)
        print(f"seeded {args.cases} cases in {time.perf_counter() - started:.1f} s")
    if connection.vendor == "sqlite":
        # Planner statistics, as `PRAGMA optimize` keeps them in a long-running installation;
        # without them SQLite picks single-column indexes and sorts thousands of rows.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    total = Case.objects.count()
    agent = User.objects.filter(role="agent").order_by("id").first()
    if agent is not None and not agent.memberships.exists():
        TeamMembership.objects.create(user=agent, team=Team.objects.order_by("id").first())
    lead = User.objects.filter(role="lead").first() or User.objects.create_user(
        "bench-lead@example.com", None, role="lead", name="Bench Lead"
    )
    some_case = Case.objects.order_by("-id").values_list("number", flat=True).first()
    pages = [
        (agent, "/?view=mine"),
        (agent, "/?view=unassigned"),
        (agent, "/?view=recent"),
        (lead, "/?view=open"),
        (lead, "/?view=breaching"),
        (lead, "/?view=recent&sort=-priority"),
        (lead, "/?view=recent&status=open&priority=urgent"),
        (lead, "/?view=recent&q=invoice"),
        (lead, "/board?view=open"),
        (lead, "/views/counts"),
        (lead, f"/cases/{some_case}/"),
    ]
    print(f"{total} cases, {args.runs} runs per page, database {settings.DATABASES['default']['ENGINE']}")
    print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print("wall = elapsed server time; cpu = this process's CPU time (what a less busy machine would see)")
    header = f"{'page':44} {'who':6} {'wall p50':>9} {'wall p95':>9} {'cpu p50':>8} {'cpu p95':>8}"
    print(header)
    clients = {}
    for user in {agent, lead}:
        clients[user.pk] = Client()
        clients[user.pk].force_login(user)
    for user, url in pages:
        client = clients[user.pk]
        assert client.get(url).status_code == 200, url  # warm-up
        wall, cpu = [], []
        for _ in range(args.runs):
            started, started_cpu = time.perf_counter(), time.process_time()
            response = client.get(url)
            wall.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - started_cpu) * 1000)
            assert response.status_code == 200
        print(
            f"{url:44} {user.role:6} {statistics.median(wall):9.1f} {p95(wall):9.1f}"
            f" {statistics.median(cpu):8.1f} {p95(cpu):8.1f}",
            flush=True,
        )
    print(f"load average after: {os.getloadavg()[0]:.1f}")


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, round(len(ordered) * 0.95) - 1)]


if __name__ == "__main__":
    main()
