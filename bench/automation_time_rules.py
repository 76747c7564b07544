"""Bench: one time-rule evaluation over 100,000 open cases with 20 rules.

Loads N open cases (bulk insert, spread over 30 days, mixed status, priority,
team and tags) and 20 time rules on hours since created / updated / status
change / customer message / agent reply and SLA due. Markers are put in
place for the cases matching now (the steady state); then the clock moves
five minutes, as the scheduler would, and the next evaluation is
timed: it must find the few cases that newly match and clear the markers of
the cases that stopped matching, in SQL, without looking at every case in Python.

    .venv/bin/python bench/automation_time_rules.py --help
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from automation_triggers import reset, setup_django

FIELDS = [
    "hours_since_created",
    "hours_since_updated",
    "hours_since_status_change",
    "hours_since_customer_message",
    "hours_since_agent_reply",
]


def rules(count: int) -> list[dict]:
    out = []
    statuses = ["new", "open", "pending", "on_hold"]
    for i in range(count):
        field = FIELDS[i % len(FIELDS)]
        conditions: dict = {
            "all": [
                {"field": "status", "op": "is", "value": statuses[i % 4]},
                {"field": field, "op": "greater_than", "value": 24 + 12 * i},
            ]
        }
        if i % 3 == 0:
            conditions["all"].append({"field": "priority", "op": "in", "value": ["high", "urgent"]})
        if i % 5 == 4:
            conditions["any"] = [
                {"field": "hours_until_sla_due", "op": "less_than", "value": 2},
                {"field": "team", "op": "is", "value": "Billing"},
            ]
        out.append(
            {
                "name": f"Bench rule {i}",
                "position": i,
                "conditions": conditions,
                "actions": [{"type": "add_tag", "tag": f"rule-{i}"}],
            }
        )
    return out


def load_cases(count: int, teams: list) -> None:
    from casework.cases.models import Case
    from casework.core import clock

    rng = random.Random(7)
    now = clock.now()
    batch = []
    for i in range(count):
        created = now - timedelta(minutes=rng.randint(0, 30 * 24 * 60))
        changed = created + (now - created) * rng.random()
        batch.append(
            Case(
                number=f"B-{i + 1}",
                title=f"Bench case {i}",
                status=rng.choice(["new", "open", "pending", "on_hold"]),
                priority=rng.randint(1, 4),
                team=rng.choice(teams),
                created_at=created,
                updated_at=changed,
                status_changed_at=changed,
                last_customer_message_at=created + (changed - created) * rng.random(),
                last_agent_reply_at=changed if rng.random() < 0.7 else None,
                sla_due_at=now + timedelta(hours=rng.randint(-24, 72)) if rng.random() < 0.5 else None,
            )
        )
        if len(batch) == 5000:
            Case.objects.bulk_create(batch)
            batch = []
    if batch:
        Case.objects.bulk_create(batch)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--database-url",
        default="postgres://postgres@127.0.0.1:5432/bench_cw_automation",
        help="where to run",
    )
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--rules", type=int, default=20)
    parser.add_argument("--batch", type=int, default=100_000, help="most firings per rule in one evaluation")
    parser.add_argument(
        "--reuse", action="store_true", help="keep the cases, rules and markers of the previous run"
    )
    args = parser.parse_args()
    setup_django(args.database_url)

    import time_machine
    from django.db import connection

    from casework.automation import configuration, domain, engine
    from casework.automation.models import TimeRule, TimeRuleMarker
    from casework.cases.models import Case
    from casework.core import clock
    from casework.iam import services as iam

    reuse = args.reuse and Case.objects.count() == args.cases
    if not reuse:
        reset()
        teams = [iam.create_team(n) for n in ("Support", "Billing", "Technical")]
        started = time.perf_counter()
        load_cases(args.cases, teams)
        print(f"loaded {args.cases} open cases in {time.perf_counter() - started:.1f}s")
        for rule in rules(args.rules):
            configuration.save_document("time_rules", rule)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    with time_machine.travel(clock.now(), tick=False) as traveller:
        # The steady state: every case that matches now has already been handled
        # (firing tens of thousands of actions once is a one-off, not what runs every 5 minutes).
        started = time.perf_counter()
        for rule in TimeRule.objects.all() if not reuse else []:
            parsed = domain.parse_conditions(rule.conditions, time_rule=True)
            ids = engine.matching_cases(parsed, clock.now()).values_list("pk", flat=True)
            TimeRuleMarker.objects.bulk_create(
                [TimeRuleMarker(rule=rule, case_id=pk) for pk in ids], batch_size=5000
            )
        print(
            f"steady state: {TimeRuleMarker.objects.count()} markers for the cases matching now "
            f"({time.perf_counter() - started:.1f}s)"
        )
        for step in range(3):
            traveller.shift(timedelta(minutes=5))
            started = time.perf_counter()
            fired = engine.evaluate_time_rules(batch=args.batch)
            took = time.perf_counter() - started
            print(
                f"evaluation {step + 2} ({connection.vendor}, {args.cases} cases, {args.rules} rules): "
                f"{took * 1000:.0f} ms, {sum(fired.values())} new firings"
            )
        # The same once more with the actions left out: what finding the cases costs.
        original = engine.fire_time_rule
        engine.fire_time_rule = lambda rule, case_id, actions, now: 1  # type: ignore[assignment]
        traveller.shift(timedelta(minutes=5))
        started = time.perf_counter()
        fired = engine.evaluate_time_rules(batch=args.batch)
        print(
            f"finding only (actions left out): {(time.perf_counter() - started) * 1000:.0f} ms "
            f"for {sum(fired.values())} cases due"
        )
        engine.fire_time_rule = original


if __name__ == "__main__":
    main()
