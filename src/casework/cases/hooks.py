"""Checks other areas add to the cases area's write path without cases importing them.

- `creation_checks`: run before a case is stored; may raise a CaseworkError
  (an exhausted, restricted entitlement refuses the case).
- `custom_field_validators`: turn the submitted custom fields into the stored
  ones for the case's type, or raise InvalidInput naming the field.
- `resolution_checks`: return what is still missing before a case may be
  resolved (the case type's closure criteria).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

CreationCheck = Callable[[dict[str, Any]], None]
CustomFieldValidator = Callable[[Any, dict[str, Any]], dict[str, Any]]
ResolutionCheck = Callable[[Any], list[str]]

creation_checks: list[CreationCheck] = []
custom_field_validators: list[CustomFieldValidator] = []
resolution_checks: list[ResolutionCheck] = []


def register(hooks: list[Any], fn: Any) -> None:
    if fn not in hooks:
        hooks.append(fn)


# Extra keys for a case's API representation, computed for a whole page at
# once: fn(rows) -> {case_id: {"sla": [...], ...}} (the SLA area adds clocks). The
# rows are the cases as `selectors.case_rows` reads them, so that an area can leave
# out the cases that cannot have what it adds (no survey before a case closes).
CaseExtras = Callable[[list[dict[str, Any]]], dict[int, dict[str, Any]]]
case_extras: list[CaseExtras] = []

# Columns other areas add to those rows, read with them instead of by a query of
# their own: name -> a function making the expression (a subquery on the case,
# OuterRef("pk")); the area's `case_extras` finds the value under that name.
CaseRowColumn = Callable[[], Any]
case_row_columns: dict[str, CaseRowColumn] = {}
