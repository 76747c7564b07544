"""Bulk creation of generated cases for load tests and benchmarks.

Skips the per-case services on purpose (100,000 cases in well under a minute):
it writes what open_case would, in batches: the case, its "created" timeline
event and its search document, with numbers reserved in one block.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import timedelta

from django.conf import settings
from django.db import transaction

from casework.accounts.models import Account, Contact, ContactEmail
from casework.cases.domain import Priority, Status, format_number
from casework.cases.models import Case, TimelineEvent
from casework.cases.selectors import SEARCH_KIND
from casework.cases.services import reserve_numbers
from casework.core import clock, search
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
BATCH = 5000


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


def bulk_create_cases(count: int, *, rng: random.Random, spread: timedelta) -> Iterator[int]:
    teams, agents, contacts = _fixtures(rng)
    first = reserve_numbers(count)
    prefix = settings.CASE_NUMBER_PREFIX
    end = clock.now()
    done = 0
    while done < count:
        size = min(BATCH, count - done)
        with transaction.atomic():
            rows = []
            for i in range(size):
                created = end - spread * rng.random()
                status = rng.choice(STATUSES)
                contact = rng.choice(contacts)
                words = rng.sample(WORDS, 4)
                assignee = None if status == Status.NEW else rng.choice(agents)
                rows.append(
                    Case(
                        number=format_number(prefix, first + done + i),
                        title=f"{words[0].capitalize()} {words[1]} {words[2]} problem",
                        description=f"The {words[0]} {words[3]} is not working since {created:%d %B}.",
                        status=status,
                        priority=rng.choice(list(Priority)),
                        channel=rng.choice(["email", "portal", "api", "phone"]),
                        contact=contact,
                        account_id=contact.account_id,
                        team=rng.choice(teams),
                        assignee=assignee,
                        created_at=created,
                        updated_at=created + timedelta(hours=rng.random() * 48),
                        status_changed_at=created,
                    )
                )
            cases = Case.objects.bulk_create(rows, batch_size=1000)
            TimelineEvent.objects.bulk_create(
                [
                    TimelineEvent(
                        case=c,
                        kind="created",
                        actor_kind="system",
                        actor_label="bulk load",
                        visibility="public",
                        data={"title": c.title},
                        created_at=c.created_at,
                    )
                    for c in cases
                ],
                batch_size=1000,
            )
            search.bulk_index(SEARCH_KIND, [(c.pk, c.title, c.description) for c in cases])
        done += size
        yield done
