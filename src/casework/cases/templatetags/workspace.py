"""Template filters of the workspace."""

from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def human(value: object) -> str:
    """`on_hold` → `on hold`, `not_reproducible` → `not reproducible`."""
    return str(value).replace("_", " ")
