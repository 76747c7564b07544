"""`casework`: the one entry point (Django's management commands behind it)."""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casework.config.settings")
    from django.core.management import execute_from_command_line

    args = list(sys.argv[1:] if argv is None else argv)
    if args[:2] == ["token", "create"]:  # `casework token create ...` reads naturally
        args = ["token_create", *args[2:]]
    execute_from_command_line(["casework", *args])


if __name__ == "__main__":
    main()
