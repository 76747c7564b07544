"""Reads Casework's configuration from the environment (and a `.env` file)."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse


class ConfigurationError(RuntimeError):
    """The environment asks for something Casework cannot run with."""


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_number(name: str, default: float) -> float:
    """A numeric setting; a value that is not a number stops the start with its name."""
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        return float(value)
    except ValueError:
        raise ConfigurationError(f"{name} must be a number, not {value!r}") from None


def accept_wait_seconds() -> float:
    """`CASEWORK_ACCEPT_WAIT_MS` in seconds (`config.balanced_accept`); `casework
    serve` reads it first, so a wrong value stops it before anything starts."""
    return max(0.0, env_number("CASEWORK_ACCEPT_WAIT_MS", 2)) / 1000


def data_dir() -> Path:
    path = Path(os.environ.get("CASEWORK_DATA_DIR", "./data")).resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


def secret_key(directory: Path, *, debug: bool) -> str:
    """The configured key; else the one kept in the data folder, made on first start.

    Production mode (debug off) refuses to start without an explicit key, so
    that several web processes never run with different keys.
    """
    configured = os.environ.get("CASEWORK_SECRET_KEY", "").strip()
    if configured:
        return configured
    key_file = directory / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    if not debug and not env_bool("CASEWORK_ALLOW_GENERATED_SECRET"):
        raise ConfigurationError(
            "CASEWORK_SECRET_KEY is not set: production mode refuses to start without it "
            "(set CASEWORK_DEBUG=1 for a local installation)"
        )
    key = secrets.token_urlsafe(50)
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key


def _option(value: str) -> object:
    """A database URL's query value: true/false as booleans, digits as numbers
    (psycopg wants them so)."""
    if value.isdigit():
        return int(value)
    return {"true": True, "false": False}.get(value.lower(), value)


def database_config(url: str | None, directory: Path) -> dict[str, object]:
    """Turn `sqlite:///path` or `postgres://user:pass@host:port/name` into Django's dict."""
    if not url:
        url = f"sqlite:///{directory / 'casework.db'}"
    parsed = urlparse(url)
    scheme = parsed.scheme.split("+")[0]
    if scheme == "sqlite":
        name = unquote(parsed.path[1:] if parsed.path.startswith("//") else parsed.path)
        if parsed.netloc:  # sqlite://relative/path
            name = parsed.netloc + parsed.path
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": name or str(directory / "casework.db"),
            # Keep the connection between requests: opening one runs the PRAGMAs below.
            "CONN_MAX_AGE": int(env_number("CASEWORK_SQLITE_CONN_MAX_AGE", 600)),
            "CONN_HEALTH_CHECKS": True,
            # IMMEDIATE takes the write lock at BEGIN, so writers queue instead of
            # failing mid-transaction with "database is locked".
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                    "PRAGMA foreign_keys=ON; PRAGMA busy_timeout=20000;"
                ),
            },
        }
    if scheme in {"postgres", "postgresql", "pgsql"}:
        options: dict[str, object] = {k: _option(v[-1]) for k, v in parse_qs(parsed.query).items()}
        # Request queries are short: launching parallel workers (about 15 ms on a small
        # machine) costs more than they save. `?options=...` in the URL replaces this.
        options.setdefault("options", "-c max_parallel_workers_per_gather=0")
        # Parameters bound by the server let PostgreSQL keep a statement's plan: from
        # its second run on a connection, the request's queries are not planned again
        # (planning cost more than running for most of them). `?server_side_binding=false`
        # turns it off (a pooler may need that); `?prepare_threshold=N` prepares later.
        options.setdefault("server_side_binding", True)
        options.setdefault("prepare_threshold", 2)
        return {
            "ENGINE": "casework.core.postgresql",  # Django's, with a cheaper health check
            "NAME": unquote(parsed.path.lstrip("/")) or "casework",
            "USER": unquote(parsed.username or ""),
            "PASSWORD": unquote(parsed.password or ""),
            "HOST": parsed.hostname or "",
            "PORT": str(parsed.port or ""),
            "CONN_MAX_AGE": int(str(options.pop("conn_max_age", "60"))),
            "CONN_HEALTH_CHECKS": True,
            "OPTIONS": options,
        }
    raise ConfigurationError(
        f"CASEWORK_DATABASE_URL: unsupported scheme {parsed.scheme!r} (use sqlite:/// or postgres://)"
    )
