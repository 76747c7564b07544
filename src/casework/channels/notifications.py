"""Notification emails from admin-editable templates, rendered in a sandbox.

The sandbox is a Django template engine with no loaders and only a vetted
list of tags and filters: no `include`/`extends`/`load`/`url`/`debug` (they
reach files, other code or the whole context), no `safe` (everything is
autoescaped in HTML). The context is plain data built here: the case's safe
fields only, never a model object whose methods could reach the database.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any, ClassVar

from django.conf import settings
from django.template import Context, Engine, Library, TemplateSyntaxError, defaultfilters, defaulttags
from django.utils.html import escape, linebreaks

from casework.channels import domain
from casework.channels import selectors as sel
from casework.channels.notification_defaults import DEFAULT_TEMPLATES, GENERIC
from casework.core.errors import InvalidInput
from casework.core.signing import make_token

SAFE_TAGS = (
    "if",
    "for",
    "with",
    "comment",
    "firstof",
    "spaceless",
    "verbatim",
    "templatetag",
    "cycle",
    "now",
)
SAFE_FILTERS = (
    "add", "capfirst", "center", "cut", "date", "default", "default_if_none", "escape", "first",
    "floatformat", "join", "last", "length", "linebreaks", "linebreaksbr", "ljust", "lower", "pluralize",
    "rjust", "slice", "striptags", "time", "timesince", "timeuntil", "title", "truncatechars",
    "truncatewords", "upper", "urlencode", "wordcount", "wordwrap", "yesno",
)  # fmt: skip

sandbox_library = Library()
for _name in SAFE_TAGS:
    sandbox_library.tag(_name, defaulttags.register.tags[_name])
for _name in SAFE_FILTERS:
    sandbox_library.filter(_name, defaultfilters.register.filters[_name])


class SandboxEngine(Engine):
    default_builtins: ClassVar[list[str]] = []  # no defaulttags, defaultfilters, loader_tags


_ENGINE = SandboxEngine(
    dirs=[], app_dirs=False, loaders=[], libraries={}, autoescape=True, debug=False, string_if_invalid=""
)
_ENGINE.template_builtins = [sandbox_library]


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


def check_template(source: str, field: str = "body_text") -> None:
    """Refuse a template that uses anything outside the sandbox (shown to the admin)."""
    try:
        _ENGINE.from_string(source)
    except TemplateSyntaxError as exc:
        raise InvalidInput(f"template not allowed: {exc}", field=field) from None


def case_context(case: Any) -> dict[str, Any]:
    """The case's safe fields, as plain data."""
    contact_name = case.contact.name if case.contact is not None else ""
    return {
        "number": case.number,
        "title": case.title,
        "status": case.status,
        "priority": case.priority_label,
        "created_at": case.created_at,
        "contact_name": contact_name,
        "team": case.team.name if case.team is not None else "",
        "resolution_summary": case.resolution_summary,
    }


@lru_cache(maxsize=256)
def _compiled(source: str) -> Any:
    return _ENGINE.from_string(source)


def _render(source: str, context: dict[str, Any], *, autoescape: bool) -> str:
    template = _compiled(source)
    return template.render(Context(context, autoescape=autoescape))


def render(kind: str, case: Any, extra: dict[str, Any] | None = None) -> Rendered:
    stored = sel.template_for(kind)
    if stored is not None:
        subject, text, html = stored.subject, stored.body_text, stored.body_html
    else:
        subject, text, html = DEFAULT_TEMPLATES.get(kind, GENERIC)
    context: dict[str, Any] = {"case": case_context(case) if case is not None else {}, "kind": kind}
    context.update(extra or {})
    if kind == "resolution_proposed" and case is not None:
        token = make_token("resolution", case_id=case.pk)
        context["accept_url"] = f"{settings.BASE_URL}/portal/resolution/{token}/accept"
        context["reject_url"] = f"{settings.BASE_URL}/portal/resolution/{token}/reject"
    rendered_subject = domain.safe_header_text(_render(subject, context, autoescape=False), 300)
    if case is not None and case.number and domain.subject_token(case.number) not in rendered_subject:
        rendered_subject = f"{rendered_subject} {domain.subject_token(case.number)}".strip()
    rendered_text = _render(text, context, autoescape=False)
    rendered_html = _render(html, context, autoescape=True) if html else linebreaks(escape(rendered_text))
    return Rendered(rendered_subject, rendered_text, rendered_html)


def on_notification(event: Any) -> None:
    """Render the notification and queue it from the case's mailbox (the send runs after commit)."""
    from casework.channels import outbound

    case = sel.case_for_mail(event.case_id) if event.case_id else None
    recipients = list(event.recipients)
    if not recipients and case is not None and case.contact is not None and case.contact.primary_email:
        recipients = [case.contact.primary_email]
    if not recipients:
        return
    mailbox = (sel.mailbox_of_case(case.pk) if case is not None else None) or sel.default_mailbox()
    context = {k: v for k, v in event.context.items() if isinstance(v, str | int | float | bool)}
    rendered = render(event.kind, case, context)
    outbound.queue_delivery(
        kind=event.kind,
        case=case,
        mailbox=mailbox,
        to=recipients,
        subject=rendered.subject,
        text=rendered.text,
        html=rendered.html,
        in_reply_to=str(event.context.get("in_reply_to", "")),
    )
