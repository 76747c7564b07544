"""Keyset (cursor) pagination: stable under inserts, fast at any depth.

A page is ordered by (sort field, id); the cursor carries the last row's
values, so the next page starts strictly after it whatever was inserted since.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet

from casework.core.api_input import LARGEST
from casework.core.errors import InvalidInput


@dataclass(frozen=True)
class Page:
    items: list[Any]
    next_cursor: str | None


def encode_cursor(values: list[Any]) -> str:
    def plain(value: Any) -> Any:
        return {"dt": value.isoformat()} if isinstance(value, datetime) else value

    raw = json.dumps([plain(v) for v in values], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> list[Any]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = json.loads(raw)
        if not isinstance(values, list):
            raise ValueError
        return [datetime.fromisoformat(v["dt"]) if isinstance(v, dict) and "dt" in v else v for v in values]
    except (ValueError, TypeError) as exc:
        raise InvalidInput("not a cursor this API gave out", field="cursor") from exc


def keyset_ids(queryset: QuerySet, *, field: str, descending: bool, limit: int, cursor: str | None) -> Page:
    """The ids of one page (a narrow, join-free query), for callers that load the rows their own way."""
    queryset = _after_cursor(queryset, field=field, descending=descending, cursor=cursor)
    keys = list(queryset.values_list(*dict.fromkeys(["id", field]))[: limit + 1])
    has_more = len(keys) > limit
    keys = keys[:limit]
    last_key = keys[-1] if has_more and keys else None
    return Page(
        items=[k[0] for k in keys],
        next_cursor=encode_cursor([last_key[-1], last_key[0]]) if last_key else None,
    )


def _too_large(value: Any) -> bool:
    return isinstance(value, int) and abs(value) > LARGEST  # no database column holds it


def _after_cursor(queryset: QuerySet, *, field: str, descending: bool, cursor: str | None) -> QuerySet:
    order = [f"-{field}", "-id"] if descending else [field, "id"]
    queryset = queryset.order_by(*order)
    if cursor:
        values = decode_cursor(cursor)
        if len(values) != 2:
            raise InvalidInput("not a cursor for this sort order", field="cursor")
        value, last_id = values
        if not isinstance(last_id, int) or any(_too_large(v) for v in values):
            raise InvalidInput("not a cursor for this sort order", field="cursor")
        op = "lt" if descending else "gt"
        try:  # a made-up cursor's values may not fit the sort field or the id
            after = Q(**{f"{field}__{op}": value}) | Q(**{field: value, f"id__{op}": last_id})
            queryset = queryset.filter(after)
        except (ValueError, TypeError, ValidationError):
            raise InvalidInput("not a cursor for this sort order", field="cursor") from None
    return queryset


__all__ = ["Page", "decode_cursor", "encode_cursor", "keyset_ids"]
