"""The shared parts of the JSON API: error bodies that name the field, auth."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError

from casework.core.api_input import LARGEST, field_out_of_range
from casework.core.errors import CaseworkError, InvalidInput


class Ref(Schema):
    """A record named in an answer (a team, a category): its id and name."""

    id: int
    name: str


_LOCATIONS = {"body", "query", "path", "header", "form", "file", "cookie", "payload"}


def field_of(loc: list[Any] | tuple[Any, ...]) -> str:
    """`["body", "payload", "contact", "email"]` -> `contact.email`."""
    parts = [str(p) for p in loc]
    while parts and parts[0] in _LOCATIONS:
        parts = parts[1:]
    if len(parts) > 1 and parts[0] == "payload":
        parts = parts[1:]
    return ".".join(parts) or "body"


def _message(err: dict[str, Any]) -> str:
    kind = err.get("type", "")
    if kind == "extra_forbidden":
        return "unknown field"
    if kind == "missing":
        return "this field is required"
    return str(err.get("msg", "invalid value"))


def install_error_handlers(api: NinjaAPI) -> None:
    @api.exception_handler(CaseworkError)
    def casework_error(request: HttpRequest, exc: CaseworkError) -> HttpResponse:
        return api.create_response(request, exc.as_dict(), status=exc.status)

    @api.exception_handler(ValidationError)
    def validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        errors = [{"field": field_of(e.get("loc", [])), "message": _message(e)} for e in exc.errors]
        if any(
            e.get("type") == "json_invalid" or "parse" in str(e.get("msg", "")).lower() for e in exc.errors
        ):
            status = 400
        else:
            status = 422
        first = errors[0] if errors else {"field": None, "message": "invalid request"}
        body = {"code": "invalid", "message": first["message"], "field": first["field"], "errors": errors}
        return api.create_response(request, body, status=status)

    @api.exception_handler(OverflowError)
    def out_of_range(request: HttpRequest, exc: OverflowError) -> HttpResponse:
        field = field_out_of_range(request)
        error = InvalidInput(f"{field or 'a number'} is larger than {LARGEST}", field=field)
        return api.create_response(request, error.as_dict(), status=error.status)

    @api.exception_handler(RequestDataTooBig)
    def too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
        body = {
            "code": "too_large",
            "message": "the request body is too large",
            "field": "body",
            "errors": [{"field": "body", "message": "the request body is too large"}],
        }
        return api.create_response(request, body, status=413)

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        body = {
            "code": "unauthenticated",
            "message": "a valid bearer token is required",
            "field": "Authorization",
            "errors": [{"field": "Authorization", "message": "missing or invalid token"}],
        }
        return api.create_response(request, body, status=401)

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        message = str(exc.message)
        # ninja reports unparsable JSON this way; the field at fault is the body itself.
        field = "body" if message.startswith("Cannot parse request body") else None
        body = {
            "code": "bad_request" if exc.status_code == 400 else "error",
            "message": message,
            "field": field,
            "errors": [{"field": field, "message": message}],
        }
        return api.create_response(request, body, status=exc.status_code)


_ERROR_SCHEMA = {
    "type": "object",
    "description": "Every refusal: a code, a reason a person can read, and the field at fault "
    "(null when the whole request is). Some carry more, e.g. `allowed` transitions on a 409 "
    "or `current_version` on a 412.",
    "required": ["code", "message", "field", "errors"],
    "properties": {
        "code": {"type": "string"},
        "message": {"type": "string"},
        "field": {"type": ["string", "null"]},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["field", "message"],
                "properties": {"field": {"type": ["string", "null"]}, "message": {"type": "string"}},
            },
        },
    },
    "additionalProperties": True,
}


def document_errors(schema: dict[str, Any]) -> dict[str, Any]:
    """Add the API's error body to an OpenAPI document: every operation may be
    refused (`4XX`), and each refusal has that one shape."""
    schema.setdefault("components", {}).setdefault("schemas", {})["Error"] = _ERROR_SCHEMA
    refused = {
        "description": "Refused: bad input (400/422), no or a bad token (401), not allowed (403), "
        "not found or not visible (404), a conflict (409), a stale version (412), too large (413)",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            if not any(str(code).startswith("4") for code in responses):
                responses["4XX"] = refused
    return schema


# What an error no API handler answered is about: the field of its JSON body.
_UNHANDLED = {404: ("not_found", "path"), 405: ("method_not_allowed", "method")}


class ApiErrorsAsJson:
    """Middleware: an error under /api/ that no API handler answered (an unknown
    address, a method the address does not take, a server error) gets the API's
    JSON error body too, so a client reads every error one way."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            response.status_code < 400
            or not request.path_info.startswith("/api/")
            or response.get("Content-Type", "").startswith("application/json")
        ):
            return response
        code, field = _UNHANDLED.get(
            response.status_code, ("server_error" if response.status_code >= 500 else "error", None)
        )
        message = f"{request.method} {request.path_info}: {response.reason_phrase.lower()}"
        body = {
            "code": code,
            "message": message,
            "field": field,
            "errors": [{"field": field, "message": message}],
        }
        answer = JsonResponse(body, status=response.status_code)
        if "Allow" in response:
            answer["Allow"] = response["Allow"]
        return answer
