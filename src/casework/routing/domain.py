"""The routing choice as plain rules: which rule a case matches, which agents may
take it, and who wins and why. No Django here; the services gather the facts.

The order of preference follows REFERENCE.md ("Routing"): only `online` agents
with free capacity who hold every mandatory skill are eligible; affinity to the
contact's previous agent applies only when that agent is eligible; then the
team's strategy decides.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class Strategy(StrEnum):
    MANUAL = "manual"  # agents pull from the queue; nothing is pushed
    ROUND_ROBIN = "round_robin"
    LEAST_LOADED = "least_loaded"
    SKILLS_CAPACITY = "skills_capacity"


class Presence(StrEnum):
    ONLINE = "online"
    AWAY = "away"
    OFFLINE = "offline"


MIN_LEVEL, MAX_LEVEL = 1, 5
LOWEST_PRIORITY, HIGHEST_PRIORITY = 1, 4  # cases.domain.Priority: low=1 … urgent=4


# --- rules -------------------------------------------------------------------

CONDITION_FIELDS = (
    "case_type",
    "priority",
    "channel",
    "account_tier",
    "tags",
    "language",
    "text",
    "team",
    "service",
)
CONDITION_OPS = ("is", "is_not", "in", "not_in", "contains")


class RuleError(ValueError):
    """A rule that cannot be evaluated: names the part that is wrong."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class CaseFacts:
    """What the rules and the choice read of a case."""

    case_id: int = 0
    priority: str = "normal"
    channel: str = ""
    case_type: str = ""  # the case type's name
    service: str = ""
    account_tier: str = ""
    tags: tuple[str, ...] = ()
    language: str = ""
    text: str = ""  # title and description
    team: str = ""
    units: int = 1  # capacity the case weighs


@dataclass(frozen=True)
class Condition:
    field: str
    op: str
    value: Any


@dataclass(frozen=True)
class Rule:
    id: int
    name: str
    conditions: tuple[Condition, ...] = ()
    team_id: int | None = None
    mandatory_skills: Mapping[str, int] = field(default_factory=dict)
    optional_skills: Mapping[str, int] = field(default_factory=dict)
    priority_adjustment: int = 0


def parse_conditions(raw: Any) -> tuple[Condition, ...]:
    """Conditions as stored (a list of {field, op, value}), checked."""
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise RuleError("conditions are a list of {field, op, value}", "conditions")
    out = []
    for i, item in enumerate(raw):
        where = f"conditions[{i}]"
        if not isinstance(item, Mapping):
            raise RuleError(f"{where} is an object with field, op and value", where)
        name, op = item.get("field"), item.get("op", "is")
        if name not in CONDITION_FIELDS:
            raise RuleError(f"{where}.field is one of {', '.join(CONDITION_FIELDS)}", f"{where}.field")
        if op not in CONDITION_OPS:
            raise RuleError(f"{where}.op is one of {', '.join(CONDITION_OPS)}", f"{where}.op")
        value = item.get("value")
        if op in {"in", "not_in"} and not isinstance(value, list):
            raise RuleError(f"{where}.value is a list for '{op}'", f"{where}.value")
        if op not in {"in", "not_in"} and not isinstance(value, str | int):
            raise RuleError(f"{where}.value is a text for '{op}'", f"{where}.value")
        out.append(Condition(name, op, value))
    return tuple(out)


def parse_skills(raw: Any, where: str) -> dict[str, int]:
    """{"billing": 3} with levels 1-5; names are lower-case."""
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise RuleError(f"{where} is an object of skill name to level", where)
    out: dict[str, int] = {}
    for name, level in raw.items():
        clean = str(name).strip().lower()
        if not clean or len(clean) > 50:
            raise RuleError(f"{where}: a skill name has 1 to 50 characters", where)
        if isinstance(level, bool) or not isinstance(level, int) or not MIN_LEVEL <= level <= MAX_LEVEL:
            raise RuleError(f"{where}.{clean}: a level is a whole number from 1 to 5", f"{where}.{clean}")
        out[clean] = level
    return out


def _norm(value: Any) -> str:
    return str(value).strip().lower()


def condition_holds(cond: Condition, facts: CaseFacts) -> bool:
    if cond.field == "tags":
        have = {_norm(t) for t in facts.tags}
        wanted = {_norm(v) for v in cond.value} if isinstance(cond.value, list) else {_norm(cond.value)}
        if cond.op in {"is", "in", "contains"}:
            return bool(have & wanted)
        return not (have & wanted)
    actual = _norm(getattr(facts, cond.field))
    if cond.op == "contains":
        return _norm(cond.value) in actual
    if cond.op == "is":
        return actual == _norm(cond.value)
    if cond.op == "is_not":
        return actual != _norm(cond.value)
    values = {_norm(v) for v in cond.value}
    return actual in values if cond.op == "in" else actual not in values


def first_matching_rule(rules: Sequence[Rule], facts: CaseFacts) -> Rule | None:
    """Rules are ordered; the first whose every condition holds applies."""
    for rule in rules:
        if all(condition_holds(c, facts) for c in rule.conditions):
            return rule
    return None


def adjusted_priority(priority: int, adjustment: int) -> int:
    return max(LOWEST_PRIORITY, min(HIGHEST_PRIORITY, priority + adjustment))


def units_for(
    priority: str, case_type: str, by_priority: Mapping[str, int], by_case_type: Mapping[str, int]
) -> int:
    """Capacity a case weighs: its case type's weight, else its priority's, else 1."""
    if case_type and case_type in by_case_type:
        return by_case_type[case_type]
    return by_priority.get(priority, 1)


# --- the choice --------------------------------------------------------------


@dataclass(frozen=True)
class AgentFacts:
    id: int
    name: str
    presence: str = Presence.OFFLINE
    capacity: int = 0
    load: int = 0
    skills: Mapping[str, int] = field(default_factory=dict)
    last_assigned_at: datetime | None = None
    email: str = ""  # who they are, so the winner needs no second read
    role: str = ""

    @property
    def free(self) -> int:
        return self.capacity - self.load


@dataclass(frozen=True)
class Decision:
    """The winner (or None) and everything needed to explain it."""

    winner: AgentFacts | None
    strategy: str
    rule: str | None
    eligible: tuple[str, ...]
    not_eligible: Mapping[str, str]
    why: str
    affinity: bool = False
    # Some online agent still has a free unit: a queue pass need not stop yet.
    room_left: bool = True

    def explain(self) -> dict[str, Any]:
        return {
            "strategy": self.strategy,
            "rule": self.rule,
            "eligible": list(self.eligible),
            "not_eligible": dict(self.not_eligible),
            "winner": self.winner.name if self.winner else None,
            "winner_id": self.winner.id if self.winner else None,
            "why": self.why,
            "affinity": self.affinity,
        }


def why_not(
    agent: AgentFacts, units: int, mandatory: Mapping[str, int], *, ignore_capacity: bool = False
) -> str | None:
    """Why this agent may not take the case, or None when they may."""
    if agent.presence != Presence.ONLINE:
        return f"is {agent.presence}"
    if not ignore_capacity and agent.load + units > agent.capacity:
        return f"full ({agent.load}/{agent.capacity} units, the case needs {units})"
    for skill, level in sorted(mandatory.items()):
        have = agent.skills.get(skill, 0)
        if have < level:
            return f"lacks {skill} {level} (has {have})" if have else f"lacks {skill} {level}"
    return None


def optional_match(agent: AgentFacts, optional: Mapping[str, int]) -> tuple[int, int]:
    """How well an agent meets the optional skills: (skills met, sum of levels over them)."""
    met = [agent.skills.get(s, 0) for s, level in optional.items() if agent.skills.get(s, 0) >= level]
    return len(met), sum(met)


_NEVER = datetime.min


def _idle_key(agent: AgentFacts) -> datetime:
    """Never assigned sorts as idle the longest (times are compared in UTC)."""
    if agent.last_assigned_at is None:
        return _NEVER
    at = agent.last_assigned_at
    offset = at.utcoffset()
    return (at - offset).replace(tzinfo=None) if offset is not None else at


def choose_agent(
    facts: CaseFacts,
    agents: Iterable[AgentFacts],
    *,
    strategy: str,
    rule: Rule | None = None,
    affinity_agent_id: int | None = None,
    last_round_robin_id: int | None = None,
) -> Decision:
    """Pick the agent who gets the case, and say why.

    - manual: nobody (agents pull).
    - only `online` agents with free capacity for the case's units and every
      mandatory skill are eligible; the router never goes above capacity.
    - affinity: the contact's previous agent wins when eligible, never otherwise.
    - round_robin: the next eligible agent after the last one the team gave work
      to, in a fixed order (agent id).
    - least_loaded: the fewest units held, then longest idle, then id.
    - skills_capacity: best optional-skill match, then most free capacity, then
      longest since last assignment, then id (so the result never depends on
      input order).
    """
    agents = sorted(agents, key=lambda a: a.id)
    mandatory = dict(rule.mandatory_skills) if rule else {}
    optional = dict(rule.optional_skills) if rule else {}
    rule_name = rule.name if rule else None
    if strategy == Strategy.MANUAL:
        return Decision(None, strategy, rule_name, (), {}, "the team's agents pull cases (manual)")
    eligible: list[AgentFacts] = []
    not_eligible: dict[str, str] = {}
    for agent in agents:
        reason = why_not(agent, facts.units, mandatory)
        if reason is None:
            eligible.append(agent)
        else:
            not_eligible[agent.name] = reason
    names = tuple(a.name for a in eligible)
    if not eligible:
        why = "nobody is eligible: the case waits in the queue" if agents else "the team has no agents"
        room = any(a.presence == Presence.ONLINE and a.free > 0 for a in agents)
        return Decision(None, strategy, rule_name, names, not_eligible, why, room_left=room)
    affine = next((a for a in eligible if a.id == affinity_agent_id), None)
    if affine is not None:
        return Decision(
            affine, strategy, rule_name, names, not_eligible, "the contact's previous agent", affinity=True
        )
    if affinity_agent_id is not None and any(a.id == affinity_agent_id for a in agents):
        previous = next(a for a in agents if a.id == affinity_agent_id)
        not_eligible = {**not_eligible}
        not_eligible[previous.name] = f"the contact's previous agent, but {not_eligible[previous.name]}"
    if strategy == Strategy.ROUND_ROBIN:
        after = [a for a in eligible if last_round_robin_id is not None and a.id > last_round_robin_id]
        winner = (after or eligible)[0]
        return Decision(winner, strategy, rule_name, names, not_eligible, "next in turn (round robin)")
    if strategy == Strategy.LEAST_LOADED:
        winner = min(eligible, key=lambda a: (a.load, _idle_key(a), a.id))
        why = f"fewest units held ({winner.load})"
        if sum(1 for a in eligible if a.load == winner.load) > 1:
            why += ", and idle the longest of those"
        return Decision(winner, strategy, rule_name, names, not_eligible, why)
    if strategy != Strategy.SKILLS_CAPACITY:
        raise ValueError(f"unknown strategy {strategy!r}")

    def rank(a: AgentFacts) -> tuple[Any, ...]:
        met, levels = optional_match(a, optional)
        return (-met, -levels, -a.free, _idle_key(a), a.id)

    ranked = sorted(eligible, key=rank)
    winner = ranked[0]
    return Decision(winner, strategy, rule_name, names, not_eligible, _why_skills(winner, ranked, optional))


def _why_skills(winner: AgentFacts, ranked: list[AgentFacts], optional: Mapping[str, int]) -> str:
    if len(ranked) == 1:
        return "the only eligible agent"
    runner = ranked[1]
    w_met, w_lvl = optional_match(winner, optional)
    r_met, r_lvl = optional_match(runner, optional)
    if optional and (w_met, w_lvl) != (r_met, r_lvl):
        return f"best optional-skill match ({w_met} of {len(optional)} optional skills)"
    if winner.free != runner.free:
        return f"most free capacity ({winner.free} units)"
    if _idle_key(winner) != _idle_key(runner):
        return "longest since last assignment"
    return "tied on skills, capacity and idle time: lowest agent id"


def queue_order(entries: Iterable[tuple[int, int, datetime]]) -> list[int]:
    """Waiting cases (id, priority, waiting since) in the order a pass offers them:
    most urgent first, then the longest waiting."""
    return [cid for cid, _, _ in sorted(entries, key=lambda e: (-e[1], e[2], e[0]))]
