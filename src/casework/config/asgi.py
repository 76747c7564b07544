"""ASGI entry point (uvicorn serves it; server-sent events need ASGI).

Django's ASGI handler runs each synchronous middleware and view through its
own hop to a worker thread, and starts a fresh thread per request: about 4 ms
of CPU per request before any work is done. Almost every Casework view is
synchronous, so requests go through Django's WSGI handler instead, in one hop
to a pool of long-lived threads (each keeps its database connection; see
`wsgi_bridge`). Only the async views (the live-update stream) are served by the
ASGI handler.
"""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable
from functools import lru_cache
from inspect import iscoroutinefunction
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casework.config.settings")

from django.core.asgi import get_asgi_application
from django.core.wsgi import get_wsgi_application
from django.urls import Resolver404, resolve

from casework.config.env import env_number
from casework.config.wsgi_bridge import BufferedWSGI

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[Any], Awaitable[None]]

django_asgi = get_asgi_application()
# Threads per process: requests that wait on the database overlap; the GIL does the rest.
django_wsgi = BufferedWSGI(get_wsgi_application(), workers=int(env_number("CASEWORK_WEB_THREADS", 8)))


@lru_cache(maxsize=4096)
def is_async_view(path: str) -> bool:
    try:
        match = resolve(path)
    except Resolver404:
        return False
    return iscoroutinefunction(match.func)


async def application(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] == "http" and not is_async_view(scope["path"]):
        await django_wsgi(scope, receive, send)
    else:
        await django_asgi(scope, receive, send)
