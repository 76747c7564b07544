"""API authentication: bearer tokens for integrators, the session for the workspace."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer, SessionAuth

from casework.core.errors import PermissionDenied
from casework.iam import services
from casework.iam.domain import is_staff_role


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        found = services.authenticate_token(token)
        if found is None:
            return None
        user, api_token = found
        request.api_token = api_token  # type: ignore[attr-defined]
        request.user = user
        return user


class StaffSession(SessionAuth):
    """The signed-in agent's session (with CSRF on writes), for the workspace's own calls."""

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = super().authenticate(request, key)
        return user if user is not None and is_staff_role(user.role) else None


api_auth = [BearerToken(), StaffSession()]


def require_write(request: HttpRequest) -> None:
    token = getattr(request, "api_token", None)
    if token is not None and "write" not in (token.scopes or []):
        raise PermissionDenied("this token is read-only", field="Authorization")


def require_staff(request: HttpRequest) -> Any:
    user = request.auth  # type: ignore[attr-defined]
    if user is None or not is_staff_role(user.role):
        raise PermissionDenied("the API is for staff accounts", field="Authorization")
    return user
