"""Counting failures in Django's cache: too many failed sign-ins per account or per
address lock that key out for a while (OWASP Authentication Cheat Sheet, "Login
Throttling"). The answer never says whether the account exists."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.core.cache import cache


@dataclass(frozen=True)
class Limit:
    scope: str  # e.g. "login-account"
    attempts: int  # failures allowed within the window
    window_seconds: int


def _key(limit: Limit, value: str) -> str:
    digest = hashlib.sha256(value.strip().lower().encode()).hexdigest()[:32]
    return f"casework:rl:{limit.scope}:{digest}"


def is_limited(limit: Limit, value: str) -> bool:
    return int(cache.get(_key(limit, value), 0)) >= limit.attempts


def record_failure(limit: Limit, value: str) -> int:
    key = _key(limit, value)
    if cache.add(key, 1, timeout=limit.window_seconds):
        return 1
    try:
        return int(cache.incr(key))
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=limit.window_seconds)
        return 1


def reset(limit: Limit, value: str) -> None:
    cache.delete(_key(limit, value))
