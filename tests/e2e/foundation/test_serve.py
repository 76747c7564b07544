"""`casework serve` for real: production mode, a free port, the API over HTTP."""

from __future__ import annotations

import os
import signal
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


def stop(server: subprocess.Popen) -> None:
    server.terminate()
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


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
        stop(server)
    out = server.stdout.read()  # type: ignore[union-attr]
    assert f"Casework is starting at {base}" in out and "off (--web-only)" in out


def _web_workers(pid: int) -> list[int]:
    """The server's worker processes (not multiprocessing's resource tracker)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (FileNotFoundError, IndexError):
                continue
            if parent == pid and b"spawn_main" in (entry / "cmdline").read_bytes():
                found.append(int(entry.name))
    return found


def _connections_held(workers: list[int], port: int, client_ports: set[int]) -> list[int]:
    """How many of the clients' connections (by their local ports) each worker process holds."""
    inodes = {}  # server-side socket inode -> client port
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local, remote, inode = fields[1], fields[2], fields[9]
        if int(local.split(":")[1], 16) == port and int(remote.split(":")[1], 16) in client_ports:
            inodes[f"socket:[{inode}]"] = int(remote.split(":")[1], 16)
    held = []
    for pid in workers:
        links = set()
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            try:
                links.add(str(fd.readlink()))
            except OSError:
                continue
        held.append(len(links & inodes.keys()))
    return held


def _wait_until_both_accept(workers: list[int], port: int) -> None:
    """/healthz answers once one worker serves; the other may still be starting."""
    seen: set[int] = set()
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while len(seen) < len(workers) and time.monotonic() < deadline:
        with socket.create_connection(("127.0.0.1", port), timeout=10) as probe:
            ports = {probe.getsockname()[1]}
            while not any(held := _connections_held(workers, port, ports)) and time.monotonic() < deadline:
                time.sleep(0.01)  # polling until a worker accepts, not a wait for a fixed time
            seen.update(pid for pid, n in zip(workers, held, strict=True) if n)
        while any(_connections_held(workers, port, ports)) and time.monotonic() < deadline:
            time.sleep(0.01)
    assert len(seen) == len(workers), f"only {seen} of {workers} accepted connections"


@pytest.mark.skipif(not Path("/proc/net/tcp").exists(), reason="reads Linux's /proc")
def test_two_workers_share_connections_that_arrive_at_once(installation: dict[str, str]) -> None:
    """With two web workers, four keep-alive clients connecting at the same moment
    are served two by each worker, not all by whichever woke first. A worker
    the machine leaves unscheduled for longer than the waits (milliseconds) can
    still end up with one: so five tries, three at least shared two and two,
    and none with a worker holding none."""
    port = free_port()
    data = Path(installation["data"])
    server = subprocess.Popen(
        [sys.executable, "-m", "casework", "serve", "--web-only", "--port", str(port), "--workers", "2"],
        env=casework_env(data, CASEWORK_SECRET_KEY=installation["key"]),
        cwd=data.parent,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_until_healthy(f"http://127.0.0.1:{port}", server)
        workers = _web_workers(server.pid)
        assert len(workers) == 2, workers
        _wait_until_both_accept(workers, port)
        shares = []
        for _ in range(5):
            # Both workers paused while four clients connect: the connections wait
            # in the socket's queue, and both workers wake to them at once.
            for pid in workers:
                os.kill(pid, signal.SIGSTOP)
            try:
                clients = [socket.create_connection(("127.0.0.1", port), timeout=10) for _ in range(4)]
            finally:
                for pid in workers:
                    os.kill(pid, signal.SIGCONT)
            ports = {c.getsockname()[1] for c in clients}
            deadline = time.monotonic() + 10
            while sum(held := _connections_held(workers, port, ports)) < 4 and time.monotonic() < deadline:
                time.sleep(0.01)  # polling until both workers have accepted, not a wait for a fixed time
            shares.append(sorted(held))
            for client in clients:
                client.sendall(f"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode())
            for client in clients:
                assert client.recv(4096).startswith(b"HTTP/1.1 200")
            for client in clients:
                client.close()
            deadline = time.monotonic() + 10
            while sum(_connections_held(workers, port, ports)) and time.monotonic() < deadline:
                time.sleep(0.01)  # polling until the workers let go, not a wait for a fixed time
    finally:
        stop(server)
    assert shares.count([2, 2]) >= 3 and [0, 4] not in shares, shares
