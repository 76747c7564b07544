"""Bulk creation of generated cases for load tests and benchmarks.

Skips the per-case services on purpose (100,000 cases in well under a minute):
it writes what open_case would, in batches: the case, its "created" timeline
event and its search document, with numbers reserved in one block.

The ORM's bulk_create spends most of its time preparing each value of each
model instance in Python; here the rows are plain tuples written with the
driver's executemany, the ids are reserved up front (so events and search
documents need no round trip back), and the columns the generator does not
vary get their model default, prepared once. Search documents are inserted
like any other row, so SQLite's FTS triggers (and PostgreSQL's GIN index)
keep the full-text index in the same transaction as the cases.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import NOT_PROVIDED

from casework.accounts.models import Account, Contact, ContactEmail
from casework.cases.domain import Priority, Status, format_number
from casework.cases.models import Case, TimelineEvent
from casework.cases.selectors import SEARCH_KIND
from casework.cases.services import reserve_numbers
from casework.core import clock
from casework.core.models import SearchDocument
from casework.iam.models import Team, User

WORDS = [
    "invoice",
    "refund",
    "login",
    "password",
    "export",
    "report",
    "printer",
    "api",
    "webhook",
    "sso",
    "billing",
    "address",
    "upgrade",
    "error",
    "timeout",
    "crash",
    "slow",
    "missing",
    "duplicate",
    "charge",
    "account",
    "user",
    "access",
    "permission",
    "email",
    "sync",
    "mobile",
    "app",
    "dashboard",
    "label",
    "shipping",
    "order",
    "payment",
    "card",
    "tax",
    "discount",
]
STATUSES = [
    Status.NEW,
    Status.OPEN,
    Status.OPEN,
    Status.OPEN,
    Status.PENDING,
    Status.ON_HOLD,
    Status.RESOLVED,
    Status.CLOSED,
    Status.CLOSED,
    Status.CANCELLED,
]
BATCH = 10_000


def _fixtures(rng: random.Random) -> tuple[list[Team], list[User], list[Contact]]:
    teams = list(Team.objects.all()[:10])
    if not teams:
        teams = [Team.objects.create(name=f"Load team {i}") for i in range(5)]
    agents = list(User.objects.filter(role__in=["agent", "lead"])[:50])
    if not agents:
        agents = [
            User.objects.create_user(f"load-agent-{i}@example.com", None, role="agent", name=f"Agent {i}")
            for i in range(20)
        ]
    contacts = list(Contact.objects.all()[:500])
    if len(contacts) < 50:
        account = Account.objects.create(name="Load Test Inc", email_domains=["load.example"])
        start = Contact.objects.count()
        new = Contact.objects.bulk_create(
            [Contact(name=f"Customer {start + i}", account=account) for i in range(200)]
        )
        ContactEmail.objects.bulk_create(
            [
                ContactEmail(contact=c, address=f"customer{start + i}@load.example", is_primary=True)
                for i, c in enumerate(new)
            ]
        )
        contacts += new
    return teams, agents, contacts


def _defaults(model: Any, varying: list[str]) -> tuple[list[str], list[Any]]:
    """Columns and prepared default values of `model`'s fields not in `varying`."""
    columns, values = [], []
    for f in model._meta.concrete_fields:
        if f.primary_key or f.attname in varying or f.name in varying:
            continue
        default = f.get_default() if f.default is not NOT_PROVIDED or not f.null else None
        columns.append(f.column)
        values.append(f.get_db_prep_save(default, connection))
    return columns, values


def _insert_sql(table: str, columns: list[str]) -> str:
    quote = connection.ops.quote_name
    names = ", ".join(quote(c) for c in columns)
    marks = ", ".join(["%s"] * len(columns))
    return f"INSERT INTO {quote(table)} ({names}) VALUES ({marks})"


def _reserve_ids(model: Any, count: int) -> list[int]:
    """`count` fresh primary keys for `model`; call inside the loading transaction."""
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, count]
            )
            return [row[0] for row in cursor.fetchall()]
        # SQLite: the transaction holds the write lock (BEGIN IMMEDIATE), so nobody
        # else takes ids meanwhile; AUTOINCREMENT never reuses one that was given out.
        cursor.execute(
            "SELECT MAX(v) FROM (SELECT MAX(id) AS v FROM " + connection.ops.quote_name(table) + " "
            "UNION ALL SELECT seq FROM sqlite_sequence WHERE name = %s)",
            [table],
        )
        last = cursor.fetchone()[0] or 0
        return list(range(last + 1, last + 1 + count))


def _tune_sqlite_for_bulk_load() -> None:
    """A larger page cache and in-memory temp storage while loading (this connection only)."""
    if connection.vendor == "sqlite" and not connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA cache_size = -200000")
            cursor.execute("PRAGMA temp_store = MEMORY")


def bulk_create_cases(count: int, *, rng: random.Random, spread: timedelta) -> Iterator[int]:
    teams, agents, contacts = _fixtures(rng)
    _tune_sqlite_for_bulk_load()
    first = reserve_numbers(count)
    prefix = settings.CASE_NUMBER_PREFIX
    end = clock.now()
    adapt = connection.ops.adapt_datetimefield_value

    case_varying = [
        "id", "number", "title", "description", "status", "priority", "channel", "contact_id",
        "account_id", "team_id", "assignee_id", "created_at", "updated_at", "status_changed_at",
    ]  # fmt: skip
    case_rest, case_rest_values = _defaults(Case, case_varying)
    case_sql = _insert_sql(Case._meta.db_table, case_varying + case_rest)
    event_varying = ["case_id", "kind", "actor_kind", "actor_label", "visibility", "data", "created_at"]
    event_rest, event_rest_values = _defaults(TimelineEvent, event_varying)
    event_sql = _insert_sql(TimelineEvent._meta.db_table, event_varying + event_rest)
    doc_sql = _insert_sql(SearchDocument._meta.db_table, ["kind", "object_id", "title", "body"])

    team_ids = [t.pk for t in teams]
    agent_ids = [a.pk for a in agents]
    people = [(c.pk, c.account_id) for c in contacts]
    priorities = [int(p) for p in Priority]
    statuses = [str(s.value) for s in STATUSES]
    new = str(Status.NEW.value)
    channels = ["email", "portal", "api", "phone"]
    rest = tuple(case_rest_values)
    event_tail = tuple(event_rest_values)
    words_of = WORDS
    done = 0
    while done < count:
        size = min(BATCH, count - done)
        cases, events, docs = [], [], []
        with transaction.atomic():
            ids = _reserve_ids(Case, size)
            for i, case_id in enumerate(ids):
                created: datetime = end - spread * rng.random()
                status = rng.choice(statuses)
                contact_id, account_id = rng.choice(people)
                w = rng.sample(words_of, 4)
                title = f"{w[0].capitalize()} {w[1]} {w[2]} problem"
                description = f"The {w[0]} {w[3]} is not working since {created:%d %B}."
                at = adapt(created)
                cases.append(
                    (
                        case_id,
                        format_number(prefix, first + done + i),
                        title,
                        description,
                        status,
                        rng.choice(priorities),
                        rng.choice(channels),
                        contact_id,
                        account_id,
                        rng.choice(team_ids),
                        None if status == new else rng.choice(agent_ids),
                        at,
                        adapt(created + timedelta(hours=rng.random() * 48)),
                        at,
                        *rest,
                    )
                )
                events.append(
                    (
                        case_id,
                        "created",
                        "system",
                        "bulk load",
                        "public",
                        json.dumps({"title": title}),
                        at,
                        *event_tail,
                    )
                )
                docs.append((SEARCH_KIND, case_id, title, description))
            with connection.cursor() as cursor:
                cursor.executemany(case_sql, cases)
                cursor.executemany(event_sql, events)
                cursor.executemany(doc_sql, docs)
        done += size
        yield done
    _refresh_statistics()


def _refresh_statistics() -> None:
    """Give PostgreSQL's planner statistics for the rows just loaded.

    Without them (autovacuum analyzes later, on its own schedule) the open-cases
    queue was planned as a bitmap scan and sort of every open case of the team
    (31 ms at 100,000 cases) instead of a walk down `case_status_prio` (0.1 ms).
    """
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        tables = [Case._meta.db_table, TimelineEvent._meta.db_table, SearchDocument._meta.db_table]
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE " + ", ".join(connection.ops.quote_name(t) for t in tables))
