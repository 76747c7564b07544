"""Configuration from the environment: database URL, secret key, SQLite's WAL mode."""

from __future__ import annotations

import os
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from casework.config.env import ConfigurationError, database_config, env_number, secret_key

SRC = Path(__file__).resolve().parents[2] / "src"


def casework_env(data_dir: Path, **extra: str) -> dict[str, str]:
    """The environment of a fresh installation: no test, debug or database settings inherited."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("CASEWORK_") and k not in {"DJANGO_SETTINGS_MODULE", "PYTHONPATH"}
    }
    env.update(PYTHONPATH=str(SRC), CASEWORK_DATA_DIR=str(data_dir), CASEWORK_LOG_LEVEL="WARNING")
    env.update(extra)
    return env


def casework(data_dir: Path, *args: str, timeout: float = 120, **extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "casework", *args],
        env=casework_env(data_dir, **extra),
        cwd=data_dir.parent,  # no stray .env from the working tree
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_default_database_is_a_sqlite_file_in_the_data_folder(tmp_path: Path) -> None:
    config = database_config(None, tmp_path)
    assert config["ENGINE"] == "django.db.backends.sqlite3"
    assert config["NAME"] == str(tmp_path / "casework.db")
    assert "journal_mode=WAL" in config["OPTIONS"]["init_command"]  # type: ignore[index]
    assert config["OPTIONS"]["transaction_mode"] == "IMMEDIATE"  # type: ignore[index]


@pytest.mark.parametrize(
    ("url", "name"),
    [
        ("sqlite:////srv/casework/cw.db", "/srv/casework/cw.db"),
        ("sqlite:///srv/casework/cw.db", "/srv/casework/cw.db"),
        ("sqlite://data/cw.db", "data/cw.db"),
    ],
)
def test_sqlite_urls(url: str, name: str, tmp_path: Path) -> None:
    config = database_config(url, tmp_path)
    assert config["ENGINE"] == "django.db.backends.sqlite3" and config["NAME"] == name


def test_postgres_url_with_credentials_port_and_options(tmp_path: Path) -> None:
    config = database_config(
        "postgres://case%20worker:p%40ss@db.example:6543/casework_prod?sslmode=require&conn_max_age=0",
        tmp_path,
    )
    assert config["ENGINE"] == "casework.core.postgresql"
    assert (config["USER"], config["PASSWORD"]) == ("case worker", "p@ss")
    assert (config["HOST"], config["PORT"], config["NAME"]) == ("db.example", "6543", "casework_prod")
    assert config["OPTIONS"] == {
        "sslmode": "require",
        "options": "-c max_parallel_workers_per_gather=0",
        "server_side_binding": True,  # so PostgreSQL keeps each statement's plan
        "prepare_threshold": 2,
    }
    assert config["CONN_MAX_AGE"] == 0
    assert database_config("postgresql://localhost/cw", tmp_path)["CONN_MAX_AGE"] == 60
    # The URL's own server options replace the default; true/false become booleans.
    own = database_config(
        "postgres://localhost/cw?options=-c%20work_mem%3D64MB&server_side_binding=false", tmp_path
    )
    assert own["OPTIONS"] == {
        "options": "-c work_mem=64MB",
        "server_side_binding": False,
        "prepare_threshold": 2,
    }


@pytest.mark.parametrize("url", ["mysql://root@localhost/cw", "oracle://x", "cw.db"])
def test_unsupported_database_url_is_a_clear_error(url: str, tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="CASEWORK_DATABASE_URL: unsupported scheme"):
        database_config(url, tmp_path)


def test_production_mode_needs_a_secret_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CASEWORK_SECRET_KEY", raising=False)
    monkeypatch.delenv("CASEWORK_ALLOW_GENERATED_SECRET", raising=False)
    with pytest.raises(ConfigurationError, match="CASEWORK_SECRET_KEY is not set"):
        secret_key(tmp_path, debug=False)
    assert not (tmp_path / "secret_key").exists()


def test_debug_mode_generates_a_key_once_and_keeps_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CASEWORK_SECRET_KEY", raising=False)
    key = secret_key(tmp_path, debug=True)
    kept = tmp_path / "secret_key"
    assert len(key) >= 50 and kept.read_text() == key
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600  # only the owner reads it
    assert secret_key(tmp_path, debug=True) == key  # the next start uses the same key
    assert secret_key(tmp_path, debug=False) == key  # ... also once switched to production
    monkeypatch.setenv("CASEWORK_SECRET_KEY", "from-the-environment")
    assert secret_key(tmp_path, debug=False) == "from-the-environment"


def test_production_start_without_a_key_is_refused_with_a_message(tmp_path: Path) -> None:
    data = tmp_path / "data"
    result = casework(data, "check")
    assert result.returncode != 0
    assert "CASEWORK_SECRET_KEY is not set" in result.stderr
    assert "Traceback" not in result.stderr


def test_bad_database_url_stops_the_command_with_a_message(tmp_path: Path) -> None:
    data = tmp_path / "data"
    result = casework(data, "check", CASEWORK_SECRET_KEY="k" * 50, CASEWORK_DATABASE_URL="mysql://db/cw")
    assert result.returncode != 0
    assert "CASEWORK_DATABASE_URL: unsupported scheme 'mysql'" in result.stderr


def test_a_wrong_accept_wait_stops_serve_before_it_starts(tmp_path: Path) -> None:
    data = tmp_path / "data"
    result = casework(data, "serve", "--workers", "2", CASEWORK_DEBUG="1", CASEWORK_ACCEPT_WAIT_MS="soon")
    assert result.returncode == 2
    assert "CASEWORK_ACCEPT_WAIT_MS must be a number, not 'soon'" in result.stderr
    assert "Traceback" not in result.stderr
    if (data / "casework.db").exists():  # nothing migrated
        with sqlite3.connect(data / "casework.db") as db:
            assert db.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'").fetchone()[0] == 0


def test_first_debug_start_makes_a_key_file_and_a_wal_database(tmp_path: Path) -> None:
    data = tmp_path / "data"
    result = casework(data, "migrate", "-v", "0", CASEWORK_DEBUG="1")
    assert result.returncode == 0, result.stderr
    assert (data / "secret_key").exists()
    with sqlite3.connect(data / "casework.db") as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_a_numeric_setting_that_is_not_a_number_stops_the_start_naming_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CASEWORK_AUTO_CLOSE_DAYS", "five")
    with pytest.raises(ConfigurationError, match="CASEWORK_AUTO_CLOSE_DAYS must be a number, not 'five'"):
        env_number("CASEWORK_AUTO_CLOSE_DAYS", 5)
    monkeypatch.setenv("CASEWORK_AUTO_CLOSE_DAYS", " 7 ")
    assert env_number("CASEWORK_AUTO_CLOSE_DAYS", 5) == 7
    monkeypatch.setenv("CASEWORK_AUTO_CLOSE_DAYS", "")
    assert env_number("CASEWORK_AUTO_CLOSE_DAYS", 5) == 5
