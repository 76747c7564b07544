"""Casework's PostgreSQL backend: a connection that served a request within the
last second is used without Django's `SELECT 1` check; an idle one is checked,
and replaced when the server has dropped it."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import close_old_connections, connection

from casework.cases.models import Case
from casework.core.postgresql import base as backend

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _kept_connection(monkeypatch: Any) -> None:
    """PostgreSQL only, and a connection kept between requests, as a server keeps it."""
    if connection.vendor != "postgresql":
        pytest.skip("the check it skips is PostgreSQL's")
    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", None)
    monkeypatch.setitem(connection.settings_dict, "CONN_HEALTH_CHECKS", True)
    connection.close()  # the next one opens with these settings


@pytest.fixture
def clock(monkeypatch: Any) -> list[float]:
    now = [1000.0]
    monkeypatch.setattr(backend, "_monotonic", lambda: now[0])
    return now


def _request() -> None:
    """What a web request does to the connection: Django's hooks, a query between."""
    close_old_connections()
    Case.objects.exists()
    close_old_connections()


def test_a_busy_connection_is_not_checked_an_idle_one_is(clock: list[float], monkeypatch: Any) -> None:
    checks: list[int] = []
    usable = connection.is_usable
    monkeypatch.setattr(connection, "is_usable", lambda: checks.append(1) or usable())
    _request()
    before = len(checks)
    clock[0] += backend.TRUSTED_FOR_SECONDS / 2
    _request()
    assert len(checks) == before  # served a moment ago: no round trip for the check
    clock[0] += backend.TRUSTED_FOR_SECONDS * 5
    _request()
    assert len(checks) == before + 1


def test_an_idle_connection_the_server_dropped_is_replaced(clock: list[float]) -> None:
    import psycopg

    _request()
    dropped = connection.connection.info.backend_pid
    with psycopg.connect(**connection.get_connection_params(), autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [dropped])
    clock[0] += backend.TRUSTED_FOR_SECONDS * 5
    _request()  # checked, found gone, connected again: the request does not fail
    assert connection.connection.info.backend_pid != dropped
