"""The web server process of `casework serve`, with the worker and scheduler beside it.

`casework serve` migrates and prints where Casework runs, then replaces itself
with this module, which never imports Django: with several web workers the
supervising process then holds about 20 MB instead of a loaded Django's 90.
Each uvicorn worker imports the application itself.

    python -m casework.config.server --host H --port P --workers N [--background] [--debug]
"""

from __future__ import annotations

import argparse
import signal
import subprocess
import sys

import uvicorn


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="casework serve")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--background", action="store_true", help="run the worker and scheduler too")
    parser.add_argument("--debug", action="store_true", help="log every request")
    args = parser.parse_args(argv)
    children: list[subprocess.Popen[bytes]] = []
    if args.background:
        for role in ("worker", "scheduler"):
            children.append(subprocess.Popen([sys.executable, "-m", "casework", role]))
    try:
        uvicorn.run(
            "casework.config.asgi:application",
            host=args.host,
            port=args.port,
            workers=args.workers,
            log_level="info" if args.debug else "warning",
            lifespan="off",
            loop=_loop(args.workers),
            access_log=args.debug,
        )
    finally:
        _stop(children)


def _loop(workers: int) -> str:
    """With several workers, one whose servers share connections fairly among them
    (`balanced_accept`); uvloop is not installed everywhere (Windows)."""
    try:
        import uvloop  # noqa: F401
    except ImportError:
        return "auto"
    return "casework.config.balanced_accept:new_event_loop" if workers > 1 else "auto"


def _stop(children: list[subprocess.Popen[bytes]]) -> None:
    for child in children:
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)
    for child in children:
        try:
            child.wait(timeout=10)
        except subprocess.TimeoutExpired:
            child.kill()


if __name__ == "__main__":
    main()
