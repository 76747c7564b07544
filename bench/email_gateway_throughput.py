"""Inbound throughput through the SMTP gateway: N messages over C concurrent SMTP
connections, each answered 250 only once stored (a new case, or a reply that
threads onto one). Prints messages per second.

    .venv/bin/python bench/email_gateway_throughput.py --help
    .venv/bin/python bench/email_gateway_throughput.py --messages 1000
    .venv/bin/python bench/email_gateway_throughput.py \
        --database postgres://postgres@127.0.0.1:5432/bench_cw_email

SQLite runs on a fresh file in a temporary folder; a PostgreSQL database named
in --database is dropped and re-created (use a name of your own).
"""

from __future__ import annotations

import argparse
import os
import smtplib
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse


def _parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--messages", type=int, default=1000, help="how many messages to send (default 1000)")
    parser.add_argument("--connections", type=int, default=4, help="concurrent SMTP clients (default 4)")
    parser.add_argument("--per-connection", type=int, default=50, help="messages per SMTP session")
    parser.add_argument(
        "--replies",
        type=float,
        default=0.5,
        help="share of messages that reply to an earlier one (default 0.5)",
    )
    parser.add_argument("--database", default="", help="postgres://... (default: SQLite in a temp folder)")
    parser.add_argument(
        "--sort-before-250",
        action="store_true",
        help="sort each message (thread, contact, case) before answering, "
        "instead of storing it and sorting after",
    )
    return parser.parse_args()


def _prepare_postgres(url: str) -> None:
    import psycopg

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


def _send_chunk(job: tuple[int, list[bytes]]) -> list[str]:
    """One SMTP session sending a run of messages (in a client process)."""
    port, messages = job
    failed = []
    with smtplib.SMTP("127.0.0.1", port, timeout=120) as smtp:
        for raw in messages:
            try:
                smtp.sendmail("customer@customer.example", ["support@bench.example"], raw)
            except smtplib.SMTPException as exc:
                failed.append(str(exc))
    return failed


def main() -> None:
    args = _parse()
    folder = Path(tempfile.mkdtemp(prefix="cw-email-bench-"))
    os.environ["CASEWORK_DATA_DIR"] = str(folder)
    os.environ["CASEWORK_DEBUG"] = "1"
    # The database task backend, as a one-machine installation runs it: each
    # acknowledgement costs one queued task row; no worker runs during the bench.
    os.environ["CASEWORK_TASKS_BACKEND"] = "database"
    os.environ["CASEWORK_LOG_LEVEL"] = "WARNING"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casework.config.settings")
    if args.database:
        _prepare_postgres(args.database)
        os.environ["CASEWORK_DATABASE_URL"] = args.database
    else:
        os.environ["CASEWORK_DATABASE_URL"] = f"sqlite:///{folder / 'bench.db'}"
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from casework.channels import mailboxes, services
    from casework.channels.gateway import make_controller
    from casework.iam.models import Team, User

    admin = User.objects.create_user("bench@staff.example", "x", role="admin")
    team = Team.objects.create(name="Bench")
    # Acknowledgements are queued (a delivery row and a task row each), not sent: no worker runs.
    mailboxes.create_mailbox(
        admin, address="support@bench.example", team=team, smtp_host="127.0.0.1", smtp_port=9
    )
    import socket

    from django.conf import settings

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    controller = make_controller("127.0.0.1", port, spool=not args.sort_before_250)
    controller.start()

    from email.message import EmailMessage

    def message(i: int) -> bytes:
        msg = EmailMessage()
        sender = f"customer{i % 200}@customer{i % 50}.example"
        msg["From"] = f"Customer {i % 200} <{sender}>"
        msg["To"] = "support@bench.example"
        msg["Message-ID"] = f"<bench.{i}@customer.example>"
        reply_to = i - 200 if i >= 200 and (i * 7919 % 100) < args.replies * 100 else None
        if reply_to is not None:
            msg["Subject"] = f"Re: Problem number {reply_to}"
            msg["In-Reply-To"] = f"<bench.{reply_to}@customer.example>"
        else:
            msg["Subject"] = f"Problem number {i}"
        msg.set_content(f"Hello,\n\nthis is message {i}. Something is broken.\n\nRegards\n")
        msg.add_alternative(f"<p>Hello,</p><p>this is message <b>{i}</b>.</p>", subtype="html")
        return bytes(msg)

    bodies = [message(i) for i in range(args.messages)]
    chunks = [
        list(range(i, min(i + args.per_connection, args.messages)))
        for i in range(0, args.messages, args.per_connection)
    ]
    errors: list[str] = []
    started, cpu_started = time.perf_counter(), time.process_time()
    # The mail clients run in their own processes, so the CPU measured below is the gateway's.
    import multiprocessing

    with multiprocessing.get_context("fork").Pool(args.connections) as pool:
        for failed in pool.imap_unordered(_send_chunk, [(port, [bodies[i] for i in c]) for c in chunks]):
            errors += failed
    elapsed = time.perf_counter() - started
    cpu = time.process_time() - cpu_started  # the gateway's process (not the clients, not the DB server)
    controller.stop()

    from casework.channels.models import InboundMessage

    sort_seconds = 0.0
    if not args.sort_before_250:  # then sort what was stored, as the worker would
        from casework.channels import selectors as sel

        sort_started = time.perf_counter()
        for inbound_id in sel.received_to_sort(older_than_seconds=-3600, limit=args.messages):
            services.process_received(inbound_id)
        sort_seconds = time.perf_counter() - sort_started
    stored = InboundMessage.objects.count()
    outcomes = {
        o: InboundMessage.objects.filter(outcome=o).count()
        for o in ("received", "new_case", "posted", "burst")
    }
    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    print(
        f"{engine}: {args.messages} messages over {args.connections} connections in {elapsed:.2f} s = "
        f"{args.messages / elapsed:.1f} messages/s; stored {stored} {outcomes}; errors {len(errors)}; "
        f"CPU {cpu:.1f} s = {1000 * cpu / args.messages:.1f} ms per message "
        f"(ceiling on one free core: {args.messages / cpu:.0f} messages/s); "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    if sort_seconds:
        print(
            f"then sorting them in one worker: {sort_seconds:.2f} s = "
            f"{args.messages / sort_seconds:.1f} messages/s"
        )
    if errors:
        print("first error:", errors[0])


if __name__ == "__main__":
    main()
