"""The portal's brand in any template: `{% load portal_brand %}{% portal_branding as brand %}`."""

from __future__ import annotations

from typing import Any

from django import template

from casework.portal import selectors
from casework.portal.domain import customer_status, link_colour_on_white, text_colour_on

register = template.Library()


@register.simple_tag
def portal_branding() -> dict[str, Any]:
    row = selectors.branding()
    return {
        "name": row.name,
        "logo_url": row.logo_url,
        "colour": row.colour,
        "on_colour": text_colour_on(row.colour),
        "link_colour": link_colour_on_white(row.colour),
        "welcome": row.welcome,
    }


@register.filter
def customer_words(status: str) -> Any:
    return customer_status(status)


@register.filter
def customer_label(status: str) -> str:
    return customer_status(str(status)).label
