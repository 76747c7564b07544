"""Live updates: committed case changes become events on the agents' streams,
each agent seeing only the cases they may see."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from django.db import connection, connections
from django.test import AsyncClient
from django.test.utils import CaptureQueriesContext

from casework.cases import services
from casework.cases.views import _may_see
from casework.core import live
from casework.core.actors import Actor
from tests.factories import UserFactory


def test_a_reply_is_announced_only_after_commit(
    agent: Any, make_case: Any, monkeypatch: Any, django_capture_on_commit_callbacks: Any
) -> None:
    sent: list[dict[str, Any]] = []
    monkeypatch.setattr(live, "publish", sent.append)
    monkeypatch.setattr(live, "listened", lambda: True)
    case = make_case()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.post_reply(Actor.agent(agent), case, text="On it")
        assert sent == []
    for callback in callbacks:
        callback()
    kinds = [(e["kind"], e.get("message_kind")) for e in sent]
    assert ("message", "reply") in kinds and ("changed", None) in kinds
    message = next(e for e in sent if e["kind"] == "message")
    assert message["number"] == case.number and message["actor_user_id"] == agent.pk
    assert message["team_id"] == case.team_id


def test_nothing_is_worked_out_for_a_stream_nobody_has_open(
    agent: Any, make_case: Any, monkeypatch: Any, django_capture_on_commit_callbacks: Any
) -> None:
    monkeypatch.setattr(live, "_broker", live.LocalBroker())  # this process, no stream open
    sent: list[dict[str, Any]] = []
    monkeypatch.setattr(live, "publish", sent.append)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        make_case()
    with CaptureQueriesContext(connection) as queries:
        for callback in callbacks:
            callback()
    assert sent == [] and len(queries) == 0


def test_agents_see_events_of_their_teams_and_their_own_cases(db: Any, team: Any) -> None:
    agent = UserFactory(role="agent", teams=[team])
    lead = UserFactory(role="lead")
    partner = UserFactory(role="partner_agent", teams=[team])
    theirs = {"team_id": team.pk + 1000, "assignee_id": agent.pk}
    ours = {"team_id": team.pk, "assignee_id": None}
    assert _may_see(agent, {team.pk}, ours) and _may_see(agent, {team.pk}, theirs)
    assert _may_see(lead, set(), theirs)
    assert _may_see(partner, {team.pk}, ours) and not _may_see(
        partner, {team.pk}, {**theirs, "assignee_id": partner.pk}
    )


@pytest.mark.django_db(transaction=True)
def test_the_stream_sends_a_teammates_reply(team: Any, make_case: Any) -> None:
    watcher = UserFactory(role="agent", teams=[team])
    writer = UserFactory(role="agent", teams=[team])
    case = make_case()
    live._broker = live.LocalBroker()

    async def scenario() -> str:
        client = AsyncClient()
        await client.aforce_login(watcher)
        response = await client.get("/events/stream")
        assert response["Content-Type"] == "text/event-stream"
        frames = response.streaming_content
        assert "event: ready" in (await asyncio.wait_for(anext(frames), 5)).decode()
        await sync_to_async(services.post_reply)(Actor.agent(writer), case, text="Hello")
        try:
            while True:
                frame = (await asyncio.wait_for(anext(frames), 5)).decode()
                if '"kind": "message"' in frame:
                    await frames.aclose()
                    return frame
        finally:
            # The sync thread's own connection, or the test database could not be dropped.
            await sync_to_async(connections.close_all)()

    try:
        frame = asyncio.run(scenario())
    finally:
        live._broker = None
    assert case.number in frame and "event: case" in frame


def test_the_stream_wants_a_signed_in_agent(db: Any) -> None:
    async def scenario() -> int:
        return (await AsyncClient().get("/events/stream")).status_code

    assert asyncio.run(scenario()) == 401


@pytest.mark.redis
def test_an_event_published_by_one_process_reaches_a_stream_of_another(redis_url: str) -> None:
    url = redis_url.rsplit("/", 1)[0] + "/3"
    channel = "casework:live:test"
    web_one, web_two = live.RedisBroker(url, channel), live.RedisBroker(url, channel)

    async def scenario() -> Any:
        stream = web_two.subscribe(heartbeat=5)
        assert await anext(stream) is None  # subscribed
        await asyncio.to_thread(web_one.publish, {"number": "CS-2001", "kind": "message"})
        event = await asyncio.wait_for(anext(stream), 5)
        while event is None:
            event = await asyncio.wait_for(anext(stream), 5)
        await stream.aclose()
        return event

    assert asyncio.run(scenario()) == {"number": "CS-2001", "kind": "message"}
