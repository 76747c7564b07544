"""Input no database can take, refused naming the field: a 422 for the API, a 400
for a page (NUL characters), and `whole_number` for the ids forms and queries send.

- Text with a NUL character: PostgreSQL can neither store nor compare it (the
  query fails, a 500); SQLite stores it. Django's form fields refuse it the same
  way (ProhibitNullCharactersValidator); the path, the query, the API's JSON and
  a form's fields are checked here, before any view. The common request pays a substring test;
  only a request that may hold a NUL character is parsed to find the field.
- Unknown fields: every input model derives from `Strict`, so a typo is a 422
  naming the field instead of being silently ignored.
- Wrong types: `Strict` validates strictly, so `false` is no number and `0` no
  yes-or-no. Dates, times and decimals, which JSON writes as strings, are taken
  from strings by the `Day`, `Moment` and `Amount` types.
- Null in a PATCH body (`Patch`): it clears a field only where that means
  something (no team, no due date); anywhere else it is a 422 naming the field,
  where it would have reached a NOT NULL column (a 500) or a rule expecting a
  value.
- A whole number beyond 64 bits where the API takes a number: SQLite cannot
  bind it (OverflowError). Whether a value is a number is the endpoint's to say
  (`?q=12345678901234567890` is a search), so this is answered when the database
  refuses it: `core.api`'s handler asks `field_out_of_range` which field it was.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Annotated, Any, ClassVar

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.urls import Resolver404, resolve
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
)
from pydantic.networks import validate_email
from pydantic_core import PydanticCustomError

from casework.core.errors import InvalidInput

NUL = "contains a NUL character, which cannot be stored"
LARGEST = 2**63 - 1
_LONG_INTEGER = re.compile(r"\s*[+-]?\d{19,}\s*")  # 2**63 has 19 digits


class Strict(BaseModel):
    """The base of the API's input models: unknown fields and wrong types are
    refused. A plain pydantic model, not ninja's Schema: with `extra="forbid"`
    that validates each level twice (an email address in a nested object four
    times) and reads ORM objects, which input never is."""

    model_config = ConfigDict(extra="forbid", strict=True)


# How many rows a list skips: a database takes no negative offset, nor one beyond 64 bits.
Offset = Annotated[int, Field(ge=0, le=LARGEST)]


_BARE_NUMBER = re.compile(r"\s*[+-]?[0-9]+(\.[0-9]*)?\s*")


def _written(value: Any) -> Any:
    """A date or time comes as ISO 8601 text: a number, even one written as text
    (as every query value is), would be read as seconds since 1970."""
    if not isinstance(value, str) or _BARE_NUMBER.fullmatch(value):
        raise PydanticCustomError("iso_text", "Input should be a date or time written as ISO 8601 text")
    return value


def _a_number(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise PydanticCustomError("decimal_type", "Input should be a number, or a number written as text")
    return value


# JSON has no dates, times or decimals: these come as strings (a decimal also as a number).
Day = Annotated[date, Field(strict=False), BeforeValidator(_written)]
Moment = Annotated[datetime, Field(strict=False), BeforeValidator(_written)]
Amount = Annotated[Decimal, Field(strict=False), BeforeValidator(_a_number)]


def _nullable_only_if_clearable(schema: dict[str, Any], model: type[BaseModel]) -> None:
    """The OpenAPI schema of a `Patch`: null allowed only where it clears."""
    clearable: frozenset[str] = getattr(model, "clearable", frozenset())
    for name, prop in schema.get("properties", {}).items():
        if name in clearable or "anyOf" not in prop:
            continue
        kinds = [k for k in prop["anyOf"] if k != {"type": "null"}]
        del prop["anyOf"]
        prop.pop("default", None)
        if len(kinds) == 1:
            prop.update(kinds[0])
        else:
            prop["anyOf"] = kinds


class Patch(Strict):
    """The base of a PATCH body: a field left out keeps its value; `null` clears
    one, which only the fields named in `clearable` can be (a team, a due date)."""

    model_config = ConfigDict(json_schema_extra=_nullable_only_if_clearable)  # merged with Strict's

    clearable: ClassVar[frozenset[str]] = frozenset()

    @field_validator("*")
    @classmethod
    def _null_clears(cls, value: Any, info: ValidationInfo) -> Any:
        if value is None and info.field_name not in cls.clearable:
            raise PydanticCustomError(
                "not_clearable", "cannot be null: leave the field out to keep its value"
            )
        return value


@lru_cache(maxsize=4096)
def _checked_email(value: str) -> str:
    """pydantic's EmailStr check (the same errors, the same normalised address),
    remembered: the validator costs as much as a small query, and the same
    senders and agents come back all day. A refused address is not remembered."""
    return validate_email(value)[1]


# An email address in API input.
Email = Annotated[str, AfterValidator(_checked_email), WithJsonSchema({"type": "string", "format": "email"})]


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


def _has_nul(value: Any) -> bool:
    return isinstance(value, str) and "\x00" in value


def _in_path(request: HttpRequest) -> str | None:
    if "\x00" not in request.path_info:
        return None
    try:
        params = resolve(request.path_info).kwargs
    except Resolver404:
        return "path"
    return next((name for name, value in params.items() if _has_nul(value)), "path")


def _in_query(request: HttpRequest) -> str | None:
    if "%00" not in request.META.get("QUERY_STRING", ""):
        return None
    return next((name for name, values in request.GET.lists() if any(map(_has_nul, values))), None)


def _in_body(request: HttpRequest) -> str | None:
    if not request.content_type or "json" not in request.content_type:
        return None
    try:
        raw = request.body
    except RequestDataTooBig:
        return None  # the API answers that itself (413, naming the body)
    if b"\\u0000" not in raw and b"\x00" not in raw:
        return None
    try:
        document = json.loads(raw)
    except ValueError:
        return None  # the API reports unparsable JSON itself
    return next((path for path, value in _walk(document, "") if _has_nul(value)), None)


def _in_form(request: HttpRequest) -> str | None:
    """A form field (not an uploaded file's content) with a NUL character."""
    if request.method != "POST" or not (request.content_type or "").startswith(
        ("multipart/", "application/x-www-form")
    ):
        return None
    return next((name for name, values in request.POST.lists() if any(map(_has_nul, values))), None)


class RefuseNulCharacters:
    """Middleware: input with a NUL character is refused before any view runs,
    naming the field: a 422 in the API's JSON, a 400 for a page or a form."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info.startswith("/api/"):
            field = _in_path(request) or _in_query(request) or _in_body(request)
            if field is not None:
                error = InvalidInput(f"{field} {NUL}", field=field)
                return JsonResponse(error.as_dict(), status=error.status)
        else:
            field = _in_path(request) or _in_query(request) or _in_form(request)
            if field is not None:
                return HttpResponseBadRequest(f"{field} {NUL}.", content_type="text/plain; charset=utf-8")
        return self.get_response(request)


_ID = re.compile(r"[0-9]{1,18}")


def whole_number(text: str | None) -> int | None:
    """The whole number a form or a query sends, when it is one a database can take
    (ASCII digits, at most 18); None for anything else. `str.isdigit()` is true of
    "²", which `int()` refuses, and of a 5,000-digit string, which no column holds."""
    return int(text) if text and _ID.fullmatch(text) else None


def _out_of_range(value: Any) -> bool:
    if isinstance(value, str):
        return bool(_LONG_INTEGER.fullmatch(value)) and abs(int(value)) > LARGEST
    return isinstance(value, int) and not isinstance(value, bool) and abs(value) > LARGEST


def field_out_of_range(request: HttpRequest) -> str | None:
    """The path, query or JSON field holding a whole number beyond 64 bits."""
    try:
        params = resolve(request.path_info).kwargs
    except Resolver404:
        params = {}
    for name, value in params.items():
        if _out_of_range(value):
            return str(name)
    for name, values in request.GET.lists():
        if any(map(_out_of_range, values)):
            return name
    if request.content_type and "json" in request.content_type:
        try:
            document = json.loads(request.body)
        except (ValueError, RequestDataTooBig):
            return None
        return next((path for path, value in _walk(document, "") if _out_of_range(value)), None)
    return None
