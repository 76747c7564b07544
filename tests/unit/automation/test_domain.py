"""The rules of automation without a database: schemas, conditions, actions, closure, chains."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from casework.automation import domain

REFUND_SCHEMA = [
    {"key": "order_number", "label": "Order number", "type": "text", "required": True},
    {"key": "refund_amount", "label": "Refund amount", "type": "number", "required_to_resolve": True},
    {"key": "reason", "type": "select", "options": ["damaged", "late", "other"], "default": "other"},
    {"key": "channels", "type": "multi_select", "options": ["web", "shop"]},
    {"key": "gift", "type": "checkbox"},
    {"key": "bought_on", "type": "date"},
    {"key": "handler", "type": "user"},
]


def specs():
    return domain.parse_schema(REFUND_SCHEMA)


def exists(kind, pk):
    return pk == 7


def test_fields_are_coerced_and_defaults_filled_on_creation():
    cleaned = domain.clean_custom_fields(
        specs(),
        {
            "order_number": 1234,
            "refund_amount": "12.50",
            "gift": "yes",
            "bought_on": "2026-01-02",
            "handler": 7,
        },
        exists=exists,
        fill_defaults=True,
    )
    assert cleaned == {
        "order_number": "1234",
        "refund_amount": 12.5,
        "reason": "other",
        "gift": True,
        "bought_on": "2026-01-02",
        "handler": 7,
    }


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"order_number": ""}, "order_number"),
        ({"order_number": "1", "refund_amount": "lots"}, "refund_amount"),
        ({"order_number": "1", "reason": "bored"}, "reason"),
        ({"order_number": "1", "channels": ["fax"]}, "channels"),
        ({"order_number": "1", "bought_on": "yesterday"}, "bought_on"),
        ({"order_number": "1", "handler": 8}, "handler"),
        ({"order_number": "1", "colour": "red"}, "colour"),
    ],
)
def test_bad_custom_field_names_the_field(values, field):
    with pytest.raises(domain.RuleError) as err:
        domain.clean_custom_fields(specs(), values, exists=exists, fill_defaults=False)
    assert err.value.path == field


def test_a_schema_with_a_select_without_options_is_refused():
    with pytest.raises(domain.RuleError) as err:
        domain.parse_schema([{"key": "x", "type": "select"}])
    assert err.value.path == "fields.0.options"


def test_changing_type_keeps_fields_in_both():
    assert domain.carry_over(specs(), {"order_number": "1", "serial": "X"}) == {"order_number": "1"}


STAGES = [
    {
        "name": "Investigate",
        "steps": [
            {"key": "read", "kind": "instruction", "title": "Read the invoice"},
            {"key": "amount", "kind": "fields", "fields": ["refund_amount"], "required": True},
        ],
    },
    {
        "name": "Approve",
        "steps": [{"key": "finance", "kind": "approval", "title": "Finance", "required": True}],
    },
]


def test_closure_lists_missing_fields_steps_and_tasks():
    steps = domain.parse_stages(STAGES, [s.key for s in specs()])
    gaps = domain.closure_gaps(specs(), {"order_number": "1"}, steps, set(), ["Call the bank"])
    assert gaps == [
        "custom_fields.refund_amount: Refund amount must be filled",
        "step amount: amount is not done",
        "approval finance: Finance is not done",
        "task: Call the bank is still open",
    ]
    done = domain.closure_gaps(specs(), {"order_number": "1", "refund_amount": 5}, steps, {"finance"}, [])
    assert done == []


def test_a_fields_step_must_name_fields_of_the_type():
    with pytest.raises(domain.RuleError) as err:
        domain.parse_stages(
            [{"name": "s", "steps": [{"key": "k", "kind": "fields", "fields": ["nope"]}]}], ["a"]
        )
    assert err.value.path == "stages.0.steps.0.fields"


FACTS = {
    "status": "open",
    "priority": "urgent",
    "tags": ["vip", "billing"],
    "team": "Support",
    "title": "Refund for order 42",
    "hours_since_created": 80.0,
    "custom_fields.refund_amount": 120,
}


@pytest.mark.parametrize(
    ("cond", "expected"),
    [
        ({"field": "priority", "op": "is", "value": "URGENT"}, True),
        ({"field": "priority", "op": "is_not", "value": "urgent"}, False),
        ({"field": "tags", "op": "contains", "value": "vip"}, True),
        ({"field": "tags", "op": "not_contains", "value": "vip"}, False),
        ({"field": "title", "op": "contains", "value": "refund"}, True),
        ({"field": "team", "op": "in", "value": ["Billing", "Support"]}, True),
        ({"field": "priority", "op": "greater_than", "value": "normal"}, True),
        ({"field": "hours_since_created", "op": "greater_than", "value": 72}, True),
        ({"field": "custom_fields.refund_amount", "op": "less_than", "value": 100}, False),
        ({"field": "status", "op": "changed", "value": None}, True),
        ({"field": "status", "op": "changed_to", "value": "open"}, True),
        ({"field": "status", "op": "changed_from", "value": "pending"}, True),
        ({"field": "priority", "op": "changed", "value": None}, False),
    ],
)
def test_each_operator(cond, expected):
    conditions = domain.parse_conditions({"all": [cond]})
    assert domain.conditions_hold(conditions, FACTS, {"status": ("pending", "open")}) is expected


def test_all_and_any_combine():
    conditions = domain.parse_conditions(
        {
            "all": [{"field": "status", "op": "is", "value": "open"}],
            "any": [
                {"field": "team", "op": "is", "value": "Billing"},
                {"field": "tags", "op": "contains", "value": "vip"},
            ],
        }
    )
    assert domain.conditions_hold(conditions, FACTS)
    assert not domain.conditions_hold(conditions, FACTS | {"tags": []})


@pytest.mark.parametrize(
    ("raw", "path"),
    [
        ({"all": [{"field": "colour", "op": "is", "value": 1}]}, "conditions.all.0.field"),
        ({"any": [{"field": "status", "op": "equals", "value": 1}]}, "conditions.any.0.op"),
        ({"all": [{"field": "status", "op": "is", "value": "done"}]}, "conditions.all.0.value"),
        ({"all": [{"field": "team", "op": "in", "value": "Support"}]}, "conditions.all.0.value"),
        ({"none": []}, "conditions.none"),
    ],
)
def test_bad_conditions_name_their_place(raw, path):
    with pytest.raises(domain.RuleError) as err:
        domain.parse_conditions(raw)
    assert err.value.path == path


def test_time_rules_cannot_look_at_changes():
    with pytest.raises(domain.RuleError):
        domain.parse_conditions({"all": [{"field": "status", "op": "changed"}]}, time_rule=True)


def test_time_conditions_become_column_filters():
    now = datetime(2026, 11, 23, 12, tzinfo=UTC)
    conditions = domain.parse_conditions(
        {
            "all": [
                {"field": "status", "op": "is", "value": "pending"},
                {"field": "hours_since_status_change", "op": "greater_than", "value": 72},
                {"field": "priority", "op": "in", "value": ["high", "urgent"]},
            ]
        },
        time_rule=True,
    )
    plan = domain.time_rule_filters(conditions, now)
    assert plan.all == (
        domain.Filter("status", "exact", "pending"),
        domain.Filter("status_changed_at", "lt", now - timedelta(hours=72)),
        domain.Filter("priority", "in", [3, 4]),
    )


def test_actions_plan_only_real_changes():
    set_prio = domain.parse_actions([{"type": "set", "field": "priority", "value": "urgent"}])[0]
    assert domain.field_changes(set_prio, FACTS) == {}
    assert domain.field_changes(set_prio, FACTS | {"priority": "low"}) == {"priority": "urgent"}
    tag = domain.parse_actions([{"type": "add_tag", "tag": "Escalated"}])[0]
    assert domain.field_changes(tag, FACTS) == {"tags": ["vip", "billing", "escalated"]}
    assign = domain.parse_actions([{"type": "assign", "team": "Escalation"}])[0]
    assert domain.field_changes(assign, FACTS) == {"team": "Escalation"}
    custom = domain.parse_actions([{"type": "set", "field": "custom_fields.refund_amount", "value": 5}])[0]
    assert domain.field_changes(custom, FACTS | {"custom_fields": {"refund_amount": 1}}) == {
        "custom_fields": {"refund_amount": 5}
    }


@pytest.mark.parametrize("status", ["new", "closed"])
def test_a_macro_cannot_set_new_or_closed(status):
    with pytest.raises(domain.RuleError) as err:
        domain.parse_actions([{"type": "set", "field": "status", "value": status}], macro=True)
    assert err.value.path == "actions.0.value"
    assert domain.parse_actions([{"type": "set", "field": "status", "value": status}])


def test_bad_actions_name_their_place():
    with pytest.raises(domain.RuleError) as err:
        domain.parse_actions([{"type": "note", "text": "x"}, {"type": "launch"}])
    assert err.value.path == "actions.1.type"
    with pytest.raises(domain.RuleError) as err:
        domain.parse_actions([{"type": "assign"}])
    assert err.value.path == "actions.0.team"


def test_a_chain_lets_a_trigger_fire_once_and_stops_past_the_depth_limit():
    chain = domain.Chain(max_depth=2)
    chain.depth = 1
    assert chain.may_fire(1, 10)
    chain.mark_fired(1, 10)
    assert not chain.may_fire(1, 10)
    assert chain.may_fire(1, 11)
    chain.depth = 3
    assert chain.too_deep


@pytest.mark.parametrize(
    ("parse", "raw", "path"),
    [
        (domain.parse_schema, [{"key": "order", "type": "text", "colour": "red"}], "fields.0.colour"),
        (
            domain.parse_conditions,
            {"all": [{"field": "status", "op": "is", "value": "open", "x": 1}]},
            "conditions.all.0.x",
        ),
        (domain.parse_actions, [{"type": "add_tag", "tag": "vip", "when": "now"}], "actions.0.when"),
        (domain.parse_stages, [{"name": "Triage", "steps": [], "owner": "me"}], "stages.0.owner"),
        (
            domain.parse_stages,
            [{"name": "Triage", "steps": [{"key": "a", "title": "A", "zz": 1}]}],
            "stages.0.steps.0.zz",
        ),
    ],
)
def test_an_unknown_setting_is_refused_by_name_at_every_level(parse, raw, path):
    with pytest.raises(domain.RuleError) as err:
        parse(raw)
    assert (err.value.path, err.value.message) == (path, "unknown setting")
