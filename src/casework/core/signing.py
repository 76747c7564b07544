"""Signed, expiring tokens for links in emails (accept/reject a resolution,
answer a survey, sign in by link). One format for every area."""

from __future__ import annotations

from typing import Any

from django.core import signing

from casework.core.errors import InvalidInput

_SALT = "casework.link"


def make_token(purpose: str, **payload: Any) -> str:
    """A URL-safe token binding `purpose` to `payload` (ids, never secrets)."""
    return signing.dumps({"p": purpose, **payload}, salt=_SALT, compress=True)


def read_token(token: str, purpose: str, *, max_age_seconds: int) -> dict[str, Any]:
    """The payload, or InvalidInput when the token is forged, for another purpose or expired."""
    try:
        data = signing.loads(token, salt=_SALT, max_age=max_age_seconds)
    except signing.SignatureExpired:
        raise InvalidInput("this link has expired", field="token") from None
    except signing.BadSignature:
        raise InvalidInput("this link is not valid", field="token") from None
    if not isinstance(data, dict) or data.pop("p", None) != purpose:
        raise InvalidInput("this link is not valid here", field="token")
    return data
