"""The ASGI entry point the server runs: ordinary views through Django's WSGI
handler on a pool of threads, async views (the live stream) through the ASGI
handler. Both kinds answer through the same application."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from casework.config import asgi
from casework.iam import services as iam_services


def test_only_async_views_take_the_asgi_handler() -> None:
    assert asgi.is_async_view("/events/stream")
    assert not asgi.is_async_view("/api/v1/cases")
    assert not asgi.is_async_view("/healthz")
    assert not asgi.is_async_view("/no/such/page")


@pytest.fixture(autouse=True)
def _close_connections_after_each_request(settings: Any) -> None:
    """The server's threads keep their database connections between requests; here
    they close them, or the test database could not be dropped at the end."""
    from django.db import connection

    settings.DATABASES["default"]["CONN_MAX_AGE"] = 0
    connection.settings_dict["CONN_MAX_AGE"] = 0


async def _get(path: str, headers: dict[str, str] | None = None) -> httpx.Response:
    transport = httpx.ASGITransport(app=asgi.application)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        return await client.get(path, headers=headers)


@pytest.mark.django_db(transaction=True)
def test_api_requests_are_answered_through_the_entry_point(agent: Any, make_case: Any) -> None:
    case = make_case(title="Printer on fire")
    token = iam_services.create_token(agent, "entry point")[1]
    response = asyncio.run(_get("/api/v1/cases", {"Authorization": f"Bearer {token}"}))
    assert response.status_code == 200
    assert [c["number"] for c in response.json()["items"]] == [case.number]
    missing = asyncio.run(_get("/api/v1/cases/CS-999999", {"Authorization": f"Bearer {token}"}))
    assert missing.status_code == 404 and missing.json()["field"] == "number"


@pytest.mark.django_db(transaction=True)
def test_the_live_stream_is_served_by_the_async_handler() -> None:
    response = asyncio.run(_get("/events/stream"))
    assert response.status_code == 401 and response.text == "sign in first"
