"""Custom field schemas: parsing a case type's schema, and coercing and
checking a case's values against it."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from casework.automation.domain.errors import RuleError, refuse_unknown

FIELD_TYPES = ("text", "long_text", "number", "date", "select", "multi_select", "checkbox", "user", "account")
SCHEMA_KEYS = {
    "key",
    "label",
    "type",
    "required",
    "required_to_resolve",
    "default",
    "help",
    "options",
    "customer_visible",
}


@dataclass(frozen=True)
class FieldSpec:
    key: str
    label: str
    type: str
    required: bool = False  # must hold a value whenever the case is saved
    required_to_resolve: bool = False  # closure criterion: filled before resolve
    default: Any = None
    help: str = ""
    options: tuple[str, ...] = ()
    customer_visible: bool = False


def parse_schema(raw: Any) -> list[FieldSpec]:
    """A case type's `fields_schema` as specs, or RuleError naming the bad entry."""
    if raw in (None, ""):
        return []
    if not isinstance(raw, list):
        raise RuleError("fields", "a list of fields")
    specs: list[FieldSpec] = []
    seen: set[str] = set()
    for i, item in enumerate(raw):
        where = f"fields.{i}"
        if not isinstance(item, Mapping):
            raise RuleError(where, "each field is an object with key, label and type")
        refuse_unknown(item, SCHEMA_KEYS, where)
        key = str(item.get("key") or "")
        if not key.isidentifier():
            raise RuleError(f"{where}.key", "a key is letters, digits and underscores")
        if key in seen:
            raise RuleError(f"{where}.key", f"{key} appears twice")
        seen.add(key)
        ftype = item.get("type")
        if ftype not in FIELD_TYPES:
            raise RuleError(f"{where}.type", f"one of {', '.join(FIELD_TYPES)}")
        options = item.get("options") or []
        if ftype in ("select", "multi_select") and not options:
            raise RuleError(f"{where}.options", "a select field needs options")
        if not isinstance(options, list) or not all(isinstance(o, str) for o in options):
            raise RuleError(f"{where}.options", "a list of strings")
        spec = FieldSpec(
            key=key,
            label=str(item.get("label") or key.replace("_", " ").capitalize()),
            type=ftype,
            required=bool(item.get("required", False)),
            required_to_resolve=bool(item.get("required_to_resolve", False)),
            default=item.get("default"),
            help=str(item.get("help") or ""),
            options=tuple(options),
            customer_visible=bool(item.get("customer_visible", False)),
        )
        if spec.default is not None:
            try:
                coerce_value(spec, spec.default, exists=lambda kind, pk: True)
            except RuleError as err:
                raise RuleError(f"{where}.default", err.message) from None
        specs.append(spec)
    return specs


Exists = Callable[[str, int], bool]


def is_empty(value: Any) -> bool:
    return value is None or value == "" or value == []


def coerce_value(spec: FieldSpec, value: Any, *, exists: Exists) -> Any:
    """One submitted value as stored (JSON-safe), or RuleError saying why not."""
    if is_empty(value):
        return None
    t = spec.type
    if t in ("text", "long_text"):
        if not isinstance(value, str | int | float):
            raise RuleError(spec.key, "a text")
        text = str(value)
        if t == "text" and len(text) > 500:
            raise RuleError(spec.key, "at most 500 characters")
        return text
    if t == "number":
        return _coerce_number(spec, value)
    if t == "date":
        if isinstance(value, date | datetime):
            return value.isoformat()[:10]
        try:
            return date.fromisoformat(str(value)).isoformat()
        except ValueError:
            raise RuleError(spec.key, f"{value!r} is not a date (YYYY-MM-DD)") from None
    if t == "select":
        if value not in spec.options:
            raise RuleError(spec.key, f"{value!r} is not one of {', '.join(spec.options)}")
        return value
    if t == "multi_select":
        values = value if isinstance(value, list) else [value]
        for v in values:
            if v not in spec.options:
                raise RuleError(spec.key, f"{v!r} is not one of {', '.join(spec.options)}")
        return [o for o in spec.options if o in values]
    if t == "checkbox":
        if isinstance(value, bool):
            return value
        if str(value).lower() in ("true", "1", "on", "yes"):
            return True
        if str(value).lower() in ("false", "0", "off", "no"):
            return False
        raise RuleError(spec.key, "true or false")
    # user, account: an id that must exist
    try:
        pk = int(value)
    except (TypeError, ValueError, OverflowError):  # OverflowError: int(inf)
        raise RuleError(spec.key, f"a {t} id") from None
    if not exists(t, pk):
        raise RuleError(spec.key, f"no {t} {pk}")
    return pk


# Longer than any amount or count a case records; float() would read 5,000 digits as inf.
MAX_NUMBER_CHARS = 40
# Beyond 2**53 a float no longer holds every integer: such numbers stay floats.
EXACT_INTEGERS = 2**53


def _coerce_number(spec: FieldSpec, value: Any) -> int | float:
    """A finite number: inf, NaN and overflowing values are not valid JSON."""
    if isinstance(value, bool):
        raise RuleError(spec.key, "a number")
    if isinstance(value, str) and len(value.strip()) > MAX_NUMBER_CHARS:
        raise RuleError(spec.key, f"a number of at most {MAX_NUMBER_CHARS} characters")
    try:
        number = float(value)
    except OverflowError:  # an integer beyond a float's range
        raise RuleError(spec.key, "too large a number") from None
    except (TypeError, ValueError):
        raise RuleError(spec.key, f"{value!r} is not a number") from None
    if not math.isfinite(number):
        raise RuleError(spec.key, f"{value!r} is not a number")
    if number.is_integer() and abs(number) < EXACT_INTEGERS:
        return int(number)
    return number


def clean_custom_fields(
    specs: Sequence[FieldSpec], values: Mapping[str, Any], *, exists: Exists, fill_defaults: bool
) -> dict[str, Any]:
    """The stored custom fields: known keys only, coerced, defaults filled on creation."""
    by_key = {s.key: s for s in specs}
    for key in values:
        if key not in by_key:
            raise RuleError(key, "not a field of this case type")
    cleaned: dict[str, Any] = {}
    for spec in specs:
        if spec.key in values:
            value = coerce_value(spec, values[spec.key], exists=exists)
        elif fill_defaults and spec.default is not None:
            value = coerce_value(spec, spec.default, exists=exists)
        else:
            value = None
        if value is None and spec.required:
            raise RuleError(spec.key, f"{spec.label} is required")
        if value is not None:
            cleaned[spec.key] = value
    return cleaned


def carry_over(specs: Sequence[FieldSpec], values: Mapping[str, Any]) -> dict[str, Any]:
    """Changing a case's type keeps the fields that exist in both."""
    keys = {s.key for s in specs}
    return {k: v for k, v in values.items() if k in keys}
