"""How fast the routing choice itself is (routing/domain.py, no database).

.venv/bin/python bench/routing_choice.py --help
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from casework.routing.domain import AgentFacts, CaseFacts, Rule, choose_agent

SKILLS = ["billing", "german", "network", "hardware", "english"]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--agents", type=int, default=10, help="agents in the team")
    p.add_argument("--decisions", type=int, default=100_000)
    p.add_argument("--seed", type=int, default=1)
    args = p.parse_args()
    rng = random.Random(args.seed)
    t0 = datetime(2026, 11, 23, 8, tzinfo=UTC)
    agents = [
        AgentFacts(
            id=i,
            name=f"Agent {i}",
            presence=rng.choice(["online"] * 4 + ["away"]),
            capacity=rng.randint(5, 10),
            load=rng.randint(0, 8),
            skills={s: rng.randint(1, 5) for s in rng.sample(SKILLS, 3)},
            last_assigned_at=t0 - timedelta(minutes=rng.randint(0, 120)),
        )
        for i in range(args.agents)
    ]
    rules = [
        None,
        Rule(1, "billing", mandatory_skills={"billing": 2}, optional_skills={"german": 3}),
        Rule(2, "network", optional_skills={"network": 3, "hardware": 2}),
    ]
    strategies = ["skills_capacity", "least_loaded", "round_robin"]
    facts = CaseFacts(case_id=1, units=1)
    start = time.perf_counter()
    for n in range(args.decisions):
        choose_agent(facts, agents, strategy=strategies[n % 3], rule=rules[n % 3], affinity_agent_id=n % 50)
    elapsed = time.perf_counter() - start
    print(
        f"{args.decisions} decisions over {args.agents} agents in {elapsed:.2f} s: "
        f"{args.decisions / elapsed:,.0f} decisions/s"
    )


if __name__ == "__main__":
    main()
