"""Input no database can take, refused at the API's door with the field named.

- Text with a NUL character: PostgreSQL can neither store nor compare it (the
  query fails, a 500), SQLite stores it. Django's form fields refuse it the same
  way (ProhibitNullCharactersValidator); the API's parameters and JSON bodies
  are checked here.
- A whole number beyond 64 bits: no id, count or amount is that large, and
  SQLite cannot even bind it (OverflowError, a 500).

The common request pays a substring test and a regex scan; only a request that
may hold such a value is parsed to find the field.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import Resolver404, resolve

LARGEST = 2**63 - 1
_LONG_DIGITS = re.compile(r"\d{19,}")  # 2**63 has 19 digits: shorter runs are in range
_LONG_DIGITS_BYTES = re.compile(rb"\d{19,}")
NUL = "contains a NUL character, which cannot be stored"
TOO_LARGE = f"is larger than {LARGEST}"


def _problem(value: Any) -> str | None:
    if isinstance(value, str):
        if "\x00" in value:
            return NUL
        if _LONG_DIGITS.fullmatch(value.strip().lstrip("+-")) and abs(int(value)) > LARGEST:
            return TOO_LARGE
    elif isinstance(value, int) and not isinstance(value, bool) and abs(value) > LARGEST:
        return TOO_LARGE
    return None


def _walk(value: Any, path: str) -> Iterator[tuple[str, Any]]:
    """Every leaf of a JSON document (and every key), with its dotted path."""
    if isinstance(value, dict):
        for key, item in value.items():
            child = f"{path}.{key}" if path else str(key)
            yield child, key
            yield from _walk(item, child)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _walk(item, f"{path}.{i}" if path else str(i))
    else:
        yield path or "body", value


def _in_path(request: HttpRequest) -> tuple[str, str] | None:
    if "\x00" not in request.path_info and not _LONG_DIGITS.search(request.path_info):
        return None
    try:
        params = resolve(request.path_info).kwargs
    except Resolver404:
        return None
    return next(((name, p) for name, value in params.items() if (p := _problem(value))), None)


def _in_query(request: HttpRequest) -> tuple[str, str] | None:
    raw = request.META.get("QUERY_STRING", "")
    if "%00" not in raw and not _LONG_DIGITS.search(raw):
        return None
    for name, values in request.GET.lists():
        for value in values:
            if problem := _problem(value):
                return name, problem
    return None


def _in_body(request: HttpRequest) -> tuple[str, str] | None:
    if not request.content_type or "json" not in request.content_type:
        return None
    try:
        raw = request.body
    except RequestDataTooBig:
        return None  # the API answers that itself (413, naming the body)
    if b"\\u0000" not in raw and b"\x00" not in raw and not _LONG_DIGITS_BYTES.search(raw):
        return None
    try:
        document = json.loads(raw)
    except ValueError:
        return None  # the API reports unparsable JSON itself
    for path, value in _walk(document, ""):
        if problem := _problem(value):
            return path, problem
    return None


class RefuseUnstorableInput:
    """Middleware: a 422 naming the field for API input no database can take."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info.startswith("/api/"):
            found = _in_path(request) or _in_query(request) or _in_body(request)
            if found is not None:
                field, message = found
                return JsonResponse(
                    {
                        "code": "invalid",
                        "message": f"{field} {message}",
                        "field": field,
                        "errors": [{"field": field, "message": message}],
                    },
                    status=422,
                )
        return self.get_response(request)
