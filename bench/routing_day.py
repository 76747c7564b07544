"""A simulated day of routing through the real services.

Cases arrive over a working day (simulated clock) to agents in teams; agents
work each case for a while and resolve it, which releases capacity and lets the
router offer the queue again; now and then an agent steps away and comes back.
Everything goes through casework.cases.services and casework.routing.services.

Reports: assignment decisions per second (wall clock), the spread of load across
agents, and how long cases waited (simulated minutes).

    .venv/bin/python bench/routing_day.py --help
    .venv/bin/python bench/routing_day.py                      # SQLite in a temp dir
    .venv/bin/python bench/routing_day.py \\
        --database postgres://postgres@127.0.0.1:5432/bench_cw_routing   # dropped and made afresh
"""

from __future__ import annotations

import argparse
import heapq
import os
import random
import statistics
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

SKILLS = ["billing", "german", "network", "hardware", "english"]
PRIORITIES = ["low"] * 2 + ["normal"] * 5 + ["high"] * 2 + ["urgent"]
WORDS = ["invoice", "outage", "password", "printer", "refund", "login", "slow", "crash"]


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument(
        "--database", default="", help="sqlite:///path or postgres://…/name (dropped and made anew)"
    )
    p.add_argument("--cases", type=int, default=10_000)
    p.add_argument("--agents", type=int, default=50)
    p.add_argument("--teams", type=int, default=5)
    p.add_argument("--hours", type=float, default=8.0)
    p.add_argument("--handle-minutes", type=float, default=10.0, help="mean time an agent works a case")
    p.add_argument("--seed", type=int, default=42)
    return p.parse_args()


def prepare_database(url: str) -> str:
    if not url:
        directory = tempfile.mkdtemp(prefix="cw-routing-bench-")
        return f"sqlite:///{directory}/bench.db"
    if url.startswith("postgres"):
        from urllib.parse import urlparse

        import psycopg

        parsed = urlparse(url)
        name = parsed.path.lstrip("/")
        admin = parsed._replace(path="/postgres", query="").geturl()
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
    return url


def setup_django(url: str) -> None:
    os.environ["CASEWORK_DATABASE_URL"] = url
    os.environ.setdefault("CASEWORK_DATA_DIR", tempfile.mkdtemp(prefix="cw-routing-bench-data-"))
    os.environ["CASEWORK_DEBUG"] = "0"  # production mode, as served
    os.environ.setdefault("CASEWORK_SECRET_KEY", "routing-bench-" + "x" * 40)
    os.environ["CASEWORK_TASKS_BACKEND"] = "immediate"
    os.environ.pop("CASEWORK_REDIS_URL", None)
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casework.config.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def main() -> None:
    args = parse_args()
    url = prepare_database(args.database)
    setup_django(url)

    from django.db import connection

    from casework.accounts.models import Account, Contact
    from casework.cases import services as cases
    from casework.cases.events import CaseChanged
    from casework.cases.models import Case
    from casework.core import clock, events
    from casework.core.actors import Actor
    from casework.iam import services as iam
    from casework.routing import services as routing
    from casework.routing.models import AgentState, CapacityHold

    rng = random.Random(args.seed)
    start = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
    now = [start]
    with clock.using(lambda: now[0]):
        teams = [iam.create_team(f"Team {i + 1}") for i in range(args.teams)]
        strategies = ["skills_capacity", "skills_capacity", "least_loaded", "round_robin", "skills_capacity"]
        for i, team in enumerate(teams):
            routing.update_team_routing(None, team, strategy=strategies[i % len(strategies)])
        agents = []
        for i in range(args.agents):
            team = teams[i % args.teams]
            user = iam.create_user(f"agent{i}@bench.example", name=f"Agent {i}", teams=[team])
            skills = {s: rng.randint(1, 5) for s in rng.sample(SKILLS, 3)}
            routing.set_skills(None, user, skills)
            routing.set_capacity(None, user, rng.randint(5, 10))
            routing.set_presence(None, user, "online")
            agents.append(user)
        routing.set_weight(None, priority="urgent", units=3)
        routing.set_weight(None, priority="high", units=2)
        routing.create_rule(
            None,
            {
                "name": "Invoices need billing 2",
                "conditions": [{"field": "text", "op": "contains", "value": "invoice"}],
                "mandatory_skills": {"billing": 2},
                "optional_skills": {"german": 3},
            },
        )
        routing.create_rule(
            None,
            {
                "name": "Outages are urgent",
                "conditions": [{"field": "text", "op": "contains", "value": "outage"}],
                "optional_skills": {"network": 3},
                "priority_adjustment": 1,
            },
        )
        account = Account.objects.create(name="Bench Ltd")
        contacts = [Contact.objects.create(name=f"Customer {i}", account=account) for i in range(500)]

    # Count and time every routing decision (the real function, wrapped).
    decisions = Counter()
    route_seconds = [0.0]
    real_route = routing.route_case

    def timed_route(*a: Any, **kw: Any) -> Any:
        t = time.perf_counter()
        d = real_route(*a, **kw)
        route_seconds[0] += time.perf_counter() - t
        if d is not None:
            decisions["assigned" if d.winner is not None else "waiting"] += 1
        return d

    routing.route_case = timed_route  # type: ignore[assignment]

    assigned_at: dict[int, datetime] = {}
    assignee_of: dict[int, int] = {}
    created_at: dict[int, datetime] = {}
    per_agent = Counter()

    def on_assigned(event: CaseChanged) -> None:
        change = event.changes.get("assignee")
        if change and change[1] is not None:
            if event.case_id not in assigned_at:
                assigned_at[event.case_id] = now[0]
            assignee_of[event.case_id] = change[1]
            per_agent[change[1]] += 1
            handle = timedelta(minutes=rng.expovariate(1 / args.handle_minutes))
            heapq.heappush(queue, (now[0] + handle, next(seq), "resolve", event.case_id))

    events.subscribe(CaseChanged, on_assigned)

    # The day's events: arrivals spread over the day, agents stepping away now and then.
    seq = iter(range(10**9))
    queue: list[tuple[datetime, int, str, Any]] = []
    span = args.hours * 3600
    for i in range(args.cases):
        at = start + timedelta(seconds=rng.uniform(0, span))
        heapq.heappush(queue, (at, next(seq), "arrive", i))
    for _ in range(int(args.hours * 4)):
        at = start + timedelta(seconds=rng.uniform(0, span))
        heapq.heappush(queue, (at, next(seq), "away", rng.choice(agents)))

    actor_of = {a.pk: a for a in agents}
    resolved = 0
    wall = time.perf_counter()
    with clock.using(lambda: now[0]):
        while queue:
            at, _, kind, payload = heapq.heappop(queue)
            now[0] = at
            if kind == "arrive":
                contact = rng.choice(contacts)
                title = f"{rng.choice(WORDS).capitalize()} problem #{payload} ({rng.choice(WORDS)})"
                case = cases.open_case(
                    Actor.customer(contact),
                    title=title,
                    priority=rng.choice(PRIORITIES),
                    contact=contact,
                    team=teams[payload % args.teams],
                )
                created_at[case.pk] = at
            elif kind == "resolve":
                case_id = payload
                user = actor_of.get(assignee_of.get(case_id, 0))
                if user is None:
                    continue
                case = Case.objects.get(pk=case_id)
                if case.assignee_id != user.pk or case.status not in {"open", "new", "pending", "on_hold"}:
                    continue
                cases.change_status(
                    Actor.agent(user), case, "resolved", resolution_code="solved", resolution_summary="Fixed"
                )
                resolved += 1
            elif kind == "away":
                routing.set_presence(None, payload, "away")
                back = at + timedelta(minutes=rng.uniform(5, 30))
                heapq.heappush(queue, (back, next(seq), "back", payload))
            elif kind == "back":
                routing.set_presence(None, payload, "online")
    elapsed = time.perf_counter() - wall

    waits = [(assigned_at[c] - created_at[c]).total_seconds() / 60 for c in created_at if c in assigned_at]
    never = sum(1 for c in created_at if c not in assigned_at)
    loads = [per_agent[a.pk] for a in agents]
    over = [(s.user_id, s.load, s.capacity) for s in AgentState.objects.all() if s.load > s.capacity]
    holds = CapacityHold.objects.count()
    total_decisions = decisions["assigned"] + decisions["waiting"]

    def pct(values: list[float], p: float) -> float:
        if not values:
            return 0.0
        values = sorted(values)
        return values[min(len(values) - 1, int(p / 100 * len(values)))]

    print(f"database             {connection.vendor} ({url.split('@')[-1]})")
    print(
        f"cases                {args.cases} over {args.hours} h to {args.agents} agents in {args.teams} teams"
    )
    print(f"wall time            {elapsed:.1f} s (whole simulated day, every service call)")
    print(
        f"decisions            {total_decisions} ({decisions['assigned']} assignments, "
        f"{decisions['waiting']} left waiting)"
    )
    print(
        f"decisions/s          {total_decisions / elapsed:.0f} end to end; "
        f"{total_decisions / route_seconds[0]:.0f} counting only time inside route_case"
    )
    print(f"assignments/s        {decisions['assigned'] / elapsed:.0f} end to end")
    print(f"resolved             {resolved}; open holds at the end {holds}")
    print(
        f"cases per agent      min {min(loads)} / median {statistics.median(loads):.0f} / max {max(loads)}; "
        f"stdev {statistics.pstdev(loads):.1f} (cv {statistics.pstdev(loads) / statistics.mean(loads):.2f})"
    )
    print(
        f"wait (sim. minutes)  median {pct(waits, 50):.1f} / p90 {pct(waits, 90):.1f} / "
        f"p99 {pct(waits, 99):.1f} / max {max(waits) if waits else 0:.1f}; never assigned {never}"
    )
    print(f"assigned at once     {sum(1 for w in waits if w == 0)} of {len(waits)} with no wait")
    print(f"above capacity       {len(over)} agents {over[:5]}")


if __name__ == "__main__":
    main()
