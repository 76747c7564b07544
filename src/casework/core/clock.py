"""The one source of "now" for the rules: tests move it with time-machine, and
bulk loaders (demo data) can set it, never by sleeping."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime

from django.utils import timezone

_source: Callable[[], datetime] = timezone.now


def now() -> datetime:
    return _source()


@contextmanager
def using(source: Callable[[], datetime]) -> Iterator[None]:
    """Run a block with another clock (e.g. replaying demo history in the past)."""
    global _source
    previous, _source = _source, source
    try:
        yield
    finally:
        _source = previous
