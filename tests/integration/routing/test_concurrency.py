"""Capacity is exact under concurrency: two cases routed at the same moment never
both take an agent's last unit (row lock on the agent's state on PostgreSQL)."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable

import pytest
from django.db import connection, transaction

from casework.cases import services as case_services
from casework.cases.models import Case
from casework.core.actors import Actor
from casework.routing import services
from casework.routing.models import AgentState, CapacityHold
from tests.factories import ContactFactory, TeamFactory, UserFactory

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]

AGENTS, CAPACITY, CASES, THREADS = 5, 10, 200, 20


def _in_threads(work: Callable[[int], None]) -> list[BaseException]:
    barrier = threading.Barrier(THREADS)
    errors: list[BaseException] = []

    def run(n: int) -> None:
        try:
            barrier.wait()
            work(n)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors


def _assert_no_agent_above_capacity(agents: list) -> None:
    held = Counter(CapacityHold.objects.values_list("user_id", flat=True))
    owned = Counter(Case.objects.exclude(assignee=None).values_list("assignee_id", flat=True))
    for a in agents:
        state = AgentState.objects.get(user=a)
        assert state.load <= CAPACITY, f"{a} holds {state.load} units"
        assert held[a.pk] == owned[a.pk] == state.load
    assert sum(owned.values()) == AGENTS * CAPACITY  # everyone filled exactly, the rest wait


def _team_with_agents(presence: str) -> tuple[object, list]:
    team = TeamFactory(name="Load test")
    agents = [UserFactory(name=f"Agent {i}", teams=[team]) for i in range(AGENTS)]
    for a in agents:
        AgentState.objects.create(user=a, capacity=CAPACITY, presence=presence)
    return team, agents


def test_twenty_threads_routing_200_waiting_cases_never_exceed_any_capacity() -> None:
    team, agents = _team_with_agents("offline")
    contacts = [ContactFactory() for _ in range(CASES)]
    cases = [
        case_services.open_case(Actor.customer(c), title=f"Case {i}", team=team, contact=c)
        for i, c in enumerate(contacts)
    ]
    AgentState.objects.update(presence="online")
    ids = [c.pk for c in cases]

    def work(n: int) -> None:
        for case_id in ids[n::THREADS]:
            with transaction.atomic():
                services.route_case(case_id)

    assert _in_threads(work) == []
    _assert_no_agent_above_capacity(agents)


def test_twenty_threads_opening_200_cases_never_exceed_any_capacity() -> None:
    team, agents = _team_with_agents("online")
    contacts = [ContactFactory() for _ in range(CASES)]

    def work(n: int) -> None:
        for i in range(n, CASES, THREADS):
            case_services.open_case(
                Actor.customer(contacts[i]), title=f"Case {i}", team=team, contact=contacts[i]
            )

    assert _in_threads(work) == []
    _assert_no_agent_above_capacity(agents)
    assert Case.objects.filter(assignee=None).count() == CASES - AGENTS * CAPACITY
