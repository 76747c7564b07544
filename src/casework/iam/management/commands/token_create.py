"""casework token create --user EMAIL --name NAME: prints a new API token once."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from casework.core.errors import CaseworkError
from casework.iam import selectors, services


class Command(BaseCommand):
    help = "Create an API token for a user; the token is printed once, alone on the last line."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--user", required=True, help="the user's email")
        parser.add_argument("--name", required=True, help="what the token is for")
        parser.add_argument("--read-only", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        user = selectors.find_user_by_email(options["user"])
        if user is None:
            raise CommandError(f"--user: no user with email {options['user']}")
        scopes = ("read",) if options["read_only"] else ("read", "write")
        try:
            token, key = services.create_token(user, options["name"], scopes=scopes)
        except CaseworkError as exc:
            raise CommandError(f"--{exc.field}: {exc.message}") from None
        self.stderr.write(
            f"token {token.name!r} for {user.email} ({', '.join(scopes)}); it is shown only now:"
        )
        self.stdout.write(key)
