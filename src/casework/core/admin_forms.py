"""The admin's JSON fields take only what their column can store: no null in a NOT NULL
column, and no NaN or Infinity, which Python's json reads but no JSON column accepts."""

from __future__ import annotations

import math
from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import models


def _has_non_finite(value: Any) -> bool:
    """Looks through nested lists and objects without recursion: a deep document is no error."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, float) and not math.isfinite(item):
            return True
        if isinstance(item, dict):
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return False


class StorableJSONField(forms.JSONField):
    default_error_messages = {
        "null": "Enter a value; null is not allowed here (%(empty)s for none).",
        "not_finite": "Enter finite numbers; NaN and Infinity are not JSON.",
    }

    def __init__(self, *, allow_null: bool = True, empty: str = "[] or {}", **kwargs: Any) -> None:
        self.allow_null = allow_null
        self.empty = empty
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> Any:
        if self.disabled:
            return value
        try:
            converted = super().to_python(value)
        except RecursionError:  # nested deeper than json can read
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None
        # An emptied textarea reads as None too: both would break a NOT NULL column.
        if converted is None and not self.allow_null:
            raise ValidationError(self.error_messages["null"], code="null", params={"empty": self.empty})
        if _has_non_finite(converted):
            raise ValidationError(self.error_messages["not_finite"], code="not_finite")
        return converted


def _empty_of(db_field: models.JSONField[Any]) -> str:
    """What "none" is written as for this column, from its default."""
    default = db_field.get_default()
    if isinstance(default, list):
        return "[]"
    if isinstance(default, dict):
        return "{}"
    return "[] or {}"


class StorableJSONAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Base of every admin screen with JSON fields: a bad document is a form error, not a 500."""

    def formfield_for_dbfield(self, db_field: Any, request: Any, **kwargs: Any) -> Any:
        if isinstance(db_field, models.JSONField):
            kwargs.setdefault("form_class", StorableJSONField)
            if issubclass(kwargs["form_class"], StorableJSONField):
                kwargs.setdefault("allow_null", db_field.null)
                kwargs.setdefault("empty", _empty_of(db_field))
        return super().formfield_for_dbfield(db_field, request, **kwargs)
