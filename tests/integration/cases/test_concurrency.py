"""Several agents (or integrations) acting on cases at the same moment, in real threads.

Each thread has its own database connection, as each server worker would, and
closes it when done. On PostgreSQL the threads meet at row locks and unique
indexes; on SQLite at the database write lock (transactions begin IMMEDIATE).

SQLite's in-memory test database is shared between threads through SQLite's
"shared cache", whose table locks fail at once ("database table is locked")
instead of waiting like the real, file-based database does. So on SQLite these
tests copy the test database to a file for their duration (`threads_db`): the
same engine, settings and WAL mode as a real installation.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from django.db import IntegrityError, connection, connections, transaction
from django.test import Client

from casework.accounts.models import Account, Contact
from casework.cases import services
from casework.cases.events import CaseCreated
from casework.cases.models import Case, TimelineEvent
from casework.core import events
from casework.core.actors import Actor
from casework.iam.services import create_token

pytestmark = pytest.mark.django_db(transaction=True)

JOIN_TIMEOUT = 60  # seconds: a deadlock fails the test instead of hanging the suite


@pytest.fixture
def threads_db(transactional_db: Any, tmp_path: Path) -> Iterator[None]:
    """On SQLite in memory, move the test database to a file while the test runs."""
    if connection.vendor != "sqlite" or not connection.is_in_memory_db():
        yield
        return
    connection.ensure_connection()
    memory = connection.connection
    path = tmp_path / "threads.sqlite3"
    target = sqlite3.connect(path)
    memory.backup(target)
    target.close()
    settings_dict = connection.settings_dict  # the same dict every thread's connection is built from
    name = settings_dict["NAME"]
    settings_dict["NAME"] = str(path)
    connection.connection = None  # the next query connects to the file (WAL, IMMEDIATE, as configured)
    try:
        yield
    finally:
        connection.close()
        settings_dict["NAME"] = name
        connection.connection = memory  # the in-memory database lived on through this reference


def in_threads(count: int, work: Callable[[int], Any]) -> list[Any]:
    """Run `work(i)` in `count` threads released together; each closes its connection."""
    barrier = threading.Barrier(count, timeout=JOIN_TIMEOUT)

    def run(i: int) -> Any:
        try:
            barrier.wait()
            return work(i)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=count) as pool:
        futures = [pool.submit(run, i) for i in range(count)]
        return [f.result(timeout=JOIN_TIMEOUT) for f in futures]


def call(token: str, method: str, path: str, body: Any = None, **headers: str) -> tuple[int, Any]:
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    fn = getattr(client, method.lower())
    response = fn(f"/api/v1{path}", json.dumps(body), content_type="application/json", headers=headers)
    return response.status_code, response.json()


def number_value(number: str) -> int:
    return int(number.rsplit("-", 1)[1])


@pytest.mark.parametrize("agents", [2, 8])
def test_agents_opening_cases_at_once_get_distinct_consecutive_numbers(
    threads_db: None, agent: Any, team: Any, agents: int
) -> None:
    token = create_token(agent, "concurrency")[1]
    results = in_threads(
        agents, lambda i: call(token, "POST", "/cases", {"title": f"Outage report {i}", "team": team.pk})
    )
    assert all(status == 201 for status, _ in results), results
    values = sorted(number_value(body["number"]) for _, body in results)
    assert values == list(range(values[0], values[0] + agents))  # distinct, no gaps
    assert Case.objects.count() == agents
    assert TimelineEvent.objects.filter(kind="created").count() == agents


def test_a_rolled_back_creation_gives_its_number_back(threads_db: None, agent: Any, team: Any) -> None:
    actor = Actor.agent(agent)
    before = services.open_case(actor, title="Before", team=team).number
    took_number = threading.Event()
    other_started = threading.Event()
    taken: dict[str, str] = {}

    class Abandon(Exception):
        pass

    def abandoned(_: int) -> None:
        try:
            with transaction.atomic():
                taken["abandoned"] = str(services.open_case(actor, title="Abandoned", team=team).number)
                took_number.set()
                assert other_started.wait(JOIN_TIMEOUT)
                raise Abandon
        except Abandon:
            pass
        finally:
            connections.close_all()

    def other(_: int) -> None:
        try:
            assert took_number.wait(JOIN_TIMEOUT)
            other_started.set()  # now waits for the abandoned creation to let go of the number
            taken["other"] = str(services.open_case(actor, title="Kept", team=team).number)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=2) as pool:
        for future in [pool.submit(abandoned, 0), pool.submit(other, 1)]:
            future.result(timeout=JOIN_TIMEOUT)
    assert number_value(taken["abandoned"]) == number_value(before) + 1
    assert taken["other"] == taken["abandoned"]  # the number came back: no gap
    assert sorted(Case.objects.values_list("title", flat=True)) == ["Before", "Kept"]
    after = services.open_case(actor, title="After", team=team).number
    assert number_value(after) == number_value(before) + 2


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite's write lock holds every writer")
def test_a_creation_whose_handlers_are_slow_holds_up_no_other(
    threads_db: None, agent: Any, team: Any
) -> None:
    """The number is taken after the opening's handlers: while one creation's
    handlers run (a trigger's webhook, a slow rule), another creation completes,
    and the numbers stay consecutive in the order they were taken."""
    actor = Actor.agent(agent)
    before = services.open_case(actor, title="Before", team=team).number
    in_handlers, other_done = threading.Event(), threading.Event()

    def slow(event: CaseCreated) -> None:
        if Case.objects.filter(pk=event.case_id, title="Slow").exists():
            in_handlers.set()
            assert other_done.wait(JOIN_TIMEOUT), "the other creation waited for this one"

    def opened_slowly(_: int) -> str:
        try:
            return str(services.open_case(actor, title="Slow", team=team).number)
        finally:
            connections.close_all()

    def opened_meanwhile(_: int) -> str:
        try:
            assert in_handlers.wait(JOIN_TIMEOUT)
            number = str(services.open_case(actor, title="Quick", team=team).number)
            other_done.set()
            return number
        finally:
            connections.close_all()

    events.subscribe(CaseCreated, slow)
    try:
        with ThreadPoolExecutor(max_workers=2) as pool:
            slowly, meanwhile = pool.submit(opened_slowly, 0), pool.submit(opened_meanwhile, 1)
            quick, slow_number = meanwhile.result(timeout=JOIN_TIMEOUT), slowly.result(timeout=JOIN_TIMEOUT)
    finally:
        events.unsubscribe(CaseCreated, slow)
    assert number_value(quick) == number_value(before) + 1
    assert number_value(slow_number) == number_value(before) + 2


def test_an_opening_commits_with_its_number_then_runs_what_waits_for_the_commit(
    threads_db: None, agent: Any, team: Any
) -> None:
    """An opening that is its own transaction commits with its number's statement
    (on PostgreSQL in the same round trip): the case is stored for every other
    connection, and what waits for the commit runs once, after it."""
    seen: list[tuple[int, bool]] = []

    def after_commit(event: CaseCreated) -> None:
        def stored_elsewhere() -> bool:
            try:
                return Case.objects.filter(pk=event.case_id).exists()
            finally:
                connections.close_all()

        with ThreadPoolExecutor(max_workers=1) as pool:
            seen.append((event.case_id, pool.submit(stored_elsewhere).result(timeout=JOIN_TIMEOUT)))

    events.subscribe(CaseCreated, after_commit, after_commit=True)
    try:
        case = services.open_case(Actor.agent(agent), title="Committed", team=team, tags=["new-tag"])
    finally:
        events.unsubscribe(CaseCreated, after_commit)
    assert seen == [(case.pk, True)]
    stored = Case.objects.get(pk=case.pk)
    assert stored.number == case.number and list(stored.tags.values_list("name", flat=True)) == ["new-tag"]
    assert not connection.in_atomic_block


def test_a_creation_refused_at_commit_stores_nothing_and_leaves_no_gap(
    threads_db: None, agent: Any, team: Any
) -> None:
    """A reference checked at the commit (here an account that does not exist)
    refuses the creation there: no case, no event, and the number is given back."""
    actor = Actor.agent(agent)
    before = services.open_case(actor, title="Before", team=team).number
    with pytest.raises(IntegrityError):
        services.open_case(actor, title="Refused", team=team, account=Account(pk=987_654, name="Gone"))
    assert not Case.objects.filter(title="Refused").exists()
    assert TimelineEvent.objects.filter(kind="created").count() == 1
    after = services.open_case(actor, title="After", team=team).number
    assert number_value(after) == number_value(before) + 1


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="on SQLite a savepoint taken outside a transaction begins one, and its release commits it",
)
def test_an_opening_inside_a_transaction_begun_by_hand_leaves_its_commit_to_the_caller(
    threads_db: None, agent: Any, team: Any
) -> None:
    """With autocommit turned off by the caller, the opening is not its own
    transaction: the caller's rollback takes the case with it."""
    transaction.set_autocommit(False)
    try:
        services.open_case(Actor.agent(agent), title="Left to the caller", team=team)
        transaction.rollback()
    finally:
        transaction.set_autocommit(True)
    assert not Case.objects.filter(title="Left to the caller").exists()


def test_the_same_idempotency_key_sent_at_once_makes_one_case(
    threads_db: None, agent: Any, team: Any
) -> None:
    token = create_token(agent, "concurrency")[1]
    payload = {"title": "Order 5521 arrived broken", "team": team.pk}
    results = in_threads(
        8, lambda i: call(token, "POST", "/cases", payload, **{"Idempotency-Key": "shop-order-5521"})
    )
    assert {status for status, _ in results} == {201}, results
    assert len({body["number"] for _, body in results}) == 1
    assert Case.objects.count() == 1
    assert TimelineEvent.objects.filter(kind="created").count() == 1
    # The number was not burnt by the losers: the next case follows directly.
    follow = call(token, "POST", "/cases", {"title": "Next", "team": team.pk})[1]["number"]
    assert number_value(follow) == number_value(results[0][1]["number"]) + 1


def test_cases_opened_at_once_for_the_same_new_address_share_one_contact(
    threads_db: None, agent: Any, team: Any
) -> None:
    token = create_token(agent, "concurrency")[1]
    contact = {"email": "first.timer@customer.example", "name": "First Timer"}
    results = in_threads(
        8,
        lambda i: call(token, "POST", "/cases", {"title": f"Hello {i}", "team": team.pk, "contact": contact}),
    )
    assert {status for status, _ in results} == {201}, results
    assert len({body["contact"]["id"] for _, body in results}) == 1
    assert Contact.objects.filter(emails__address="first.timer@customer.example").count() == 1
    assert Case.objects.filter(contact__emails__address="first.timer@customer.example").count() == 8


def test_concurrent_edits_with_the_same_etag_one_wins_the_others_get_412(
    threads_db: None, agent: Any, team: Any
) -> None:
    token = create_token(agent, "concurrency")[1]
    number = call(token, "POST", "/cases", {"title": "Printer on fire", "team": team.pk})[1]["number"]
    titles = [f"Printer on fire, edit {i}" for i in range(8)]
    results = in_threads(
        8, lambda i: call(token, "PATCH", f"/cases/{number}", {"title": titles[i]}, **{"If-Match": '"1"'})
    )
    statuses = sorted(status for status, _ in results)
    assert statuses == [200] + [412] * 7, results
    winner = next(body for status, body in results if status == 200)
    for status, body in results:
        if status == 412:
            assert body["field"] == "version" and body["current_version"] == 2
    case = Case.objects.get(number=number)
    assert case.title == winner["title"] and case.version == 2  # the winner's edit is there, once
    changes = TimelineEvent.objects.filter(case=case, kind="field_changed")
    assert [e.data["after"] for e in changes] == [winner["title"]]
    # A loser who re-reads gets the new ETag and can apply their edit on top.
    status, body = call(token, "PATCH", f"/cases/{number}", {"priority": "urgent"}, **{"If-Match": '"2"'})
    assert status == 200 and body["title"] == winner["title"] and body["priority"] == "urgent"
