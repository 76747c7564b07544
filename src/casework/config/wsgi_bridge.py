"""Serves Django's WSGI handler to the ASGI server with one hop to a worker thread.

a2wsgi streams both ways: the worker thread waits on the event loop for every
piece of the body it reads and for every piece of the response it sends (the
status and headers, each chunk, the end). Four such hops cost more than the
request under them (0.31 ms of CPU against 0.10 ms for one hop, measured on a
two-line app). Casework's requests are small and its responses are built whole,
so this bridge reads the body on the loop, runs the app in the thread and sends
the finished response from the loop: one hop there and one back.

A body over `buffered_body_limit` (an upload) and a streamed response (a file,
an export) still go piece by piece, the body through a2wsgi and the response
from the worker thread.
"""

from __future__ import annotations

import asyncio
import contextvars
import io
from collections.abc import Awaitable, Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from a2wsgi import WSGIMiddleware
from a2wsgi.wsgi import build_environ

Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
Response = tuple[int, list[tuple[bytes, bytes]], bytes]


class BufferedWSGI:
    def __init__(self, app: Any, *, workers: int, buffered_body_limit: int = 1024 * 1024) -> None:
        self.app = app
        self.limit = buffered_body_limit
        self.pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="casework-web")
        self.streamed = WSGIMiddleware(app, workers=1)
        self.streamed.executor = self.pool  # one set of threads, each with its database connection

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            if not message.get("more_body", False):
                break
            if size > self.limit:  # an upload: the app reads it as it arrives
                await self.streamed(scope, _replaying(chunks, receive), send)  # type: ignore[arg-type]
                return
        loop = asyncio.get_running_loop()
        run = contextvars.copy_context().run
        response = await loop.run_in_executor(
            self.pool, run, self._respond, scope, b"".join(chunks), loop, send
        )
        if response is not None:
            status, headers, body = response
            await send({"type": "http.response.start", "status": status, "headers": headers})
            await send({"type": "http.response.body", "body": body})

    def _respond(
        self, scope: Scope, body: bytes, loop: asyncio.AbstractEventLoop, send: Send
    ) -> Response | None:
        """In a worker thread: the whole response, or None once a streamed one is sent."""
        reply = _Streamed(loop, send)
        iterable = self.app(build_environ(scope, io.BytesIO(body)), reply.start_response)  # type: ignore[arg-type]
        try:
            if _is_whole(iterable) and not reply.sent:
                content = b"".join(iterable)
                return reply.status, _encoded(reply.headers, len(content)), content
            for chunk in iterable:
                reply.write(chunk)
            reply.end()
            return None
        finally:
            getattr(iterable, "close", lambda: None)()  # Django's request_finished, in this thread


class _Streamed:
    """A response sent piece by piece from the worker thread, each piece waiting for the loop."""

    def __init__(self, loop: asyncio.AbstractEventLoop, send: Send) -> None:
        self.loop, self._send = loop, send
        self.status, self.headers = 500, list[tuple[str, str]]()
        self.sent = False

    def start_response(self, status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        self.status, self.headers = int(status.split(" ", 1)[0]), headers
        return self.write

    def write(self, chunk: bytes) -> None:
        self._start()
        self._wait({"type": "http.response.body", "body": chunk, "more_body": True})

    def end(self) -> None:
        self._start()
        self._wait({"type": "http.response.body", "body": b""})

    def _start(self) -> None:
        if not self.sent:
            self.sent = True
            self._wait(
                {"type": "http.response.start", "status": self.status, "headers": _encoded(self.headers)}
            )

    def _wait(self, message: Message) -> None:
        asyncio.run_coroutine_threadsafe(self._send(message), self.loop).result()  # type: ignore[arg-type]


def _is_whole(iterable: Iterable[bytes]) -> bool:
    """A response built whole: a list, or a Django response that is not streamed."""
    return isinstance(iterable, list | tuple) or getattr(iterable, "streaming", None) is False


def _encoded(headers: list[tuple[str, str]], length: int | None = None) -> list[tuple[bytes, bytes]]:
    out = [(name.strip().lower().encode("latin1"), value.strip().encode("latin1")) for name, value in headers]
    if length is not None and not any(name == b"content-length" for name, _ in out):
        out.append((b"content-length", str(length).encode()))
    return out


def _replaying(chunks: list[bytes], receive: Receive) -> Receive:
    """`receive` that first gives back the body already read."""
    pending = [{"type": "http.request", "body": b"".join(chunks), "more_body": True}]

    async def replay() -> Message:
        return pending.pop() if pending else await receive()

    return replay
