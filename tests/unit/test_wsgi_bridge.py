"""The bridge from the ASGI server to Django's WSGI handler: a request's body
reaches the app whole, a whole response goes back in one piece with its length,
and uploads and streamed responses still go piece by piece."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from typing import Any

from casework.config.wsgi_bridge import BufferedWSGI


def _serve(app: Any, body_parts: list[bytes], *, limit: int = 1024) -> tuple[list[dict[str, Any]], list[str]]:
    """Run one request through the bridge; the messages sent and the app's threads."""
    threads: list[str] = []

    def traced(environ: dict[str, Any], start_response: Any) -> Any:
        threads.append(threading.current_thread().name)
        return app(environ, start_response)

    bridge = BufferedWSGI(traced, workers=2, buffered_body_limit=limit)
    incoming = [
        {"type": "http.request", "body": part, "more_body": i < len(body_parts) - 1}
        for i, part in enumerate(body_parts)
    ]
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return incoming.pop(0) if incoming else {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "http_version": "1.1",
        "method": "POST",
        "path": "/api/v1/echo",
        "query_string": b"x=1",
        "headers": [(b"content-type", b"application/json"), (b"x-trace", b"a"), (b"x-trace", b"b")],
        "server": ("127.0.0.1", 8000),
        "client": ("127.0.0.1", 50000),
    }
    asyncio.run(bridge(scope, receive, send))
    bridge.pool.shutdown()
    return sent, threads


def _echo(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    length = int(environ.get("CONTENT_LENGTH") or 0) or -1
    body = environ["wsgi.input"].read(length)
    start_response("201 Created", [("Content-Type", "text/plain"), ("X-Seen", environ["HTTP_X_TRACE"])])
    return [b"got ", str(len(body)).encode(), b" bytes for ", environ["PATH_INFO"].encode()]


def test_a_whole_response_goes_back_in_one_piece_with_its_length() -> None:
    sent, threads = _serve(_echo, [b'{"a"', b": 1}"])
    start, body = sent
    assert start["status"] == 201
    assert (b"x-seen", b"a,b") in start["headers"]  # repeated headers joined, as WSGI has them
    assert (b"content-length", b"28") in start["headers"]
    assert body == {"type": "http.response.body", "body": b"got 8 bytes for /api/v1/echo"}
    assert threads[0].startswith("casework-web")  # never on the event loop's thread


def test_an_upload_over_the_limit_reaches_the_app_whole_all_the_same() -> None:
    parts = [b"x" * 700, b"y" * 700, b"z" * 700]  # 2,100 bytes against a limit of 1,024
    sent, _ = _serve(_echo, parts)
    assert sent[0]["status"] == 201
    assert b"".join(m.get("body", b"") for m in sent[1:]) == b"got 2100 bytes for /api/v1/echo"


def test_a_streamed_response_is_sent_piece_by_piece() -> None:
    released = threading.Event()

    def stream(environ: dict[str, Any], start_response: Any) -> Iterator[bytes]:
        start_response("200 OK", [("Content-Type", "text/event-stream")])
        yield b"first\n"
        released.set()
        yield b"second\n"

    sent, _ = _serve(stream, [b""])
    assert sent[0] == {
        "type": "http.response.start",
        "status": 200,
        "headers": [(b"content-type", b"text/event-stream")],
    }
    assert [m["body"] for m in sent[1:]] == [b"first\n", b"second\n", b""]
    assert [m.get("more_body", False) for m in sent[1:]] == [True, True, False]
    assert released.is_set()


def test_a_client_gone_before_its_body_arrived_is_not_answered() -> None:
    def never(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        raise AssertionError("the app ran for a client that had left")

    bridge = BufferedWSGI(never, workers=1)

    async def receive() -> dict[str, Any]:
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        raise AssertionError("sent to a client that had left")

    asyncio.run(bridge({"type": "http"}, receive, send))
    bridge.pool.shutdown()
