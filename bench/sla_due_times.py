"""Due-time computation speed: N clocks in one process, 2-interval calendar with holidays.

    .venv/bin/python bench/sla_due_times.py [--clocks 100000]

Pure domain maths (no database): each clock is a start instant spread over a
year and a target from 30 minutes to 400 business hours, in an Europe/Berlin
office calendar (08:00-12:00, 13:00-17:30, Monday to Friday) minus Berlin's
public holidays (the `holidays` package) and two company days.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

import holidays

from casework.sla.domain import (
    Calendar,
    Target,
    business_time_between,
    due_at,
    weekly_from_mapping,
)

TARGET_MINUTES = [30, 60, 120, 240, 480, 960, 1440, 2400, 4800, 24000]  # up to 400 business hours


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--clocks", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    public = holidays.country_holidays("DE", subdiv="BE", years=[2026, 2027, 2028])
    days = frozenset(public) | {date(2026, 12, 24), date(2026, 12, 31)}
    workday = [["08:00", "12:00"], ["13:00", "17:30"]]
    cal = Calendar(
        time_zone="Europe/Berlin",
        weekly=weekly_from_mapping({d: workday for d in ("mon", "tue", "wed", "thu", "fri")}),
        holidays=days,
    )
    rng = random.Random(args.seed)
    origin = datetime(2026, 1, 1, tzinfo=UTC)
    work = [
        (origin + timedelta(seconds=rng.randrange(365 * 86400)), Target(rng.choice(TARGET_MINUTES)))
        for _ in range(args.clocks)
    ]
    began, began_cpu = time.perf_counter(), time.process_time()
    results = [due_at(cal, start, target) for start, target in work]
    elapsed, cpu = time.perf_counter() - began, time.process_time() - began_cpu
    # Spot-check correctness on a sample: measuring back gives the target.
    for (start, target), due in rng.sample(list(zip(work, results, strict=True)), 200):
        assert business_time_between(cal, start, due) == target.duration
    long = [(s, t) for s, t in work if t.minutes == 24000][:1000]
    began_long = time.process_time()
    for start, target in long:
        due_at(cal, start, target)
    per_long = (time.process_time() - began_long) / max(len(long), 1)
    print(f"clocks: {args.clocks}")
    print(
        f"elapsed: {elapsed:.3f} s wall, {cpu:.3f} s CPU (the machine is shared: CPU time is the fair figure)"
    )
    print(f"throughput: {args.clocks / elapsed:,.0f} clocks/s wall, {args.clocks / cpu:,.0f} clocks/s CPU")
    print("target: >= 50,000 clocks/s")
    print(f"400 business hours: {per_long * 1e6:.1f} µs CPU per due time")


if __name__ == "__main__":
    main()
