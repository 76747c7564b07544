"""An event loop whose servers share new connections fairly between worker processes.

With several web workers, uvicorn hands each one the same listening socket.
Every worker's loop wakes when a connection waits, and the first to run accepts
everything queued: two or four keep-alive clients that connect at once often all
land on one worker, whose process then does all their work on one core while
the other worker idles (two clients creating cases, the same code in the same
minutes: 216 and 263 cases/s with one worker doing it all, 302 with the two
clients shared).

Here a worker accepts at once only while it holds no connection; holding some,
it waits `CASEWORK_ACCEPT_WAIT_MS` (2) for each, three times that at most, before
it accepts, so a worker holding fewer takes the next one first, and a busy
worker (its loop late) leaves new connections to an idle one. The price: while
both workers hold three or more connections, each accepts at most one new one
per 6 ms, about 330 a second for two workers. Browsers, API clients with
keep-alive and a proxy's pool reuse theirs; behind a balancer that opens a
connection per request, set `CASEWORK_ACCEPT_WAIT_MS=0`. Only servers on an
inherited socket (several workers) are affected; a single worker binds its own
and accepts as usual.

    uvicorn.run(..., loop="casework.config.balanced_accept:new_event_loop")
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import Callable
from typing import Any

import uvloop

from casework.config.env import accept_wait_seconds

WAIT_PER_CONNECTION = accept_wait_seconds()  # per connection held
LONGEST_WAIT = 3 * WAIT_PER_CONNECTION
RETRY_AFTER_ERROR = 0.01  # seconds: out of file descriptors, say


def accept_delay(held: int) -> float:
    """Seconds a worker holding `held` open connections waits before accepting another."""
    return min(held * WAIT_PER_CONNECTION, LONGEST_WAIT)


class BalancedServer:
    """Accepts from an inherited listening socket (what `create_server` returns:
    `sockets`, `close`, `wait_closed`, `is_serving`)."""

    def __init__(
        self, loop: asyncio.AbstractEventLoop, sock: socket.socket, factory: Callable[[], Any], backlog: int
    ) -> None:
        sock.setblocking(False)
        sock.listen(backlog)  # the supervisor only binds it
        self.sockets = [sock]
        self._loop = loop
        self._factory = factory
        self._transports: list[asyncio.BaseTransport] = []
        self._task = loop.create_task(self._serve())

    async def _serve(self) -> None:
        sock = self.sockets[0]
        while True:
            await self._readable(sock)
            self._transports = [t for t in self._transports if not t.is_closing()]
            if self._transports:
                await asyncio.sleep(accept_delay(len(self._transports)))
            try:
                conn, _ = sock.accept()
            except (BlockingIOError, InterruptedError):
                continue  # another worker took it
            except OSError:  # out of file descriptors, a reset before accept: try again shortly
                await asyncio.sleep(RETRY_AFTER_ERROR)
                continue
            conn.setblocking(False)
            if conn.family in (socket.AF_INET, socket.AF_INET6):
                conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            try:
                transport, _ = await self._loop.connect_accepted_socket(self._factory, conn)
            except OSError:
                conn.close()
                continue
            self._transports.append(transport)

    async def _readable(self, sock: socket.socket) -> None:
        ready: asyncio.Future[None] = self._loop.create_future()

        def wake() -> None:
            if not ready.done():
                ready.set_result(None)

        self._loop.add_reader(sock.fileno(), wake)
        try:
            await ready
        finally:
            self._loop.remove_reader(sock.fileno())

    def is_serving(self) -> bool:
        return not self._task.done()

    def close(self) -> None:
        self._task.cancel()

    async def wait_closed(self) -> None:
        with contextlib.suppress(asyncio.CancelledError):
            await self._task


class BalancedLoop(uvloop.Loop):  # type: ignore[misc]
    async def create_server(self, protocol_factory: Callable[[], Any], *args: Any, **kwargs: Any) -> Any:
        sock = kwargs.get("sock")
        if sock is None or args or kwargs.get("ssl") is not None:
            return await super().create_server(protocol_factory, *args, **kwargs)
        return BalancedServer(self, sock, protocol_factory, kwargs.get("backlog", 100))


def new_event_loop() -> asyncio.AbstractEventLoop:
    return BalancedLoop()
