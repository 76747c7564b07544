"""The in-process live-update broker: what one request publishes reaches every open stream."""

from __future__ import annotations

import asyncio
import threading

from casework.core.live import LocalBroker, sse_frame


def test_an_event_published_from_a_request_thread_reaches_every_subscriber() -> None:
    broker = LocalBroker()

    async def scenario() -> list[dict]:
        first, second = broker.subscribe(heartbeat=5), broker.subscribe(heartbeat=5)
        assert await anext(first) is None and await anext(second) is None  # both subscribed
        publisher = threading.Thread(target=broker.publish, args=({"number": "CS-1001"},))
        publisher.start()
        received = [await asyncio.wait_for(anext(s), 2) for s in (first, second)]
        publisher.join()
        await first.aclose()
        await second.aclose()
        return received

    assert asyncio.run(scenario()) == [{"number": "CS-1001"}, {"number": "CS-1001"}]
    assert not broker._subscribers  # closed streams leave nothing behind


def test_an_idle_stream_gets_a_heartbeat() -> None:
    broker = LocalBroker()

    async def scenario() -> object:
        stream = broker.subscribe(heartbeat=0.01)
        await anext(stream)
        beat = await asyncio.wait_for(anext(stream), 2)
        await stream.aclose()
        return beat

    assert asyncio.run(scenario()) is None


def test_server_sent_event_frames_follow_the_format() -> None:
    assert sse_frame("case", {"n": 1}) == 'event: case\ndata: {"n": 1}\n\n'
    assert sse_frame("note", "two\nlines") == "event: note\ndata: two\ndata: lines\n\n"
