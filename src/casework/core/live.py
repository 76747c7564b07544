"""Live updates: a broker that carries small JSON events from the process that
made a change to every open server-sent-events stream.

In-process by default (one server process); with `settings.REDIS_URL` set,
events go through Redis pub/sub so that every web process sees every event.
Publishing is synchronous (it runs in after-commit handlers); subscribing is an
async iterator (it runs in the async SSE view).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import threading
from collections.abc import AsyncIterator
from typing import Any

from django.conf import settings

log = logging.getLogger(__name__)

CHANNEL = "casework:live"


def _offer(queue: asyncio.Queue[dict[str, Any]], event: dict[str, Any]) -> None:
    """A stream too slow to keep up misses events rather than holding memory;
    its page catches up on the next event or reload."""
    with contextlib.suppress(asyncio.QueueFull):
        queue.put_nowait(event)


class LocalBroker:
    """Fan-out inside this process: one asyncio queue per subscriber."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._subscribers: set[tuple[asyncio.AbstractEventLoop, asyncio.Queue[dict[str, Any]]]] = set()

    def listened(self) -> bool:
        return bool(self._subscribers)

    def publish(self, event: dict[str, Any]) -> None:
        with self._lock:
            subscribers = list(self._subscribers)
        for loop, queue in subscribers:
            with contextlib.suppress(RuntimeError):  # that subscriber's loop has closed
                loop.call_soon_threadsafe(_offer, queue, event)

    async def subscribe(self, heartbeat: float = 15.0) -> AsyncIterator[dict[str, Any] | None]:
        """None once subscribed, then every event published; None after `heartbeat` idle seconds."""
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue(maxsize=1000)
        entry = (asyncio.get_running_loop(), queue)
        with self._lock:
            self._subscribers.add(entry)
        try:
            yield None  # subscribed: nothing published from now on is missed
            while True:
                try:
                    yield await asyncio.wait_for(queue.get(), timeout=heartbeat)
                except TimeoutError:
                    yield None
        finally:
            with self._lock:
                self._subscribers.discard(entry)


class RedisBroker:
    """Fan-out across processes through one Redis pub/sub channel."""

    def __init__(self, url: str, channel: str = CHANNEL) -> None:
        self.url = url
        self.channel = channel
        self._client: Any = None

    def listened(self) -> bool:
        return True  # by a stream in another process, perhaps: asking would cost a round trip

    def publish(self, event: dict[str, Any]) -> None:
        import redis

        if self._client is None:
            self._client = redis.Redis.from_url(self.url)
        self._client.publish(self.channel, json.dumps(event, default=str))

    async def subscribe(self, heartbeat: float = 15.0) -> AsyncIterator[dict[str, Any] | None]:
        """Every event published from now on by any process; None after idle seconds."""
        import redis.asyncio as aredis

        client = aredis.Redis.from_url(self.url)
        pubsub = client.pubsub()
        await pubsub.subscribe(self.channel)
        try:
            yield None  # subscribed: nothing published from now on is missed
            while True:
                message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=heartbeat)
                if message is None:
                    yield None
                    continue
                if message.get("type") != "message":
                    continue
                try:
                    yield json.loads(message["data"])
                except ValueError:
                    log.warning("ignored a live event that is not JSON")
        finally:
            await pubsub.unsubscribe(self.channel)
            await pubsub.aclose()
            await client.aclose()


_broker: LocalBroker | RedisBroker | None = None
_broker_lock = threading.Lock()


def broker() -> LocalBroker | RedisBroker:
    global _broker
    with _broker_lock:
        if _broker is None:
            url = getattr(settings, "REDIS_URL", None)
            _broker = RedisBroker(url) if url else LocalBroker()
        return _broker


def listened() -> bool:
    """Whether an event published now may reach a stream: one that nobody can hear
    need not be worked out."""
    return broker().listened()


def publish(event: dict[str, Any]) -> None:
    """Send one event to every subscriber; a broken broker never breaks the change."""
    try:
        broker().publish(event)
    except Exception:
        log.exception("could not publish a live event")


def sse_frame(event: str, data: dict[str, Any] | str, *, event_id: str | None = None) -> str:
    """One server-sent event (WHATWG HTML, "Server-sent events")."""
    payload = data if isinstance(data, str) else json.dumps(data, default=str)
    lines = [f"event: {event}"]
    if event_id:
        lines.append(f"id: {event_id}")
    lines += [f"data: {line}" for line in payload.splitlines() or [""]]
    return "\n".join(lines) + "\n\n"
