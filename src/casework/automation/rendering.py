"""Rendering reply, note and email templates safely.

A template sees only a small dictionary of plain strings (case, contact,
account, agent and custom fields), never a model, so it cannot call methods or
reach other records; it loads no libraries and includes no files. HTML output
is autoescaped; the plain-text form is for the message's text part.
"""

from __future__ import annotations

from typing import Any

from django.template import Context, Engine, TemplateSyntaxError
from django.template.exceptions import TemplateDoesNotExist

from casework.core.errors import InvalidInput

_HTML = Engine(dirs=[], app_dirs=False, loaders=[], autoescape=True, libraries={})
_TEXT = Engine(dirs=[], app_dirs=False, loaders=[], autoescape=False, libraries={})
FORBIDDEN_TAGS = ("{% load", "{% include", "{% extends", "{% debug", "{% ssi")


def check_template(source: str, *, field: str) -> None:
    """Refuse a template that does not parse or reaches outside its context."""
    lowered = " ".join(source.lower().split())
    for tag in FORBIDDEN_TAGS:
        if tag in lowered.replace("{%  ", "{% "):
            raise InvalidInput(f"templates may not use {tag.strip('{% ')}", field=field)
    try:
        _TEXT.from_string(source)
    except TemplateSyntaxError as err:
        raise InvalidInput(f"the template does not parse: {err}", field=field) from None


def placeholders(case: Any, agent: Any = None) -> dict[str, Any]:
    """The restricted context: plain values only."""
    contact = case.contact
    account = case.account
    return {
        "case": {
            "number": case.number or "",
            "title": case.title,
            "status": case.status,
            "priority": case.priority_label,
            "team": case.team.name if case.team_id else "",
            "assignee": (case.assignee.name or case.assignee.email) if case.assignee_id else "",
            "custom_fields": {str(k): v for k, v in (case.custom_fields or {}).items()},
        },
        "contact": {
            "name": (contact.name if contact else "") or "",
            "email": contact.primary_email if contact else "",
        },
        "account": {"name": account.name if account else ""},
        "agent": {"name": (getattr(agent, "name", "") or str(agent or "")) if agent is not None else ""},
    }


def render(source: str, context: dict[str, Any], *, field: str = "template") -> tuple[str, str]:
    """(text, html) of a template with the restricted context."""
    check_template(source, field=field)
    try:
        text = _TEXT.from_string(source).render(Context(context, autoescape=False))
        html = _HTML.from_string(source).render(Context(context, autoescape=True))
    except (TemplateSyntaxError, TemplateDoesNotExist) as err:
        raise InvalidInput(f"the template does not render: {err}", field=field) from None
    return text.strip(), html.strip()
