"""Errors a service raises; the API and the views turn each into its HTTP status.

Every error names the field it is about (or None for the whole request) and a
reason a person can read, so that no bad input ends in a 500.
"""

from __future__ import annotations

from typing import Any


class CaseworkError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, field: str | None = None, **extra: Any) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.extra = extra

    def as_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": self.message, "field": self.field}
        body.update(self.extra)
        body["errors"] = [{"field": self.field, "message": self.message}]
        return body


class InvalidInput(CaseworkError):
    status = 422
    code = "invalid"


class NotFound(CaseworkError):
    status = 404
    code = "not_found"


class PermissionDenied(CaseworkError):
    status = 403
    code = "forbidden"


class Conflict(CaseworkError):
    status = 409
    code = "conflict"


class StaleVersion(CaseworkError):
    """The caller's version is older than the record's: someone else changed it."""

    status = 412
    code = "stale_version"
