"""Demo routing: strategies per team, skills, capacities, presence, weights and rules."""

from __future__ import annotations

from typing import Any

from casework.routing import services

STRATEGIES = {
    "Support": ("skills_capacity", "Outsourced Tier 1", 60),
    "Billing": ("least_loaded", "Support", 120),
    "Technical": ("round_robin", None, 0),
    "Outsourced Tier 1": ("round_robin", None, 0),
}
AGENTS = {
    # email: (capacity, skills, presence)
    "agent@example.com": (8, {"english": 5, "german": 3, "hardware": 2}, "online"),
    "sam@example.com": (10, {"english": 5, "hardware": 4, "network": 3}, "online"),
    "bea@example.com": (6, {"billing": 5, "german": 5, "english": 4}, "online"),
    "tom@example.com": (8, {"network": 5, "hardware": 5, "english": 3}, "away"),
    "partner@example.com": (12, {"english": 4, "passwords": 5}, "online"),
    "lead@example.com": (4, {"billing": 4, "english": 5, "escalations": 5}, "offline"),
}
RULES: list[dict[str, Any]] = [
    {
        "name": "Outages are urgent and need network skills",
        "conditions": [{"field": "text", "op": "contains", "value": "outage"}],
        "team": "Technical",
        "mandatory_skills": {"network": 3},
        "priority_adjustment": 2,
    },
    {
        "name": "Invoices and refunds to Billing",
        "conditions": [{"field": "text", "op": "contains", "value": "invoice"}],
        "team": "Billing",
        "mandatory_skills": {"billing": 3},
        "optional_skills": {"german": 4},
    },
    {
        "name": "Password resets to the partner desk",
        "conditions": [{"field": "text", "op": "contains", "value": "password"}],
        "team": "Outsourced Tier 1",
        "optional_skills": {"passwords": 3},
    },
    {
        "name": "German speakers for German customers",
        "conditions": [{"field": "language", "op": "is", "value": "de"}],
        "optional_skills": {"german": 4},
    },
    {
        "name": "Enterprise accounts get a priority bump",
        "conditions": [{"field": "account_tier", "op": "is", "value": "enterprise"}],
        "priority_adjustment": 1,
    },
]


def load_demo(ctx: Any) -> None:
    for name, (strategy, fallback, minutes) in STRATEGIES.items():
        team = ctx.teams.get(name)
        if team is None:
            continue
        services.update_team_routing(
            None,
            team,
            strategy=strategy,
            fallback_team=ctx.teams.get(fallback) if fallback else None,
            overflow_minutes=minutes,
        )
    services.set_weight(None, priority="urgent", units=3)
    services.set_weight(None, priority="high", units=2)
    for rule in RULES:
        data = dict(rule)
        team = ctx.teams.get(data.pop("team", None) or "")
        services.create_rule(None, {**data, "team": team.pk if team else None})
    for email, (capacity, skills, presence) in AGENTS.items():
        user = ctx.users.get(email)
        if user is None:
            continue
        services.set_skills(None, user, skills)
        services.set_capacity(None, user, capacity)
        services.set_presence(None, user, presence)
