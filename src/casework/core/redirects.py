"""Where a form sends the browser back to: its `next` field, when that is a page of
this site, and the form's own default otherwise. Followed as given, `next` could
send a signed-in user to another site, and a word that is no path ("abc") is
taken by Django's `redirect` for the name of a view (an error, not a page)."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme


def local_next(request: HttpRequest, default: str, *, under: str = "/") -> str:
    """`next` (the form's, else the query's) when it is a path of this site under
    `under`; `default` otherwise."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    local = target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return target if local and target.startswith(under) else default
