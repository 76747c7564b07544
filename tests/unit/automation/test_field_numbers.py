"""A number field holds a finite number that JSON can store: infinities, NaN and
overflowing values are refused like any other value that is not a number."""

from __future__ import annotations

import json

import pytest

from casework.automation import domain

SCHEMA = [
    {"key": "disputed_amount", "label": "Disputed amount", "type": "number"},
    {"key": "handler", "label": "Handler", "type": "user"},
]


def clean(values):
    specs = domain.parse_schema(SCHEMA)
    return domain.clean_custom_fields(specs, values, exists=lambda kind, pk: True, fill_defaults=True)


@pytest.mark.parametrize(
    "typed",
    [
        "inf",
        "-inf",
        "Infinity",
        "NaN",
        "nan",
        "1e400",
        "-1e400",
        "9" * 5000,
        float("inf"),
        float("nan"),
        10**400,
    ],
)
def test_a_non_finite_or_overflowing_amount_is_refused(typed):
    with pytest.raises(domain.RuleError) as refused:
        clean({"disputed_amount": typed})
    assert refused.value.path == "disputed_amount"


def test_an_overflowing_user_id_is_refused():
    with pytest.raises(domain.RuleError) as refused:
        clean({"handler": float("inf")})
    assert refused.value.path == "handler"


def test_a_number_field_refuses_a_non_finite_default():
    with pytest.raises(domain.RuleError) as refused:
        domain.parse_schema([{"key": "amount", "type": "number", "default": "inf"}])
    assert refused.value.path == "fields.0.default"


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("12.5", 12.5), ("2", 2), (" 3 ", 3), (-4, -4), ("1e3", 1000), ("1e300", 1e300), (2**60, float(2**60))],
)
def test_ordinary_amounts_are_kept_and_store_as_valid_json(typed, stored):
    cleaned = clean({"disputed_amount": typed})
    assert cleaned == {"disputed_amount": stored}
    json.dumps(cleaned, allow_nan=False)
