"""`casework serve` for real: production mode, a free port, the API over HTTP."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.integration.test_config import casework, casework_env

SERVER_START_TIMEOUT = 60.0  # seconds; polled, so a fast start is not slowed down


@pytest.fixture
def installation(tmp_path: Path) -> dict[str, str]:
    """A migrated production-mode installation on a SQLite file in a temporary data folder."""
    data = tmp_path / "data"
    key = "k3y-" + "x" * 60
    migrated = casework(data, "migrate", "-v", "0", CASEWORK_SECRET_KEY=key)
    assert migrated.returncode == 0, migrated.stderr
    return {"data": str(data), "key": key}


def cli(installation: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return casework(Path(installation["data"]), *args, CASEWORK_SECRET_KEY=installation["key"])


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_healthy(base: str, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"the server stopped with {server.returncode}: {server.stderr.read()}")  # type: ignore[union-attr]
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.05)  # polling interval, not a wait for a fixed time
    pytest.fail(f"no answer from {base}/healthz within {SERVER_START_TIMEOUT}s")


def test_serve_in_production_mode_answers_the_api_with_a_token(installation: dict[str, str]) -> None:
    cli(installation, "createuser", "api@staff.example", "--role", "agent", "--team", "Support")
    token = cli(installation, "token", "create", "--user", "api@staff.example", "--name", "serve test")
    key = token.stdout.strip().splitlines()[-1]
    port = free_port()
    data = Path(installation["data"])
    server = subprocess.Popen(
        [sys.executable, "-m", "casework", "serve", "--web-only", "--host", "127.0.0.1", "--port", str(port)],
        env=casework_env(data, CASEWORK_SECRET_KEY=installation["key"]),
        cwd=data.parent,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(base, server)
        auth = {"Authorization": f"Bearer {key}"}
        teams = httpx.get(f"{base}/api/v1/teams", headers=auth, timeout=10).json()
        support = next(t["id"] for t in teams if t["name"] == "Support")
        created = httpx.post(
            f"{base}/api/v1/cases", json={"title": "Served case", "team": support}, headers=auth, timeout=10
        )
        assert created.status_code == 201, created.text
        number = created.json()["number"]
        listed = httpx.get(f"{base}/api/v1/cases", params={"q": "served"}, headers=auth, timeout=10)
        assert [c["number"] for c in listed.json()["items"]] == [number]
        assert httpx.get(f"{base}/api/v1/cases", timeout=10).status_code == 401
        missing = httpx.get(f"{base}/api/v1/cases/CS-999999", headers=auth, timeout=10)
        assert missing.status_code == 404 and "Traceback" not in missing.text  # DEBUG is off
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    out = server.stdout.read()  # type: ignore[union-attr]
    assert f"Casework is starting at {base}" in out and "off (--web-only)" in out
