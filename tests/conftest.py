"""Test set-up shared by every area.

The database comes from CASEWORK_DATABASE_URL: SQLite (in memory) by default,
PostgreSQL when the test command runs the suite a second time against it.
When the configured PostgreSQL or Redis is not reachable, the tests that
need it are skipped with a message saying how to enable them.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path
from urllib.parse import urlparse

import pytest

os.environ.setdefault("CASEWORK_TESTING", "1")
os.environ.setdefault("CASEWORK_DATA_DIR", str(Path(__file__).resolve().parent.parent / ".pytest-data"))

REDIS_URL = os.environ.get("CASEWORK_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
POSTGRES_HINT = (
    "PostgreSQL is not reachable at {where}: start it (README, 'Services') or point "
    "CASEWORK_TEST_POSTGRES_URL at one, then run the test command again"
)
REDIS_HINT = (
    "Redis is not reachable at {where}: start it (README, 'Services') or point "
    "CASEWORK_TEST_REDIS_URL at one, then run the test command again"
)
CHROMIUM = "/usr/bin/chromium"


def reachable(url: str, default_port: int) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection(
            (parsed.hostname or "127.0.0.1", parsed.port or default_port), timeout=1
        ):
            return True
    except OSError:
        return False


def pytest_report_header(config: pytest.Config) -> str:
    from django.conf import settings

    return f"casework database: {settings.DATABASES['default']['ENGINE']}"


REQUIRED = os.environ.get("CASEWORK_REQUIRE_SERVICES") == "1"  # CI: a missing service fails


def _missing(reason: str) -> pytest.MarkDecorator:
    if REQUIRED:
        pytest.exit(f"CASEWORK_REQUIRE_SERVICES=1 but {reason}", returncode=3)
    return pytest.mark.skip(reason=reason)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    from django.conf import settings

    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("postgresql"):
        url = f"postgres://{db['HOST']}:{db['PORT'] or 5432}"
        if not reachable(url, 5432):
            skip = _missing(POSTGRES_HINT.format(where=url))
            for item in items:
                item.add_marker(skip)
            return
    else:
        only_pg = pytest.mark.skip(
            reason="needs PostgreSQL (row locks across threads); runs in the PostgreSQL pass"
        )
        for item in items:
            if "postgres_only" in item.keywords:
                item.add_marker(only_pg)
    if any("redis" in item.keywords for item in items) and not reachable(REDIS_URL, 6379):
        skip_redis = _missing(REDIS_HINT.format(where=REDIS_URL))
        for item in items:
            if "redis" in item.keywords:
                item.add_marker(skip_redis)
    if not Path(CHROMIUM).exists():
        skip_browser = pytest.mark.skip(
            reason=f"no {CHROMIUM}: install Debian's chromium (apt-get install chromium)"
        )
        for item in items:
            if "browser" in item.keywords:
                item.add_marker(skip_browser)


@pytest.fixture
def redis_url() -> str:
    return REDIS_URL


@pytest.fixture(autouse=True)
def _nothing_kept_from_another_test() -> None:
    """What the process keeps with its configuration (rules, tokens, tag names)
    came from another test's database, emptied or rolled back since."""
    from casework.core import config_cache

    config_cache.forget()


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):  # type: ignore[no-untyped-def]
    """Attachments go to a per-test folder, never into the working tree."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.STORAGES = {
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "media")},
        },
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


from tests.factories import *  # noqa: E402, F403  (fixtures: agent, lead, api, ...)
