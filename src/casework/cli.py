"""`casework`: the one entry point (Django's management commands behind it)."""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casework.config.settings")
    from django.core.management import execute_from_command_line

    from casework.config.env import ConfigurationError

    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["token"] and args[1:2] in (["create"], ["list"], ["revoke"]):
        args = [f"token_{args[1]}", *args[2:]]  # `casework token create ...` reads naturally
    if args and not args[0].startswith("-") and "-" in args[0]:  # `casework mail-gateway` -> mail_gateway
        args[0] = args[0].replace("-", "_")
    try:
        execute_from_command_line(["casework", *args])
    except ConfigurationError as exc:  # a setting is missing or wrong: say which, without a traceback
        sys.stderr.write(f"casework: configuration error: {exc}\n")
        sys.exit(2)


if __name__ == "__main__":
    main()
