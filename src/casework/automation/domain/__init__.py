"""The rules of automation as plain Python: custom field schemas, closure
criteria, trigger and time-rule conditions, action plans and macro limits.

No Django here (DESIGN.md): the services hand in facts as dictionaries and get
decisions back, so these rules are unit-tested without a database. One module
per concept; callers use this package.
"""

from casework.automation.domain.actions import (
    ACTION_TYPES,
    DEFAULT_MAX_DEPTH,
    MACRO_FORBIDDEN_STATUSES,
    REQUIRED_ACTION_KEYS,
    SETTABLE,
    Action,
    Chain,
    field_changes,
    parse_actions,
)
from casework.automation.domain.conditions import (
    CASE_FIELDS,
    NEEDS_NO_VALUE,
    OPERATORS,
    PRIORITIES,
    STATUSES,
    TIME_FIELDS,
    Condition,
    ConditionSet,
    Filter,
    FilterPlan,
    condition_filter,
    condition_holds,
    conditions_hold,
    folded,
    matchable_now,
    parse_conditions,
    time_rule_filters,
)
from casework.automation.domain.errors import (
    RuleError,
)
from casework.automation.domain.fields import (
    FIELD_TYPES,
    SCHEMA_KEYS,
    Exists,
    FieldSpec,
    carry_over,
    clean_custom_fields,
    coerce_value,
    is_empty,
    parse_schema,
)
from casework.automation.domain.playbooks import (
    STEP_KEYS,
    STEP_KINDS,
    Step,
    closure_gaps,
    parse_stages,
    step_is_done,
)

__all__ = [
    "ACTION_TYPES",
    "CASE_FIELDS",
    "DEFAULT_MAX_DEPTH",
    "FIELD_TYPES",
    "MACRO_FORBIDDEN_STATUSES",
    "NEEDS_NO_VALUE",
    "OPERATORS",
    "PRIORITIES",
    "REQUIRED_ACTION_KEYS",
    "SCHEMA_KEYS",
    "SETTABLE",
    "STATUSES",
    "STEP_KEYS",
    "STEP_KINDS",
    "TIME_FIELDS",
    "Action",
    "Chain",
    "Condition",
    "ConditionSet",
    "Exists",
    "FieldSpec",
    "Filter",
    "FilterPlan",
    "RuleError",
    "Step",
    "carry_over",
    "clean_custom_fields",
    "closure_gaps",
    "coerce_value",
    "condition_filter",
    "condition_holds",
    "conditions_hold",
    "field_changes",
    "folded",
    "is_empty",
    "matchable_now",
    "parse_actions",
    "parse_conditions",
    "parse_schema",
    "parse_stages",
    "step_is_done",
    "time_rule_filters",
]
