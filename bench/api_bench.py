"""HTTP API benchmark: seed N cases, serve them in production mode, drive the API.

Seeds a scratch database (a SQLite file under /tmp, or a scratch PostgreSQL
database it creates and drops), starts `casework serve --web-only` (DEBUG off,
an explicit secret key) in a subprocess, and drives the HTTP API from this
process over loopback with a few concurrent keep-alive clients. It prints
throughput and p50/p95 latency for: create case, the first page of an
open-cases queue sorted by priority, full-text search and adding a reply; then
the server's peak RSS and the list endpoint's query count at two page sizes.
A first phase lists the teams (the token's check and one small query): what
any authenticated call costs on the machine, the floor under the others.

Creation is a throughput figure: it runs with `--create-clients` (4), enough
requests in flight to keep both cores of a 2-core machine busy. Two clients,
each waiting for its answer before it sends again, leave the cores idle
between a request's steps (a fifth to a quarter of the time, measured), so they measure
the latency of one request rather than what the server can take. The other
phases run with `--clients` (2), their latency being the figure. Before it,
`--warmup` creations (200, not counted) bring the server to its steady state:
each of its database connections prepares a statement on the server once it
has run it five times, and the first call of each code path loads what it needs.

    .venv/bin/python bench/api_bench.py --db sqlite --cases 100000
    .venv/bin/python bench/api_bench.py --db postgres --cases 100000

Never run by the test suite. Request counts and time per phase are bounded.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src"
SEARCH_WORDS = ["invoice", "refund", "printer", "webhook", "timeout", "payment", "login", "shipping"]


@dataclass
class Result:
    name: str
    latencies: list[float] = field(default_factory=list)  # seconds
    errors: int = 0
    wall: float = 0.0
    server_cpu: float = 0.0  # seconds of server CPU (user + system) spent in the phase

    def row(self) -> str:
        if not self.latencies:
            return f"| {self.name} | 0 | - | - | - | - | {self.errors} |"
        ms = sorted(x * 1000 for x in self.latencies)
        p95 = ms[min(len(ms) - 1, round(0.95 * len(ms)) - 1)]
        return (
            f"| {self.name} | {len(ms)} | {len(ms) / self.wall:.0f} | {statistics.median(ms):.1f} "
            f"| {p95:.1f} | {self.server_cpu * 1000 / len(ms):.1f} | {self.errors} |"
        )


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Installation:
    """A scratch Casework installation: data folder, database, environment."""

    def __init__(self, db: str, pg_url: str, pg_name: str) -> None:
        self.db = db
        self.data = Path(tempfile.mkdtemp(prefix="cw_bench_api_"))
        self.pg_admin_url = pg_url
        self.pg_name = pg_name
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("CASEWORK_")}
        self.env.update(
            PYTHONPATH=str(SRC),
            CASEWORK_DATA_DIR=str(self.data),
            CASEWORK_SECRET_KEY=secrets.token_urlsafe(50),
            CASEWORK_LOG_LEVEL="WARNING",
            CASEWORK_ENV_FILE=str(self.data / "no.env"),
        )
        if db == "postgres":
            self._pg("DROP DATABASE IF EXISTS {name}")
            self._pg("CREATE DATABASE {name}")
            base = pg_url.rsplit("/", 1)[0]
            self.env["CASEWORK_DATABASE_URL"] = f"{base}/{pg_name}"

    def _pg(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(self.pg_admin_url, autocommit=True) as conn:
            conn.execute(sql.format(name=self.pg_name))  # type: ignore[arg-type]

    def casework(self, *args: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "casework", *args],
            env=self.env,
            cwd=self.data,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise SystemExit(f"casework {' '.join(args)} failed:\n{done.stderr}")
        return done.stdout

    def drop(self) -> None:
        if self.db == "postgres":
            self._pg("DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        shutil.rmtree(self.data, ignore_errors=True)


class Server:
    def __init__(self, inst: Installation, workers: int) -> None:
        self.port = free_port()
        self.proc = subprocess.Popen(
            [
                *(sys.executable, "-m", "casework", "serve", "--web-only", "--no-migrate"),
                *("--host", "127.0.0.1", "--port", str(self.port), "--workers", str(workers)),
            ],
            env=inst.env,
            cwd=inst.data,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"server stopped: {self.proc.stderr.read()}")  # type: ignore[union-attr]
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=1)
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.05)
        raise SystemExit("server did not answer /healthz within 60 s")

    def peak_rss_mb(self) -> float:
        """Peak resident memory (VmHWM) of the server and its worker processes, summed."""
        total = 0
        pids = [self.proc.pid, *_children(self.proc.pid)]
        for pid in pids:
            try:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmHWM:"):
                        total += int(line.split()[1])
            except FileNotFoundError:
                continue
        return total / 1024

    def cpu_seconds(self) -> float:
        """CPU time (user + system) used so far by the server and its worker processes."""
        ticks = 0
        for pid in [self.proc.pid, *_children(self.proc.pid)]:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except FileNotFoundError:
                continue
            ticks += int(fields[11]) + int(fields[12])  # utime, stime
        return ticks / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def _children(pid: int) -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except (FileNotFoundError, IndexError):
                continue
            if int(fields[1]) == pid:
                out.append(int(entry.name))
                out.extend(_children(int(entry.name)))
    return out


class Client:
    """One keep-alive HTTP/1.1 connection with a bearer token, written on a bare
    socket: http.client parsed every response's headers with the email package,
    0.25 ms of CPU per request on a machine whose two cores the server needs
    (0.08 ms now), and its cache traffic cost the server about 0.3 ms more."""

    def __init__(self, port: int, token: str) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=30)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.reader = self.sock.makefile("rb")
        self.head = f"Host: 127.0.0.1:{port}\r\nAuthorization: Bearer {token}\r\n"

    def call(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        status, raw = self.send(method, path, body)
        return status, json.loads(raw) if raw else None

    def send(self, method: str, path: str, body: Any = None) -> tuple[int, bytes]:
        """The status and the raw body, unparsed."""
        data = json.dumps(body).encode() if body is not None else b""
        head = f"{method} {path} HTTP/1.1\r\n{self.head}Content-Length: {len(data)}\r\n"
        if body is not None:
            head += "Content-Type: application/json\r\n"
        self.sock.sendall(head.encode() + b"\r\n" + data)
        status = int(self.reader.readline().split(b" ", 2)[1])
        length, chunked = 0, False
        while (line := self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"transfer-encoding" and b"chunked" in value.lower():
                chunked = True
        if not chunked:
            return status, self.reader.read(length)
        parts = []
        while size := int(self.reader.readline().split(b";")[0], 16):
            parts.append(self.reader.read(size))
            self.reader.readline()
        self.reader.readline()
        return status, b"".join(parts)


def drive(
    name: str, server: Server, token: str, clients: int, requests: int, max_seconds: float, make: Any
) -> Result:
    """`requests` calls of `make(i) -> (method, path, body, expected_status)`, over `clients` threads."""
    result = Result(name)
    port = server.port
    counter = iter(range(requests))
    lock = threading.Lock()
    deadline = time.monotonic() + max_seconds
    start = threading.Barrier(clients + 1)

    def worker() -> None:
        client = Client(port, token)
        start.wait()
        while time.monotonic() < deadline:
            with lock:
                i = next(counter, None)
            if i is None:
                return
            method, path, body, expected = make(i)
            t0 = time.perf_counter()
            status, payload = client.send(method, path, body)
            elapsed = time.perf_counter() - t0
            with lock:
                if status == expected:
                    result.latencies.append(elapsed)
                else:
                    result.errors += 1
                    if result.errors <= 3:
                        log(f"{name}: {status} {payload[:500]!r}")

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    for t in threads:
        t.start()
    cpu0 = server.cpu_seconds()
    start.wait()
    t0 = time.perf_counter()
    for t in threads:
        t.join()
    result.wall = time.perf_counter() - t0
    result.server_cpu = server.cpu_seconds() - cpu0
    return result


def count_list_queries(inst: Installation, token: str) -> str:
    """The list endpoint's query count for pages of 10 and 50 cases (in a child process with Django)."""
    code = f"""
import django, json
django.setup()
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
c = Client(HTTP_AUTHORIZATION="Bearer {token}")
out = {{}}
for limit in (10, 50):
    url = "/api/v1/cases?status=open&sort=-priority&limit=%d" % limit
    c.get(url)
    with CaptureQueriesContext(connection) as q:
        items = c.get(url).json()["items"]
    out[limit] = (len(items), len(q.captured_queries))
print(json.dumps(out))
"""
    env = dict(inst.env, DJANGO_SETTINGS_MODULE="casework.config.settings")
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=inst.data, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        return f"(could not count: {done.stderr.strip().splitlines()[-1]})"
    counts = json.loads(done.stdout.strip().splitlines()[-1])
    return ", ".join(f"{n} cases: {q} queries" for n, q in counts.values())


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--cases", type=int, default=10_000, help="cases to seed (default 10,000)")
    parser.add_argument("--clients", type=int, default=2, help="concurrent HTTP clients (latency phases)")
    parser.add_argument(
        "--create-clients",
        type=int,
        default=4,
        help="concurrent HTTP clients creating cases: enough to keep the server's cores busy",
    )
    parser.add_argument("--workers", type=int, default=2, help="uvicorn workers (one per core)")
    parser.add_argument("--creates", type=int, default=2000)
    parser.add_argument("--warmup", type=int, default=200, help="creations before the counted ones")
    parser.add_argument("--reads", type=int, default=400, help="list and search requests each")
    parser.add_argument("--replies", type=int, default=400)
    parser.add_argument("--max-seconds", type=float, default=30, help="cap per phase")
    parser.add_argument("--pg-url", default="postgres://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--pg-name", default="cw_bench_api", help="scratch database (dropped after)")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database and folder")
    args = parser.parse_args()

    inst = Installation(args.db, args.pg_url, args.pg_name)
    server = None
    try:
        inst.casework("migrate", "-v", "0")
        t0 = time.monotonic()
        inst.casework("seed", "--cases", str(args.cases))
        seeded = time.monotonic() - t0
        log(f"seeded {args.cases} cases in {seeded:.1f}s (command wall time, Django start included)")
        inst.casework("createuser", "bench-agent@staff.example", "--role", "agent", "--team", "Load team 0")
        token = inst.casework("token", "create", "--user", "bench-agent@staff.example", "--name", "bench")
        token = token.strip().splitlines()[-1]
        server = Server(inst, args.workers)
        load_before = os.getloadavg()[0]
        teams = Client(server.port, token).call("GET", "/api/v1/teams")[1]
        team = next(t["id"] for t in teams if t["name"] == "Load team 0")

        created: list[str] = []

        def create(i: int) -> tuple[str, str, Any, int]:
            body = {
                "title": f"Bench printer {i} shows error {i % 97}",
                "description": "The invoice export times out after the upgrade.",
                "priority": ["low", "normal", "high", "urgent"][i % 4],
                "team": team,
                "contact": {"email": f"bench{i % 50}@customer.example", "name": f"Bench {i % 50}"},
                "tags": ["bench"],
            }
            return "POST", "/api/v1/cases", body, 201

        results = [
            drive(
                "list teams (token check + 1 query)",
                server,
                token,
                args.clients,
                args.reads * 2,
                args.max_seconds,
                lambda i: ("GET", "/api/v1/teams", None, 200),
            )
        ]
        drive("warm-up", server, token, args.create_clients, args.warmup, args.max_seconds, create)
        c = drive(
            f"create case ({args.create_clients} clients)",
            server,
            token,
            args.create_clients,
            args.creates,
            args.max_seconds,
            create,
        )
        results.append(c)
        listed = Client(server.port, token).call("GET", "/api/v1/cases?tag=bench&limit=200&sort=-created")[1]
        created = [x["number"] for x in listed["items"]]
        queue = "/api/v1/cases?status=open&sort=-priority&limit=50"
        results.append(
            drive(
                "list open queue by priority (50)",
                server,
                token,
                args.clients,
                args.reads,
                args.max_seconds,
                lambda i: ("GET", queue, None, 200),
            )
        )
        results.append(
            drive(
                "full-text search (50)",
                server,
                token,
                args.clients,
                args.reads,
                args.max_seconds,
                lambda i: ("GET", f"/api/v1/cases?q={SEARCH_WORDS[i % len(SEARCH_WORDS)]}", None, 200),
            )
        )
        results.append(
            drive(
                "add a reply",
                server,
                token,
                args.clients,
                args.replies,
                args.max_seconds,
                lambda i: (
                    "POST",
                    f"/api/v1/cases/{created[i % len(created)]}/messages",
                    {"text": f"We are on it ({i})."},
                    201,
                ),
            )
        )
        rss = server.peak_rss_mb()
        load_after = os.getloadavg()[0]
        server.stop()
        server = None
        queries = count_list_queries(inst, token)
        print(
            f"\n### {args.db}, {args.cases:,} seeded cases, {args.clients} clients "
            f"({args.create_clients} creating), {args.workers} worker(s)\n"
        )
        print(f"seed --cases {args.cases}: {seeded:.1f} s (command wall time)\n")
        print("| operation | requests | req/s | p50 ms | p95 ms | server CPU ms/req | errors |")
        print("|---|---|---|---|---|---|---|")
        for r in results:
            print(r.row())
        print(f"\nserver peak RSS: {rss:.0f} MB; list endpoint queries: {queries}")
        print(
            f"machine: {os.cpu_count()} cores; load average (1 min) "
            f"{load_before:.1f} before, {load_after:.1f} after"
        )
    finally:
        if server is not None:
            server.stop()
        if not args.keep:
            inst.drop()
        else:
            log(f"kept {inst.data}" + (f" and database {inst.pg_name}" if args.db == "postgres" else ""))


if __name__ == "__main__":
    main()
