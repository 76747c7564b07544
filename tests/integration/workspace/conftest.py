from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client


@pytest.fixture(autouse=True)
def _fresh_cache() -> Any:
    """Sign-in limits live in the cache: each scenario starts with none."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def desk(agent: Any) -> Client:
    """The agent's browser, signed in."""
    client = Client()
    client.force_login(agent)
    return client


@pytest.fixture
def htmx_headers() -> dict[str, str]:
    return {"HX-Request": "true"}
