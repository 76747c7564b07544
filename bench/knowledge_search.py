"""Knowledge base search latency: N published articles, then timed searches the
way the public KB runs them (scoped queryset + full-text ids); prints p50/p95.

    .venv/bin/python bench/knowledge_search.py                     # SQLite, 10,000 articles
    .venv/bin/python bench/knowledge_search.py --database-url postgres://postgres@127.0.0.1:5432/bench_kb

The database named in --database-url is created, filled and dropped (SQLite: a
temporary file). Target (issue 8): p95 <= 30 ms with 10,000 articles.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

WORDS = [
    "printer",
    "label",
    "invoice",
    "refund",
    "password",
    "reset",
    "login",
    "sso",
    "azure",
    "webhook",
    "delivery",
    "export",
    "csv",
    "report",
    "billing",
    "address",
    "plan",
    "upgrade",
    "seat",
    "user",
    "account",
    "api",
    "token",
    "error",
    "timeout",
    "sync",
    "mobile",
    "app",
    "email",
    "notification",
    "calendar",
    "holiday",
    "schedule",
    "backup",
    "restore",
    "import",
    "contact",
    "phone",
    "chat",
    "widget",
    "portal",
    "survey",
    "feedback",
    "integration",
    "slack",
    "teams",
    "permission",
    "role",
    "admin",
    "audit",
    "security",
    "encryption",
]
QUERIES = ["password", "printer label", "invoice refund", "sso login", "webhook", "export csv", "api token",
           "backup restore", "mobile app sync", "zzzz nothing", "reset", "billing address plan"]  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--searches", type=int, default=300)
    parser.add_argument(
        "--database-url", default="", help="postgres://... (default: a temporary SQLite file)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the PostgreSQL database afterwards")
    parser.add_argument("--explain", action="store_true", help="print the plan of one search")
    args = parser.parse_args()

    tmp = tempfile.mkdtemp(prefix="cw-kb-bench-")
    os.environ.setdefault("CASEWORK_DATA_DIR", tmp)
    os.environ["CASEWORK_DEBUG"] = "1"
    os.environ["CASEWORK_DATABASE_URL"] = args.database_url or f"sqlite:///{Path(tmp) / 'bench.db'}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "casework.config.settings"
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
    if args.database_url.startswith("postgres"):
        _recreate_postgres(args.database_url)

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    call_command("migrate", verbosity=0)
    from casework.core import clock, search
    from casework.knowledge import selectors
    from casework.knowledge.domain import plain_text, render_markdown
    from casework.knowledge.models import Article
    from casework.knowledge.services import SEARCH_KIND

    rng = random.Random(8)
    # A realistic vocabulary: the topic words above plus a long tail of other words, so that a
    # query matches a few hundred articles, not all of them.
    tail = [
        f"{a}{b}{c}" for a in "bcdfghklmnprstv" for b in "aeiou" for c in ("lar", "nto", "ster", "mik", "dor")
    ]

    def words(k: int) -> list[str]:
        return [rng.choice(WORDS) if rng.random() < 0.03 else rng.choice(tail) for _ in range(k)]

    started = time.perf_counter()
    now = clock.now()
    with transaction.atomic():
        rows = []
        for i in range(args.articles):
            title = " ".join([rng.choice(WORDS), *words(5)]).capitalize()
            body = " ".join(words(120))
            status = "published" if i % 10 else rng.choice(["draft", "archived"])
            rows.append(
                Article(
                    title=title,
                    slug=f"a-{i}",
                    body=body,
                    body_html=render_markdown(body),
                    status=status,
                    is_internal=i % 17 == 0,
                    created_at=now,
                    updated_at=now,
                )
            )
        Article.objects.bulk_create(rows, batch_size=2000)
        search.bulk_index(SEARCH_KIND, ((a.pk, a.title, plain_text(a.body)) for a in Article.objects.all()))
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    print(
        f"{connection.vendor}: {args.articles} articles loaded in {time.perf_counter() - started:.1f}s",
        flush=True,
    )

    timings = []
    for i in range(args.searches):
        query = QUERIES[i % len(QUERIES)]
        t0 = time.perf_counter()
        found = selectors.search_articles(None, query, limit=20)
        timings.append((time.perf_counter() - t0) * 1000)
        if i < len(QUERIES):
            print(f"  {query!r}: {len(found)} results", flush=True)
    timings.sort()
    p95 = timings[int(len(timings) * 0.95) - 1]
    print(
        f"{connection.vendor}: {args.searches} searches, p50 {statistics.median(timings):.1f} ms, "
        f"p95 {p95:.1f} ms, max {timings[-1]:.1f} ms (target p95 <= 30 ms)"
    )
    if args.explain:
        with selectors._text_index_first():
            query = selectors._matching(selectors.readable_articles(None), "password")
            ordered = query.order_by("-view_count", "title")[:20]
            plan = ordered.explain(analyze=True) if connection.vendor == "postgresql" else ordered.explain()
        print(plan)
    connection.close()
    if args.database_url.startswith("postgres") and not args.keep:
        _drop_postgres(args.database_url)
    return 0 if p95 <= 30 else 1


def _admin_connection(url: str):  # type: ignore[no-untyped-def]
    from urllib.parse import urlparse

    import psycopg

    parsed = urlparse(url)
    admin = parsed._replace(path="/postgres").geturl().replace("postgres://", "postgresql://", 1)
    return psycopg.connect(admin, autocommit=True), parsed.path.lstrip("/")


def _recreate_postgres(url: str) -> None:
    conn, name = _admin_connection(url)
    with conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


def _drop_postgres(url: str) -> None:
    conn, name = _admin_connection(url)
    with conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')


if __name__ == "__main__":
    raise SystemExit(main())
