"""The routing choice without a database: eligibility, strategies, ties, affinity."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from casework.routing.domain import (
    AgentFacts,
    CaseFacts,
    Condition,
    Rule,
    RuleError,
    adjusted_priority,
    choose_agent,
    first_matching_rule,
    parse_conditions,
    parse_skills,
    queue_order,
    units_for,
    why_not,
)

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
CASE = CaseFacts(case_id=1, priority="normal", units=1)


def agent(id: int, name: str = "", **kw) -> AgentFacts:
    kw.setdefault("presence", "online")
    kw.setdefault("capacity", 5)
    return AgentFacts(id=id, name=name or f"agent{id}", **kw)


def rule(**kw) -> Rule:
    kw.setdefault("id", 1)
    kw.setdefault("name", "Billing in German")
    return Rule(**kw)


# --- eligibility ---------------------------------------------------------------


def test_only_online_agents_receive_pushed_work() -> None:
    d = choose_agent(
        CASE,
        [agent(1, "Ann", presence="away"), agent(2, "Bob", presence="offline"), agent(3, "Cy")],
        strategy="skills_capacity",
    )
    assert d.winner and d.winner.name == "Cy"
    assert d.not_eligible == {"Ann": "is away", "Bob": "is offline"}


def test_the_router_never_assigns_above_capacity() -> None:
    heavy = CaseFacts(case_id=1, units=3)
    d = choose_agent(heavy, [agent(1, "Ann", capacity=5, load=3)], strategy="skills_capacity")
    assert d.winner is None
    assert d.not_eligible["Ann"].startswith("full (3/5 units")
    assert d.why.startswith("nobody is eligible")


def test_exactly_full_agent_takes_a_case_that_fits_the_last_unit() -> None:
    d = choose_agent(CASE, [agent(1, capacity=5, load=4)], strategy="least_loaded")
    assert d.winner is not None and d.winner.id == 1


def test_mandatory_skill_excludes_a_higher_capacity_agent() -> None:
    r = rule(mandatory_skills={"billing": 3})
    d = choose_agent(
        CASE,
        [
            agent(1, "Big", capacity=50, skills={"billing": 2}),
            agent(2, "Small", capacity=2, skills={"billing": 4}),
        ],
        strategy="skills_capacity",
        rule=r,
    )
    assert d.winner and d.winner.name == "Small"
    assert d.not_eligible == {"Big": "lacks billing 3 (has 2)"}
    assert d.rule == "Billing in German"


def test_missing_skill_is_named() -> None:
    assert why_not(agent(1), 1, {"german": 4}) == "lacks german 4"


def test_nobody_eligible_leaves_the_case_waiting_and_says_whether_anyone_has_room() -> None:
    r = rule(mandatory_skills={"german": 5})
    d = choose_agent(CASE, [agent(1), agent(2, load=5)], strategy="skills_capacity", rule=r)
    assert d.winner is None and d.room_left  # agent1 has room but lacks the skill
    d = choose_agent(CASE, [agent(1, load=5), agent(2, presence="away")], strategy="skills_capacity")
    assert d.winner is None and not d.room_left


def test_team_without_agents() -> None:
    d = choose_agent(CASE, [], strategy="round_robin")
    assert d.winner is None and d.why == "the team has no agents"


def test_manual_team_pushes_nothing() -> None:
    d = choose_agent(CASE, [agent(1)], strategy="manual")
    assert d.winner is None and "pull" in d.why


def test_unknown_strategy_is_refused() -> None:
    with pytest.raises(ValueError):
        choose_agent(CASE, [agent(1)], strategy="lottery")


# --- skills + capacity and its tie-breaks --------------------------------------------


def test_best_optional_skill_match_wins_over_free_capacity() -> None:
    r = rule(optional_skills={"german": 3, "vip": 1})
    d = choose_agent(
        CASE,
        [agent(1, "Roomy", capacity=20), agent(2, "Fluent", capacity=5, load=4, skills={"german": 5})],
        strategy="skills_capacity",
        rule=r,
    )
    assert d.winner and d.winner.name == "Fluent"
    assert d.why == "best optional-skill match (1 of 2 optional skills)"


def test_optional_skill_below_its_minimum_level_does_not_count() -> None:
    r = rule(optional_skills={"german": 4})
    d = choose_agent(
        CASE,
        [agent(1, "Some German", skills={"german": 3}), agent(2, "Roomy", capacity=9)],
        strategy="skills_capacity",
        rule=r,
    )
    assert d.winner and d.winner.name == "Roomy"


def test_higher_levels_break_a_tie_on_optional_skills_met() -> None:
    r = rule(optional_skills={"german": 2})
    d = choose_agent(
        CASE,
        [agent(1, "Good", skills={"german": 3}), agent(2, "Native", skills={"german": 5})],
        strategy="skills_capacity",
        rule=r,
    )
    assert d.winner and d.winner.name == "Native"


def test_equal_skills_then_most_free_capacity_wins() -> None:
    d = choose_agent(
        CASE,
        [agent(1, "Busy", capacity=5, load=3), agent(2, "Free", capacity=5, load=1)],
        strategy="skills_capacity",
    )
    assert d.winner and d.winner.name == "Free"
    assert d.why == "most free capacity (4 units)"


def test_equal_skills_and_room_then_longest_since_last_assignment_wins() -> None:
    d = choose_agent(
        CASE,
        [
            agent(1, "Recent", last_assigned_at=T0),
            agent(2, "Idle", last_assigned_at=T0 - timedelta(hours=2)),
            agent(3, "Later", last_assigned_at=T0 - timedelta(minutes=5)),
        ],
        strategy="skills_capacity",
    )
    assert d.winner and d.winner.name == "Idle"
    assert d.why == "longest since last assignment"


def test_never_assigned_counts_as_idle_longest() -> None:
    d = choose_agent(CASE, [agent(1, last_assigned_at=T0), agent(2)], strategy="skills_capacity")
    assert d.winner and d.winner.id == 2


def test_complete_tie_goes_to_the_lowest_id_whatever_the_input_order() -> None:
    a, b = agent(7, "Gus"), agent(3, "Ida")
    assert choose_agent(CASE, [a, b], strategy="skills_capacity").winner == b
    assert choose_agent(CASE, [b, a], strategy="skills_capacity").winner == b
    assert "lowest agent id" in choose_agent(CASE, [a, b], strategy="skills_capacity").why


def test_only_eligible_agent_is_said_to_be_the_only_one() -> None:
    d = choose_agent(CASE, [agent(1), agent(2, presence="away")], strategy="skills_capacity")
    assert d.why == "the only eligible agent" and d.eligible == ("agent1",)


# --- round robin and least loaded -----------------------------------------------------


def test_round_robin_takes_turns_in_a_fixed_order() -> None:
    team = [agent(3), agent(1), agent(2)]
    order = []
    last = None
    for _ in range(4):
        d = choose_agent(CASE, team, strategy="round_robin", last_round_robin_id=last)
        assert d.winner is not None
        order.append(d.winner.id)
        last = d.winner.id
    assert order == [1, 2, 3, 1]


def test_round_robin_skips_an_ineligible_agent() -> None:
    team = [agent(1), agent(2, presence="away"), agent(3)]
    d = choose_agent(CASE, team, strategy="round_robin", last_round_robin_id=1)
    assert d.winner and d.winner.id == 3


def test_round_robin_ignores_load_differences() -> None:
    d = choose_agent(CASE, [agent(1, load=4), agent(2)], strategy="round_robin", last_round_robin_id=None)
    assert d.winner and d.winner.id == 1


def test_least_loaded_takes_the_fewest_units_held() -> None:
    d = choose_agent(
        CASE, [agent(1, capacity=50, load=3), agent(2, capacity=4, load=1)], strategy="least_loaded"
    )
    assert d.winner and d.winner.id == 2 and d.why == "fewest units held (1)"


def test_least_loaded_tie_goes_to_the_longest_idle() -> None:
    d = choose_agent(
        CASE,
        [agent(1, load=1, last_assigned_at=T0), agent(2, load=1, last_assigned_at=T0 - timedelta(hours=1))],
        strategy="least_loaded",
    )
    assert d.winner and d.winner.id == 2 and d.why.endswith("idle the longest of those")


# --- affinity ----------------------------------------------------------------------------


def test_affinity_prefers_the_contacts_previous_agent_when_eligible() -> None:
    d = choose_agent(
        CASE,
        [agent(1, capacity=20), agent(2, capacity=5, load=3)],
        strategy="skills_capacity",
        affinity_agent_id=2,
    )
    assert d.winner and d.winner.id == 2 and d.affinity and d.why == "the contact's previous agent"


def test_affinity_never_overrides_eligibility() -> None:
    r = rule(mandatory_skills={"billing": 2})
    d = choose_agent(
        CASE,
        [agent(1, "Ann", skills={"billing": 2}), agent(2, "Prev", skills={})],
        strategy="skills_capacity",
        rule=r,
        affinity_agent_id=2,
    )
    assert d.winner and d.winner.name == "Ann" and not d.affinity
    assert d.not_eligible["Prev"] == "the contact's previous agent, but lacks billing 2"


def test_affinity_to_a_full_previous_agent_is_ignored() -> None:
    d = choose_agent(CASE, [agent(1), agent(2, load=5)], strategy="round_robin", affinity_agent_id=2)
    assert d.winner and d.winner.id == 1


def test_affinity_to_someone_outside_the_team_changes_nothing() -> None:
    d = choose_agent(CASE, [agent(1)], strategy="least_loaded", affinity_agent_id=99)
    assert d.winner and d.winner.id == 1 and not d.affinity


# --- explanation -----------------------------------------------------------------------


def test_explanation_names_rule_eligible_agents_and_why_the_winner_won() -> None:
    r = rule(name="VIP", mandatory_skills={"vip": 1})
    d = choose_agent(
        CASE, [agent(1, "Ann", skills={"vip": 2}), agent(2, "Bob")], strategy="skills_capacity", rule=r
    )
    assert d.explain() == {
        "strategy": "skills_capacity",
        "rule": "VIP",
        "eligible": ["Ann"],
        "not_eligible": {"Bob": "lacks vip 1"},
        "winner": "Ann",
        "winner_id": 1,
        "why": "the only eligible agent",
        "affinity": False,
    }


# --- rules ----------------------------------------------------------------------------------


def facts(**kw) -> CaseFacts:
    return CaseFacts(**kw)


def test_first_matching_rule_applies_in_order() -> None:
    rules = [
        Rule(1, "Urgent", parse_conditions([{"field": "priority", "op": "is", "value": "urgent"}])),
        Rule(2, "Everything", ()),
    ]
    assert first_matching_rule(rules, facts(priority="urgent")).name == "Urgent"  # type: ignore[union-attr]
    assert first_matching_rule(rules, facts(priority="low")).name == "Everything"  # type: ignore[union-attr]


def test_every_condition_of_a_rule_must_hold() -> None:
    r = Rule(
        1,
        "German billing for premium",
        parse_conditions(
            [
                {"field": "language", "op": "is", "value": "de"},
                {"field": "account_tier", "op": "in", "value": ["premium", "enterprise"]},
                {"field": "text", "op": "contains", "value": "Invoice"},
            ]
        ),
    )
    yes = facts(language="DE", account_tier="premium", text="Wrong invoice total")
    assert first_matching_rule([r], yes) is r
    assert first_matching_rule([r], facts(language="de", account_tier="standard", text="invoice")) is None
    assert first_matching_rule([r], facts(language="en", account_tier="premium", text="invoice")) is None


def test_conditions_on_tags_channel_type_and_negations() -> None:
    def holds(cond: dict, **kw) -> bool:
        return first_matching_rule([Rule(1, "r", parse_conditions([cond]))], facts(**kw)) is not None

    assert holds({"field": "tags", "op": "contains", "value": "vip"}, tags=("vip", "billing"))
    assert not holds({"field": "tags", "op": "contains", "value": "vip"}, tags=("billing",))
    assert holds({"field": "tags", "op": "in", "value": ["vip", "gold"]}, tags=("gold",))
    assert holds({"field": "tags", "op": "not_in", "value": ["spam"]}, tags=("gold",))
    assert holds({"field": "channel", "op": "is_not", "value": "email"}, channel="portal")
    assert holds({"field": "case_type", "op": "is", "value": "Refund"}, case_type="refund")
    assert not holds({"field": "priority", "op": "not_in", "value": ["urgent", "high"]}, priority="high")


def test_malformed_conditions_name_the_part_that_is_wrong() -> None:
    with pytest.raises(RuleError) as exc:
        parse_conditions([{"field": "colour", "op": "is", "value": "red"}])
    assert exc.value.field == "conditions[0].field"
    with pytest.raises(RuleError) as exc:
        parse_conditions([{"field": "tags", "op": "in", "value": "vip"}])
    assert exc.value.field == "conditions[0].value"
    with pytest.raises(RuleError):
        parse_conditions({"field": "tags"})
    with pytest.raises(RuleError):
        parse_conditions([{"field": "tags", "op": "like", "value": "x"}])


def test_skills_have_levels_one_to_five() -> None:
    assert parse_skills({" Billing ": 4}, "skills") == {"billing": 4}
    for bad in ({"billing": 0}, {"billing": 6}, {"billing": "4"}, {"billing": True}, {"": 3}, ["billing"]):
        with pytest.raises(RuleError):
            parse_skills(bad, "skills")


def test_priority_adjustment_stays_within_low_and_urgent() -> None:
    assert adjusted_priority(2, 1) == 3
    assert adjusted_priority(4, 2) == 4
    assert adjusted_priority(1, -3) == 1


def test_capacity_units_by_case_type_then_priority_then_one() -> None:
    assert units_for("urgent", "Outage", {"urgent": 3}, {"Outage": 5}) == 5
    assert units_for("urgent", "Question", {"urgent": 3}, {"Outage": 5}) == 3
    assert units_for("low", "", {"urgent": 3}, {}) == 1


def test_queue_order_is_priority_then_age() -> None:
    entries = [(1, 2, T0), (2, 4, T0 + timedelta(minutes=5)), (3, 2, T0 - timedelta(minutes=1)), (4, 4, T0)]
    assert queue_order(entries) == [4, 2, 3, 1]


def test_conditions_are_data_classes() -> None:
    assert parse_conditions([{"field": "team", "value": "Billing"}]) == (Condition("team", "is", "Billing"),)
